"""One lock order for every service, retries of aborted transactions, and 503 when they run out."""

import sqlite3
import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from factcheck import audit, services
from factcheck.models import AuditEvent, Claim, VerificationStatus
from factcheck.services._base import service
from tests import factories

ROUNDS = 40


def run_together(*jobs) -> list[BaseException]:
    """Run each job in its own thread, started at the same moment; return what they raised."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def worker(job) -> None:
        try:
            barrier.wait()
            job()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker never finished"
    return errors


@pytest.mark.django_db(transaction=True)
def test_claim_creations_and_status_changes_on_one_article_do_not_deadlock():
    creator = factories.make_user("Reviewer", username="creator")
    changer = factories.make_user("Reviewer", username="changer")
    sentences = [f"Fact {n} stands." for n in range(ROUNDS)]
    article = factories.make_article(text="Title\n\nFirst claim is here. " + " ".join(sentences))
    target = factories.make_claim(article=article, phrase="First claim is here.")
    events_before = AuditEvent.objects.count()

    def create() -> None:
        for sentence in sentences:
            start = article.text.index(sentence)
            services.claim_create(
                actor=creator, article=article, start=start, end=start + len(sentence)
            )

    def change() -> None:
        for n in range(ROUNDS):
            status = VerificationStatus.IN_PROGRESS if n % 2 == 0 else VerificationStatus.UNVERIFIED
            services.claim_set_status(actor=changer, claim=target, status=status)

    errors = run_together(create, change)

    assert errors == []
    assert Claim.objects.filter(article=article).count() == ROUNDS + 1
    assert Claim.objects.get(pk=target.pk).status == VerificationStatus.UNVERIFIED
    assert AuditEvent.objects.count() - events_before == 2 * ROUNDS


def hold_write_lock():
    """Take the lock every writer needs, from a connection outside Django; return its release."""
    if connection.vendor == "sqlite":
        outsider = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        outsider.execute("BEGIN IMMEDIATE")
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout = 20")
        return outsider.rollback
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    outsider = psycopg.connect(**params, autocommit=True)
    outsider.execute("SELECT pg_advisory_lock(%s)", [audit.CHAIN_LOCK_KEY])
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '20ms'")
    return outsider.close


def restore_timeouts() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA busy_timeout = 30000")
        else:
            cursor.execute("SET lock_timeout = 0")


@pytest.mark.django_db(transaction=True)
def test_a_change_that_waits_out_its_lock_timeout_is_reported_busy(claim, reviewer):
    events_before = AuditEvent.objects.count()
    release = hold_write_lock()

    try:
        with pytest.raises(services.Busy):
            services.claim_set_status(
                actor=reviewer, claim=claim, status=VerificationStatus.IN_PROGRESS
            )
    finally:
        release()
        restore_timeouts()

    assert Claim.objects.get(pk=claim.pk).status == VerificationStatus.UNVERIFIED
    assert AuditEvent.objects.count() == events_before


@pytest.mark.django_db(transaction=True)
def test_a_deadlock_is_retried_and_saved_and_a_lock_timeout_is_not_retried(claim, reviewer, caplog):
    tries = []

    @service
    def set_in_progress() -> Claim:
        tries.append(1)
        if len(tries) == 1 and connection.vendor == "postgresql":
            # What PostgreSQL raises when it breaks a deadlock by aborting us.
            with connection.cursor() as cursor:
                cursor.execute(
                    "DO $$ BEGIN RAISE EXCEPTION 'deadlock (test)' "
                    "USING ERRCODE = 'deadlock_detected'; END $$"
                )
        return services.claim_set_status(
            actor=reviewer, claim=claim, status=VerificationStatus.IN_PROGRESS
        )

    set_in_progress()

    # SQLite has no deadlocks (writers queue), so there it succeeds at the first try.
    assert len(tries) == (2 if connection.vendor == "postgresql" else 1)
    assert Claim.objects.get(pk=claim.pk).status == VerificationStatus.IN_PROGRESS
    changes = AuditEvent.objects.filter(claim_id=claim.pk, action="claim.status_changed")
    assert changes.count() == 1
    caplog.clear()
    release = hold_write_lock()
    try:
        with pytest.raises(services.Busy):
            set_in_progress()
    finally:
        release()
        restore_timeouts()
    assert [r.message for r in caplog.records if "gave up waiting" in r.message] != []
    assert [r.message for r in caplog.records if "aborted by the database" in r.message] == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_busy_database_answers_503_with_a_message_and_changes_nothing(
    client, claim, reviewer, htmx
):
    client.force_login(reviewer)
    events_before = AuditEvent.objects.count()
    headers = {"HX-Request": "true"} if htmx else {}
    release = hold_write_lock()

    try:
        response = client.post(
            reverse("claim_status", args=[claim.pk]),
            {"status": "in_progress", "version": claim.version, "reason": ""},
            headers=headers,
        )
    finally:
        release()
        restore_timeouts()

    assert response.status_code == 503
    assert "nothing was saved" in response.content.decode()
    if htmx:
        assert response["HX-Retarget"] == "#alerts"
    assert Claim.objects.get(pk=claim.pk).status == VerificationStatus.UNVERIFIED
    assert AuditEvent.objects.count() == events_before


@pytest.mark.django_db(transaction=True)
def test_the_chain_lock_is_asked_for_once_per_transaction_and_again_in_the_next(
    client, claim, reviewer
):
    """A panel action runs services inside services, each recording an event: one lock query."""
    client.force_login(reviewer)

    def locks_of_a_status_change(status: str) -> int:
        version = Claim.objects.get(pk=claim.pk).version
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                reverse("claim_status", args=[claim.pk]),
                {"status": status, "version": version, "reason": ""},
                HTTP_HX_REQUEST="true",
            )
        assert response.status_code == 200
        return sum("pg_advisory_xact_lock" in query["sql"] for query in queries)

    expected = 1 if connection.vendor == "postgresql" else 0
    assert locks_of_a_status_change(VerificationStatus.IN_PROGRESS) == expected
    # The next change is its own transaction: it must take the lock again.
    assert locks_of_a_status_change(VerificationStatus.UNVERIFIED) == expected
    assert Claim.objects.get(pk=claim.pk).status == VerificationStatus.UNVERIFIED
    assert AuditEvent.objects.filter(claim_id=claim.pk, action="claim.status_changed").count() == 2
    # Outside any service, recording an event still takes the lock itself.
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        audit.record(
            actor=reviewer,
            action="test.recorded",
            object_type="claim",
            object_id=claim.pk,
            object_repr=str(claim),
            claim_id=claim.pk,
        )
    assert sum("pg_advisory_xact_lock" in query["sql"] for query in queries) == expected
