import io
import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from factcheck import audit, services
from factcheck.models import AuditEvent
from tests import factories


@pytest.fixture
def history(reviewer):
    """Five audited changes: an article, a claim, a status change, a source, an attribution."""
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
    assert "Audit chain intact: 5 event(s) verified." in run_verify()


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
