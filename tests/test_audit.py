import datetime
import hashlib
import hmac
import io
import itertools
import json
import os
import secrets
import sqlite3
import subprocess
import sys

import psycopg
import pytest
from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from factcheck import audit, checkpoints, services, tasks
from factcheck.models import AuditEvent, CheckpointRecord, Claim
from tests import factories
from tests.conftest import child_environment
from tests.test_tasks import worker_environment


@pytest.fixture
def history(reviewer):
    """Six audited events: the reviewer's account, then an article, a claim, a status
    change, a source and an attribution."""
    claim = factories.make_claim(actor=reviewer)
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    source = factories.make_source("Ministry of Health", actor=reviewer)
    services.attribution_add(actor=reviewer, claim=claim, source=source)
    return list(AuditEvent.objects.order_by("id"))


def run_verify() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def raw(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_each_event_links_to_the_previous_one(history):
    assert [e.action for e in history] == [
        "user.created",
        "article.created",
        "claim.created",
        "claim.status_changed",
        "source.created",
        "attribution.added",
    ]
    assert history[0].prev_hash == audit.GENESIS_HASH
    for previous, event in itertools.pairwise(history):
        assert event.prev_hash == previous.hash
        assert event.hash == audit.compute_hash(event)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE factcheck_auditevent SET reason = 'rewritten' WHERE id = %s",
        "UPDATE factcheck_auditevent SET changes = '{}'",
        "DELETE FROM factcheck_auditevent WHERE id = %s",
        "DELETE FROM factcheck_auditevent",
    ],
)
def test_raw_sql_cannot_rewrite_history(history, sql):
    params = [history[1].id] if "%s" in sql else []

    with pytest.raises(DatabaseError, match="append-only"):
        raw(sql, params)

    assert list(AuditEvent.objects.order_by("id")) == history
    assert AuditEvent.objects.get(id=history[1].id).reason == ""


def test_emptying_the_table_is_refused(history):
    # PostgreSQL has TRUNCATE; SQLite empties a table with an unqualified DELETE.
    sql = (
        "TRUNCATE factcheck_auditevent"
        if connection.vendor == "postgresql"
        else ("DELETE FROM factcheck_auditevent")
    )

    with pytest.raises(DatabaseError, match="append-only"):
        raw(sql)

    assert AuditEvent.objects.count() == len(history)


def test_orm_cannot_rewrite_history(history):
    event = history[2]
    event.reason = "rewritten"

    with pytest.raises(DatabaseError), transaction.atomic():
        event.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.get(id=event.id).reason == ""


def test_verify_audit_passes_on_an_intact_chain(history):
    assert "Audit chain intact: 6 event(s) verified." in run_verify()


def test_verify_audit_passes_on_an_empty_chain(db):
    assert "0 event(s) verified" in run_verify()


def test_verify_audit_names_the_altered_event(history):
    audit.remove_triggers()
    raw(
        "UPDATE factcheck_auditevent SET reason = 'nothing happened' WHERE id = %s",
        [history[2].id],
    )
    audit.install_triggers()

    with pytest.raises(CommandError) as failure:
        run_verify()

    assert f"Audit event #{history[2].id} does not verify" in str(failure.value)
    assert "altered" in str(failure.value)
    assert "2 event(s) before it are intact" in str(failure.value)


# Every column a person reads (the activity feed, the claim's timeline, the audit CSV)
# and the key id, each with a value a forger might write into it.
TAMPERED_COLUMNS = {
    "actor_id": lambda event: event.actor_id + 1000,
    "actor_name": lambda event: "mallory",
    "action": lambda event: "claim.created",
    "object_type": lambda event: "article",
    "object_id": lambda event: f"{event.object_id}0",
    "object_repr": lambda event: "another claim",
    "article_id": lambda event: event.article_id + 1000,
    "claim_id": lambda event: event.claim_id + 1000,
    "changes": lambda event: json.dumps({"status": ["draft", "verified"]}),
    "reason": lambda event: "nothing happened",
    "created_at": lambda event: connection.ops.adapt_datetimefield_value(
        event.created_at - datetime.timedelta(days=1)
    ),
    "key_id": lambda event: "mallory",
    # Empty on a change made on the pages: a forger claims it came through a token.
    "via": lambda event: "API token fcp_mallory",
}


