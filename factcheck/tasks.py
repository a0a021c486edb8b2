"""Background work, as Django's tasks (`django.tasks`); each task calls what a command would."""

from django.tasks import task

from factcheck import checkpoints


@task
def checkpoint_audit() -> dict:
    """Verify the audit chain against its checkpoints and, if intact, append a new checkpoint.

    Run it periodically (or `manage.py verify_audit --checkpoint` from cron or a
    systemd timer, which does the same): the more often, the less history can be
    cut between two checkpoints unnoticed.
    """
    result = checkpoints.verify_and_record()
    return {
        "intact": result.ok,
        "events": result.count,
        "head_id": result.head_id,
        "problems": result.problems,
    }
