"""Audit events told in plain words, for the claim timeline and the activity feed."""

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model

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
    "source.replaced": "replaced the source",
    "source_type.created": "added the source type",
    "source_type.changed": "edited the source type",
    "source_type.deleted": "deleted the source type",
    "export.claims": "exported claims",
    "export.audit": "exported the audit history",
    "export.claimreview": "exported published verdicts (ClaimReview)",
    "suggestion.accepted": "accepted a suggestion",
    "suggestion.edited": "edited and accepted a suggestion",
    "suggestion.rejected": "rejected a suggestion",
    "suggestions.generated": "found suggestions",
    "suggestions.failed": "could not find suggestions",
    "suggestions.accepted_above": "accepted the suggestions above a confidence",
    "user.created": "created the account",
    "user.recorded": "recorded the account as it stood",
    "user.changed": "changed the account",
    "user.deleted": "deleted the account",
    "claim.published": "published the verdict",
    "claim.unpublished": "took the verdict off its public page",
    "token.created": "made an API token",
    "token.revoked": "revoked an API token",
    "webhook.subscribed": "subscribed an address to events",
    "webhook.changed": "changed a webhook",
    "webhook.disabled": "disabled a webhook",
    "webhook.deleted": "deleted a webhook",
}

# What each filter of the claims queue and the activity feed (and the export
# commands' options) is called on the page, for an export's recorded filters.
FILTER_LABELS = {
    "q": "claim text contains",
    "status": "status",
    "source_type": "source type",
    "source": "source",
    "anonymity": "named or anonymous",
    "article": "article",
    "outlet": "outlet",
    "proposer": "proposed by",
    "assignee": "assigned to",
    "updated_after": "changed from",
    "updated_before": "changed until",
    "awaiting_sign_off": "awaiting sign-off",
    "sort": "sorted by",
    "actor": "person",
    "user": "person",
    "claim": "claim",
    "action": "action",
    "object_type": "object",
    "created_after": "from",
    "created_before": "until",
    "since": "from",
    "until": "until",
    "admin_selected": "claims chosen in the admin",
    "published_by": "published by",
    "published_at": None,
    "prefix": "token prefix",
    "scopes": "scopes",
    "expires_at": "expires",
    "revoked_at": None,
    "events": "events",
    "is_active": "active",
    "url": "address",
    "name": "name",
}
NUMBERED = {"article", "claim", "source"}
PEOPLE = {"actor", "user", "proposer", "assignee"}
ANONYMITY = {"anonymous": "has an anonymous source", "named": "named sources only"}
SORTS = {
    "-updated": "last change, newest first",
    "updated": "last change, oldest first",
    "article": "article title",
    "status": "status",
    "start": "position in the article",
}

# The reason an undo or a redo records ("Undo of event #55"), told with what it reverted.
REVERT_REASON = re.compile(r"(Undo|Redo) of event #(\d+)")

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
    "filters": "filters",
    "rows": "rows",
    "complete": "finished",
    "retired": "retired",
    "merged_from": "merged from",
    "merged_into": "merged into",
    "replaced_by": "replaced by",
    "relays_moved": "relay links moved",
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


def _filter_value(key: str, value: Any, people: dict[str, str]) -> str:
    values = value if isinstance(value, list) else [value]
    if key == "status":
        return ", ".join(show("status", item) for item in values)
    if key in NUMBERED:
        return ", ".join(f"#{item}" for item in values)
    if key in PEOPLE:
        return ", ".join(people.get(str(item), f"user #{item}") for item in values)
    if key == "anonymity":
        return ", ".join(ANONYMITY.get(str(item), str(item)) for item in values)
    if key == "sort":
        return ", ".join(SORTS.get(str(item), str(item)) for item in values)
    if key == "action":
        return ", ".join(VERBS.get(str(item), str(item)) for item in values)
    if key in {"source_type", "object_type"}:
        return ", ".join(str(item).replace("_", " ") for item in values)
    if key == "awaiting_sign_off":
        return "yes" if str(values[0]).lower() in {"true", "on", "1", "yes"} else "no"
    return ", ".join(str(item) for item in values)


def filters_in_words(filters: Any) -> str:
    """An export's recorded filters as the page words them: "article #1; status: false"."""
    if not isinstance(filters, dict):
        return show("", filters)
    if not filters:
        return "none (everything)"
    ids = [
        str(item)
        for key, value in filters.items()
        if key in PEOPLE
        for item in (value if isinstance(value, list) else [value])
        if str(item).isascii() and str(item).isdigit()
    ]
    people = (
        {
            str(pk): name
            for pk, name in get_user_model()
            .objects.filter(pk__in=ids)
            .values_list("pk", "username")
        }
        if ids
        else {}
    )
    parts = []
    for key, value in filters.items():
        label = FILTER_LABELS.get(key, key.replace("_", " "))
        words = _filter_value(key, value, people)
        parts.append(f"{label} {words}" if key in NUMBERED else f"{label}: {words}")
    return "; ".join(parts)


def show(field: str, value: Any) -> str:
    """Render one stored value as a person would say it."""
    if value is None or value == "" or value == []:
        return "—"
    if field == "filters":
        return filters_in_words(value)
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


def action_label(action: str) -> str:
    """An action as the filter lists name it: "Changed the status"."""
    words = VERBS.get(action, action.replace(".", " ").replace("_", " "))
    return words[:1].upper() + words[1:]


def verb_of(event: AuditEvent) -> str:
    return VERBS.get(event.action, event.action.replace(".", " ").replace("_", " "))


def summary_of(event: AuditEvent) -> str:
    """One sentence: "rita changed status from unverified to in progress"."""
    sentence = _summary(event)
    return f"{sentence} (through the {event.via})" if event.via else sentence


def _summary(event: AuditEvent) -> str:
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
    if event.action == "source.merged" and "merged_from" in changes:
        merged = show("merged_from", changes["merged_from"][1])
        return f"{event.actor_name} merged “{merged}” into “{event.object_repr}”"
    if event.action == "source.replaced" and "replaced_by" in changes:
        by = show("replaced_by", changes["replaced_by"][1])
        return f"{event.actor_name} replaced the source “{event.object_repr}” with “{by}”"
    if event.action.startswith("evidence.") and "evidence" in changes:
        link = changes["evidence"][1] or changes["evidence"][0]
        return f"{event.actor_name} {verb_of(event)}: {show('evidence', link)}"
    return f"{event.actor_name} {verb_of(event)}"


def reasons_of(events: list[AuditEvent]) -> dict[int, str]:
    """Each event's reason in words: "Undo of event #55" says what event #55 was."""
    numbers = {
        event.pk: int(match[2])
        for event in events
        if (match := REVERT_REASON.fullmatch(event.reason.strip()))
    }
    reverted = AuditEvent.objects.in_bulk(set(numbers.values())) if numbers else {}
    reasons = {}
    for event in events:
        reasons[event.pk] = event.reason
        if event.pk in numbers:
            kind = event.reason.strip().split(" ", 1)[0]
            earlier = reverted.get(numbers[event.pk])
            told = summary_of(earlier) if earlier else "an earlier change"
            reasons[event.pk] = f"{kind} of: {told}"
    return reasons
