"""The application's own PostgreSQL role: rows only, audit append-only (grant_app_role)."""

import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

from factcheck import services
from factcheck.models import AuditEvent, CheckpointRecord, Claim, Note, Source
from tests import factories

ROOT = Path(__file__).resolve().parent.parent


def postgresql_only(test):
    """Collect the test on PostgreSQL only (roles exist there).

    Not a skip: CI counts a skipped test as a failure. On SQLite,
    test_grant_app_role_refuses_on_sqlite runs instead.
    """
    return test if connection.vendor == "postgresql" else None


def sqlite_only(test):
    return test if connection.vendor == "sqlite" else None


# What the application's role must never do to the audit history.
REFUSED = [
    "ALTER TABLE factcheck_auditevent DISABLE TRIGGER ALL",
    "ALTER TABLE factcheck_auditevent DISABLE TRIGGER factcheck_auditevent_no_delete",
    "SET session_replication_role = replica",
    "SET LOCAL session_replication_role = replica",
    "UPDATE factcheck_auditevent SET reason = 'forged'",
    "DELETE FROM factcheck_auditevent",
    "TRUNCATE factcheck_auditevent",
    "DROP TRIGGER factcheck_auditevent_no_update ON factcheck_auditevent",
    "DROP TABLE factcheck_auditevent",
    "UPDATE factcheck_checkpointrecord SET mac = 'forged'",
    "DELETE FROM factcheck_checkpointrecord",
    "TRUNCATE factcheck_checkpointrecord",
    "ALTER TABLE factcheck_checkpointrecord DISABLE TRIGGER ALL",
    "INSERT INTO django_migrations (app, name, applied) VALUES ('x', 'y', now())",
    "CREATE TABLE factcheck_shadow (id int)",
]


def as_owner(statement: sql.Composable) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(connection.connection))


