"""Many reviewers at once: no lost update, one audit event per change, an intact chain."""

import io
import threading

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection

from factcheck import services
from factcheck.models import AuditEvent, Claim, Source
from tests import factories

THREADS = 8
CHANGES_PER_CLAIM = 6
# Long enough for the slowest run on a loaded machine; a thread still running
# after it means a deadlock or a hang, and the test says so.
JOIN_TIMEOUT = 120


def run_threads(work, threads: int = THREADS) -> list[BaseException]:
    """Start the workers at the same moment, wait for all of them; return the errors they met."""
    barrier = threading.Barrier(threads, timeout=JOIN_TIMEOUT)
    errors: list[BaseException] = []
    finished: list[int] = []

    def worker(n: int) -> None:
        try:
            barrier.wait()
            work(n)
            finished.append(n)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=JOIN_TIMEOUT)
    close_old_connections()
    stuck = [thread.name for thread in workers if thread.is_alive()]
    assert stuck == [], f"threads still running after {JOIN_TIMEOUT} s: {stuck}"
    assert len(finished) + len(errors) == threads
    return errors


def append_token(actor, claim_id: int, token: str, race: threading.Barrier | None = None) -> int:
    """Append a token to the rationale, retrying on conflict; return how many tries failed.

    With `race`, the first try waits there after reading the claim, so that every
    racer writes from the same version and all but one must be refused.
    """
    conflicts = 0
    while True:
        claim = Claim.objects.get(pk=claim_id)
        if race is not None:
            race.wait()
            race = None
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


def assert_chain_intact() -> None:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "Audit chain intact" in out.getvalue()


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
    race = threading.Barrier(THREADS, timeout=JOIN_TIMEOUT)
    conflicts = []

    def work(n: int) -> None:
        for i in range(CHANGES_PER_CLAIM):
            first = race if i == 0 else None
            conflicts.append(append_token(users[n], shared.pk, f"s{n}.{i}", race=first))
            conflicts.append(append_token(users[n], own[n].pk, f"o{n}.{i}"))

    errors = run_threads(work)

    assert errors == []
    # The first round starts every thread from one version: all but one are refused.
    assert sum(conflicts) >= THREADS - 1
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
    assert_chain_intact()
    print(f"{successes} changes by {THREADS} threads; {sum(conflicts)} conflicts retried")


@pytest.mark.django_db(transaction=True)
def test_a_stale_version_is_refused_to_all_but_one_racer():
    users = [factories.make_user("Reviewer", username=f"v{n}") for n in range(THREADS)]
    claim = factories.make_claim()
    race = threading.Barrier(THREADS, timeout=JOIN_TIMEOUT)
    outcomes: list[str] = []

    def work(n: int) -> None:
        stale = Claim.objects.get(pk=claim.pk)
        race.wait()
        try:
            services.claim_update(
                actor=users[n], claim=stale, expected_version=stale.version, rationale=f"by {n}"
            )
            outcomes.append("saved")
        except services.Conflict:
            outcomes.append("conflict")

    errors = run_threads(work)

    assert errors == []
    assert sorted(outcomes) == ["conflict"] * (THREADS - 1) + ["saved"]
    after = Claim.objects.get(pk=claim.pk)
    assert after.version == 2
    assert AuditEvent.objects.filter(action="claim.changed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_status_changes_and_attributions():
    users = [factories.make_user("Reviewer", username=f"s{n}") for n in range(THREADS)]
    claim = factories.make_claim()
    sources = [factories.make_source(f"Source {n}") for n in range(THREADS)]
    before = AuditEvent.objects.count()
    moved: list[bool] = []

    def work(n: int) -> None:
        # Everyone attributes the claim to their own source; no retry is needed
        # when no version is named: the row lock orders them.
        services.attribution_add(actor=users[n], claim=claim, source=sources[n])
        # Everyone tries to move it to in progress; exactly one succeeds, the
        # rest find nothing to change.
        events = AuditEvent.objects.filter(action="claim.status_changed", actor=users[n])
        services.claim_set_status(actor=users[n], claim=claim, status="in_progress")
        moved.append(events.exists())

    errors = run_threads(work)

    assert errors == []
    assert sorted(moved) == [False] * (THREADS - 1) + [True]
    after = Claim.objects.get(pk=claim.pk)
    assert after.attributions.count() == THREADS
    assert after.status == "in_progress"
    assert after.version == 1 + THREADS + 1
    assert AuditEvent.objects.count() - before == THREADS + 1
    assert_chain_intact()


@pytest.mark.django_db(transaction=True)
def test_writers_on_different_articles_and_the_source_registry_share_one_chain():
    # No row lock is shared here (each writer has its own article, sources have
    # none), so only the chain's own lock keeps two events from naming the same
    # previous hash; without it PostgreSQL refuses the second (prev_hash is unique).
    writers, registrars, rounds = 6, 2, 5
    users = [factories.make_user("Reviewer", username=f"w{n}") for n in range(writers + registrars)]
    articles = [
        factories.make_article(
            text=f"Story {n}\n\n" + " ".join(f"Fact {i} of story {n}." for i in range(rounds))
        )
        for n in range(writers)
    ]
    before = AuditEvent.objects.count()

    def work(n: int) -> None:
        for i in range(rounds):
            if n < writers:
                claim = factories.make_claim(
                    article=articles[n], phrase=f"Fact {i} of story {n}.", actor=users[n]
                )
                services.claim_set_status(actor=users[n], claim=claim, status="in_progress")
            else:
                factories.make_source(f"Registry {n}.{i}", actor=users[n])

    errors = run_threads(work, threads=writers + registrars)

    assert errors == []
    assert Claim.objects.filter(status="in_progress").count() == writers * rounds
    assert Source.objects.filter(name__startswith="Registry").count() == registrars * rounds
    assert AuditEvent.objects.count() - before == (2 * writers + registrars) * rounds
    assert_chain_intact()


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
