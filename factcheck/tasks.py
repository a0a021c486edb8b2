"""Background work, as Django's tasks (`django.tasks`); each task calls what a command would."""

from django.tasks import task

from factcheck import checkpoints
from factcheck.suggest.version import suggester_version


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


@task
def suggest_article(article_id: int, run_id: int | None = None) -> dict:
    """Run the attribution suggester over an article and store its suggestions as a run.

    The run (`run_id`, queued by `services.suggestions_request`) goes running,
    then done with its count, or failed with the reason: the articles list
    shows each. Without `run_id` (a task queued by hand) a run is made here.
    A run that is no longer queued (already carried out) is left alone.
    """
    from django.conf import settings

    from factcheck import services
    from factcheck.models import Article, SuggestionRun

    if run_id is None:
        run = SuggestionRun.objects.create(article_id=article_id)
    else:
        run = SuggestionRun.objects.filter(pk=run_id, article_id=article_id).first()
        if run is None:
            # The article (and its runs) was deleted after the task was queued.
            return {"article": article_id, "run": run_id, "state": "gone"}
    model = getattr(settings, "FACTCHECK_SPACY_MODEL", None)
    started = services.suggestion_run_start(
        run=run, model_name=model or "", model_version=suggester_version()
    )
    if started is None:
        run.refresh_from_db()
        return {"article": article_id, "run": run.pk, "state": run.state, "count": run.count}
    try:
        # Imported here: the suggester loads spaCy, which the web process need not.
        from factcheck.suggest import suggest

        article = Article.objects.get(pk=article_id)
        records = suggest(article.text, model=model)
        proposals = [services.ProposedSuggestion.from_record(record) for record in records]
        outcome = services.suggestion_run_record(run=started, proposals=proposals)
    except Exception as error:
        services.suggestion_run_fail(run=started, error=f"{type(error).__name__}: {error}")
        # Raised again, so that the task's own result records the failure too.
        raise
    return {
        "article": article_id,
        "run": run.pk,
        "state": outcome.run.state,
        "count": outcome.run.count,
        "skipped": len(outcome.skipped),
    }
