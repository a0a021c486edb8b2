"""Audit events told in plain words, for the claim timeline and the activity feed."""

from dataclasses import dataclass
from typing import Any

from factcheck.models import AuditEvent, GroundRule, QuoteMode, VerificationStatus

VERBS = {
    "article.created": "imported the article",
    "article.changed": "edited the article",
    "article.deleted": "deleted the article",
    "claim.created": "marked the claim",
    "claim.changed": "edited the claim",
    "claim.status_changed": "changed the status",
    "claim.deleted": "deleted the claim",
    "claim.reopened": "reopened the claim",
    "claim.assigned": "assigned the claim",
    "verdict.proposed": "proposed a verdict",
    "verdict.signed_off": "signed off the verdict",
    "attribution.added": "attributed the claim",
    "attribution.changed": "changed an attribution",
    "attribution.removed": "removed an attribution",
    "evidence.added": "added evidence",
    "evidence.removed": "removed evidence",
    "note.added": "added a note",
    "note.deleted": "deleted a note",
    "source.created": "added the source",
    "source.changed": "edited the source",
    "source.deleted": "deleted the source",
    "source.merged": "merged a source into",
    "source_type.created": "added the source type",
    "source_type.changed": "edited the source type",
    "source_type.deleted": "deleted the source type",
    "export.claims": "exported claims",
    "export.audit": "exported the audit history",
}

LABELS = {
    "start": "start",
    "end": "end",
    "text": "text",
    "status": "status",
    "rationale": "rationale",
    "assigned_to": "assignee",
    "proposed_by": "proposer",
    "proposed_at": None,
    "signed_off_by": "signed off by",
    "signed_off_at": None,
    "sign_off_snapshot": None,
    "source": "source",
    "mention_text": "mention",
    "mention_start": None,
    "mention_end": None,
    "cue": "cue",
    "cue_start": None,
    "cue_end": None,
    "quote_mode": "quote mode",
    "intermediary": "relayed by",
    "ground_rule": "ground rule",
    "anonymity_reason": "reason for anonymity",
    "source_type": "type",
    "is_anonymous": "anonymous",
    "content_hash": None,
    "text_length": None,
}

CHOICES = {
    "status": VerificationStatus,
    "quote_mode": QuoteMode,
    "ground_rule": GroundRule,
}


@dataclass
class Change:
    label: str
    old: str
    new: str


def show(field: str, value: Any) -> str:
    """Render one stored value as a person would say it."""
    if value is None or value == "" or value == []:
        return "—"
    if field in CHOICES:
        try:
            return str(CHOICES[field](value).label).lower()
        except ValueError:
            return str(value)
    if isinstance(value, dict):
        return str(value.get("name") or value.get("title") or value.get("url") or value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(show(field, item) for item in value)
    return str(value)


def changes_of(event: AuditEvent) -> list[Change]:
    """List the changed fields worth showing, with old and new values in words."""
    lines = []
    for field, pair in event.changes.items():
        label = LABELS.get(field, field.replace("_", " "))
        if label is None:
            continue
        old, new = pair
        lines.append(Change(label=label, old=show(field, old), new=show(field, new)))
    return lines


def verb_of(event: AuditEvent) -> str:
    return VERBS.get(event.action, event.action.replace(".", " ").replace("_", " "))


def summary_of(event: AuditEvent) -> str:
    """One sentence: "rita changed status from unverified to in progress"."""
    changes = event.changes
    if event.action in {"claim.status_changed", "verdict.proposed"} and "status" in changes:
        old, new = (show("status", value) for value in changes["status"])
        if event.action == "verdict.proposed":
            return f"{event.actor_name} proposed the verdict {new} (was {old})"
        return f"{event.actor_name} changed status from {old} to {new}"
    if event.action == "attribution.added" and "source" in changes:
        return f"{event.actor_name} attributed the claim to {show('source', changes['source'][1])}"
    if event.action == "attribution.removed" and "source" in changes:
        source = show("source", changes["source"][0])
        return f"{event.actor_name} removed the attribution to {source}"
    if event.action.startswith("evidence.") and "evidence" in changes:
        link = changes["evidence"][1] or changes["evidence"][0]
        return f"{event.actor_name} {verb_of(event)}: {show('evidence', link)}"
    return f"{event.actor_name} {verb_of(event)}"
