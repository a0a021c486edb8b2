import fcntl
import io
import os
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from factcheck.models import AuditEvent, SourceType
from factcheck.progress import Progress
from factcheck.roles import role_of
from tests import factories
from tests.conftest import child_environment

ROOT = Path(__file__).resolve().parent.parent


def test_create_demo_users_makes_one_account_per_role_and_prints_passwords(db):
    out = io.StringIO()

    call_command("create_demo_users", stdout=out)

    lines = {line.split()[0]: line.split() for line in out.getvalue().splitlines()[1:]}
    assert set(lines) == {"reviewer", "editor", "editor2", "viewer", "admin"}
    for username, (_, password, *_rest) in lines.items():
        assert User.objects.get(username=username).check_password(password)
    assert role_of(User.objects.get(username="editor")) == "Editor"
    assert role_of(User.objects.get(username="editor2")) == "Editor"
    assert role_of(User.objects.get(username="viewer")) == "Viewer"
    assert User.objects.get(username="admin").is_superuser


def test_create_demo_users_twice_makes_no_duplicates(db):
    call_command("create_demo_users", stdout=io.StringIO())
    call_command("create_demo_users", "--password", "demo-pass-123", stdout=io.StringIO())

    assert User.objects.count() == 5
    assert User.objects.get(username="reviewer").check_password("demo-pass-123")


def test_flush_is_refused_unless_allowed(db, settings):
    settings.FACTCHECK_ALLOW_AUDIT_FLUSH = False

    with pytest.raises(CommandError, match="append-only"):
        call_command("flush", "--no-input")


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_audit_table_and_puts_its_triggers_back():
    factories.make_claim()

    call_command("flush", "--no-input")

    assert not AuditEvent.objects.exists()
    assert SourceType.objects.filter(slug="ministry").exists()
    assert set(Group.objects.values_list("name", flat=True)) == {"Viewer", "Reviewer", "Editor"}
    factories.make_claim()
    for sql in ("UPDATE factcheck_auditevent SET reason = 'x'", "DELETE FROM factcheck_auditevent"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.filter(reason="").count() == AuditEvent.objects.count() > 0


def test_deploy_check_reports_no_warnings_with_production_settings(tmp_path):
    env = child_environment(
        SECRET_KEY="x" * 20 + "production-like-secret-key-0123456789-abcdefghijklmnop",
        AUDIT_KEY="y" * 20 + "production-like-audit-key-0123456789",
        DEBUG="false",
        ALLOWED_HOSTS="factcheck.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_verify_audit_says_what_to_do_when_the_checkpoint_store_is_a_directory(
    db, monkeypatch, tmp_path
):
    factories.make_claim()
    monkeypatch.setattr(settings, "FACTCHECK_AUDIT_CHECKPOINTS", tmp_path)

    with pytest.raises(CommandError) as refused:
        call_command("verify_audit", stdout=io.StringIO())

    message = str(refused.value)
    assert refused.value.returncode != 0
    assert "\n" not in message
    assert message == (
        f"The checkpoint store {tmp_path} is a directory: set FACTCHECK_AUDIT_CHECKPOINTS to a "
        f"file (such as {tmp_path}/audit-checkpoints.jsonl), then run verify_audit again."
    )
    assert list(tmp_path.iterdir()) == []


def test_migrate_makes_the_sqlite_database_readable_by_its_owner_only(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = child_environment(
        SECRET_KEY="x" * 20 + "production-like-secret-key-0123456789-abcdefghijklmnop",
        AUDIT_KEY="y" * 20 + "production-like-audit-key-0123456789",
        DEBUG="false",
        ALLOWED_HOSTS="factcheck.example.org",
        DATABASE_URL=f"sqlite:///{database}",
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        umask=0o022,
    )

    assert result.returncode == 0, result.stderr
    made = sorted(tmp_path.glob("db.sqlite3*"))
    assert database in made
    assert {path.name: oct(path.stat().st_mode & 0o777) for path in made} == {
        path.name: "0o600" for path in made
    }


def test_settings_refuse_to_start_without_a_secret_key_in_production(tmp_path):
    env = child_environment(DEBUG="false")

    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


# --- Long commands say how far they are --------------------------------------


def test_an_import_of_many_files_says_how_far_it_is_and_sums_up(db, tmp_path):
    for n in range(1, 4):
        (tmp_path / f"story{n}.txt").write_text(f"Story {n}\n\nThe port reopened on day {n}.")
    out = io.StringIO()

    call_command("import_articles", str(tmp_path), "--no-suggest", stdout=out)

    lines = out.getvalue().splitlines()
    assert [line[:5] for line in lines[:3]] == ["[1/3]", "[2/3]", "[3/3]"]
    assert "imported #" in lines[0]
    assert re.fullmatch(
        r"3 imported, 0 unchanged, 0 skipped, 0 annotation failures\. \(\d+\.\d s\)", lines[-1]
    )


def test_a_backup_and_its_restore_say_each_step(transactional_db, tmp_path):
    factories.make_claim()
    backup_path = tmp_path / "factcheck.backup"
    out = io.StringIO()

    call_command("backup", str(backup_path), stdout=out)

    lines = out.getvalue().splitlines()
    assert [line[:5] for line in lines[:3]] == ["[1/3]", "[2/3]", "[3/3]"]
    assert (
        "Copying the sqlite database" in lines[1] or "Copying the postgresql database" in lines[1]
    )
    assert lines[3].startswith("Backed up to")


def test_on_a_terminal_progress_is_a_bar(tmp_path):
    main, replica = os.openpty()
    # A terminal of 100 columns by 30 rows, as a person's would have a size.
    fcntl.ioctl(replica, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    with os.fdopen(replica, "w") as terminal:
        progress = Progress(total=4, what="Importing", out=terminal, unit="file")
        for n in range(4):
            progress.say(f"imported #{n}")
            progress.advance()
        progress.finish("4 imported.")
    drawn = b""
    while True:  # everything written, until the closed terminal answers EIO
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    drawn = drawn.decode()
    os.close(main)

    assert "Importing: 100%" in drawn
    assert "4/4" in drawn
    assert "[1/4]" not in drawn  # the bar says how far; the lines need not
    assert "imported #3" in drawn and "4 imported." in drawn
