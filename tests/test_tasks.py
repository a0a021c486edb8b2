"""Background suggestion runs: queued on import and on request, run by a task, by a real worker."""

import io
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from factcheck import services
from factcheck.models import (
    Article,
    AuditEvent,
    Suggestion,
    SuggestionRun,
    SuggestionRunState,
    SuggestionState,
)
from factcheck.tasks import suggest_article
from tests import factories

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
ARTICLE = (
    "Talks resume in Cairo\n\n"
    "“We are close to a deal,” White House spokesperson John Kirby told reporters on "
    "Monday. He added that 40 hostages could be freed in the first phase. "
    "A senior Hamas official, speaking on condition of anonymity, told AFP the group "
    "had not yet received the proposal."
)


@pytest.fixture
def database_tasks(settings):
    """Queue tasks in the database, as production does, instead of running them at once."""
    settings.TASKS = DATABASE_TASKS


def test_a_request_runs_the_suggester_and_stores_its_suggestions(
    reviewer, django_capture_on_commit_callbacks
):
    article = factories.make_article(text=ARTICLE)

    with django_capture_on_commit_callbacks(execute=True):
        run = services.suggestions_request(actor=reviewer, article=article)

    run.refresh_from_db()
    assert run.state == SuggestionRunState.DONE, run.error
    assert run.requested_by == reviewer
    assert run.started_at <= run.finished_at
    assert run.count == Suggestion.objects.filter(run=run).count() > 0
    assert run.task_id
    event = AuditEvent.objects.get(action="suggestions.generated")
    assert event.changes["count"] == [None, run.count]
    assert event.changes["requested_by"][1]["id"] == reviewer.pk


def test_suggest_again_does_not_bring_back_a_rejected_suggestion(
    reviewer, django_capture_on_commit_callbacks
):
    article = factories.make_article(text=ARTICLE)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.suggestions_request(actor=reviewer, article=article)
    rejected = Suggestion.objects.filter(run=first).first()
    services.suggestion_reject(actor=reviewer, suggestion=rejected)

    with django_capture_on_commit_callbacks(execute=True):
        again = services.suggestions_request(actor=reviewer, article=article)

    again.refresh_from_db()
    assert again.state == SuggestionRunState.DONE
    assert again.count == 0
    assert Suggestion.objects.filter(article=article, state=SuggestionState.REJECTED).count() == 1
    assert not Suggestion.objects.filter(run=again).exists()


def test_a_failing_run_is_marked_failed_with_the_reason(
    reviewer, settings, django_capture_on_commit_callbacks
):
    settings.FACTCHECK_SPACY_MODEL = "no_such_pipeline_installed"
    article = factories.make_article(text=ARTICLE)

    with django_capture_on_commit_callbacks(execute=True):
        run = services.suggestions_request(actor=reviewer, article=article)

    run.refresh_from_db()
    assert run.state == SuggestionRunState.FAILED
    assert "no_such_pipeline_installed" in run.error
    assert run.finished_at is not None
    assert AuditEvent.objects.get(action="suggestions.failed").reason == run.error


def test_viewers_may_not_ask_for_suggestions(viewer):
    article = factories.make_article(text=ARTICLE)

    with pytest.raises(services.NotAllowed):
        services.suggestions_request(actor=viewer, article=article)

    assert not SuggestionRun.objects.exists()


def test_a_request_while_a_run_is_queued_returns_that_run(database_tasks, reviewer):
    article = factories.make_article(text=ARTICLE)

    first = services.suggestions_request(actor=reviewer, article=article)
    second = services.suggestions_request(actor=reviewer, article=article)

    assert first == second
    assert SuggestionRun.objects.filter(article=article).count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_import_of_fifty_files_only_queues_the_runs(database_tasks, client):
    client.force_login(factories.make_user("Reviewer", username="importer"))
    files = [
        io.BytesIO(f"Story {n}\n\nThe ministry said {n} people were hurt.".encode())
        for n in range(50)
    ]
    for n, upload in enumerate(files):
        upload.name = f"story-{n}.txt"

    started = time.perf_counter()
    response = client.post(reverse("article_import"), {"files": files})
    elapsed = time.perf_counter() - started

    assert response.status_code == 302
    assert Article.objects.count() == 50
    runs = SuggestionRun.objects.all()
    assert runs.count() == 50
    assert set(runs.values_list("state", flat=True)) == {SuggestionRunState.QUEUED}
    assert DBTaskResult.objects.filter(status="READY").count() == 50
    assert set(runs.values_list("task_id", flat=True)) == {
        str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)
    }
    assert not Suggestion.objects.exists()
    assert elapsed < 20, f"the import took {elapsed:.1f} s"


