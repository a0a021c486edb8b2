"""Attributions: a claim linked to its source, with mention, cue, quote mode and relay."""

from typing import Any

from factcheck import audit
from factcheck.models import Article, Attribution, Claim, GroundRule, QuoteMode, Source
from factcheck.services._base import (
    DomainError,
    _apply,
    _authorize,
    _bump,
    _check_span,
    _created_changes,
    _ensure_unlocked,
    _full_clean,
    _lock_claim,
    service,
)

ATTRIBUTION_FIELDS = (
    "source",
    "mention_start",
    "mention_end",
    "mention_text",
    "cue",
    "cue_start",
    "cue_end",
    "quote_mode",
    "intermediary",
    "ground_rule",
    "anonymity_reason",
)


def _clean_attribution(attribution: Attribution, article: Article) -> None:
    """Check an attribution's spans against the text and its links against each other."""
    for what, prefix, text_field in (
        ("mention", "mention", "mention_text"),
        ("cue", "cue", "cue"),
    ):
        start = getattr(attribution, f"{prefix}_start")
        end = getattr(attribution, f"{prefix}_end")
        if start is None and end is None:
            continue
        if start is None or end is None:
            raise DomainError(f"Give both {what} offsets, or neither.", field=text_field)
        given = getattr(attribution, text_field) or None
        setattr(
            attribution,
            text_field,
            _check_span(article, start, end, given, what=what, field=text_field),
        )
    if attribution.quote_mode not in QuoteMode.values:
        raise DomainError(f"“{attribution.quote_mode}” is not a quote mode.", field="quote_mode")
    if attribution.ground_rule not in GroundRule.values:
        raise DomainError(f"“{attribution.ground_rule}” is not a ground rule.", field="ground_rule")
    if attribution.intermediary_id is not None and (
        attribution.intermediary_id == attribution.source_id
    ):
        raise DomainError("A source cannot relay its own claim.", field="intermediary")
    attribution.mention_text = attribution.mention_text.strip()
    attribution.cue = attribution.cue.strip()
    attribution.anonymity_reason = attribution.anonymity_reason.strip()
    # The checks above are the model's check constraints, with messages a reviewer
    # understands; Django would ask the database about each again (a query in a
    # savepoint apiece, nine round trips on PostgreSQL), and the constraints stay
    # in the schema behind them.
    _full_clean(
        attribution,
        exclude=["claim", "source", "intermediary"],
        validate_unique=False,
        validate_constraints=False,
    )


def _record_attribution(actor, action: str, attribution: Attribution, changes, reason="") -> None:
    audit.record(
        actor=actor,
        action=action,
        object_type="attribution",
        object_id=attribution.pk,
        object_repr=f"{attribution.source} → claim #{attribution.claim_id}",
        article_id=attribution.claim.article_id,
        claim_id=attribution.claim_id,
        changes=changes,
        reason=reason,
    )


@service
def attribution_add(
    *,
    actor,
    claim: Claim,
    source: Source,
    mention_start: int | None = None,
    mention_end: int | None = None,
    mention_text: str = "",
    cue: str = "",
    cue_start: int | None = None,
    cue_end: int | None = None,
    quote_mode: str = QuoteMode.PARAPHRASE,
    intermediary: Source | None = None,
    ground_rule: str = GroundRule.UNSPECIFIED,
    anonymity_reason: str = "",
    expected_version: int | None = None,
    reason: str = "",
) -> Attribution:
    """Attribute a claim to a source, with its mention, cue, quote mode and relay."""
    _authorize(actor, "add_attribution")
    claim = _lock_claim(claim, expected_version)
    _ensure_unlocked(claim)
    if claim.attributions.filter(source=source).exists():
        raise DomainError(f"This claim is already attributed to {source}.", field="source")
    attribution = Attribution(
        claim=claim,
        source=source,
        mention_start=mention_start,
        mention_end=mention_end,
        mention_text=mention_text or "",
        cue=cue or "",
        cue_start=cue_start,
        cue_end=cue_end,
        quote_mode=quote_mode,
        intermediary=intermediary,
        ground_rule=ground_rule or "",
        anonymity_reason=anonymity_reason or "",
    )
    _clean_attribution(attribution, claim.article)
    attribution.save()
    _bump(claim)
    changes = {
        name: value
        for name, value in _created_changes(attribution, ATTRIBUTION_FIELDS).items()
        if value[1] not in (None, "")
    }
    _record_attribution(actor, "attribution.added", attribution, changes, reason)
    return attribution


@service
def attribution_update(
    *,
    actor,
    attribution: Attribution,
    expected_version: int | None = None,
    reason: str = "",
    **fields: Any,
) -> Attribution:
    """Change an attribution's source, mention, cue, quote mode, relay or anonymity details."""
    _authorize(actor, "change_attribution")
    unknown = set(fields) - set(ATTRIBUTION_FIELDS)
    if unknown:
        raise DomainError(f"Attributions have no field {', '.join(sorted(unknown))}.")
    claim = _lock_claim(attribution.claim, expected_version)
    attribution = Attribution.objects.select_related("source", "intermediary").get(
        pk=attribution.pk
    )
    for name in ("mention_text", "cue", "anonymity_reason", "ground_rule"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    # A mention or cue typed anew no longer points at the text it was taken from.
    for text_field, prefix in (("mention_text", "mention"), ("cue", "cue")):
        typed = fields.get(text_field)
        if (
            typed is not None
            and typed != getattr(attribution, text_field)
            and f"{prefix}_start" not in fields
        ):
            fields.update({f"{prefix}_start": None, f"{prefix}_end": None})
    before = Attribution.objects.select_related("source", "intermediary").get(pk=attribution.pk)
    if not _apply(attribution, fields):
        return attribution
    _ensure_unlocked(claim)
    if (
        attribution.source_id != before.source_id
        and claim.attributions.filter(source=attribution.source).exclude(pk=attribution.pk).exists()
    ):
        raise DomainError(
            f"This claim is already attributed to {attribution.source}.", field="source"
        )
    _clean_attribution(attribution, claim.article)
    # Recorded after cleaning, so the event holds the values actually saved.
    changes = _apply(before, {name: getattr(attribution, name) for name in ATTRIBUTION_FIELDS})
    if not changes:
        return attribution
    attribution.save()
    _bump(claim)
    _record_attribution(actor, "attribution.changed", attribution, changes, reason)
    return attribution


@service
def attribution_remove(
    *,
    actor,
    attribution: Attribution,
    expected_version: int | None = None,
    reason: str = "",
) -> None:
    """Remove an attribution from its claim."""
    _authorize(actor, "delete_attribution")
    claim = _lock_claim(attribution.claim, expected_version)
    _ensure_unlocked(claim)
    attribution = Attribution.objects.select_related("source", "intermediary").get(
        pk=attribution.pk
    )
    changes = {
        name: [value, None]
        for name, (_, value) in _created_changes(attribution, ATTRIBUTION_FIELDS).items()
        if value not in (None, "")
    }
    _record_attribution(actor, "attribution.removed", attribution, changes, reason)
    attribution.delete()
    _bump(claim)