@pytest.fixture
def app_role(transactional_db):
    """A role of this test run's own (roles are cluster-wide), dropped afterwards."""
    role = f"fc_app_{os.getpid()}_{secrets.token_hex(4)}"
    # Hex, so it never starts with "-", which argparse would read as an option.
    password = secrets.token_hex(16)
    yield role, password
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        exists = cursor.fetchone() is not None
    if exists:
        as_owner(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        as_owner(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def connect_as(role: str, password: str) -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        dbname=settings["NAME"],
        user=role,
        password=password,
        autocommit=True,
    )


def app_environment(role: str, password: str, tmp_path: Path) -> dict[str, str]:
    """Production settings for a child process that connects as the application's role."""
    database = connection.settings_dict
    url = (
        f"postgres://{role}:{password}@{database['HOST'] or 'localhost'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "SECRET_KEY": "app-role-test-" + "k" * 40,
        "AUDIT_KEY": settings.AUDIT_KEY,
        "FACTCHECK_AUDIT_CHECKPOINTS": str(tmp_path / "checkpoints.jsonl"),
        "DEBUG": "false",
    }


def refusal(app: psycopg.Connection, statement: str) -> type[Exception] | None:
    """The error class PostgreSQL answers the statement with (None if it was done)."""
    try:
        with app.transaction():
            app.execute(statement)
    except psycopg.Error as error:
        return type(error)
    return None


def audit_privileges(app: psycopg.Connection) -> list[str]:
    """What the connected role may do to the audit table, as information_schema lists it."""
    rows = app.execute(
        "SELECT privilege_type FROM information_schema.table_privileges "
        "WHERE grantee = current_user AND table_name = 'factcheck_auditevent'"
    ).fetchall()
    return sorted(privilege for (privilege,) in rows)


@postgresql_only
def test_the_app_role_cannot_touch_the_audit_history_but_can_do_its_work(app_role):
    role, password = app_role
    claim = factories.make_claim()
    events = AuditEvent.objects.count()

    call_command("grant_app_role", role, "--password", password, stdout=io.StringIO())

    with connect_as(role, password) as app:
        refusals = {statement: refusal(app, statement) for statement in REFUSED}
        assert refusals == dict.fromkeys(REFUSED, psycopg.errors.InsufficientPrivilege)
        assert app.execute("SELECT count(*) FROM factcheck_auditevent").fetchone()[0] == events
        app.execute(
            "INSERT INTO factcheck_note (claim_id, body, created_at) "
            "VALUES (%s, 'From app', now())",
            [claim.pk],
        )
        app.execute("UPDATE factcheck_claim SET rationale = 'By app' WHERE id = %s", [claim.pk])
        app.execute("DELETE FROM factcheck_note WHERE body = 'From app'")
        # Appending events is the services' job: test_the_app_runs_as_its_role does it.
        assert audit_privileges(app) == ["INSERT", "SELECT"]
    assert Claim.objects.get(pk=claim.pk).rationale == "By app"
    assert not Note.objects.exists()


@postgresql_only
def test_grant_app_role_twice_changes_nothing_and_undoes_looser_grants(app_role):
    role, password = app_role
    call_command("grant_app_role", role, "--password", password, stdout=io.StringIO())
    as_owner(sql.SQL("GRANT ALL ON factcheck_auditevent TO {}").format(sql.Identifier(role)))

    call_command("grant_app_role", role, stdout=io.StringIO())

    with connect_as(role, password) as app:
        assert audit_privileges(app) == ["INSERT", "SELECT"]
        assert refusal(app, "TRUNCATE factcheck_auditevent") is (
            psycopg.errors.InsufficientPrivilege
        )
        assert refusal(app, "SELECT count(*) FROM factcheck_source") is None


@postgresql_only
def test_grant_app_role_refuses_the_owner_and_a_superuser(app_role):
    role, _ = app_role
    as_owner(sql.SQL("CREATE ROLE {} SUPERUSER").format(sql.Identifier(role)))
    owner = connection.settings_dict["USER"]

    with pytest.raises(CommandError, match="superuser"):
        call_command("grant_app_role", role)
    with pytest.raises(CommandError, match="owns the tables"):
        call_command("grant_app_role", owner)


@postgresql_only
def test_grant_app_role_says_what_to_do_when_the_owner_may_not_create_roles(app_role, tmp_path):
    role, password = app_role
    owner = f"{role}_owner"
    as_owner(
        sql.SQL("CREATE ROLE {} LOGIN NOCREATEROLE PASSWORD {}").format(
            sql.Identifier(owner), sql.Literal(password)
        )
    )
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{owner}:{password}@{database['HOST'] or 'localhost'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "SECRET_KEY": "app-role-test-" + "k" * 40,
        "AUDIT_KEY": settings.AUDIT_KEY,
        "FACTCHECK_AUDIT_CHECKPOINTS": str(tmp_path / "checkpoints.jsonl"),
        "DEBUG": "false",
    }

    try:
        done = subprocess.run(
            [sys.executable, "manage.py", "grant_app_role", role],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
    finally:
        as_owner(sql.SQL("DROP ROLE {}").format(sql.Identifier(owner)))

    assert done.returncode != 0
    [line] = done.stderr.splitlines()
    assert f"{owner} may not create or change the role {role} (it lacks CREATEROLE" in line
    assert f"ALTER ROLE {owner} CREATEROLE" in line
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        assert cursor.fetchone() is None


@postgresql_only
def test_the_app_runs_as_its_role(app_role, tmp_path):
    """The services, the chain lock and verify_audit all work without ownership."""
    role, password = app_role
    # A text of its own: the child's factories count from 1 again.
    factories.make_claim(article=factories.make_article(text="Before\n\nThe port reopened."))
    call_command("grant_app_role", role, "--password", password, stdout=io.StringIO())
    script = (
        "from factcheck import services; from tests import factories; "
        "source = factories.make_source('Made by the app role'); "
        "claim = factories.make_claim(); "
        "services.attribution_add(actor=None, claim=claim, source=source); "
        "services.claim_set_status(actor=None, claim=claim, status='in_progress')"
    )
    env = app_environment(role, password, tmp_path)

    wrote = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    verified = subprocess.run(
        [sys.executable, "manage.py", "verify_audit"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )

    assert wrote.returncode == 0, wrote.stderr
    assert Source.objects.filter(name="Made by the app role").exists()
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Audit chain intact" in verified.stdout
    assert CheckpointRecord.objects.count() == 1

    # A store put back from an older copy, emptied, or gone: the role that runs the app
    # finds each from the database's record of the checkpoints written.
    store = tmp_path / "checkpoints.jsonl"
    older = store.read_text()
    again = subprocess.run(
        [sys.executable, "manage.py", "verify_audit"], cwd=ROOT, env=env, capture_output=True
    )
    assert again.returncode == 0, again.stderr
    found = {}
    for case, tamper in (
        ("older copy", lambda: store.write_text(older)),
        ("emptied", lambda: store.write_text("")),
        ("gone", store.unlink),
    ):
        tamper()
        found[case] = subprocess.run(
            [sys.executable, "manage.py", "verify_audit", "--replay"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )

    assert all(run.returncode != 0 for run in found.values())
    assert "an older copy was put back" in found["older copy"].stderr
    assert "(it was emptied)" in found["emptied"].stderr
    assert "checkpoints.jsonl is missing" in found["gone"].stderr


@sqlite_only
def test_grant_app_role_refuses_on_sqlite(db):
    with pytest.raises(CommandError, match="for PostgreSQL") as refused:
        call_command("grant_app_role", "factcheck_app")

    assert refused.value.returncode == 2


@postgresql_only
def test_replay_as_the_app_role_finds_rows_changed_by_the_app_role(app_role, tmp_path):
    """The least-privileged role may write rows; it cannot write them unnoticed."""
    from tests.test_replay import RAW_CHANGES

    role, password = app_role
    reviewer = factories.make_user("Reviewer", username="rita")
    article = factories.make_article(text="Hurt\n\nThe ministry said 12 were hurt.", actor=reviewer)
    claim = factories.make_claim(article=article, actor=reviewer)
    source = factories.make_source("Health Ministry", type_slug="ministry", actor=reviewer)
    services.attribution_add(actor=reviewer, claim=claim, source=source)
    services.note_add(actor=reviewer, claim=claim, body="Call the ministry")
    call_command("grant_app_role", role, "--password", password, stdout=io.StringIO())
    changes = {name: RAW_CHANGES[name] for name in RAW_CHANGES if name != "suggestion flipped"}
    with connect_as(role, password) as app:
        for sql_text, _, _ in changes.values():
            app.execute(sql_text, [True] if "%s" in sql_text else [])
    env = app_environment(role, password, tmp_path)

    verified = subprocess.run(
        [sys.executable, "manage.py", "verify_audit", "--replay"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )

    assert verified.returncode != 0
    for name, (_, _, words) in changes.items():
        assert words in verified.stderr, name
