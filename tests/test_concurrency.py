"""Many reviewers at once: no lost update, one audit event per change, an intact chain."""

import io
import threading

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection

from factcheck import services
from factcheck.models import AuditEvent, Claim
from tests import factories

THREADS = 8
CHANGES_PER_CLAIM = 6


def run_threads(work) -> list[BaseException]:
    """Start THREADS workers at the same moment; return the errors they met."""
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            barrier.wait()
            work(n)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()
    return errors


def append_token(actor, claim_id: int, token: str) -> int:
    """Append a token to the rationale, retrying on conflict; return how many tries failed."""
    conflicts = 0
    while True:
        claim = Claim.objects.get(pk=claim_id)
        try:
            services.claim_update(
                actor=actor,
                claim=claim,
                expected_version=claim.version,
                rationale=f"{claim.rationale} {token}".strip(),
            )
            return conflicts
        except services.Conflict:
            conflicts += 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_lose_nothing():
    users = [factories.make_user("Reviewer", username=f"r{n}") for n in range(THREADS)]
    article = factories.make_article(
        text="Title\n\n" + " ".join(f"Claim {n} is here." for n in range(THREADS + 1))
    )
    shared = factories.make_claim(article=article, phrase="Claim 0 is here.")
    own = [
        factories.make_claim(article=article, phrase=f"Claim {n + 1} is here.")
        for n in range(THREADS)
    ]
    events_before = AuditEvent.objects.count()
    conflicts = []

    def work(n: int) -> None:
        for i in range(CHANGES_PER_CLAIM):
            conflicts.append(append_token(users[n], shared.pk, f"s{n}.{i}"))
            conflicts.append(append_token(users[n], own[n].pk, f"o{n}.{i}"))

    errors = run_threads(work)

    assert errors == []
    shared_after = Claim.objects.get(pk=shared.pk)
    expected_shared = {f"s{n}.{i}" for n in range(THREADS) for i in range(CHANGES_PER_CLAIM)}
    assert set(shared_after.rationale.split()) == expected_shared
    assert shared_after.version == 1 + THREADS * CHANGES_PER_CLAIM
    for n, claim in enumerate(own):
        after = Claim.objects.get(pk=claim.pk)
        assert after.rationale.split() == [f"o{n}.{i}" for i in range(CHANGES_PER_CLAIM)]
        assert after.version == 1 + CHANGES_PER_CLAIM
    successes = 2 * THREADS * CHANGES_PER_CLAIM
    assert AuditEvent.objects.count() - events_before == successes
    assert AuditEvent.objects.filter(action="claim.changed").count() == successes
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "Audit chain intact" in out.getvalue()
    print(f"{successes} changes by {THREADS} threads; {sum(conflicts)} conflicts retried")


@pytest.mark.django_db(transaction=True)
def test_concurrent_status_changes_and_attributions():
    users = [factories.make_user("Reviewer", username=f"s{n}") for n in range(THREADS)]
    claim = factories.make_claim()
    sources = [factories.make_source(f"Source {n}") for n in range(THREADS)]
    before = AuditEvent.objects.count()

    def work(n: int) -> None:
        # Everyone attributes the claim to their own source; no retry is needed
        # when no version is named: the row lock orders them.
        services.attribution_add(actor=users[n], claim=claim, source=sources[n])
        # Everyone tries to move it to in progress; exactly one succeeds, the
        # rest find nothing to change.
        services.claim_set_status(actor=users[n], claim=claim, status="in_progress")

    errors = run_threads(work)

    assert errors == []
    after = Claim.objects.get(pk=claim.pk)
    assert after.attributions.count() == THREADS
    assert after.status == "in_progress"
    assert after.version == 1 + THREADS + 1
    assert AuditEvent.objects.count() - before == THREADS + 1
    call_command("verify_audit", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_the_same_span_claimed_at_once_is_created_once():
    users = [factories.make_user("Reviewer", username=f"c{n}") for n in range(THREADS)]
    article = factories.make_article(text="Title\n\nThe same sentence, claimed by all.")
    phrase = "The same sentence, claimed by all."
    start = article.text.index(phrase)
    refusals = []

    def work(n: int) -> None:
        try:
            services.claim_create(
                actor=users[n], article=article, start=start, end=start + len(phrase)
            )
        except services.DomainError as refusal:
            refusals.append(refusal.message)

    errors = run_threads(work)

    assert errors == []
    assert Claim.objects.filter(article=article).count() == 1
    assert len(refusals) == THREADS - 1
    assert AuditEvent.objects.filter(action="claim.created").count() == 1
