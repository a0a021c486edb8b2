"""The verification workflow: transitions, sign-off by a second person, locking, reopening."""

import itertools

import pytest

from factcheck import services
from factcheck.models import AuditEvent, Claim, Source, VerificationStatus
from tests import factories

VERDICTS = sorted(VerificationStatus.verdicts())
ALL = list(VerificationStatus.values)


def last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def claim_at(status: str, *, actor) -> Claim:
    """A claim brought to `status` through the allowed path, with rationale and evidence."""
    claim = factories.make_claim()
    services.claim_update(actor=None, claim=claim, rationale="Checked against the report.")
    services.evidence_add(actor=None, claim=claim, url="https://example.org/report")
    if status == "unverified":
        return Claim.objects.get(pk=claim.pk)
    services.claim_set_status(actor=actor, claim=claim, status="in_progress")
    if status != "in_progress":
        services.claim_set_status(actor=actor, claim=claim, status=status)
    return Claim.objects.get(pk=claim.pk)


def allowed(old: str, new: str) -> bool:
    if old == "unverified":
        return new == "in_progress"
    if old == "in_progress":
        return new != "in_progress"
    return new != "unverified"  # a verdict may go back to in progress or be revised


@pytest.mark.parametrize(("old", "new"), [(o, n) for o, n in itertools.product(ALL, ALL) if o != n])
def test_every_transition_is_allowed_or_refused_as_specified(reviewer, old, new):
    claim = claim_at(old, actor=reviewer)
    before = last_id()

    if allowed(old, new):
        changed = services.claim_set_status(actor=reviewer, claim=claim, status=new)
        assert changed.status == new
        event = AuditEvent.objects.get(id__gt=before)
        assert event.action == ("verdict.proposed" if new in VERDICTS else "claim.status_changed")
        assert event.changes["status"] == [old, new]
    else:
        with pytest.raises(services.DomainError, match="cannot go from"):
            services.claim_set_status(actor=reviewer, claim=claim, status=new)
        assert Claim.objects.get(pk=claim.pk).status == old
        assert last_id() == before


def test_proposing_a_verdict_records_the_proposer_and_awaits_sign_off(reviewer):
    claim = claim_at("false", actor=reviewer)

    assert claim.proposed_by == reviewer
    assert Claim.objects.awaiting_sign_off().get() == claim
    assert not claim.is_locked


def test_an_editor_other_than_the_proposer_signs_off_and_locks(reviewer, editor):
    claim = claim_at("false", actor=reviewer)

    signed = services.verdict_sign_off(actor=editor, claim=claim, expected_version=claim.version)

    assert signed.signed_off_by == editor
    assert signed.is_locked
    assert not Claim.objects.awaiting_sign_off().exists()
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "verdict.signed_off"
    assert event.actor == editor
    assert event.changes["signed_off_by"] == [None, {"id": editor.pk, "name": "ed"}]


def test_the_proposer_cannot_sign_off_their_own_verdict(editor):
    claim = claim_at("misleading", actor=editor)
    before = last_id()

    with pytest.raises(
        services.DomainError, match="You proposed this verdict or changed what it publishes"
    ):
        services.verdict_sign_off(actor=editor, claim=claim)

    assert not Claim.objects.get(pk=claim.pk).is_locked
    assert last_id() == before


def test_a_reviewer_cannot_sign_off(reviewer):
    other = factories.make_user("Reviewer")
    claim = claim_at("verified", actor=other)

    with pytest.raises(services.NotAllowed):
        services.verdict_sign_off(actor=reviewer, claim=claim)

    assert not Claim.objects.get(pk=claim.pk).is_locked


@pytest.mark.parametrize("status", ["unverified", "in_progress"])
def test_only_a_verdict_can_be_signed_off(reviewer, editor, status):
    claim = claim_at(status, actor=reviewer)

    with pytest.raises(services.DomainError, match="Only a proposed verdict"):
        services.verdict_sign_off(actor=editor, claim=claim)


def test_signing_off_twice_is_refused(reviewer, editor):
    claim = claim_at("verified", actor=reviewer)
    services.verdict_sign_off(actor=editor, claim=claim)

    with pytest.raises(services.DomainError, match="already signed off"):
        services.verdict_sign_off(actor=factories.make_user("Editor"), claim=claim)


def test_sign_off_with_a_stale_version_is_refused(reviewer, editor):
    claim = claim_at("verified", actor=reviewer)

    with pytest.raises(services.Conflict):
        services.verdict_sign_off(actor=editor, claim=claim, expected_version=1)

    assert not Claim.objects.get(pk=claim.pk).is_locked