@pytest.mark.parametrize("column", TAMPERED_COLUMNS)
def test_verify_audit_names_the_event_whose_column_was_rewritten(history, column):
    event = history[3]
    assert event.action == "claim.status_changed"
    value = TAMPERED_COLUMNS[column](event)
    audit.remove_triggers()
    try:
        raw(f"UPDATE factcheck_auditevent SET {column} = %s WHERE id = %s", [value, event.id])
    finally:
        audit.install_triggers()

    with pytest.raises(CommandError) as failure:
        run_verify()

    assert f"Audit event #{event.id} does not verify" in str(failure.value)
    assert "3 event(s) before it are intact" in str(failure.value)


def test_verify_audit_names_the_event_after_a_removed_one(history):
    audit.remove_triggers()
    raw("DELETE FROM factcheck_auditevent WHERE id = %s", [history[1].id])
    audit.install_triggers()

    with pytest.raises(CommandError) as failure:
        run_verify()

    assert f"Audit event #{history[2].id} does not verify" in str(failure.value)
    assert "link to the previous event is broken" in str(failure.value)


def test_verify_audit_catches_a_rehashed_forgery(history):
    """Rewriting an event and its own hash still breaks the next event's link."""
    forged = history[1]
    forged.reason = "forged"
    new_hash = audit.compute_hash(forged)
    audit.remove_triggers()
    raw(
        "UPDATE factcheck_auditevent SET reason = %s, hash = %s WHERE id = %s",
        ["forged", new_hash, forged.id],
    )
    audit.install_triggers()

    with pytest.raises(CommandError) as failure:
        run_verify()

    assert f"Audit event #{history[2].id} does not verify" in str(failure.value)


def test_triggers_are_back_after_the_tampering_helpers(history):
    audit.remove_triggers()
    audit.install_triggers()

    with pytest.raises(DatabaseError):
        raw("DELETE FROM factcheck_auditevent")


# ---------------------------------------------------------------------------
# The keyed chain: a forger without AUDIT_KEY is caught


def run_verify_failing(*args: str) -> str:
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit", *args, stdout=io.StringIO())
    return str(failure.value)


def plain_sha256(event: AuditEvent) -> str:
    """What a forger computes from the public algorithm, without the key."""
    return hashlib.sha256(audit.canonical_content(event).encode("utf-8")).hexdigest()


def forge_sign_off(after: AuditEvent, *, key_id: str) -> AuditEvent:
    forged = AuditEvent(
        created_at=after.created_at,
        actor_name="ed",
        action="verdict.signed_off",
        object_type="claim",
        object_id=str(after.claim_id),
        object_repr="forged",
        article_id=after.article_id,
        claim_id=after.claim_id,
        changes={"signed_off_at": [None, "2026-01-01T00:00:00+00:00"]},
        prev_hash=after.hash,
        key_id=key_id,
    )
    forged.hash = plain_sha256(forged)
    forged.save(force_insert=True)
    return forged


def test_events_carry_a_keyed_hash_and_the_key_id(history):
    event = history[-1]

    assert event.key_id == audit.key_id()
    assert event.hash != plain_sha256(event)
    assert (
        event.hash
        == hmac.new(
            settings.AUDIT_KEY.encode(), audit.canonical_content(event).encode(), hashlib.sha256
        ).hexdigest()
    )


@pytest.mark.parametrize(
    ("key_id", "problem"),
    [
        ("copied", "forged without the key"),
        ("", "unkeyed (plain SHA-256) hash after the chain was keyed"),
    ],
)
def test_a_forged_sign_off_with_a_correct_plain_sha256_fails(history, key_id, problem):
    key_id = history[-1].key_id if key_id == "copied" else key_id
    forged = forge_sign_off(history[-1], key_id=key_id)

    message = run_verify_failing()

    assert f"Audit event #{forged.id} does not verify" in message
    assert problem in message


