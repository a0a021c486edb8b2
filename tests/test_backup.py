"""Backup and restore, on whichever database the suite runs on.

Every test here runs on SQLite and on PostgreSQL alike: the path that does not
apply to the suite's database is not skipped, the test simply takes the branch
of the database it has. A restore goes into a fresh database (another SQLite
file, or a new PostgreSQL database that is dropped afterwards), and the
operator's commands (`restore`, `pg_restore`, `migrate`, `verify_audit`) run
as the operator runs them: as processes against that database.
"""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.db import connection

from factcheck import services
from factcheck.backup import ChainHead, read_head
from factcheck.models import AuditEvent, Note
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_TABLES = [
    "factcheck_article",
    "factcheck_claim",
    "factcheck_source",
    "factcheck_attribution",
    "factcheck_evidencelink",
    "factcheck_note",
    "factcheck_auditevent",
]
TEXT = (
    "Flood toll rises to 41 — officials\n\n"
    "The ministry said on Monday that 41 people had died in the floods. "
    "“We expect the figure to rise,” a spokesperson told AFP in Zürich. 🌊"
)


def newsroom_history() -> dict:
    """A realistic day's work, through the services: two claims, one of them signed off."""
    rita = factories.make_user("Reviewer", username="rita")
    ed = factories.make_user("Editor", username="ed")
    chief = factories.make_user("Editor", username="+chief")
    article = factories.make_article(
        actor=rita, text=TEXT, title="Flood toll rises to 41 — officials", outlet="Le Monde"
    )
    ministry = factories.make_source("Ministry of the Interior", actor=rita)
    afp = factories.make_source("Agence France-Presse", type_slug="news_agency", actor=rita)
    spokesperson = factories.make_source(
        "Ministry spokesperson", type_slug="anonymous_official", actor=rita
    )
    toll = factories.make_claim(
        article=article, phrase="41 people had died in the floods", actor=rita
    )
    rise = factories.make_claim(article=article, phrase="We expect the figure to rise", actor=rita)
    said = TEXT.index("said")
    services.attribution_add(
        actor=rita,
        claim=toll,
        source=ministry,
        mention_start=TEXT.index("The ministry"),
        mention_end=TEXT.index("The ministry") + len("The ministry"),
        cue_start=said,
        cue_end=said + len("said"),
        quote_mode="paraphrase",
    )
    services.attribution_add(
        actor=rita,
        claim=rise,
        source=spokesperson,
        intermediary=afp,
        quote_mode="direct",
        ground_rule="background",
        anonymity_reason="Not authorised to speak publicly",
    )
    services.note_add(actor=rita, claim=toll, body="Checked with the ministry’s press office.")
    note = services.note_add(actor=rita, claim=toll, body="Typo, ignore")
    services.note_delete(actor=rita, note=note)
    services.claim_set_status(actor=rita, claim=toll, status="in_progress")
    services.evidence_add(
        actor=rita, claim=toll, url="https://example.org/flood-report", title="Interior report"
    )
    services.claim_update(
        actor=ed, claim=toll, rationale="The ministry's own report gives 38 deaths, not 41."
    )
    services.claim_set_status(actor=ed, claim=toll, status="false")
    services.verdict_sign_off(actor=chief, claim=toll)
    services.claim_set_status(actor=rita, claim=rise, status="in_progress")
    return {"reviewer": rita, "claim": toll}


# Talking to a database directly, with the same driver on both sides of a comparison.


def open_raw(name: str):
    if connection.vendor == "sqlite":
        return sqlite3.connect(name)
    params = {**connection.get_connection_params(), "dbname": name}
    return psycopg.connect(**params, autocommit=True)