@pytest.fixture
def locked(reviewer, editor):
    claim = claim_at("false", actor=reviewer)
    attribution = services.attribution_add(
        actor=None, claim=claim, source=factories.make_source("Ministry of Health")
    )
    factories.make_source("Another source")
    claim = services.verdict_sign_off(actor=editor, claim=claim)
    return claim, attribution


EDITS_OF_A_LOCKED_CLAIM = {
    "status": lambda actor, claim, attr: services.claim_set_status(
        actor=actor, claim=claim, status="in_progress"
    ),
    "verdict": lambda actor, claim, attr: services.claim_set_status(
        actor=actor, claim=claim, status="verified"
    ),
    "rationale": lambda actor, claim, attr: services.claim_update(
        actor=actor, claim=claim, rationale="changed after sign-off"
    ),
    "span": lambda actor, claim, attr: services.claim_update(
        actor=actor, claim=claim, start=claim.start, end=claim.end - 1
    ),
    "attribution_add": lambda actor, claim, attr: services.attribution_add(
        actor=actor, claim=claim, source=Source.objects.get(name="Another source")
    ),
    "attribution_update": lambda actor, claim, attr: services.attribution_update(
        actor=actor, attribution=attr, cue="claimed"
    ),
    "attribution_remove": lambda actor, claim, attr: services.attribution_remove(
        actor=actor, attribution=attr
    ),
    "evidence_add": lambda actor, claim, attr: services.evidence_add(
        actor=actor, claim=claim, url="https://example.org/other"
    ),
    "evidence_remove": lambda actor, claim, attr: services.evidence_remove(
        actor=actor, link=claim.evidence.get()
    ),
    "delete": lambda actor, claim, attr: services.claim_delete(actor=actor, claim=claim),
}


@pytest.mark.parametrize("edit", EDITS_OF_A_LOCKED_CLAIM)
def test_every_edit_of_a_locked_claim_is_refused(locked, editor, edit):
    claim, attribution = locked
    before = last_id()

    with pytest.raises(services.DomainError, match="signed off and locked"):
        EDITS_OF_A_LOCKED_CLAIM[edit](editor, claim, attribution)

    after = Claim.objects.get(pk=claim.pk)
    assert (after.status, after.rationale, after.version) == (
        claim.status,
        claim.rationale,
        claim.version,
    )
    assert after.attributions.count() == 1
    assert after.evidence.count() == 1
    assert last_id() == before


def test_notes_may_still_be_added_to_a_locked_claim(locked, reviewer):
    claim, _ = locked

    services.note_add(actor=reviewer, claim=claim, body="Publisher asked for a correction.")

    assert claim.notes.count() == 1


def test_an_editor_reopens_with_a_reason(locked, editor):
    claim, _ = locked
    other_editor = factories.make_user("Editor")

    reopened = services.claim_reopen(
        actor=other_editor, claim=claim, reason="New figures from the ministry"
    )

    assert not reopened.is_locked
    assert reopened.status == "in_progress"
    assert reopened.proposed_by is None
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "claim.reopened"
    assert event.reason == "New figures from the ministry"
    assert event.changes["status"] == ["false", "in_progress"]
    assert event.changes["signed_off_by"] == [{"id": editor.pk, "name": "ed"}, None]


def test_reopen_needs_a_reason(locked, editor):
    claim, _ = locked
    before = last_id()

    with pytest.raises(services.DomainError, match="Say why"):
        services.claim_reopen(actor=editor, claim=claim, reason="  ")

    assert Claim.objects.get(pk=claim.pk).is_locked
    assert last_id() == before


def test_a_reviewer_cannot_reopen(locked, reviewer):
    claim, _ = locked

    with pytest.raises(services.NotAllowed):
        services.claim_reopen(actor=reviewer, claim=claim, reason="I disagree")

    assert Claim.objects.get(pk=claim.pk).is_locked


def test_an_unlocked_claim_cannot_be_reopened(reviewer, editor):
    claim = claim_at("in_progress", actor=reviewer)

    with pytest.raises(services.DomainError, match="not signed off"):
        services.claim_reopen(actor=editor, claim=claim, reason="why not")


def test_the_full_cycle_is_in_the_history(reviewer, editor):
    claim = claim_at("false", actor=reviewer)
    services.verdict_sign_off(actor=editor, claim=claim)
    services.claim_reopen(actor=editor, claim=claim, reason="new evidence")

    actions = list(
        AuditEvent.objects.filter(claim_id=claim.pk).order_by("id").values_list("action", flat=True)
    )

    assert actions[-4:] == [
        "claim.status_changed",
        "verdict.proposed",
        "verdict.signed_off",
        "claim.reopened",
    ]


