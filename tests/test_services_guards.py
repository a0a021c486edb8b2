"""What the evidence, note and claim services promise, asserted where a regression would show.

Written for the survivors of `scripts/mutation services/evidence` and `services/claims`
(docs/testing.md): each
test checks what a reviewer sees or what the audit log keeps, on the real database.
"""

import datetime

import pytest
from django.utils import timezone

from factcheck import services
from factcheck.models import AuditEvent, Claim, EvidenceLink, Note
from tests import factories

URL = "https://www.un.org/report"


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-id").first()


def proposed_verdict(reviewer, claim):
    """The claim as a verdict ("false") that the reviewer proposed, with two evidence links."""
    services.claim_update(actor=reviewer, claim=claim, rationale="The report says otherwise.")
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.evidence_add(actor=reviewer, claim=claim, url=URL)
    second = services.evidence_add(actor=reviewer, claim=claim, url="https://example.org/b")
    services.claim_set_status(actor=reviewer, claim=claim, status="false")
    claim.refresh_from_db()
    assert claim.proposed_by == reviewer
    return second


# --- Evidence -------------------------------------------------------------


def test_a_refused_evidence_link_says_why_on_the_url_field(reviewer, claim):
    with pytest.raises(services.DomainError) as refused:
        services.evidence_add(actor=reviewer, claim=claim, url="example.org")

    assert refused.value.message == (
        "Evidence must be a web address starting with http:// or https://."
    )
    assert refused.value.field == "url"


def test_evidence_added_and_removed_without_title_or_reason_records_them_empty(reviewer, claim):
    link = services.evidence_add(actor=reviewer, claim=claim, url=URL)

    stored = EvidenceLink.objects.get(pk=link.pk)
    assert (stored.title, stored.added_by) == ("", reviewer)
    added = last_event()
    assert (added.action, added.reason) == ("evidence.added", "")

    services.evidence_remove(actor=reviewer, link=link)

    removed = last_event()
    assert (removed.action, removed.reason) == ("evidence.removed", "")
    assert removed.actor == reviewer


def test_the_same_evidence_link_twice_is_refused(reviewer, claim):
    services.evidence_add(actor=reviewer, claim=claim, url=URL)
    before = last_event().pk

    with pytest.raises(services.DomainError) as refused:
        services.evidence_add(actor=reviewer, claim=claim, url=f"  {URL} ")

    assert refused.value.message == "This link is already among the claim's evidence."
    assert refused.value.field == "url"
    assert EvidenceLink.objects.filter(claim=claim).count() == 1
    assert last_event().pk == before


def test_a_stale_form_neither_adds_nor_removes_evidence(reviewer, claim):
    link = services.evidence_add(actor=reviewer, claim=claim, url=URL)
    stale = claim.version  # the version the form was loaded at, before the link was added
    before = last_event().pk

    with pytest.raises(services.Conflict):
        services.evidence_add(
            actor=reviewer, claim=claim, url="https://example.org/b", expected_version=stale
        )
    with pytest.raises(services.Conflict):
        services.evidence_remove(actor=reviewer, link=link, expected_version=stale)

    assert list(EvidenceLink.objects.filter(claim=claim).values_list("url", flat=True)) == [URL]
    assert last_event().pk == before


def test_removing_evidence_from_a_proposed_verdict_makes_the_remover_its_proposer(
    reviewer, editor, claim
):
    link = proposed_verdict(reviewer, claim)

    services.evidence_remove(actor=editor, link=link)

    claim.refresh_from_db()
    assert claim.proposed_by == editor
    event = last_event()
    assert event.actor == editor
    assert event.changes["proposed_by"] == [
        {"id": reviewer.pk, "name": "rita"},
        {"id": editor.pk, "name": "ed"},
    ]


def test_adding_evidence_to_a_proposed_verdict_makes_the_adder_its_proposer(
    reviewer, editor, claim
):
    proposed_verdict(reviewer, claim)

    services.evidence_add(actor=editor, claim=claim, url="https://example.org/c", reason="newer")

    claim.refresh_from_db()
    assert claim.proposed_by == editor
    event = last_event()
    assert (event.actor, event.reason) == (editor, "newer")
    assert event.changes["proposed_by"] == [
        {"id": reviewer.pk, "name": "rita"},
        {"id": editor.pk, "name": "ed"},
    ]


