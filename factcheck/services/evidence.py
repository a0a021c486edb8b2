"""Evidence links and the notes thread of a claim."""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from factcheck import audit
from factcheck.models import Claim, EvidenceLink, Note
from factcheck.services._base import (
    DomainError,
    Proposer,
    _apply,
    _authorize,
    _bump,
    _ensure_unlocked,
    _full_clean,
    _lock_claim,
    _proposer_values,
    _record_claim,
    service,
)

_http_url = URLValidator(schemes=["http", "https"])


@service
def evidence_add(
    *,
    actor,
    claim: Claim,
    url: str,
    title: str = "",
    expected_version: int | None = None,
    reason: str = "",
    restore_proposer: Proposer | None = None,
) -> EvidenceLink:
    """Attach an evidence link (http or https) to a claim; on a proposed verdict, propose it."""
    _authorize(actor, "add_evidencelink")
    url = (url or "").strip()
    try:
        _http_url(url)
    except ValidationError as error:
        raise DomainError(
            "Evidence must be a web address starting with http:// or https://.", field="url"
        ) from error
    claim = _lock_claim(claim, expected_version)
    _ensure_unlocked(claim)
    if claim.evidence.filter(url=url).exists():
        raise DomainError("This link is already among the claim's evidence.", field="url")
    link = EvidenceLink(claim=claim, url=url, title=title.strip(), added_by=actor)
    _full_clean(link, exclude=["claim"])
    link.save()
    proposer = _apply(claim, _proposer_values(claim, actor, restore_proposer))
    _bump(claim, proposer)
    _record_claim(
        actor,
        "evidence.added",
        claim,
        {"evidence": [None, {"url": url, "title": link.title}], **proposer},
        reason,
    )
    return link


@service
def evidence_remove(
    *,
    actor,
    link: EvidenceLink,
    expected_version: int | None = None,
    reason: str = "",
    restore_proposer: Proposer | None = None,
) -> None:
    """Remove an evidence link from its claim; on a proposed verdict, propose it."""
    _authorize(actor, "delete_evidencelink")
    claim = _lock_claim(link.claim, expected_version)
    _ensure_unlocked(claim)
    proposer = _apply(claim, _proposer_values(claim, actor, restore_proposer))
    _record_claim(
        actor,
        "evidence.removed",
        claim,
        {"evidence": [{"url": link.url, "title": link.title}, None], **proposer},
        reason,
    )
    link.delete()
    _bump(claim, proposer)


@service
def note_add(*, actor, claim: Claim, body: str, reason: str = "") -> Note:
    """Add a comment to a claim's notes thread."""
    _authorize(actor, "add_note")
    body = (body or "").strip()
    if not body:
        raise DomainError("A note cannot be empty.", field="body")
    note = Note.objects.create(claim=claim, author=actor, body=body)
    audit.record(
        actor=actor,
        action="note.added",
        object_type="note",
        object_id=note.pk,
        object_repr=f"note on claim #{claim.pk}",
        article_id=claim.article_id,
        claim_id=claim.pk,
        changes={"body": [None, body]},
        reason=reason,
    )
    return note


@service
def note_delete(*, actor, note: Note, reason: str = "") -> None:
    """Delete a note: its author may, and so may whoever can delete any note."""
    if actor is not None and note.author_id != actor.pk:
        _authorize(actor, "delete_note")
    audit.record(
        actor=actor,
        action="note.deleted",
        object_type="note",
        object_id=note.pk,
        object_repr=f"note on claim #{note.claim_id}",
        article_id=note.claim.article_id,
        claim_id=note.claim_id,
        changes={"body": [note.body, None]},
        reason=reason,
    )
    note.delete()
