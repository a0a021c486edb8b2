"""Cut an article's text into paragraphs and segments, each covered by the same claims.

Claims may nest and overlap, which HTML elements cannot; so the text is cut at
every claim boundary and each piece names the claims that cover it. Pending
suggestions are cut in the same way (their claim span, and their source
mention and cue, which the page shows while the suggestion is selected), so
a piece may be covered by claims and suggestions at once. Offsets are Unicode
code points, as everywhere in the workbench; the browser turns its UTF-16
selection offsets into these (static/factcheck/review.js).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from factcheck.models import Claim


@dataclass
class Segment:
    start: int
    text: str
    claims: list[Claim] = field(default_factory=list)
    ends_claims: list[Claim] = field(default_factory=list)
    suggestions: list[Any] = field(default_factory=list)
    ends_suggestions: list[Any] = field(default_factory=list)
    starts_suggestion: bool = False
    # Pending suggestions whose source mention or cue this piece is part of.
    mentions: list[Any] = field(default_factory=list)

    @property
    def innermost(self) -> Claim | None:
        """The shortest claim covering this piece: the one a click opens."""
        if not self.claims:
            return None
        return min(self.claims, key=lambda claim: (claim.end - claim.start, claim.pk))

    @property
    def innermost_suggestion(self) -> Any | None:
        """The shortest suggestion covering this piece."""
        if not self.suggestions:
            return None
        return min(self.suggestions, key=lambda s: (s.claim_end - s.claim_start, s.pk))

    @property
    def opens_suggestion(self) -> bool:
        """Whether a click opens the suggestion: it is shorter than every claim covering it."""
        suggestion = self.innermost_suggestion
        if suggestion is None:
            return False
        claim = self.innermost
        return claim is None or (
            suggestion.claim_end - suggestion.claim_start < claim.end - claim.start
        )

    @property
    def depth(self) -> int:
        return min(len(self.claims), 4)

    @property
    def suggestion_depth(self) -> int:
        return min(len(self.suggestions), 3)


@dataclass
class Paragraph:
    start: int
    segments: list[Segment]


def _mention_spans(suggestion: Any) -> list[tuple[int, int]]:
    spans = []
    for start, end in (
        (suggestion.source_start, suggestion.source_end),
        (suggestion.cue_start, suggestion.cue_end),
    ):
        if start is not None and end is not None and start < end:
            spans.append((start, end))
    return spans


def paragraphs(
    text: str, claims: Sequence[Claim], suggestions: Sequence[Any] = ()
) -> list[Paragraph]:
    """Split the text at line breaks, claim boundaries and suggestion boundaries."""
    cuts = {0, len(text)}
    for claim in claims:
        cuts.update((claim.start, claim.end))
    mentions = []
    for suggestion in suggestions:
        cuts.update((suggestion.claim_start, suggestion.claim_end))
        for span in _mention_spans(suggestion):
            cuts.update(span)
            mentions.append((span, suggestion))
    result = []
    line_start = 0
    for line in text.split("\n"):
        line_end = line_start + len(line)
        if line:
            inner = sorted(cut for cut in cuts if line_start < cut < line_end)
            bounds = [line_start, *inner, line_end]
            segments = []
            for start, end in pairwise(bounds):
                covering = [c for c in claims if c.start <= start and c.end >= end]
                suggested = [
                    s for s in suggestions if s.claim_start <= start and s.claim_end >= end
                ]
                segments.append(
                    Segment(
                        start=start,
                        text=text[start:end],
                        claims=covering,
                        ends_claims=[c for c in covering if c.end == end],
                        suggestions=suggested,
                        ends_suggestions=[s for s in suggested if s.claim_end == end],
                        starts_suggestion=any(s.claim_start == start for s in suggested),
                        mentions=[s for (a, b), s in mentions if a <= start and b >= end],
                    )
                )
            result.append(Paragraph(start=line_start, segments=segments))
        line_start = line_end + 1
    return result