def rehash_from(events: list[AuditEvent], start: int, hasher, *, key_id: str | None = None):
    """Rewrite the chain from events[start] on, as a forger with database access would."""
    prev = events[start - 1].hash if start else audit.GENESIS_HASH
    audit.remove_triggers()
    try:
        for event in events[start:]:
            event.prev_hash = prev
            if key_id is not None:
                event.key_id = key_id
            event.hash = hasher(event)
            raw(
                "UPDATE factcheck_auditevent SET reason = %s, prev_hash = %s, hash = %s, "
                "key_id = %s WHERE id = %s",
                [event.reason, event.prev_hash, event.hash, event.key_id, event.id],
            )
            prev = event.hash
    finally:
        audit.install_triggers()


def test_editing_one_event_and_rehashing_the_rest_without_the_key_fails(history):
    history[2].reason = "nothing happened"
    wrong_key = b"a guess at the key, which the forger does not have"

    rehash_from(
        history,
        2,
        lambda e: hmac.new(
            wrong_key, audit.canonical_content(e).encode(), hashlib.sha256
        ).hexdigest(),
    )

    message = run_verify_failing()
    assert f"Audit event #{history[2].id} does not verify" in message
    assert "forged without the key" in message


def test_rehashing_the_whole_chain_as_unkeyed_fails(history):
    history[2].reason = "nothing happened"

    rehash_from(history, 0, plain_sha256, key_id=audit.LEGACY_KEY_ID)

    message = run_verify_failing()
    assert (
        f"Audit events #{history[0].id}–#{history[-1].id} were hashed with plain SHA-256" in message
    )
    assert "no signed checkpoint covers them" in message


def make_legacy_events(n: int) -> list[AuditEvent]:
    """Events as the code before the keyed chain wrote them: plain SHA-256, no key id."""
    prev = audit.GENESIS_HASH
    events = []
    for i in range(n):
        event = AuditEvent(
            created_at=timezone.now(),
            actor_name="system",
            action="source_type.created",
            object_type="source_type",
            object_id=str(i),
            object_repr=f"legacy {i}",
            changes={"slug": [None, f"legacy-{i}"]},
            prev_hash=prev,
            key_id=audit.LEGACY_KEY_ID,
        )
        event.hash = plain_sha256(event)
        event.save(force_insert=True)
        events.append(event)
        prev = event.hash
    return events


def test_legacy_events_covered_by_the_upgrade_checkpoint_verify(db, audit_checkpoints):
    legacy = make_legacy_events(3)
    checkpoints.record_upgrade()
    factories.make_source("After the upgrade")

    output = run_verify()

    assert "Audit chain intact: 4 event(s) verified." in output
    assert '"kind": "upgrade"' in audit_checkpoints.read_text().splitlines()[0]
    assert AuditEvent.objects.get(id=legacy[-1].id + 1).key_id == audit.key_id()


def test_legacy_events_with_no_checkpoint_are_reported(db):
    legacy = make_legacy_events(2)
    factories.make_source("After the upgrade")

    message = run_verify_failing()

    assert f"Audit events #{legacy[0].id}–#{legacy[1].id} were hashed with plain SHA-256" in message


def test_legacy_events_after_the_upgrade_checkpoint_are_reported(db):
    make_legacy_events(2)
    checkpoints.record_upgrade()
    last = AuditEvent.objects.order_by("-id").first()
    extra = AuditEvent(
        created_at=timezone.now(),
        actor_name="system",
        action="source_type.created",
        object_type="source_type",
        object_id="9",
        object_repr="written unkeyed after the upgrade",
        prev_hash=last.hash,
        key_id=audit.LEGACY_KEY_ID,
    )
    extra.hash = plain_sha256(extra)
    extra.save(force_insert=True)

    message = run_verify_failing()

    assert "no signed checkpoint covers them" in message


# ---------------------------------------------------------------------------
# Checkpoints outside the database: a cut or emptied history is caught


