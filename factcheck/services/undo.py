"""Undo: revert one's own last change to a claim, as a new audited change."""

from collections.abc import Iterable
from typing import Any

from django.utils.dateparse import parse_datetime

from factcheck.models import Article, Attribution, AuditEvent, Claim, Note, Source
from factcheck.services._base import (
    DomainError,
    Proposer,
    _authorize,
    _lock_claim,
    service,
)
from factcheck.services.attributions import (
    ATTRIBUTION_FIELDS,
    attribution_add,
    attribution_remove,
    attribution_update,
)
from factcheck.services.claims import (
    claim_create,
    claim_delete,
    claim_set_status,
    claim_update,
)
from factcheck.services.evidence import evidence_add, evidence_remove, note_add, note_delete

UNDOABLE = {
    "claim.created",
    "claim.changed",
    "claim.status_changed",
    "verdict.proposed",
    "attribution.added",
    "attribution.changed",
    "attribution.removed",
    "evidence.added",
    "evidence.removed",
    "note.added",
}


def undoable_event(*, actor, claim: Claim) -> AuditEvent | None:
    """Return the actor's change that undo would revert: the claim's latest event, if theirs."""
    latest = AuditEvent.objects.filter(claim_id=claim.pk).order_by("-id").first()
    if latest is None or actor is None or latest.actor_id != actor.pk:
        return None
    if latest.action not in UNDOABLE:
        return None
    return latest


def _old_values(event: AuditEvent, fields: Iterable[str]) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    lookups = {"source": Source, "intermediary": Source, "assigned_to": get_user_model()}
    values = {}
    for name in fields:
        if name not in event.changes:
            continue
        old = event.changes[name][0]
        if name in lookups:
            old = lookups[name].objects.filter(pk=old["id"]).first() if old else None
            if event.changes[name][0] and old is None:
                raise DomainError(f"The earlier {name.replace('_', ' ')} no longer exists.")
        values[name] = old
    return values


def _old_proposer(event: AuditEvent) -> Proposer | None:
    """The proposer the undone change replaced, to be given the verdict back."""
    from django.contrib.auth import get_user_model

    if "proposed_by" not in event.changes:
        return None
    old = event.changes["proposed_by"][0]
    user = get_user_model().objects.filter(pk=old["id"]).first() if old else None
    at = event.changes.get("proposed_at", [None])[0]
    return user, parse_datetime(at) if at else None


@service
def claim_undo(*, actor, claim: Claim, expected_version: int | None = None) -> Claim | None:
    """Revert the actor's own last change to a claim; the revert is audited like any change.

    Returns the claim, or None when the undone change was the claim's creation.
    """
    _authorize(actor, "change_claim")
    claim = _lock_claim(claim, expected_version)
    event = undoable_event(actor=actor, claim=claim)
    if event is None:
        raise DomainError(
            "There is nothing of yours to undo here: undo reverts your own last change, "
            "and only while nobody has changed the claim since."
        )
    return _revert(actor, claim, event, f"Undo of event #{event.pk}")


def _revert(actor, claim: Claim, event: AuditEvent, reason: str) -> Claim | None:
    """Apply the opposite of one event to the (locked) claim, recording `reason`."""
    version = claim.version
    proposer = _old_proposer(event)
    match event.action:
        case "claim.created":
            claim_delete(actor=actor, claim=claim, reason=reason)
            return None
        case "claim.changed":
            claim_update(
                actor=actor,
                claim=claim,
                expected_version=version,
                reason=reason,
                restore_proposer=proposer,
                **_old_values(event, ("start", "end", "text", "rationale", "assigned_to")),
            )
        case "claim.status_changed" | "verdict.proposed":
            claim_set_status(
                actor=actor,
                claim=claim,
                status=event.changes["status"][0],
                expected_version=version,
                reason=reason,
                restore_proposer=proposer,
            )
        case "attribution.added":
            attribution = Attribution.objects.get(pk=event.object_id)
            attribution_remove(
                actor=actor, attribution=attribution, expected_version=version, reason=reason
            )
        case "attribution.changed":
            attribution = Attribution.objects.get(pk=event.object_id)
            attribution_update(
                actor=actor,
                attribution=attribution,
                expected_version=version,
                reason=reason,
                **_old_values(event, ATTRIBUTION_FIELDS),
            )
        case "attribution.removed":
            attribution_add(
                actor=actor,
                claim=claim,
                expected_version=version,
                reason=reason,
                **_old_values(event, ATTRIBUTION_FIELDS),
            )
        case "evidence.added":
            link = claim.evidence.get(url=event.changes["evidence"][1]["url"])
            evidence_remove(
                actor=actor,
                link=link,
                expected_version=version,
                reason=reason,
                restore_proposer=proposer,
            )
        case "evidence.removed":
            old = event.changes["evidence"][0]
            evidence_add(
                actor=actor,
                claim=claim,
                url=old["url"],
                title=old.get("title", ""),
                expected_version=version,
                reason=reason,
                restore_proposer=proposer,
            )
        case "note.added":
            note_delete(actor=actor, note=Note.objects.get(pk=event.object_id), reason=reason)
        case "note.deleted":  # only as the undo of a note.added, which redo re-applies
            note_add(actor=actor, claim=claim, body=event.changes["body"][0], reason=reason)
    return Claim.objects.get(pk=claim.pk)


UNDO_REASON = "Undo of event #"


def undone_event(undo: AuditEvent) -> AuditEvent | None:
    """The event an undo reverted, read from the undo's reason."""
    if not undo.reason.startswith(UNDO_REASON):
        return None
    number = undo.reason.removeprefix(UNDO_REASON)
    return AuditEvent.objects.filter(pk=int(number)).first() if number.isdigit() else None


def redoable_event(*, actor, claim_id: int) -> AuditEvent | None:
    """The actor's undo that redo would re-apply: the claim's latest event, if an undo of theirs."""
    latest = AuditEvent.objects.filter(claim_id=claim_id).order_by("-id").first()
    if latest is None or actor is None or latest.actor_id != actor.pk:
        return None
    if not latest.reason.startswith(UNDO_REASON):
        return None
    if latest.action not in UNDOABLE | {"claim.deleted", "note.deleted"}:
        return None
    return latest


@service
def claim_redo(*, actor, claim_id: int, expected_version: int | None = None) -> Claim:
    """Re-apply the change the actor's last undo reverted, as a new audited change.

    `claim_id` may name a claim the undo deleted (the undo of its creation): redo
    creates it again over the same span.
    """
    _authorize(actor, "change_claim")
    existing = Claim.objects.filter(pk=claim_id).first()
    claim = _lock_claim(existing, expected_version) if existing is not None else None
    undo = redoable_event(actor=actor, claim_id=claim_id)
    if undo is None:
        raise DomainError(
            "There is nothing of yours to redo here: redo re-applies your last undo, "
            "and only while nobody has changed the claim since."
        )
    original = undone_event(undo)
    reason = f"Redo of event #{original.pk if original else undo.pk}"
    if claim is None:
        if undo.action != "claim.deleted":
            raise DomainError("This claim no longer exists.")
        values = {name: undo.changes[name][0] for name in ("start", "end", "text")}
        article = Article.objects.get(pk=undo.article_id)
        return claim_create(actor=actor, article=article, reason=reason, **values)
    _revert(actor, claim, undo, reason)
    return Claim.objects.get(pk=claim.pk)
