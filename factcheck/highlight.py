"""Cut an article's text into paragraphs and segments, each covered by the same claims.

Claims may nest and overlap, which HTML elements cannot; so the text is cut at
every claim boundary and each piece names the claims that cover it. Offsets
are Unicode code points, as everywhere in the workbench; the browser turns its
UTF-16 selection offsets into these (static/factcheck/review.js).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from factcheck.models import Claim


@dataclass
class Segment:
    start: int
    text: str
    claims: list[Claim] = field(default_factory=list)
    ends_claims: list[Claim] = field(default_factory=list)

    @property
    def innermost(self) -> Claim | None:
        """The shortest claim covering this piece: the one a click opens."""
        if not self.claims:
            return None
        return min(self.claims, key=lambda claim: (claim.end - claim.start, claim.pk))

    @property
    def depth(self) -> int:
        return min(len(self.claims), 4)


@dataclass
class Paragraph:
    start: int
    segments: list[Segment]


def paragraphs(text: str, claims: Sequence[Claim]) -> list[Paragraph]:
    """Split the text at line breaks and claim boundaries."""
    cuts = {0, len(text)}
    for claim in claims:
        cuts.update((claim.start, claim.end))
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
                segments.append(
                    Segment(
                        start=start,
                        text=text[start:end],
                        claims=covering,
                        ends_claims=[c for c in covering if c.end == end],
                    )
                )
            result.append(Paragraph(start=line_start, segments=segments))
        line_start = line_end + 1
    return result