def checkpoint_lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_verify_audit_appends_a_signed_checkpoint_of_the_head(history, audit_checkpoints):
    run_verify()
    output = run_verify()

    lines = checkpoint_lines(audit_checkpoints)
    assert len(lines) == 2
    assert lines[-1]["last_id"] == history[-1].id
    assert lines[-1]["hash"] == history[-1].hash
    assert lines[-1]["count"] == 6
    assert lines[-1]["key_id"] == audit.key_id()
    assert "Compared against 1 checkpoint(s)" in output
    assert f"Checkpoint recorded: event #{history[-1].id}, 6 event(s)." in output


def test_no_checkpoint_only_reads(history, audit_checkpoints):
    call_command("verify_audit", "--no-checkpoint", stdout=io.StringIO())

    assert not audit_checkpoints.exists()


def test_the_periodic_task_appends_a_checkpoint(history, audit_checkpoints):
    result = tasks.checkpoint_audit.enqueue()

    assert result.return_value == {
        "intact": True,
        "events": 6,
        "head_id": history[-1].id,
        "problems": [],
    }
    assert checkpoint_lines(audit_checkpoints)[0]["last_id"] == history[-1].id


def delete_events(where: str = "", params=()) -> None:
    audit.remove_triggers()
    try:
        raw(f"DELETE FROM factcheck_auditevent {where}", params)
    finally:
        audit.install_triggers()


def test_truncating_the_tail_is_reported_against_a_checkpoint(history):
    run_verify()

    delete_events("WHERE id >= %s", [history[4].id])

    message = run_verify_failing()
    assert (
        "The audit chain has 4 event(s), fewer than the 6 recorded at checkpoint line 1" in message
    )
    assert f"event #{history[-1].id}, is missing (the history was cut)" in message


def test_truncating_the_tail_and_writing_as_many_new_events_is_reported(history, reviewer):
    run_verify()
    delete_events("WHERE id >= %s", [history[4].id])

    factories.make_source("Replacement one", actor=reviewer)
    factories.make_source("Replacement two", actor=reviewer)

    message = run_verify_failing()
    assert f"Audit event #{history[-1].id}, the head recorded at checkpoint line 1" in message


def test_emptying_the_table_is_reported_against_a_checkpoint(history):
    run_verify()
    run_verify()

    delete_events()

    message = run_verify_failing()
    assert "The audit table is empty, but checkpoint line 2" in message
    assert "recorded 6 event(s)" in message
    assert "the table was emptied" in message
    assert "1 earlier checkpoint(s) also name audit events that are missing" in message


def test_a_tampered_checkpoint_line_is_reported(history, audit_checkpoints):
    run_verify()
    line = checkpoint_lines(audit_checkpoints)[0]
    line["count"] = 4

    audit_checkpoints.write_text(json.dumps(line) + "\n")

    message = run_verify_failing()
    assert "Checkpoint line 1" in message
    assert "its signature does not verify" in message


def test_a_garbled_checkpoint_line_is_reported(history, audit_checkpoints):
    run_verify()

    with audit_checkpoints.open("a") as file:
        file.write("{not json\n")

    assert "Checkpoint line 2 of" in run_verify_failing()


def test_a_rewritten_head_is_reported_against_its_checkpoint(history):
    run_verify()
    history[-1].reason = "rewritten"

    rehash_from(history, len(history) - 1, audit.compute_hash)  # even with the key

    message = run_verify_failing()
    assert f"Audit event #{history[-1].id} differs from checkpoint line 1" in message


def cut_the_tail_and_its_rows(history) -> None:
    """Delete the last events, the checkpointed head among them, and the rows they made."""
    delete_events("WHERE id >= %s", [history[3].id])
    raw("DELETE FROM factcheck_attribution")
    raw("DELETE FROM factcheck_source")


def test_a_deleted_checkpoint_store_is_reported(history, audit_checkpoints):
    run_verify()
    audit_checkpoints.unlink()
    cut_the_tail_and_its_rows(history)

    message = run_verify_failing("--replay")

    assert f"The checkpoint store {audit_checkpoints} is missing" in message
    assert "the database records 1 checkpoint(s) written to it" in message