def test_undoing_an_evidence_change_restores_the_verdict_s_proposer(reviewer, editor, claim):
    link = proposed_verdict(reviewer, claim)
    proposed_at = timezone.now() - datetime.timedelta(days=1)

    services.evidence_remove(actor=editor, link=link, restore_proposer=(reviewer, proposed_at))

    claim.refresh_from_db()
    assert (claim.proposed_by, claim.proposed_at) == (reviewer, proposed_at)

    services.evidence_add(
        actor=editor, claim=claim, url=link.url, restore_proposer=(reviewer, proposed_at)
    )

    claim.refresh_from_db()
    assert (claim.proposed_by, claim.proposed_at) == (reviewer, proposed_at)


# --- Notes ----------------------------------------------------------------


@pytest.mark.parametrize("body", [None, "", "  "])
def test_an_empty_note_is_refused_on_the_body_field(reviewer, claim, body):
    with pytest.raises(services.DomainError) as refused:
        services.note_add(actor=reviewer, claim=claim, body=body)

    assert refused.value.message == "A note cannot be empty."
    assert refused.value.field == "body"
    assert not Note.objects.exists()


def test_a_note_added_and_deleted_is_logged_against_the_note_and_its_claim(reviewer, claim):
    note = services.note_add(actor=reviewer, claim=claim, body="Called the ministry.")

    added = last_event()
    assert (added.action, added.reason) == ("note.added", "")
    assert (added.object_type, added.object_id) == ("note", str(note.pk))
    assert added.object_repr == f"note on claim #{claim.pk}"
    assert (added.article_id, added.claim_id) == (claim.article_id, claim.pk)

    pk = note.pk
    services.note_delete(actor=reviewer, note=note)

    deleted = last_event()
    assert (deleted.action, deleted.reason) == ("note.deleted", "")
    assert (deleted.object_type, deleted.object_id) == ("note", str(pk))
    assert deleted.object_repr == f"note on claim #{claim.pk}"
    assert (deleted.article_id, deleted.claim_id) == (claim.article_id, claim.pk)


# --- Claims: delete and reopen --------------------------------------------


def signed_off(reviewer, editor, claim):
    services.claim_update(actor=reviewer, claim=claim, rationale="No such record exists.")
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_set_status(actor=reviewer, claim=claim, status="unverifiable")
    services.verdict_sign_off(actor=editor, claim=claim)
    claim.refresh_from_db()
    return claim


def test_a_deleted_claim_s_event_counts_its_attributions_and_keeps_no_reason(reviewer, claim):
    services.attribution_add(
        actor=reviewer, claim=claim, source=factories.make_source("Port Authority")
    )
    claim.refresh_from_db()

    services.claim_delete(actor=reviewer, claim=claim)

    event = last_event()
    assert (event.action, event.reason) == ("claim.deleted", "")
    assert event.changes["attributions"] == [1, 0]


def test_a_stale_form_does_not_delete_the_claim(reviewer, claim):
    stale = claim.version
    services.claim_update(actor=reviewer, claim=claim, rationale="Changed meanwhile.")

    with pytest.raises(services.Conflict):
        services.claim_delete(actor=reviewer, claim=claim, expected_version=stale)

    assert Claim.objects.filter(pk=claim.pk).exists()


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_reopening_without_a_reason_is_refused_on_the_reason_field(reviewer, editor, claim, reason):
    signed_off(reviewer, editor, claim)

    with pytest.raises(services.DomainError) as refused:
        services.claim_reopen(actor=editor, claim=claim, reason=reason)

    assert refused.value.message == "Say why the claim is reopened."
    assert refused.value.field == "reason"
    claim.refresh_from_db()
    assert claim.is_locked


def test_reopening_a_claim_not_signed_off_says_so(editor, claim):
    with pytest.raises(services.DomainError) as refused:
        services.claim_reopen(actor=editor, claim=claim, reason="More work.")

    assert refused.value.message == ("This claim is not signed off, so there is nothing to reopen.")


def test_a_reopened_claim_s_event_names_who_reopened_it(reviewer, editor, claim):
    signed_off(reviewer, editor, claim)

    services.claim_reopen(actor=editor, claim=claim, reason="New figures.")

    event = last_event()
    assert (event.action, event.actor, event.reason) == ("claim.reopened", editor, "New figures.")
