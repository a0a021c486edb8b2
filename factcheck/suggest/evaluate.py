"""Score attribution suggestions against hand annotations (plain Python: no Django, no spaCy).

Both sides are claim dicts in the ``seeds/*.annotations.json`` format (a ``Suggestion`` is
turned into one with ``records.to_annotation``). Spans are ``[start, end]`` Python ``str``
indices into the article's text, end exclusive; tuples are accepted as well as lists.

**Span scores.** Three kinds of span are scored, each on its own: the source *mention*
(``source_span``), the *cue* (``cue_span``) and the *content* (``claim_span``). A claim
takes part in the mention (cue) score only when its ``source_span`` (``cue_span``) is set, so
an unattributed reference claim (``source`` null) counts for content and never for mention
or cue; a headline's ": Hamas" has a mention and no cue. Every claim counts for content.

Before comparing, both spans are *trimmed*: spaces and punctuation (Unicode categories Z*,
P* and control characters: quotes, curly quotes, commas, full stops, dashes, ellipses) are
dropped from both ends. So ``"We're trying…,"`` and ``We're trying…`` are the same span.

- *exact*: the trimmed spans have the same start and end;
- *overlap*: the trimmed spans share at least half of **each** of them:
  ``2 × |a ∩ b| ≥ max(|a|, |b|)``. (Half of each and half of the longer are the same
  condition.) ``"John Kirby"`` against ``"White House national security spokesperson John
  Kirby"`` does not overlap: the shared part is a fifth of the longer span.

Matching is one-to-one: a predicted span matches at most one reference span and the other
way round. Candidate pairs are taken greedily, best first: exact before overlap, then by the
larger intersection-over-union of the spans, then (to break ties between two claims that
share a mention, "a Hamas source told Reuters" after two sentences) by the overlap of the
claims' contents. Precision = matched / predicted, recall = matched / reference, F1 their
harmonic mean; totals over several documents add the counts (micro-average).

**Attribute scores** are taken on *pairs* of claims: first the one-to-one matching of
contents by overlap; then, among the claims still unpaired on both sides, the matching of
source mentions by overlap (the suggester found the speaker but cut the content
differently). On each pair:

- *source type*: equal slugs (every pair, unattributed included);
- *named*: equal ``named`` (when a dict has no ``named``, it is taken as "not
  anonymous_official and not unattributed"); only pairs whose reference has a source;
- *intermediary*: equal ``via`` after trimming and case-folding, ``null`` equal to ``null``;
  only pairs whose reference has a source;
- *quote mode*: equal ``quote``; every pair;
- *coreference*: equal ``canonical_source`` (case-folded), only on pairs whose reference
  mention refers back to a name the text gives: a pronoun, a short "the …" phrase, or a part
  of the canonical name ("Kirby" for "John Kirby"), the canonical name occurring in the text.

The confusion table counts pairs by reference source type (rows) and predicted type
(columns). A reference claim with ``"labelled": false`` (PolNeAR's, which mark spans only)
takes part in the span scores and in no attribute score.

**Recall by kind of cue** splits the reference claims by their cue as written: "say", "tell"
and "according to" in any form; any other one-word cue; a cue of several words ("called
for", "said in a statement"); a speaker's colon; the dash of a transcript line ("TRUMP ―").
For each kind it gives the share of reference cues and of their source mentions that a
prediction matches by overlap (a colon or a dash, which trimming leaves empty, by the same
mark).
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

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
SHORT_TYPES = {
    "ministry": "min",
    "government_office": "gov",
    "named_spokesperson": "spok",
    "anonymous_official": "anon",
    "organization": "org",
    "news_agency": "agcy",
    "named_individual": "indiv",
    "document": "doc",
    "unattributed": "unattr",
}
KINDS = (("mention", "source_span"), ("cue", "cue_span"), ("content", "claim_span"))
MODES = ("exact", "overlap")
ATTRIBUTES = ("source_type", "named", "via", "quote", "coreference")
ATTRIBUTE_LABELS = {
    "source_type": "source type",
    "named": "named / anonymous",
    "via": "intermediary (via)",
    "quote": "quote mode",
    "coreference": "coreference",
}
PRONOUNS = frozenset(
    {"he", "she", "they", "it", "we", "i", "his", "her", "their", "its", "him", "them", "who"}
)
# The span-valued fields and the text field each must reproduce.
SPAN_TEXT_FIELDS = (
    ("claim_span", "claim"),
    ("source_span", "source"),
    ("cue_span", "cue"),
    ("via_span", "via"),
)

Span = tuple[int, int]

CUE_KINDS = ("say/tell/according to", "other one-word", "multi-word", "colon", "transcript dash")
_SAY_TELL = frozenset(
    {"say", "says", "said", "saying", "tell", "tells", "told", "telling", "according to"}
)
_DASHES = frozenset("-‐‑‒–—―")


class AnnotationError(ValueError):
    """A reference file that cannot be scored: the message names the document and claim."""


# ---------------------------------------------------------------------------------------------
# Spans


def _is_trimmable(char: str) -> bool:
    category = unicodedata.category(char)
    return char.isspace() or category[0] in "PZ" or category == "Cc"


def trim(text: str, span: Sequence[int] | None) -> Span | None:
    """The span without spaces and punctuation at either end; None if nothing is left."""
    if span is None:
        return None
    start, end = int(span[0]), int(span[1])
    while start < end and _is_trimmable(text[start]):
        start += 1
    while end > start and _is_trimmable(text[end - 1]):
        end -= 1
    return (start, end) if start < end else None


def intersection(a: Span, b: Span) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def overlaps_half(a: Span, b: Span) -> bool:
    """True if a and b share at least half of each (= half of the longer one)."""
    shared = intersection(a, b)
    return shared > 0 and 2 * shared >= max(a[1] - a[0], b[1] - b[0])


def iou(a: Span | None, b: Span | None) -> float:
    if a is None or b is None:
        return 0.0
    shared = intersection(a, b)
    union = (a[1] - a[0]) + (b[1] - b[0]) - shared
    return shared / union if union else 0.0


def match_spans(
    references: Sequence[Span | None],
    predictions: Sequence[Span | None],
    mode: str,
    *,
    reference_contents: Sequence[Span | None] = (),
    predicted_contents: Sequence[Span | None] = (),
) -> list[tuple[int, int]]:
    """One-to-one greedy matching of trimmed spans; returns (reference index, predicted index).

    ``None`` entries never match. ``mode`` is "exact" or "overlap"; the optional contents
    break ties between equally good candidates (see the module docstring).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    candidates = []
    for i, ref in enumerate(references):
        if ref is None:
            continue
        for j, pred in enumerate(predictions):
            if pred is None:
                continue
            exact = ref == pred
            if not exact and (mode == "exact" or not overlaps_half(ref, pred)):
                continue
            tie = 0.0
            if reference_contents and predicted_contents:
                tie = iou(reference_contents[i], predicted_contents[j])
            candidates.append((-int(exact), -iou(ref, pred), -tie, i, j))
    candidates.sort()
    used_ref: set[int] = set()
    used_pred: set[int] = set()
    pairs = []
    for *_, i, j in candidates:
        if i in used_ref or j in used_pred:
            continue
        used_ref.add(i)
        used_pred.add(j)
        pairs.append((i, j))
    return sorted(pairs)


