import os

import pytest
from django.conf import settings as django_settings

# Playwright's sync API runs an event loop in the test thread; Django's ORM
# must still be allowed to run there (and in live_server's threads).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from factcheck import services
from tests import factories


def child_environment(**variables: str) -> dict[str, str]:
    """A new shell's environment for a process a test starts: `variables`, and no `.env`.

    Without FACTCHECK_ENV_FILE the settings read the project's `.env`, which
    `scripts/start` writes for the demo (DEBUG, the keys): the child would test the demo.
    """
    return {"PATH": "/usr/bin:/bin", "FACTCHECK_ENV_FILE": "", **variables}


@pytest.fixture(autouse=True)
def audit_checkpoints(monkeypatch, tmp_path):
    """Give each test its own audit checkpoint file: the suite flushes the audit table."""
    # Not pytest-django's `settings`: its override hides settings.SETTINGS_MODULE,
    # which commands that start child processes pass on.
    path = tmp_path / "audit-checkpoints.jsonl"
    monkeypatch.setattr(django_settings, "FACTCHECK_AUDIT_CHECKPOINTS", path)
    return path


@pytest.fixture
def admin_user(db):
    """pytest-django's admin, made through the account services like every account here."""
    return services.account_create(
        actor=None, username="admin", password="password", is_staff=True, is_superuser=True
    )


@pytest.fixture
def reviewer(db):
    return factories.make_user("Reviewer", username="rita")


@pytest.fixture
def editor(db):
    return factories.make_user("Editor", username="ed")


@pytest.fixture
def viewer(db):
    return factories.make_user("Viewer", username="vic")


@pytest.fixture
def article(db):
    return factories.make_article()


@pytest.fixture
def claim(article):
    return factories.make_claim(article=article)


@pytest.fixture
def seed_text() -> str:
    return factories.SEED_ARTICLE.read_text(encoding="utf-8")


def pytest_sessionfinish(session, exitstatus):
    """On CI, a skipped test is a failure: it means a dependency is missing."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") and reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line("CI: tests were skipped; failing the run.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
