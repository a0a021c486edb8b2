"""The suggester's plain records: what it proposes for one attributed statement."""

from dataclasses import dataclass

Span = tuple[int, int]  # Python str indices (code points), end exclusive

SOURCE_TYPES = (
    "ministry",
    "government_office",
    "named_spokesperson",
    "anonymous_official",
    "organization",
    "news_agency",
    "named_individual",
    "document",
    "unattributed",
)


@dataclass(frozen=True)
class Suggestion:
    claim_span: Span
    claim: str
    source: str | None
    source_span: Span | None
    cue: str | None
    cue_span: Span | None
    source_type: str
    named: bool
    quote: str  # "direct" | "paraphrase" | "mixed" | "none"
    via: str | None = None
    via_span: Span | None = None
    ground_rule: str = ""  # "" | "background" | "deep_background" | "off_the_record"
    anonymity_reason: str = ""
    anonymity_reason_span: Span | None = None
    canonical_source: str | None = None
    confidence: float = 0.5


def _span(span: Span | None) -> list[int] | None:
    return None if span is None else [span[0], span[1]]


def to_annotation(s: Suggestion) -> dict:
    """The seeds/*.annotations.json form of one suggestion."""
    return {
        "claim_span": _span(s.claim_span),
        "claim": s.claim,
        "source": s.source,
        "source_span": _span(s.source_span),
        "cue": s.cue,
        "cue_span": _span(s.cue_span),
        "source_type": s.source_type,
        "named": s.named,
        "quote": s.quote,
        "via": s.via,
        "via_span": _span(s.via_span),
        "ground_rule": s.ground_rule,
        "anonymity_reason": s.anonymity_reason,
        "anonymity_reason_span": _span(s.anonymity_reason_span),
        "canonical_source": s.canonical_source,
        "confidence": round(s.confidence, 3),
    }