def cue_kind(words: str) -> str:
    """The kind of a cue as written (see the module docstring)."""
    cue = " ".join(words.split()).casefold()
    bare = cue.strip(" :,")
    if cue and set(cue) <= _DASHES | {" "}:
        return "transcript dash"
    if not bare:
        return "colon"
    if bare in _SAY_TELL:
        return "say/tell/according to"
    return "multi-word" if " " in bare else "other one-word"


# ---------------------------------------------------------------------------------------------
# Reading and checking annotations


def _span(value) -> Span | None:
    if value is None:
        return None
    return int(value[0]), int(value[1])


def claim_label(index: int, claim: dict) -> str:
    words = str(claim.get("claim") or "")[:40]
    return f"claim {index + 1} ({words!r})"


def validate(text: str, claims: Sequence[dict], document: str) -> None:
    """Raise AnnotationError unless every span is inside the text and matches its string."""
    if not isinstance(claims, list):
        raise AnnotationError(f"{document}: 'claims' is not a list")
    for index, claim in enumerate(claims):
        where = f"{document}: {claim_label(index, claim) if isinstance(claim, dict) else index}"
        if not isinstance(claim, dict):
            raise AnnotationError(f"{where}: a claim must be a JSON object")
        if claim.get("claim_span") is None:
            raise AnnotationError(f"{where}: claim_span is missing")
        for span_field, text_field in SPAN_TEXT_FIELDS:
            value = claim.get(span_field)
            if value is None:
                if claim.get(text_field) is not None and span_field != "via_span":
                    raise AnnotationError(f"{where}: {text_field} is set but {span_field} is null")
                continue
            if (
                not isinstance(value, (list, tuple))
                or len(value) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            ):
                raise AnnotationError(f"{where}: {span_field} must be [start, end], not {value!r}")
            start, end = value
            if not 0 <= start <= end <= len(text):
                raise AnnotationError(
                    f"{where}: {span_field} {list(value)} is outside the text (0 to {len(text)})"
                )
            expected = claim.get(text_field)
            if expected is not None and text[start:end] != expected:
                raise AnnotationError(
                    f"{where}: {span_field} {list(value)} reads {text[start:end]!r}, "
                    f"not the annotated {expected!r}"
                )
        if claim.get("source_type") not in SOURCE_TYPES:
            raise AnnotationError(f"{where}: unknown source_type {claim.get('source_type')!r}")


