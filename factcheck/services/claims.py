"""Claims and the verification workflow: mark, edit, set status, sign off, reopen, delete."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from factcheck import signoff
from factcheck.models import Article, AuditEvent, Claim, VerificationStatus
from factcheck.services._base import (
    DomainError,
    Proposer,
    _apply,
    _authorize,
    _bump,
    _check_span,
    _clip,
    _created_changes,
    _ensure_unlocked,
    _lock_article,
    _lock_claim,
    _proposer_values,
    _record_claim,
    service,
)
from factcheck.services.coverage import nearly_same, overlapping_claims, suggestions_settle_covered


class NearDuplicate(DomainError):
    """A new claim's span is nearly another's: the person is asked before it is made."""

    def __init__(self, message: str, *, claim: Claim):
        super().__init__(message, field="near")
        self.claim = claim


# Statuses a claim may move to from each status (a verdict may be revised
# until it is signed off).
TRANSITIONS: dict[str, set[str]] = {
    VerificationStatus.UNVERIFIED: {VerificationStatus.IN_PROGRESS},
    VerificationStatus.IN_PROGRESS: {VerificationStatus.UNVERIFIED, *VerificationStatus.verdicts()},
    **{
        verdict: {VerificationStatus.IN_PROGRESS, *(VerificationStatus.verdicts() - {verdict})}
        for verdict in VerificationStatus.verdicts()
    },
}


@service
def claim_create(
    *,
    actor,
    article: Article,
    start: int,
    end: int,
    text: str | None = None,
    reason: str = "",
    ask_if_near: bool = False,
) -> Claim:
    """Mark the span [start, end) of the article as a claim.

    With `ask_if_near`, a span nearly the same as another claim's (a word more or
    less at an end) is refused with `NearDuplicate`, for the caller to ask the
    person first. The pending suggestions the new claim settles are decided.
    """
    _authorize(actor, "add_claim")
    # The text the span is checked against must be the one committed with it.
    article = _lock_article(article)
    text = _check_span(article, start, end, text, what="claim", field="text")
    duplicate = Claim.objects.filter(article=article, start=start, end=end).first()
    if duplicate is not None:
        raise DomainError(f"Claim #{duplicate.pk} already covers exactly this span.")
    if ask_if_near:
        near = next(
            (
                other
                for other in overlapping_claims(article, start, end)
                if nearly_same((other.start, other.end), (start, end))
            ),
            None,
        )
        if near is not None:
            raise NearDuplicate(
                f"Claim #{near.pk} already covers nearly the same words (“{_clip(near.text)}”).",
                claim=near,
            )
    claim = Claim(article=article, start=start, end=end, text=text, created_by=actor)
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError as error:
        raise DomainError("Another claim covering exactly this span was just created.") from error
    _record_claim(
        actor,
        "claim.created",
        claim,
        _created_changes(claim, ("start", "end", "text", "status")),
        reason,
    )
    suggestions_settle_covered(actor=actor, claim=claim)
    return claim


@service
def claim_update(
    *,
    actor,
    claim: Claim,
    expected_version: int | None = None,
    reason: str = "",
    restore_proposer: Proposer | None = None,
    ask_if_near: bool = False,
    **fields: Any,
) -> Claim:
    """Change a claim's span, rationale or assignee.

    Whoever changes the rationale of a proposed verdict becomes its proposer
    (undo passes `restore_proposer` to give it back to the one it had). With
    `ask_if_near`, a new span nearly another claim's is refused with `NearDuplicate`.
    """
    _authorize(actor, "change_claim")
    unknown = set(fields) - {"start", "end", "text", "rationale", "assigned_to"}
    if unknown:
        raise DomainError(f"Claims have no editable field {', '.join(sorted(unknown))}.")
    claim = _lock_claim(claim, expected_version)
    if {"start", "end", "text"} & fields.keys():
        start = fields.setdefault("start", claim.start)
        end = fields.setdefault("end", claim.end)
        if (start, end) != (claim.start, claim.end):
            _ensure_unlocked(claim)
        fields["text"] = _check_span(
            claim.article, start, end, fields.get("text"), what="claim", field="text"
        )
        if (
            Claim.objects.filter(article=claim.article, start=start, end=end)
            .exclude(pk=claim.pk)
            .exists()
        ):
            raise DomainError("Another claim already covers exactly this span.")
        near = next(
            (
                other
                for other in overlapping_claims(claim.article, start, end).exclude(pk=claim.pk)
                if nearly_same((other.start, other.end), (start, end))
            ),
            None,
        )
        if ask_if_near and near is not None and (start, end) != (claim.start, claim.end):
            raise NearDuplicate(
                f"Claim #{near.pk} already covers nearly these words (“{_clip(near.text)}”): "
                "add to it rather than make this one its double.",
                claim=near,
            )
    if "rationale" in fields:
        fields["rationale"] = (fields["rationale"] or "").strip()
        if claim.is_locked and fields["rationale"] != claim.rationale:
            _ensure_unlocked(claim)
    changes = _apply(claim, fields)
    if not changes:
        return claim
    if "rationale" in changes:
        changes |= _apply(claim, _proposer_values(claim, actor, restore_proposer))
    _bump(claim, changes)
    _record_claim(actor, "claim.changed", claim, changes, reason)
    if {"start", "end"} & changes.keys():
        suggestions_settle_covered(actor=actor, claim=claim)
    return claim


@service
def claim_set_status(
    *,
    actor,
    claim: Claim,
    status: str,
    expected_version: int | None = None,
    reason: str = "",
    restore_proposer: Proposer | None = None,
) -> Claim:
    """Move a claim to another verification status; a verdict is proposed by the actor.

    Undo passes `restore_proposer`, so that reverting a step gives the verdict
    back to the person who proposed it rather than making the undoer its proposer.
    """
    _authorize(actor, "change_claim")
    if status not in VerificationStatus.values:
        raise DomainError(f"“{status}” is not a verification status.", field="status")
    claim = _lock_claim(claim, expected_version)
    if status == claim.status:
        return claim
    _ensure_unlocked(claim)
    if status not in TRANSITIONS[claim.status]:
        raise DomainError(
            f"A claim cannot go from {VerificationStatus(claim.status).label.lower()} "
            f"to {VerificationStatus(status).label.lower()}.",
            field="status",
        )
    is_verdict = status in VerificationStatus.verdicts()
    if is_verdict:
        _check_verdict_support(claim, status)
    changes = _apply(claim, {"status": status})
    if is_verdict:
        changes |= _apply(claim, _proposer_values(claim, actor, restore_proposer))
    else:
        changes |= _apply(claim, {"proposed_by": None, "proposed_at": None})
    _bump(claim, changes)
    action = "verdict.proposed" if is_verdict else "claim.status_changed"
    _record_claim(actor, action, claim, changes, reason)
    return claim


@service
def claim_delete(
    *, actor, claim: Claim, expected_version: int | None = None, reason: str = ""
) -> None:
    """Delete a claim with its attributions, evidence and notes."""
    _authorize(actor, "delete_claim")
    claim = _lock_claim(claim, expected_version)
    _ensure_unlocked(claim)
    changes = {
        name: [value, None]
        for name, (_, value) in _created_changes(
            claim, ("start", "end", "text", "status", "rationale")
        ).items()
    }
    changes["attributions"] = [claim.attributions.count(), 0]
    _record_claim(actor, "claim.deleted", claim, changes, reason)
    claim.delete()


def _check_verdict_support(claim: Claim, status: str) -> None:
    """A verdict needs a rationale, and evidence unless it is `unverifiable`."""
    if not claim.rationale.strip():
        raise DomainError("A verdict needs a rationale.", field="rationale")
    if status != VerificationStatus.UNVERIFIABLE and not claim.evidence.exists():
        raise DomainError("This verdict needs at least one evidence link.", field="evidence")


# What a sign-off publishes (signoff.snapshot) and who can change it after the proposal:
# the claim's span, text, status and rationale, its attributions and evidence, and the
# registry entries of the sources it cites.
PUBLISHED_CLAIM_FIELDS = frozenset({"start", "end", "text", "status", "rationale"})
PUBLISHED_SOURCE_FIELDS = frozenset({"name", "source_type", "affiliation", "is_anonymous"})


def _changes_what_a_verdict_publishes(action: str, changes: dict) -> bool:
    if action.startswith(("attribution.", "evidence.", "verdict.")):
        return True
    return action.startswith("claim.") and not PUBLISHED_CLAIM_FIELDS.isdisjoint(changes)


def verdict_contributors(claim: Claim) -> set[int]:
    """Return the ids of everyone who proposed the verdict or changed what it publishes since.

    Read from the claim's history, newest first, back to the event that moved
    it from a non-verdict status into a verdict: its proposers (undo restores an
    earlier one) and whoever changed the claim's span, text, status, rationale,
    attributions or evidence in that time, from the pages, the admin or the
    suggestions; then whoever edited a source the claim cites since then.
    """
    contributors = {claim.proposed_by_id} - {None}
    verdicts = VerificationStatus.verdicts()
    events = (
        AuditEvent.objects.filter(claim_id=claim.pk)
        .order_by("-id")
        .values_list("id", "actor_id", "action", "changes")
    )
    proposed_at_event = 0
    for event_id, actor_id, action, changes in events.iterator(chunk_size=100):
        proposer = changes.get("proposed_by")
        if proposer and proposer[1]:
            contributors.add(proposer[1]["id"])
        if actor_id is not None and _changes_what_a_verdict_publishes(action, changes):
            contributors.add(actor_id)
        status = changes.get("status")
        if status and status[1] in verdicts and status[0] not in verdicts:
            proposed_at_event = event_id
            break
    cited = {
        str(pk)
        for pair in claim.attributions.values_list("source_id", "intermediary_id")
        for pk in pair
        if pk is not None
    }
    source_events = AuditEvent.objects.filter(
        id__gt=proposed_at_event, object_type="source", object_id__in=cited, actor__isnull=False
    ).values_list("actor_id", "changes")
    contributors.update(
        actor_id
        for actor_id, changes in source_events
        if not PUBLISHED_SOURCE_FIELDS.isdisjoint(changes)
    )
    return contributors


@service
def verdict_sign_off(
    *, actor, claim: Claim, expected_version: int | None = None, reason: str = ""
) -> Claim:
    """Sign off a proposed verdict, freezing what it publishes, and lock the claim.

    The signer must not be anyone who proposed the verdict or changed what it
    publishes since it was proposed (`verdict_contributors`): a second pair of
    eyes, for real.
    """
    _authorize(actor, "sign_off_claim")
    claim = _lock_claim(claim, expected_version)
    if claim.is_locked:
        raise DomainError("This verdict is already signed off.")
    if claim.status not in VerificationStatus.verdicts():
        raise DomainError("Only a proposed verdict can be signed off; this claim has none yet.")
    if actor is not None and actor.pk in verdict_contributors(claim):
        raise DomainError(
            "You proposed this verdict or changed what it publishes (the claim, its sources, "
            "rationale or evidence) since it was proposed; another editor must sign it off.",
            field="sign_off",
        )
    _check_verdict_support(claim, claim.status)
    now = timezone.now()
    changes = _apply(
        claim,
        {
            "signed_off_by": actor,
            "signed_off_at": now,
            "sign_off_snapshot": signoff.snapshot(claim, signed_off_by=actor, signed_off_at=now),
        },
    )
    _bump(claim, changes)
    _record_claim(actor, "verdict.signed_off", claim, changes, reason)
    return claim


@service
def claim_reopen(*, actor, claim: Claim, reason: str, expected_version: int | None = None) -> Claim:
    """Unlock a signed-off claim for more work; the reason is required and kept."""
    _authorize(actor, "reopen_claim")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the claim is reopened.", field="reason")
    claim = _lock_claim(claim, expected_version)
    if not claim.is_locked:
        raise DomainError("This claim is not signed off, so there is nothing to reopen.")
    changes = _apply(
        claim,
        {
            "status": VerificationStatus.IN_PROGRESS,
            "signed_off_by": None,
            "signed_off_at": None,
            "proposed_by": None,
            "proposed_at": None,
            "sign_off_snapshot": None,
            # A reopened verdict is no longer one the desk stands by: off its public page.
            "published_by": None,
            "published_at": None,
        },
    )
    _bump(claim, changes)
    _record_claim(actor, "claim.reopened", claim, changes, reason)
    return claim


@service
def claim_publish(
    *, actor, claim: Claim, expected_version: int | None = None, reason: str = ""
) -> Claim:
    """Publish a signed-off verdict: it gets a public page and joins the public feed.

    Signing off is not publishing: an editor decides when the desk's verdict goes out.
    """
    _authorize(actor, "sign_off_claim")
    claim = _lock_claim(claim, expected_version)
    if claim.signed_off_at is None:
        raise DomainError("Only a signed-off verdict can be published; sign it off first.")
    if claim.published_at is not None:
        return claim
    changes = _apply(
        claim,
        {"published_by": actor, "published_at": timezone.now()},
    )
    _bump(claim, changes)
    _record_claim(actor, "claim.published", claim, changes, (reason or "").strip())
    return claim


@service
def claim_unpublish(
    *, actor, claim: Claim, expected_version: int | None = None, reason: str = ""
) -> Claim:
    """Take a published verdict off its public page and the public feed."""
    _authorize(actor, "sign_off_claim")
    claim = _lock_claim(claim, expected_version)
    if claim.published_at is None:
        return claim
    changes = _apply(claim, {"published_by": None, "published_at": None})
    _bump(claim, changes)
    _record_claim(actor, "claim.unpublished", claim, changes, (reason or "").strip())
    return claim