def dump_tables(name: str) -> dict[str, list[tuple]]:
    """Every table's rows (and, on PostgreSQL, every sequence's position), in a stable order."""
    raw = open_raw(name)
    try:
        cursor = raw.cursor()
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        else:
            cursor.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
            )
        tables = [row[0] for row in cursor.fetchall()]
        dump = {}
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')
            dump[table] = sorted(cursor.fetchall(), key=repr)
        if connection.vendor == "postgresql":
            cursor.execute("SELECT sequencename, last_value FROM pg_sequences ORDER BY 1")
            dump["(sequences)"] = cursor.fetchall()
        return dump
    finally:
        raw.close()


def head_of(name: str) -> ChainHead:
    raw = open_raw(name)
    try:
        return read_head(raw.cursor())
    finally:
        raw.close()


@pytest.fixture
def fresh_database(tmp_path):
    """The name of an empty database of the suite's kind, removed afterwards."""
    if connection.vendor == "sqlite":
        yield str(tmp_path / "restored.sqlite3")
        return
    name = f"fc_restore_{uuid.uuid4().hex[:12]}"
    with open_raw("postgres") as maintenance:
        maintenance.execute(f'CREATE DATABASE "{name}"')
    yield name
    with open_raw("postgres") as maintenance:
        maintenance.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def checkpoints(settings, tmp_path):
    """A checkpoint file of this test's own (settings.FACTCHECK_AUDIT_CHECKPOINTS)."""
    settings.FACTCHECK_AUDIT_CHECKPOINTS = tmp_path / "checkpoints.jsonl"
    return settings.FACTCHECK_AUDIT_CHECKPOINTS


