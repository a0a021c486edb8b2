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


def paragraphs(text: str) -> list[Paragraph]:
    """Split on blank lines, and on single line breaks unless the lines are wrapped prose."""
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

    Straight double quotes alternate; curly ones pair by shape. An opening mark left unclosed at
    the end of the paragraph runs to its end (a quote continued in the next paragraph).
    """
    end = len(text) if end is None else end
    spans: list[Span] = []
    open_at: int | None = None
    closer = ""
    for i in range(start, end):
        ch = text[i]
        if open_at is None:
            if ch == '"':
                open_at, closer = i, '"'
            elif ch in _OPEN:
                open_at, closer = i, _OPEN[ch]
        elif ch == closer or (closer != '"' and ch in _CLOSE) or (closer == '"' and ch == "”"):
            spans.append((open_at, i + 1))
            open_at = None
    if open_at is not None and end - open_at > 1:
        spans.append((open_at, end))
    return spans