def test_an_emptied_checkpoint_store_is_reported(history, audit_checkpoints):
    run_verify()
    audit_checkpoints.write_text("")
    cut_the_tail_and_its_rows(history)

    message = run_verify_failing("--replay")

    assert f"The checkpoint store {audit_checkpoints} holds no checkpoint" in message
    assert "(it was emptied)" in message


def test_an_older_copy_of_the_checkpoint_store_is_reported(history, audit_checkpoints, reviewer):
    run_verify()
    older = audit_checkpoints.read_text()
    factories.make_claim(actor=reviewer)
    run_verify()
    audit_checkpoints.write_text(older)

    message = run_verify_failing()

    assert "holds 1 checkpoint(s), but the database records 2" in message
    assert "older copy was put back" in message


def test_the_record_of_checkpoints_is_append_only(history):
    run_verify()

    for sql in (
        "UPDATE factcheck_checkpointrecord SET mac = 'x'",
        "DELETE FROM factcheck_checkpointrecord",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)

    assert CheckpointRecord.objects.count() == 1


def test_a_failed_verification_records_no_checkpoint(history, audit_checkpoints):
    run_verify()
    delete_events("WHERE id >= %s", [history[3].id])

    run_verify_failing()

    assert len(checkpoint_lines(audit_checkpoints)) == 1


def test_the_server_refuses_to_start_without_an_audit_key():
    env = {k: v for k, v in os.environ.items() if k not in {"AUDIT_KEY", "DEBUG"}}
    env.update(SECRET_KEY="x" * 50, DJANGO_SETTINGS_MODULE="factcheck.settings")

    run = subprocess.run(
        [sys.executable, "-c", "import factcheck.settings"],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )

    assert run.returncode != 0
    assert "ImproperlyConfigured: Set AUDIT_KEY in the environment" in run.stderr


# ---------------------------------------------------------------------------
# INSERT OR REPLACE cannot rewrite an event (issue 8, point 8)


def replace_event_sql(cursor, event_id: int) -> str:
    """`INSERT OR REPLACE … SELECT …` that re-inserts an event with another reason."""
    cursor.execute("SELECT * FROM factcheck_auditevent LIMIT 0")
    columns = [column[0] for column in cursor.description]
    values = ["'rewritten'" if c == "reason" else c for c in columns]
    return (
        f"INSERT OR REPLACE INTO factcheck_auditevent ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM factcheck_auditevent WHERE id = {event_id}"
    )


DRIVER_ERRORS = (sqlite3.DatabaseError, psycopg.DatabaseError)


def raw_connection():
    """A connection of the database's own driver, with none of Django's set-up."""
    if connection.vendor == "sqlite":
        return sqlite3.connect(connection.settings_dict["NAME"], timeout=30)
    params = connection.settings_dict
    return psycopg.connect(
        dbname=params["NAME"],
        user=params["USER"],
        password=params["PASSWORD"],
        host=params["HOST"],
        port=params["PORT"] or None,
    )


def rewrite_event_sql(cursor, event_id: int) -> str:
    """Re-insert an event over itself: SQLite's REPLACE, PostgreSQL's upsert."""
    if connection.vendor == "sqlite":
        return replace_event_sql(cursor, event_id)
    return (
        "INSERT INTO factcheck_auditevent SELECT * FROM factcheck_auditevent "
        f"WHERE id = {event_id} ON CONFLICT (id) DO UPDATE SET reason = 'rewritten'"
    )


@pytest.mark.django_db(transaction=True)
def test_insert_or_replace_cannot_rewrite_an_event_on_a_raw_connection():
    claim = factories.make_claim()
    event = AuditEvent.objects.get(action="claim.created", claim_id=claim.pk)
    conn = raw_connection()

    try:
        with pytest.raises(DRIVER_ERRORS, match="append-only"), conn:
            conn.cursor().execute(rewrite_event_sql(conn.cursor(), event.id))
    finally:
        conn.close()

    assert AuditEvent.objects.get(id=event.id).reason == ""
    assert "Audit chain intact" in run_verify()