def load_annotations(path, text: str) -> list[dict]:
    """Read and validate a NAME.annotations.json file against its text."""
    name = str(path)
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise AnnotationError(f"{name}: annotations file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AnnotationError(f"{name}: cannot read the annotations: {error}") from None
    if not isinstance(data, dict) or "claims" not in data:
        raise AnnotationError(f"{name}: expected an object with a 'claims' list")
    validate(text, data["claims"], name)
    return data["claims"]


# ---------------------------------------------------------------------------------------------
# Scores


@dataclass
class Counts:
    matched: int = 0
    reference: int = 0
    predicted: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.matched + other.matched,
            self.reference + other.reference,
            self.predicted + other.predicted,
        )

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.reference if self.reference else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {
            "matched": self.matched,
            "reference": self.reference,
            "predicted": self.predicted,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class Pair:
    reference: dict
    predicted: dict
    matched_by: str  # "content" or "mention"
    needs_resolution: bool = False


@dataclass
class Score:
    """The scores of one document, or the sum of several (``+``)."""

    documents: list[str] = field(default_factory=list)
    spans: dict[tuple[str, str], Counts] = field(default_factory=dict)
    pairs: list[Pair] = field(default_factory=list)
    reference_types: Counter = field(default_factory=Counter)
    # (reference source type, span kind) -> reference spans matched by overlap
    found_by_type: Counter = field(default_factory=Counter)
    # (kind of cue, "reference" | "cue" | "mention") -> reference claims, matched by overlap
    by_cue_kind: Counter = field(default_factory=Counter)

    def __add__(self, other: Score) -> Score:
        spans = {
            key: self.spans.get(key, Counts()) + other.spans.get(key, Counts())
            for key in {*self.spans, *other.spans}
        }
        return Score(
            self.documents + other.documents,
            spans,
            self.pairs + other.pairs,
            self.reference_types + other.reference_types,
            self.found_by_type + other.found_by_type,
            self.by_cue_kind + other.by_cue_kind,
        )


def _named(claim: dict) -> bool | None:
    if claim.get("named") is not None:
        return bool(claim["named"])
    if claim.get("source") is None and claim.get("source_span") is None:
        return None
    return claim.get("source_type") not in ("anonymous_official", "unattributed")


def _norm(value) -> str | None:
    if value is None:
        return None
    text = str(value)
    span = trim(text, (0, len(text)))
    return text[span[0] : span[1]].casefold() if span else None


def needs_resolution(claim: dict, text: str) -> bool:
    """True if the reference mention refers back to a full name the text gives elsewhere.

    That is: the canonical name occurs in the text, and the mention is a pronoun ("he"), a
    part of that name ("Kirby" for "John Kirby") or a short "the …" phrase ("the group").
    """
    source, canonical = _norm(claim.get("source")), _norm(claim.get("canonical_source"))
    if source is None or canonical is None or source == canonical:
        return False
    if canonical not in text.casefold():
        return False
    words = source.split()
    return (
        source in PRONOUNS
        or (words[0] == "the" and len(words) <= 3)
        or set(words) <= set(canonical.split())
    )


def attribute_outcomes(pair: Pair) -> dict[str, bool | None]:
    """For each attribute, whether the pair agrees on it (None: not scored on this pair)."""
    ref, pred = pair.reference, pair.predicted
    if ref.get("labelled") is False:
        return dict.fromkeys(ATTRIBUTES)
    attributed = ref.get("source_span") is not None
    return {
        "source_type": ref.get("source_type") == pred.get("source_type"),
        "named": _named(ref) == _named(pred) if attributed else None,
        "via": _norm(ref.get("via")) == _norm(pred.get("via")) if attributed else None,
        "quote": (ref.get("quote") or "none") == (pred.get("quote") or "none"),
        "coreference": (
            _norm(ref.get("canonical_source")) == _norm(pred.get("canonical_source"))
            if attributed and pair.needs_resolution
            else None
        ),
    }


def score_document(
    text: str, references: Sequence[dict], predictions: Sequence[dict], document: str = ""
) -> Score:
    """Score one document's predicted claims against its reference claims."""
    score = Score(documents=[document])
    contents_ref = [trim(text, _span(c.get("claim_span"))) for c in references]
    contents_pred = [trim(text, _span(c.get("claim_span"))) for c in predictions]
    for kind, span_field in KINDS:
        refs = [trim(text, _span(c.get(span_field))) for c in references]
        preds = [trim(text, _span(c.get(span_field))) for c in predictions]
        for mode in MODES:
            pairs = match_spans(
                refs,
                preds,
                mode,
                reference_contents=contents_ref,
                predicted_contents=contents_pred,
            )
            if mode == "overlap":
                for i, _ in pairs:
                    score.found_by_type[references[i].get("source_type"), kind] += 1
                    cue = references[i].get("cue")
                    if cue is not None and kind in ("cue", "mention"):
                        score.by_cue_kind[cue_kind(cue), kind] += 1
            score.spans[kind, mode] = Counts(
                len(pairs),
                sum(span is not None for span in refs),
                sum(span is not None for span in preds),
            )
    by_content = match_spans(contents_ref, contents_pred, "overlap")
    pairs = [Pair(references[i], predictions[j], "content") for i, j in by_content]
    left_ref = [i for i in range(len(references)) if i not in {i for i, _ in by_content}]
    left_pred = [j for j in range(len(predictions)) if j not in {j for _, j in by_content}]
    mentions_ref = [trim(text, _span(references[i].get("source_span"))) for i in left_ref]
    mentions_pred = [trim(text, _span(predictions[j].get("source_span"))) for j in left_pred]
    for a, b in match_spans(mentions_ref, mentions_pred, "overlap"):
        pairs.append(Pair(references[left_ref[a]], predictions[left_pred[b]], "mention"))
    for pair in pairs:
        pair.needs_resolution = needs_resolution(pair.reference, text)
    score.pairs = pairs
    score.reference_types = Counter(
        c.get("source_type") for c in references if c.get("labelled") is not False
    )
    # a colon or a dash is trimmed to nothing for the cue scores above: here it is found when
    # a prediction has the very same mark
    marks = {tuple(c["cue_span"]) for c in predictions if c.get("cue_span")}
    for c in references:
        if c.get("cue") is not None:
            score.by_cue_kind[cue_kind(c["cue"]), "reference"] += 1
            if trim(text, _span(c.get("cue_span"))) is None and tuple(c["cue_span"]) in marks:
                score.by_cue_kind[cue_kind(c["cue"]), "cue"] += 1
    return score


def differences(text: str, references: Sequence[dict], predictions: Sequence[dict]) -> list[str]:
    """What a reader checks by hand: missed, spurious and mis-cut mentions; wrong types."""

    def quote(item: dict, field: str) -> str:
        span = _span(item.get(field + "_span"))
        words = text[span[0] : span[1]] if span else ""
        return repr(words if len(words) <= 60 else words[:57] + "...")

    lines = []
    refs = [trim(text, _span(c.get("source_span"))) for c in references]
    preds = [trim(text, _span(c.get("source_span"))) for c in predictions]
    exact = dict(match_spans(refs, preds, "exact"))
    overlap = dict(match_spans(refs, preds, "overlap"))
    matched = set(overlap.values())
    for i, item in enumerate(references):
        if refs[i] is None or i in exact:
            continue
        if i in overlap:
            other = predictions[overlap[i]]
            lines.append(f"  mention cut: {quote(item, 'source')} -> {quote(other, 'source')}")
        else:
            lines.append(f"  missed: {quote(item, 'source')} for {quote(item, 'claim')}")
    for j, item in enumerate(predictions):
        if preds[j] is not None and j not in matched:
            lines.append(f"  spurious: {quote(item, 'source')} for {quote(item, 'claim')}")
    score = score_document(text, references, predictions)
    for pair in score.pairs:
        ref, pred = pair.reference, pair.predicted
        if ref.get("source_type") != pred.get("source_type"):
            lines.append(
                f"  type: {quote(ref, 'source') if ref.get('source_span') else quote(ref, 'claim')}"
                f" is {ref.get('source_type')}, suggested {pred.get('source_type')}"
            )
    return lines


def summary(score: Score) -> dict:
    """The plain-data form of a score (what ``--json`` prints)."""
    attributes: dict[str, dict] = {}
    per_type: dict[str, dict] = {}
    confusion: dict[str, Counter] = {}
    for pair in score.pairs:
        if pair.reference.get("labelled") is False:
            continue
        outcomes = attribute_outcomes(pair)
        ref_type = pair.reference.get("source_type")
        row = per_type.setdefault(ref_type, {})
        confusion.setdefault(ref_type, Counter())[pair.predicted.get("source_type")] += 1
        for name, outcome in outcomes.items():
            if outcome is None:
                continue
            for table in (attributes, row):
                cell = table.setdefault(name, {"correct": 0, "total": 0})
                cell["correct"] += outcome
                cell["total"] += 1
    for table in (attributes, *per_type.values()):
        for cell in table.values():
            cell["accuracy"] = round(cell["correct"] / cell["total"], 4)
    types = sorted(
        {*score.reference_types, *per_type, *(t for row in confusion.values() for t in row)},
        key=_type_order,
    )
    return {
        "documents": len(score.documents),
        "spans": {
            kind: {mode: score.spans.get((kind, mode), Counts()).as_dict() for mode in MODES}
            for kind, _ in KINDS
        },
        "pairs": {
            "total": len(score.pairs),
            "by_content": sum(p.matched_by == "content" for p in score.pairs),
            "by_mention": sum(p.matched_by == "mention" for p in score.pairs),
        },
        "attributes": attributes,
        "per_source_type": {
            t: {
                "reference": score.reference_types.get(t, 0),
                "mention_recall_overlap": _ratio(
                    score.found_by_type[t, "mention"], score.reference_types.get(t, 0)
                ),
                "content_recall_overlap": _ratio(
                    score.found_by_type[t, "content"], score.reference_types.get(t, 0)
                ),
                **per_type.get(t, {}),
            }
            for t in types
        },
        "confusion": {t: dict(confusion[t]) for t in types if t in confusion},
        "by_cue_kind": {
            kind: {
                "reference": score.by_cue_kind[kind, "reference"],
                "cue_recall_overlap": _ratio(
                    score.by_cue_kind[kind, "cue"], score.by_cue_kind[kind, "reference"]
                ),
                "mention_recall_overlap": _ratio(
                    score.by_cue_kind[kind, "mention"], score.by_cue_kind[kind, "reference"]
                ),
            }
            for kind in CUE_KINDS
            if score.by_cue_kind[kind, "reference"]
        },
    }


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _type_order(slug) -> tuple[int, str]:
    slug = str(slug)
    return (SOURCE_TYPES.index(slug) if slug in SOURCE_TYPES else len(SOURCE_TYPES), slug)


# ---------------------------------------------------------------------------------------------
# Plain-text report


def _table(header: Sequence[str], rows: Iterable[Sequence], left: int = 1) -> str:
    """Aligned columns: the first ``left`` columns flush left, the others flush right."""
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells):
        return "  ".join(
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def _f(value: float) -> str:
    return f"{value:.2f}"


def _cell(cell: dict | None) -> str:
    if not cell:
        return "-"
    return f"{cell['accuracy']:.2f} ({cell['correct']}/{cell['total']})"


def format_report(data: dict) -> str:
    """The full report of one ``summary``: span scores, attributes, per type, confusion."""
    span_rows = []
    for kind, _ in KINDS:
        row = [f"source {kind}" if kind == "mention" else kind]
        exact, overlap = data["spans"][kind]["exact"], data["spans"][kind]["overlap"]
        row += [exact["reference"], exact["predicted"]]
        for counts in (exact, overlap):
            row += [_f(counts["precision"]), _f(counts["recall"]), _f(counts["f1"])]
        span_rows.append(row)
    parts = [
        _table(["span", "ref", "pred", "exact P", "R", "F1", "overlap P", "R", "F1"], span_rows)
    ]
    pairs = data["pairs"]
    parts.append(
        f"Attributes on {pairs['total']} matched pair(s): {pairs['by_content']} by content "
        f"overlap, {pairs['by_mention']} by source mention"
    )
    parts.append(
        _table(
            ["attribute", "accuracy (correct/n)"],
            [[ATTRIBUTE_LABELS[a], _cell(data["attributes"].get(a))] for a in ATTRIBUTES],
        )
    )
    kinds = data.get("by_cue_kind") or {}
    if kinds:
        parts.append(
            "Recall by kind of cue (~R: reference matched by overlap)\n"
            + _table(
                ["kind of cue", "ref", "~cue R", "~mention R"],
                [
                    [
                        kind,
                        row["reference"],
                        *(
                            "-" if row[k] is None else _f(row[k])
                            for k in ("cue_recall_overlap", "mention_recall_overlap")
                        ),
                    ]
                    for kind, row in kinds.items()
                ],
            )
        )
    type_rows = []
    for slug, row in data["per_source_type"].items():
        paired = row.get("source_type", {}).get("total", 0)
        recalls = [row["mention_recall_overlap"], row["content_recall_overlap"]]
        if slug == "unattributed":
            recalls[0] = None
        type_rows.append(
            [slug, row["reference"], *("-" if r is None else _f(r) for r in recalls), paired]
            + [_cell(row.get(a)) for a in ("source_type", "named", "via")]
        )
    if type_rows:
        parts.append(
            "Per reference source type (~R: recall by overlap)\n"
            + _table(
                ["source type", "ref", "~mention R", "~content R", "pairs", "type", "named", "via"],
                type_rows,
            )
        )
    confusion = data["confusion"]
    if confusion:
        columns = sorted({c for row in confusion.values() for c in row}, key=_type_order)
        rows = [
            [slug] + [row.get(c, 0) or "." for c in columns] + [sum(row.values())]
            for slug, row in confusion.items()
        ]
        legend = ", ".join(f"{SHORT_TYPES.get(c, c)} = {c}" for c in columns)
        parts.append(
            "Source-type confusion (rows: reference, columns: predicted)\n"
            + _table(
                ["reference \\ predicted", *(SHORT_TYPES.get(c, c) for c in columns), "sum"],
                rows,
            )
            + "\n"
            + legend
        )
    return "\n\n".join(parts) + "\n"


def format_documents(rows: Sequence[tuple[str, dict]]) -> str:
    """One line per document: counts, F1 by overlap (exact for mentions too), type accuracy."""
    table_rows = []
    for name, data in rows:
        spans = data["spans"]
        type_cell = data["attributes"].get("source_type")
        table_rows.append(
            [
                name,
                spans["content"]["exact"]["reference"],
                spans["content"]["exact"]["predicted"],
                _f(spans["mention"]["exact"]["f1"]),
                _f(spans["mention"]["overlap"]["f1"]),
                _f(spans["cue"]["overlap"]["f1"]),
                _f(spans["content"]["overlap"]["f1"]),
                _f(type_cell["accuracy"]) if type_cell else "-",
            ]
        )
    return (
        _table(
            [
                "document",
                "claims",
                "pred",
                "mention F1",
                "~mention F1",
                "~cue F1",
                "~content F1",
                "type acc",
            ],
            table_rows,
        )
        + "\n(~: overlap of at least half)\n"
    )