def manage(tmp_path: Path, database: str, *args: str) -> subprocess.CompletedProcess:
    """Run `manage.py` as an operator would, against `database`, with this test's settings."""
    module = tmp_path / "operator_settings.py"
    checkpoints = getattr(settings, "FACTCHECK_AUDIT_CHECKPOINTS", None)
    module.write_text(
        "from tests.settings import *  # noqa: F403\n"
        f"DATABASES['default']['NAME'] = {database!r}  # noqa: F405\n"
        f"FACTCHECK_AUDIT_CHECKPOINTS = {str(checkpoints) if checkpoints else None!r}\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "operator_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def restore_by_hand(backup: Path, database: str) -> None:
    """The README's manual steps: copy the SQLite file in place, or pg_restore."""
    if connection.vendor == "sqlite":
        shutil.copyfile(backup, database)
        return
    params = connection.settings_dict
    command = ["pg_restore", "--clean", "--if-exists", "--no-owner", "-d", database]
    for flag, value in (("-h", params["HOST"]), ("-p", params["PORT"]), ("-U", params["USER"])):
        if value:
            command += [flag, str(value)]
    env = {**os.environ, **({"PGPASSWORD": params["PASSWORD"]} if params["PASSWORD"] else {})}
    subprocess.run([*command, str(backup)], env=env, check=True, capture_output=True, text=True)


def verify_audit_has_replay() -> bool:
    parser = load_command_class("factcheck", "verify_audit").create_parser(
        "manage.py", "verify_audit"
    )
    return "--replay" in parser.format_help()


@pytest.mark.parametrize("method", ["restore command", "by hand"])
def test_a_restored_backup_holds_the_same_data_and_a_verified_chain(
    transactional_db, tmp_path, fresh_database, checkpoints, method
):
    newsroom_history()
    # Verified before the backup (which records a checkpoint, where verify_audit does so).
    replay = ["--replay"] if verify_audit_has_replay() else []
    call_command("verify_audit", *replay, stdout=io.StringIO())
    backup = tmp_path / "factcheck.backup"
    call_command("backup", str(backup), stdout=io.StringIO())
    original = connection.settings_dict["NAME"]

    if method == "restore command":
        restored = manage(tmp_path, fresh_database, "restore", str(backup))
        assert restored.returncode == 0, restored.stderr
        assert "matches the backup's record" in restored.stdout
    else:
        restore_by_hand(backup, fresh_database)
    migrate = manage(tmp_path, fresh_database, "migrate")
    # Before verify_audit records its checkpoints in the restored database.
    restored_tables = dump_tables(fresh_database)
    verify = manage(tmp_path, fresh_database, "verify_audit")
    replayed = manage(tmp_path, fresh_database, "verify_audit", *replay) if replay else None

    for table in DOMAIN_TABLES:
        assert dump_tables(original)[table], f"the history left {table} empty"
    assert restored_tables == dump_tables(original)
    assert "No migrations to apply." in migrate.stdout
    assert verify.returncode == 0, verify.stderr
    assert f"{AuditEvent.objects.count()} event(s) verified" in verify.stdout
    assert "Compared against 1 checkpoint(s)" in verify.stdout
    if replayed is not None:
        assert replayed.returncode == 0, replayed.stderr
    sidecar = json.loads(backup.with_name(backup.name + ".json").read_text())
    last = AuditEvent.objects.order_by("id").last()
    assert ChainHead(**sidecar["audit_head"]) == head_of(fresh_database)
    assert sidecar["audit_head"] == {
        "last_id": last.id,
        "last_hash": last.hash,
        "count": AuditEvent.objects.count(),
    }
    assert sidecar["checkpoints"]["lines"] == 1
    assert backup.stat().st_mode & 0o077 == 0  # password hashes inside: owner only
    assert (tmp_path / sidecar["checkpoints"]["copy"]).read_text().count("\n") == 1


def test_the_append_only_triggers_come_back_with_a_restore(
    transactional_db, tmp_path, fresh_database
):
    newsroom_history()
    backup = tmp_path / "factcheck.backup"
    call_command("backup", str(backup), stdout=io.StringIO())
    assert manage(tmp_path, fresh_database, "restore", str(backup)).returncode == 0
    before = dump_tables(fresh_database)["factcheck_auditevent"]
    raw = open_raw(fresh_database)

    refusals = []
    for sql in (
        "UPDATE factcheck_auditevent SET reason = 'rewritten'",
        "DELETE FROM factcheck_auditevent",
    ):
        with pytest.raises((sqlite3.DatabaseError, psycopg.Error)) as refused:
            raw.cursor().execute(sql)
        refusals.append(str(refused.value))
        raw.rollback()
    raw.close()

    assert all("append-only" in refusal for refusal in refusals)
    assert dump_tables(fresh_database)["factcheck_auditevent"] == before


def test_a_backup_taken_while_reviewers_write_is_one_consistent_state(
    transactional_db, tmp_path, fresh_database
):
    history = newsroom_history()
    stop = threading.Event()
    errors: list[BaseException] = []
    written = []

    def reviewer_keeps_writing():
        try:
            while not stop.is_set() or len(written) < 5:
                services.note_add(
                    actor=history["reviewer"], claim=history["claim"], body=f"note {len(written)}"
                )
                written.append(True)
        except BaseException as error:
            errors.append(error)
        finally:
            from django.db import connection as thread_connection

            thread_connection.close()

    writer = threading.Thread(target=reviewer_keeps_writing)
    writer.start()
    backup = tmp_path / "factcheck.backup"

    call_command("backup", str(backup), stdout=io.StringIO())
    stop.set()
    writer.join(timeout=60)
    restored = manage(tmp_path, fresh_database, "restore", str(backup))
    verify = manage(tmp_path, fresh_database, "verify_audit")

    assert not writer.is_alive() and errors == []
    assert restored.returncode == 0, restored.stderr
    assert verify.returncode == 0, verify.stderr
    # Each note and its audit event were committed together: the snapshot holds both or neither.
    tables = dump_tables(fresh_database)
    added = [row for row in tables["factcheck_auditevent"] if "note.added" in row]
    deleted = [row for row in tables["factcheck_auditevent"] if "note.deleted" in row]
    assert len(tables["factcheck_note"]) == len(added) - len(deleted)
    sidecar = json.loads(backup.with_name(backup.name + ".json").read_text())
    assert ChainHead(**sidecar["audit_head"]) == head_of(fresh_database)
    assert len(written) >= 5
    assert Note.objects.count() >= len(tables["factcheck_note"])


def test_backup_refuses_to_overwrite_a_file_unless_forced(
    transactional_db, tmp_path, fresh_database
):
    factories.make_claim()
    backup = tmp_path / "factcheck.backup"
    backup.write_bytes(b"last night's backup")

    # The refusal comes before any database is read.
    refused = manage(tmp_path, fresh_database, "backup", str(backup))
    call_command("backup", str(backup), "--force", stdout=io.StringIO())

    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        f"CommandError: {backup} already exists; pass --force to overwrite it."
    ]
    assert backup.read_bytes() != b"last night's backup"
    assert (
        json.loads(backup.with_name(backup.name + ".json").read_text())["audit_head"]["count"]
        == AuditEvent.objects.count()
    )