@pytest.mark.django_db(transaction=True)
def test_an_upsert_through_django_cannot_rewrite_an_event():
    claim = factories.make_claim()
    event = AuditEvent.objects.get(action="claim.created", claim_id=claim.pk)
    with connection.cursor() as cursor:
        sql = rewrite_event_sql(cursor, event.id)

    with pytest.raises(DatabaseError, match="append-only"):
        raw(sql)

    assert AuditEvent.objects.get(id=event.id).reason == ""


@pytest.mark.django_db(transaction=True)
def test_flush_puts_every_trigger_back():
    call_command("flush", interactive=False, verbosity=0)

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        names = {row[0] for row in cursor.fetchall()}
    expected = set(audit.TRIGGER_NAMES)
    if connection.vendor == "postgresql":  # no REPLACE there
        expected = {name for name in expected if not name.endswith("_no_replace")}
    assert expected <= names


# ---------------------------------------------------------------------------
# The key: none in the code, no weak one, and never another than the chain's


def settings_refusal(**variables: str) -> str:
    """Import the settings in a new shell with `variables`; return what they refused, or ''."""
    run = subprocess.run(
        [sys.executable, "-c", "import factcheck.settings"],
        env=child_environment(DJANGO_SETTINGS_MODULE="factcheck.settings", **variables),
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )
    return run.stderr if run.returncode else ""


def test_a_demo_without_an_audit_key_is_refused_too():
    refusal = settings_refusal(DEBUG="true", SECRET_KEY="x" * 50)

    assert "Set AUDIT_KEY in the environment" in refusal
    assert "scripts/start writes one into .env" in refusal


@pytest.mark.parametrize(
    "key",
    ["a" * 64, "ab" * 32, "password" * 6, "0123456" * 6, "short-but-random-Xy9"],
    ids=["one character", "two characters", "a word repeated", "digits repeated", "short"],
)
def test_a_weak_audit_key_is_refused(key):
    refusal = settings_refusal(DEBUG="false", SECRET_KEY="x" * 50, AUDIT_KEY=key)

    assert "AUDIT_KEY is refused" in refusal


def test_a_random_audit_key_is_accepted():
    assert (
        settings_refusal(DEBUG="false", SECRET_KEY="x" * 50, AUDIT_KEY=secrets.token_hex(16)) == ""
    )


OTHER_KEY = "another-audit-key-that-never-signed-this-chain-4f9c2e7a1b"


def test_another_audit_key_writes_nothing_and_names_both_keys(history):
    events = AuditEvent.objects.count()
    right = audit.key_id()
    claim = Claim.objects.first()

    with override_settings(AUDIT_KEY=OTHER_KEY):
        wrong = audit.key_id()
        with pytest.raises(audit.WrongAuditKey) as refused:
            services.claim_update(actor=None, claim=claim, rationale="Written under a wrong key")
        with pytest.raises(audit.WrongAuditKey):
            audit.check_key()
        errors = checks.run_checks(databases=["default"])

    assert f"key id {wrong!r}" in str(refused.value)
    assert f"signed with key id {right!r}" in str(refused.value)
    assert [error.id for error in errors if error.id.startswith("factcheck.")] == ["factcheck.E001"]
    assert AuditEvent.objects.count() == events
    assert Claim.objects.get(pk=claim.pk).rationale != "Written under a wrong key"
    audit.check_key()  # the right key passes


@pytest.mark.django_db(transaction=True)
def test_the_server_refuses_to_start_with_another_audit_key(reviewer):
    factories.make_claim(actor=reviewer)
    environment = {**worker_environment(), "ALLOWED_HOSTS": "localhost"}

    wrong = subprocess.run(
        [sys.executable, "-c", "import factcheck.wsgi"],
        env={**environment, "AUDIT_KEY": OTHER_KEY},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    right = subprocess.run(
        [sys.executable, "-c", "import factcheck.wsgi"],
        env=environment,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )

    assert wrong.returncode != 0
    assert "is not the key that signed the audit history" in wrong.stderr
    assert f"signed with key id {audit.key_id()!r}" in wrong.stderr
    assert right.returncode == 0, right.stderr