@pytest.mark.django_db(transaction=True)
def test_import_articles_queues_runs_unless_told_not_to(database_tasks, tmp_path):
    (tmp_path / "a.txt").write_text("A\n\nThe ministry said 3 people were hurt.")
    (tmp_path / "b.txt").write_text("B\n\nThe ministry said 4 people were hurt.")

    call_command("import_articles", str(tmp_path / "a.txt"), stdout=io.StringIO())
    call_command("import_articles", str(tmp_path / "b.txt"), "--no-suggest", stdout=io.StringIO())

    assert list(SuggestionRun.objects.values_list("article__title", "state")) == [
        ("A", SuggestionRunState.QUEUED)
    ]
    assert DBTaskResult.objects.count() == 1


def worker_environment() -> dict[str, str]:
    """Point a child process at the suite's test database with production settings."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{database['NAME']}"
    else:
        url = (
            f"postgres://{database['USER']}@{database['HOST'] or 'localhost'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        )
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "FACTCHECK_ENV_FILE": "",
        "DATABASE_URL": url,
        "SECRET_KEY": django_settings.SECRET_KEY,
        "AUDIT_KEY": django_settings.AUDIT_KEY,
        "DEBUG": "false",
    }


@pytest.mark.django_db(transaction=True)
def test_the_real_worker_runs_a_queued_suggestion_run(database_tasks):
    reviewer = factories.make_user("Reviewer", username="asker")
    article = factories.make_article(text=ARTICLE)
    run = services.suggestions_request(actor=reviewer, article=article)
    assert SuggestionRun.objects.get(pk=run.pk).state == SuggestionRunState.QUEUED

    worker = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--batch",
            "--no-reload",
            "--no-startup-delay",
        ],
        cwd=django_settings.BASE_DIR,
        env=worker_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert worker.returncode == 0, worker.stderr
    run.refresh_from_db()
    assert run.state == SuggestionRunState.DONE, run.error
    assert run.count == Suggestion.objects.filter(run=run).count() > 0
    task = DBTaskResult.objects.get(id=run.task_id)
    assert task.status == "SUCCESSFUL"
    assert task.return_value["count"] == run.count
    call_command("verify_audit", stdout=io.StringIO())


def test_suggest_command_queues_runs_for_the_named_articles(db, database_tasks):
    first = factories.make_article(text=ARTICLE)
    second = factories.make_article()
    stdout = io.StringIO()

    call_command("suggest", "--article", str(first.pk), "--article", str(second.pk), stdout=stdout)

    runs = SuggestionRun.objects.order_by("article_id")
    assert [(run.article_id, run.state) for run in runs] == [
        (first.pk, SuggestionRunState.QUEUED),
        (second.pk, SuggestionRunState.QUEUED),
    ]
    assert f"queued run #{runs[0].pk} for article #{first.pk} “{first.title}”" in stdout.getvalue()


def test_suggest_command_refuses_an_unknown_article(db):
    with pytest.raises(CommandError, match="No article with id 999"):
        call_command("suggest", "--article", "999", stdout=io.StringIO())


def test_suggest_all_now_runs_in_process_and_a_worker_then_finds_nothing_to_redo(
    db, database_tasks, django_capture_on_commit_callbacks
):
    article = factories.make_article(text=ARTICLE)
    with django_capture_on_commit_callbacks(execute=True):
        queued = services.suggestions_request(actor=None, article=article)
    stdout = io.StringIO()

    call_command("suggest", "--all", "--now", stdout=stdout)

    queued.refresh_from_db()
    assert queued.state == SuggestionRunState.DONE
    assert f"run #{queued.pk} for article #{article.pk}" in stdout.getvalue()
    assert f"{queued.count} new suggestion(s)" in stdout.getvalue()
    again = suggest_article.call(article.pk, run_id=queued.pk)
    assert again == {
        "article": article.pk,
        "run": queued.pk,
        "state": "done",
        "count": queued.count,
    }
    assert Suggestion.objects.filter(article=article).count() == queued.count
