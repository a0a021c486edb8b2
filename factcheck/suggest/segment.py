"""Paragraphs and quotations: the layout the parse does not see.

spaCy's sentence splitter glues a blank line to the next sentence, so paragraphs are cut
first and parsed one by one; every offset stays an index into the original text.
"""

import re
from dataclasses import dataclass

from .records import Span

_BLANK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_TERMINAL = ".!?\"'”’:;)"


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int
    text: str
    headline: bool  # a line without final punctuation: a title or subtitle
    caption: bool  # a photo caption or credit line


def _looks_wrapped(lines: list[str]) -> bool:
    """Hard-wrapped prose: several long lines of similar width."""
    long = [len(line) for line in lines[:-1]]
    return len(lines) >= 3 and all(55 <= n <= 100 for n in long)


_CAPTION = re.compile(
    r"\((?:[^()]*\b(?:Photo|photo|Image|image|File|Getty|AFP|AP|Reuters)\b[^()]*)\)\s*$"
    r"|^\s*(?:Photo|Image|Picture)\s*:|Getty Images\s*$"
)


# The longest piece parsed at once. A paragraph is parsed whole up to this length; a longer
# one (a pasted file without line breaks, a table) is cut at sentence ends, failing that at
# spaces, so that time and memory per piece stay bounded whatever the article's size (the
# parser's cost grows with the piece; spaCy refuses a text over a million characters).
MAX_PIECE = 5_000
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+")


def _pieces(text: str, start: int, end: int, limit: int) -> list[Span]:
    """(start, end) pieces of at most `limit` characters covering text[start:end]."""
    pieces = []
    while end - start > limit:
        window_end = start + limit
        cut = None
        for m in _SENTENCE_END.finditer(text, start + limit // 2, window_end):
            cut = m.end()
        if cut is None:
            space = max(text.rfind(" ", start + limit // 2, window_end), -1)
            cut = space + 1 if space > 0 else window_end
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def paragraphs(text: str, max_piece: int = MAX_PIECE) -> list[Paragraph]:
    """Split on blank lines, and on single line breaks unless the lines are wrapped prose;
    a paragraph longer than `max_piece` characters comes in several pieces."""
    blocks: list[Span] = []
    pos = 0
    for m in _BLANK.finditer(text):
        blocks.append((pos, m.start()))
        pos = m.end()
    blocks.append((pos, len(text)))
    spans: list[Span] = []
    for start, end in blocks:
        lines = text[start:end].split("\n")
        if _looks_wrapped(lines):
            spans.append((start, end))
            continue
        offset = start
        for line in lines:
            line_end = offset + len(line)
            if spans and spans[-1][1] == offset - 1 and line[:1].islower():
                spans[-1] = (spans[-1][0], line_end)  # a line that continues the last one
            else:
                spans.append((offset, line_end))
            offset = line_end + 1
    spans = [piece for start, end in spans for piece in _pieces(text, start, end, max_piece)]
    result = []
    for start, end in spans:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            continue
        chunk = text[start:end]
        headline = chunk[-1] not in _TERMINAL and len(chunk.split()) <= 30
        caption = bool(_CAPTION.search(chunk))
        result.append(Paragraph(start, end, chunk, headline, caption))
    return result


_OPEN = {"“": "”", "„": "”", "«": "»"}
_CLOSE = {"”", "»"}


def quotes(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Pair the quotation marks of one paragraph: spans from opening to closing mark inclusive.

    Straight double quotes alternate, and so do two apostrophes written for one (''...'', as
    some newspapers' archives print them); curly ones pair by shape. An opening mark left
    unclosed at the end of the paragraph runs to its end (a quote continued in the next
    paragraph).
    """
    end = len(text) if end is None else end
    spans: list[Span] = []
    open_at: int | None = None
    closer = ""
    i = start
    while i < end:
        ch = text[i]
        mark = "''" if text.startswith("''", i) and i + 1 < end else ch
        if open_at is None:
            if mark in ('"', "''"):
                open_at, closer = i, mark
            elif ch in _OPEN:
                open_at, closer = i, _OPEN[ch]
        elif (
            mark == closer
            or (closer not in ('"', "''") and ch in _CLOSE)
            or (closer == '"' and ch == "”")
        ):
            spans.append((open_at, i + len(mark)))
            open_at = None
        i += len(mark) if mark == "''" else 1
    if open_at is not None and end - open_at > 1:
        spans.append((open_at, end))
    return spans