# Sign-off by a second editor, for real (issue 8, point 3).


def test_bypass_editor_edits_rationale_and_swaps_evidence_then_signs_off_is_refused(
    reviewer, editor
):
    claim = claim_at("false", actor=reviewer)
    link = claim.evidence.get()

    services.claim_update(actor=editor, claim=claim, rationale="My own reading of the report.")
    services.evidence_add(actor=editor, claim=claim, url="https://example.org/my-source")
    services.evidence_remove(actor=editor, link=link)

    with pytest.raises(services.DomainError, match="another editor must sign it off"):
        services.verdict_sign_off(actor=editor, claim=claim)
    claim.refresh_from_db()
    assert claim.proposed_by == editor
    assert not claim.is_locked
    rationale_event = AuditEvent.objects.filter(claim_id=claim.pk, action="claim.changed").first()
    assert rationale_event.changes["proposed_by"] == [
        {"id": reviewer.pk, "name": "rita"},
        {"id": editor.pk, "name": "ed"},
    ]


def test_bypass_evidence_swap_alone_makes_the_editor_a_contributor(reviewer, editor):
    claim = claim_at("misleading", actor=reviewer)

    services.evidence_add(actor=editor, claim=claim, url="https://example.org/other")

    with pytest.raises(services.DomainError, match="another editor must sign it off"):
        services.verdict_sign_off(actor=editor, claim=claim)
    assert AuditEvent.objects.filter(claim_id=claim.pk).first().changes["proposed_by"][1] == {
        "id": editor.pk,
        "name": "ed",
    }


def test_bypass_undo_of_a_reviewers_step_does_not_repropose_under_the_reviewers_name(
    reviewer, editor
):
    claim = claim_at("false", actor=editor)
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")

    undone = services.claim_undo(actor=reviewer, claim=claim)

    assert undone.status == "false"
    assert undone.proposed_by == editor
    with pytest.raises(services.DomainError, match="another editor must sign it off"):
        services.verdict_sign_off(actor=editor, claim=undone)
    assert not Claim.objects.get(pk=claim.pk).is_locked
    undo_event = AuditEvent.objects.filter(claim_id=claim.pk).first()
    assert undo_event.actor == reviewer
    assert undo_event.changes["proposed_by"] == [None, {"id": editor.pk, "name": "ed"}]


def test_undo_of_a_rationale_edit_gives_the_verdict_back_to_its_proposer(reviewer, editor):
    claim = claim_at("false", actor=reviewer)
    services.claim_update(actor=editor, claim=claim, rationale="Rewritten by the editor.")

    undone = services.claim_undo(actor=editor, claim=claim)

    assert undone.rationale == "Checked against the report."
    assert undone.proposed_by == reviewer
    # The editor touched this proposal, so another editor signs it off.
    with pytest.raises(services.DomainError, match="another editor must sign it off"):
        services.verdict_sign_off(actor=editor, claim=undone)


def test_an_editor_who_only_researched_before_the_proposal_may_sign_off(reviewer, editor):
    claim = factories.make_claim()
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.evidence_add(actor=editor, claim=claim, url="https://example.org/found-by-editor")
    services.claim_update(actor=reviewer, claim=claim, rationale="The figures do not match.")
    services.claim_set_status(actor=reviewer, claim=claim, status="false")

    signed = services.verdict_sign_off(actor=editor, claim=claim)

    assert signed.is_locked
    assert signed.signed_off_by == editor


def test_the_proposer_changing_their_own_verdict_stays_its_proposer(reviewer, editor):
    claim = claim_at("false", actor=reviewer)
    proposed_at = claim.proposed_at

    services.claim_update(actor=reviewer, claim=claim, rationale="Sharper wording.")

    claim.refresh_from_db()
    assert claim.proposed_by == reviewer
    assert claim.proposed_at == proposed_at
    assert services.verdict_sign_off(actor=editor, claim=claim).is_locked


def test_a_second_editor_signs_off_after_the_first_revised_the_verdict(reviewer, editor):
    other = factories.make_user("Editor", username="olga")
    claim = claim_at("false", actor=reviewer)
    services.claim_update(actor=editor, claim=claim, rationale="Revised by ed.")

    signed = services.verdict_sign_off(actor=other, claim=claim)

    assert signed.is_locked
    assert signed.proposed_by == editor
