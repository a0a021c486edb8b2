"""Small helpers over spaCy tokens: absolute offsets and trimmed spans."""

from .records import Span

PUNCT_TRIM = " \t\n,;:.!?—–-()[]"
QUOTE_CHARS = '"“”„«»'


def tok_span(tok, base: int) -> Span:
    return (base + tok.idx, base + tok.idx + len(tok.text))


def toks_span(first, last, base: int) -> Span:
    return (base + first.idx, base + last.idx + len(last.text))


def trim(text: str, span: Span, chars: str = PUNCT_TRIM) -> Span:
    s, e = span
    while s < e and text[s] in chars:
        s += 1
    while e > s and text[e - 1] in chars:
        e -= 1
    return (s, e)


def trim_content(text: str, span: Span, quotes: list[Span]) -> Span:
    """Trim spaces and punctuation at both ends, but keep a quotation that the content opens
    or closes whole (its marks and the punctuation inside them)."""
    s, e = span
    while s < e and (text[s].isspace() or text[s] in ",;:—–-"):
        s += 1
    while e > s and (text[e - 1].isspace() or text[e - 1] in ",;:.!?—–-"):
        if any(qs < e - 1 < qe - 1 for qs, qe in quotes):
            break
        e -= 1
    # a quotation that opens inside the content closes with it
    for qs, qe in quotes:
        if s <= qs < e < qe and qe - e <= 3:
            e = qe
        if qs < s < qe <= e and s - qs <= 1:
            s = qs
    return (s, e)
