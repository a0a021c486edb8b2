"""Stage 3: the content a cue reports, and its quote mode."""

import re

from .records import Span
from .tokens import tok_span, trim_content

_BETWEEN_QUOTE_AND_CUE = re.compile(r"^[\s,—–-]*$")
_BEFORE_SECOND_PART = re.compile(r"^[^.!?\"“”]{0,60}?[,:;—–]\s*$")
# '"...," she said at a news conference outside the court. "..."': the quote goes on in the
# next sentence; the sentence of the cue holds nothing else
_BEFORE_NEXT_SENTENCE = re.compile(r"^[^.!?\"“”]{0,120}?\.\s*$")
_BEFORE_QUOTE_AFTER_CUE = re.compile(r"^[^.!?\"“”]{0,60}?[,:]\s*$|^\s*$")


def _closing_length(text: str, end: int) -> int:
    return 2 if text[end - 2 : end] == "''" else 1


def adjacent_quote(text: str, cluster: Span, quotes: list[Span]) -> tuple[Span, bool] | None:
    """The quotation a cue introduces or closes: '"...," he said, "..."' (whole, as one
    content span) or 'he said: "..."'. Returns (span, quote comes first)."""
    cs, ce = cluster
    for i, (qs, qe) in enumerate(quotes):
        if qe <= cs and _BETWEEN_QUOTE_AND_CUE.match(text[qe:cs]):
            end = qe
            nxt = quotes[i + 1] if i + 1 < len(quotes) else None
            between = text[ce : nxt[0]] if nxt else ""
            if (
                nxt
                and (_BEFORE_SECOND_PART.match(between) or _BEFORE_NEXT_SENTENCE.match(between))
                and text[qe - 1 - _closing_length(text, qe) : qe - _closing_length(text, qe)]
                in ",—–-?!"
            ):
                end = nxt[1]  # the quote goes on after "he said,"
            return (qs, end), True
    for qs, qe in quotes:
        if qs >= ce and _BEFORE_QUOTE_AFTER_CUE.match(text[ce:qs]):
            return (qs, qe), False
    return None


def clause_span(text: str, sent, comp, base: int, quotes: list[Span]) -> Span:
    """A complement clause without its "that", running to the sentence's end when nothing
    but adverbials follow it."""
    doc = sent.doc
    first = comp.left_edge
    while first.i < comp.i and (first.lower_ in ("that",) and first.dep_ in ("mark", "dobj")):
        first = doc[first.i + 1]
    last = comp.right_edge
    tail = doc[last.i + 1 : sent.end]
    if tail and not any(t.text in (",", ";", "—", "–", "(", ":") for t in tail[:-1]):
        last = sent[-1]
    return trim_content(text, (tok_span(first, base)[0], tok_span(last, base)[1]), quotes)


def right_side(text: str, sent, start_tok, base: int, quotes: list[Span]) -> Span | None:
    span = trim_content(text, (tok_span(start_tok, base)[0], tok_span(sent[-1], base)[1]), quotes)
    return span if span[1] > span[0] else None


def quote_mode(text: str, span: Span, quotes: list[Span]) -> str:
    s, e = span
    inside = [(max(s, qs), min(e, qe)) for qs, qe in quotes if qs < e and qe > s]
    if not inside:
        return "paraphrase"
    if inside[0][0] == s and inside[-1][1] == e and quotes_cover(span, quotes):
        return "direct"
    quoted = sum(b - a for a, b in inside)
    words = sum(len(text[a:b].split()) for a, b in inside)
    if quoted >= 0.4 * (e - s) or words >= 6:
        return "mixed"
    return "paraphrase"


def quotes_cover(span: Span, quotes: list[Span]) -> bool:
    """The content is a quotation, or two parts of one around "he said"."""
    s, e = span
    first = next((q for q in quotes if q[0] == s), None)
    last = next((q for q in quotes if q[1] == e), None)
    return first is not None and last is not None
