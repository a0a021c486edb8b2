"""Claims and the verification workflow: mark, edit, set status, sign off, reopen, delete."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from factcheck.models import Article, Claim, VerificationStatus
from factcheck.services._base import (
    DomainError,
    _apply,
    _authorize,
    _bump,
    _check_span,
    _created_changes,
    _ensure_unlocked,
    _lock_article,
    _lock_claim,
    _record_claim,
    service,
)

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
    *, actor, article: Article, start: int, end: int, text: str | None = None, reason: str = ""
) -> Claim:
    """Mark the span [start, end) of the article as a claim."""
    _authorize(actor, "add_claim")
    # The text the span is checked against must be the one committed with it.
    article = _lock_article(article)
    text = _check_span(article, start, end, text, what="claim", field="text")
    duplicate = Claim.objects.filter(article=article, start=start, end=end).first()
    if duplicate is not None:
        raise DomainError(f"Claim #{duplicate.pk} already covers exactly this span.")
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
    return claim


@service
def claim_update(
    *,
    actor,
    claim: Claim,
    expected_version: int | None = None,
    reason: str = "",
    **fields: Any,
) -> Claim:
    """Change a claim's span, rationale or assignee."""
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
    if "rationale" in fields:
        fields["rationale"] = (fields["rationale"] or "").strip()
        if claim.is_locked and fields["rationale"] != claim.rationale:
            _ensure_unlocked(claim)
    changes = _apply(claim, fields)
    if not changes:
        return claim
    _bump(claim, changes)
    _record_claim(actor, "claim.changed", claim, changes, reason)
    return claim


@service
def claim_set_status(
    *,
    actor,
    claim: Claim,
    status: str,
    expected_version: int | None = None,
    reason: str = "",
) -> Claim:
    """Move a claim to another verification status; a verdict is proposed by the actor."""
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
    values: dict[str, Any] = {"status": status}
    if is_verdict:
        values.update(proposed_by=actor, proposed_at=timezone.now())
    else:
        values.update(proposed_by=None, proposed_at=None)
    changes = _apply(claim, values)
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


@service
def verdict_sign_off(
    *, actor, claim: Claim, expected_version: int | None = None, reason: str = ""
) -> Claim:
    """Sign off a proposed verdict; the signer must not be its proposer. Locks the claim."""
    _authorize(actor, "sign_off_claim")
    claim = _lock_claim(claim, expected_version)
    if claim.is_locked:
        raise DomainError("This verdict is already signed off.")
    if claim.status not in VerificationStatus.verdicts():
        raise DomainError("Only a proposed verdict can be signed off; this claim has none yet.")
    if actor is not None and claim.proposed_by_id == actor.pk:
        raise DomainError(
            "You proposed this verdict; another editor must sign it off.", field="sign_off"
        )
    _check_verdict_support(claim, claim.status)
    changes = _apply(claim, {"signed_off_by": actor, "signed_off_at": timezone.now()})
    _bump(claim, ("signed_off_by", "signed_off_at"))
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
        },
    )
    _bump(claim, changes)
    _record_claim(actor, "claim.reopened", claim, changes, reason)
    return claim