def test_a_failed_backup_says_why_on_one_line_and_leaves_no_file(tmp_path):
    if connection.vendor == "sqlite":
        broken = tmp_path / "not-a-database.sqlite3"
        broken.write_bytes(b"this is not a database" * 100)
        database = str(broken)
    else:
        database = f"fc_missing_{uuid.uuid4().hex[:12]}"
    out = tmp_path / "out"
    out.mkdir()

    failed = manage(tmp_path, database, "backup", str(out / "factcheck.backup"))

    assert failed.returncode == 1
    assert len(failed.stderr.strip().splitlines()) == 1
    assert failed.stderr.startswith("CommandError: ")
    assert "not a database" in failed.stderr or "does not exist" in failed.stderr
    assert list(out.iterdir()) == []


def test_restore_refuses_a_database_that_is_not_empty(db, tmp_path):
    factories.make_claim()
    backup = tmp_path / "factcheck.backup"
    call_command("backup", str(backup), stdout=io.StringIO())

    with pytest.raises(CommandError, match="is not empty; restore into an empty one"):
        call_command("restore", str(backup))


def test_restore_refuses_a_damaged_backup(db, tmp_path, fresh_database):
    factories.make_claim()
    backup = tmp_path / "factcheck.backup"
    call_command("backup", str(backup), stdout=io.StringIO())
    with backup.open("r+b") as file:
        file.seek(4096)
        file.write(b"\x00" * 16)

    refused = manage(tmp_path, fresh_database, "restore", str(backup))

    assert refused.returncode == 1
    assert "does not match the checksum" in refused.stderr
    assert dump_tables(fresh_database) == (
        {} if connection.vendor == "sqlite" else {"(sequences)": []}
    )


def test_after_restoring_an_older_backup_the_checkpoints_report_the_lost_tail(
    transactional_db, tmp_path, fresh_database, checkpoints
):
    history = newsroom_history()
    call_command("verify_audit", stdout=io.StringIO())
    backup = tmp_path / "factcheck.backup"
    call_command("backup", str(backup), stdout=io.StringIO())
    services.note_add(actor=history["reviewer"], claim=history["claim"], body="After the backup")
    call_command("verify_audit", stdout=io.StringIO())
    assert manage(tmp_path, fresh_database, "restore", str(backup)).returncode == 0

    lost = manage(tmp_path, fresh_database, "verify_audit", "--no-checkpoint")
    # The README's step to accept the loss: keep the live file aside, use the backup's copy.
    checkpoints.rename(tmp_path / "checkpoints-before-restore.jsonl")
    shutil.copyfile(tmp_path / "factcheck.backup.checkpoints.jsonl", checkpoints)
    accepted = manage(tmp_path, fresh_database, "verify_audit")

    assert lost.returncode == 1
    assert "checkpoint line 2" in lost.stderr.lower(), lost.stderr
    assert accepted.returncode == 0, accepted.stderr
