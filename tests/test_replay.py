import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from factcheck import replay, services
from factcheck.models import Attribution, Claim, EvidenceLink, GroundRule
from tests import factories

EVIDENCE = "https://example.org/report"


def verify_replay() -> str:
    out = io.StringIO()
    call_command("verify_audit", "--replay", stdout=out)
    return out.getvalue()


def verify_replay_failing() -> str:
    with pytest.raises(CommandError) as failure:
        verify_replay()
    return str(failure.value)


@pytest.fixture
def proposed(reviewer):
    """A claim attributed to a source, with evidence and a verdict proposed by the reviewer."""
    claim = factories.make_claim(actor=reviewer)
    source = factories.make_source("Ministry of Health", actor=reviewer)
    services.attribution_add(actor=reviewer, claim=claim, source=source, cue="said")
    services.evidence_add(actor=reviewer, claim=claim, url=EVIDENCE, title="Report")
    services.claim_update(actor=reviewer, claim=claim, rationale="The report says otherwise.")
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_set_status(actor=reviewer, claim=claim, status="false")
    return Claim.objects.get(pk=claim.pk)


def test_replay_is_clean_after_a_realistic_sequence(reviewer, editor):
    second_editor = factories.make_user("Editor", username="eve")
    article = factories.make_article(actor=reviewer)
    claim = factories.make_claim(article=article, actor=reviewer)
    other = factories.make_claim(
        article=article, phrase="A spokesperson told AFP the figure would rise", actor=reviewer
    )
    ministry = factories.make_source("Ministry of Health", actor=reviewer)
    duplicate = factories.make_source("Health Ministry", actor=reviewer)
    afp = factories.make_source("AFP", type_slug="news_agency", actor=reviewer)
    moved = services.attribution_add(
        actor=reviewer, claim=claim, source=duplicate, intermediary=afp, cue="said"
    )
    services.attribution_add(actor=reviewer, claim=other, source=duplicate)
    services.attribution_add(actor=reviewer, claim=other, source=ministry, quote_mode="direct")
    services.source_merge(actor=editor, source=duplicate, into=ministry, reason="Same ministry")
    services.attribution_update(
        actor=reviewer,
        attribution=Attribution.objects.get(pk=moved.pk),
        ground_rule=GroundRule.BACKGROUND,
        anonymity_reason="Not authorised to speak",
    )
    services.claim_update(actor=reviewer, claim=other, assigned_to=editor)
    services.evidence_add(actor=reviewer, claim=claim, url=EVIDENCE, title="Report")
    link = services.evidence_add(actor=reviewer, claim=claim, url="https://example.org/other")
    services.evidence_remove(actor=reviewer, link=link)
    services.claim_update(actor=reviewer, claim=claim, rationale="The report says otherwise.")
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_set_status(actor=reviewer, claim=claim, status="false")
    services.verdict_sign_off(actor=editor, claim=claim)
    services.claim_reopen(actor=editor, claim=claim, reason="New figures came in")
    services.claim_set_status(actor=reviewer, claim=claim, status="misleading")
    services.claim_undo(actor=reviewer, claim=claim)
    services.claim_set_status(actor=reviewer, claim=claim, status="misleading")
    services.verdict_sign_off(actor=second_editor, claim=claim)
    services.note_add(actor=reviewer, claim=other, body="Ask the desk")
    doomed = factories.make_claim(actor=reviewer)
    services.attribution_add(actor=reviewer, claim=doomed, source=afp)
    services.evidence_add(actor=reviewer, claim=doomed, url=EVIDENCE)
    services.article_delete(actor=editor, article=doomed.article, reason="Duplicate story")
    undone = factories.make_claim(
        article=article, phrase="The ministry said on Monday", actor=reviewer
    )
    services.claim_undo(actor=reviewer, claim=undone)
    second_editor.delete()  # the signer's account goes; the lock stays

    found = replay.replay()

    assert found == []
    assert "Replay: every claim agrees with its history." in verify_replay()
    assert not Claim.objects.filter(pk__in=[doomed.pk, undone.pk]).exists()
    assert Claim.objects.get(pk=claim.pk).is_locked


def test_replay_finds_a_claim_signed_off_by_raw_sql(proposed, editor):
    Claim.objects.filter(pk=proposed.pk).update(signed_off_by=editor, signed_off_at=timezone.now())

    found = replay.replay()

    assert {(d.model, d.pk, d.field) for d in found} == {
        ("claim", proposed.pk, "signed_off_by"),
        ("claim", proposed.pk, "signed_off_at"),
    }
    message = verify_replay_failing()
    assert f"Claim #{proposed.pk}: signed_off_at is 20" in message
    assert "but the history says none (changed behind the history's back)" in message


def test_replay_finds_a_status_and_proposer_set_by_raw_sql(proposed, editor):
    Claim.objects.filter(pk=proposed.pk).update(status="verified", proposed_by=editor)

    found = replay.replay()

    assert {d.field for d in found} == {"status", "proposed_by"}


def test_replay_finds_a_span_and_rationale_changed_by_raw_sql(proposed):
    Claim.objects.filter(pk=proposed.pk).update(end=proposed.end - 1, rationale="Edited")

    assert {d.field for d in replay.replay()} == {"end", "rationale"}


def test_replay_finds_an_attribution_inserted_by_raw_sql(proposed):
    source = factories.make_source("Smuggled in")
    smuggled = Attribution.objects.create(claim=proposed, source=source)

    found = replay.replay()

    assert [(d.model, d.pk) for d in found] == [("attribution", smuggled.pk)]
    assert "no audit event added it" in str(found[0])


def test_replay_finds_an_attribution_changed_by_raw_sql(proposed):
    Attribution.objects.filter(claim=proposed).update(
        quote_mode="direct", anonymity_reason="Invented"
    )

    assert {d.field for d in replay.replay()} == {"quote_mode", "anonymity_reason"}


def test_replay_finds_an_attribution_deleted_by_raw_sql(proposed):
    Attribution.objects.filter(claim=proposed).delete()

    found = replay.replay()

    assert len(found) == 1
    assert "missing from the table" in str(found[0])


def test_replay_finds_an_evidence_link_deleted_by_raw_sql(proposed):
    EvidenceLink.objects.filter(claim=proposed).delete()

    found = replay.replay()

    assert [(d.model, d.pk, d.field) for d in found] == [("claim", proposed.pk, "evidence")]
    assert EVIDENCE in str(found[0])


def test_replay_finds_an_evidence_link_inserted_by_raw_sql(proposed):
    EvidenceLink.objects.create(claim=proposed, url="https://example.org/smuggled")

    found = replay.replay()

    assert [d.model for d in found] == ["evidence"]
    assert "https://example.org/smuggled" in str(found[0])


def test_replay_finds_a_claim_with_no_created_event(article):
    smuggled = Claim.objects.create(article=article, start=0, end=5, text=article.text[:5])

    found = replay.replay()

    assert [(d.model, d.pk) for d in found] == [("claim", smuggled.pk)]
    assert "no audit event created it" in str(found[0])


def test_replay_finds_a_claim_deleted_by_raw_sql(proposed):
    Claim.objects.filter(pk=proposed.pk).delete()

    found = replay.replay()

    assert [(d.model, d.pk) for d in found] == [("claim", proposed.pk)]
    assert "missing from the table" in str(found[0])


def test_replay_is_clean_on_an_empty_database(db):
    assert replay.replay() == []
