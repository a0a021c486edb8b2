"""Cut an article's text into paragraphs and segments, each covered by the same claims.

Claims may nest and overlap, which HTML elements cannot; so the text is cut at
every claim boundary and each piece names the claims that cover it. Pending
suggestions are cut in the same way (their claim span, and their source
mention and cue, which the page shows while the suggestion is selected), so
a piece may be covered by claims and suggestions at once. Offsets are Unicode
code points, as everywhere in the workbench; the browser turns its UTF-16
selection offsets into these (static/factcheck/review.js).
"""

from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from html import escape
from itertools import pairwise
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from factcheck.models import Claim, VerificationStatus
from factcheck.templatetags.factcheck import type_mark


@dataclass(slots=True)
class Highlight:
    """What the text shows of a claim: where it lies, its status, its first source's type."""

    pk: int
    start: int
    end: int
    text: str
    status: str
    signed_off_at: Any
    mark_slug: str
    mark_name: str


@dataclass(slots=True)
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


def mention_spans(suggestion: Any) -> list[tuple[int, int]]:
    spans = []
    for start, end in (
        (suggestion.source_start, suggestion.source_end),
        (suggestion.cue_start, suggestion.cue_end),
    ):
        if start is not None and end is not None and start < end:
            spans.append((start, end))
    return spans


def _lines(text: str) -> Iterator[tuple[int, int]]:
    """The (start, end) of each line of the text."""
    line_start = 0
    for line in text.split("\n"):
        yield line_start, line_start + len(line)
        line_start += len(line) + 1


def paragraphs(
    text: str,
    claims: Sequence[Claim],
    suggestions: Sequence[Any] = (),
    *,
    lines: Sequence[tuple[int, int]] | None = None,
) -> list[Paragraph]:
    """Split the text at line breaks, claim boundaries and suggestion boundaries.

    One sweep over the cuts, keeping the claims and suggestions open at each: the
    cost grows with the pieces and what covers them, not pieces × claims (an
    article with 1,000 claims). `lines`, when given, are the (start, end) of the
    paragraphs to cut, in text order (a panel action re-renders only the ones it
    touched); otherwise every paragraph is.
    """
    cuts = {0, len(text)}
    opening: dict[int, list[tuple[str, tuple, Any]]] = {}
    closing: dict[int, list[tuple[str, tuple, Any]]] = {}

    def span(kind: str, item: Any, start: int, end: int) -> None:
        cuts.update((start, end))
        key = (id(item), start, end)
        opening.setdefault(start, []).append((kind, key, item))
        closing.setdefault(end, []).append((kind, key, item))

    for claim in claims:
        span("claim", claim, claim.start, claim.end)
    for suggestion in suggestions:
        span("suggestion", suggestion, suggestion.claim_start, suggestion.claim_end)
        for start, end in mention_spans(suggestion):
            span("mention", suggestion, start, end)
    # What covers the piece starting at each cut, in the order the items were given.
    order = {id(item): n for n, item in enumerate([*claims, *suggestions])}
    open_items: dict[str, dict[tuple, Any]] = {"claim": {}, "suggestion": {}, "mention": {}}
    result = []
    sorted_cuts = sorted(cuts)
    position = 0
    for line_start, line_end in _lines(text) if lines is None else lines:
        if line_start < line_end:
            # Bring the open sets up to this line's start.
            while position < len(sorted_cuts) and sorted_cuts[position] <= line_start:
                _step(sorted_cuts[position], opening, closing, open_items)
                position += 1
            inner = sorted_cuts[position : bisect_left(sorted_cuts, line_end, lo=position)]
            bounds = [line_start, *inner, line_end]
            segments = []
            for start, end in pairwise(bounds):
                if start != line_start:
                    _step(start, opening, closing, open_items)
                covering = _in_order(open_items["claim"], order)
                suggested = _in_order(open_items["suggestion"], order)
                segments.append(
                    Segment(
                        start=start,
                        text=text[start:end],
                        claims=covering,
                        ends_claims=[c for c in covering if c.end == end],
                        suggestions=suggested,
                        ends_suggestions=[s for s in suggested if s.claim_end == end],
                        starts_suggestion=any(s.claim_start == start for s in suggested),
                        mentions=_in_order(
                            {id(s): s for s in open_items["mention"].values()}, order
                        ),
                    )
                )
            position += len(inner)
            result.append(Paragraph(start=line_start, segments=segments))
    return result


def _in_order(items: dict, order: dict[int, int]) -> list[Any]:
    if len(items) < 2:
        return list(items.values())
    return sorted(items.values(), key=lambda item: order[id(item)])


def _step(cut: int, opening, closing, open_items) -> None:
    """Move the sweep onto `cut`: what ends there closes, what starts there opens."""
    for kind, key, _ in closing.get(cut, ()):
        open_items[kind].pop(key, None)
    for kind, key, item in opening.get(cut, ()):
        open_items[kind][key] = item


def _ids(items: Sequence[Any]) -> str:
    return " ".join(str(item.pk) for item in items)


def render_paragraph(paragraph: Paragraph, summaries: dict[int, str]) -> SafeString:
    """The paragraph's pieces as HTML spans, with a mark after each claim and suggestion.

    Written out here rather than in a template loop: an article with 1,000
    claims has thousands of pieces, and this is ten times faster. `summaries`
    holds each suggestion's one-line summary, already escaped.
    """
    out = []
    for seg in paragraph.segments:
        claim, suggestion = seg.innermost, seg.innermost_suggestion
        classes = []
        if claim is not None:
            classes += ["hl", f"st-{claim.status}", f"depth-{seg.depth}"]
            if claim.signed_off_at:
                classes.append("locked")
        if suggestion is not None:
            classes += ["sg", f"sg-depth-{seg.suggestion_depth}"]
            if seg.starts_suggestion:
                classes.append("sg-start")
            if seg.ends_suggestions:
                classes.append("sg-end")
        if seg.mentions:
            classes.append("sg-part")
        attrs = [f'data-s="{seg.start}"']
        if classes:
            attrs.append(f'class="{" ".join(classes)}"')
        if claim is not None:
            attrs.append(f'data-claim="{claim.pk}" data-claims="{_ids(seg.claims)}"')
        if suggestion is not None:
            attrs.append(
                f'data-suggestion="{suggestion.pk}" data-suggestions="{_ids(seg.suggestions)}"'
            )
            if seg.opens_suggestion:
                attrs.append(f'data-opens="suggestion" title="{summaries[suggestion.pk]}"')
        if seg.mentions:
            attrs.append(f'data-mentions="{_ids(seg.mentions)}"')
        out.append(f"<span {' '.join(attrs)}>{escape(seg.text)}</span>")
        for ended in seg.ends_claims:
            out.append(
                f'<sup class="mark" data-claim="{ended.pk}" aria-hidden="true" '
                f'title="{escape(ended.mark_name or "Unattributed")}">'
                f"{escape(type_mark(ended.mark_slug))}</sup>"
            )
        for ended in seg.ends_suggestions:
            out.append(
                f'<sup class="mark sg-mark" data-suggestion="{ended.pk}" aria-hidden="true" '
                f'title="{summaries[ended.pk]}">{escape(type_mark(ended.source_type_slug))}</sup>'
            )
    return mark_safe("".join(out))  # every piece of text above is escaped


STATUS_LABELS = dict(VerificationStatus.choices)


def render_claim_item(claim: Claim, url: str, *, oob: bool = False) -> SafeString:
    """One entry of the review page's list of claims: its status and the start of its text.

    A plain link: review.js opens the claims of the list and the text with one handler
    (1,000 links processed by htmx each cost the page's load and every panel swapped).
    """
    text = claim.text if len(claim.text) <= 90 else claim.text[:89] + "…"
    label = STATUS_LABELS.get(claim.status, claim.status)
    swap = ' hx-swap-oob="true"' if oob else ""
    return mark_safe(  # every piece of text below is escaped
        f'<li id="claim-item-{claim.pk}"{swap}><a href="{url}" class="claim-link" '
        f'data-claim="{claim.pk}">'
        f'<span class="badge st-{claim.status}">{escape(str(label))}</span> '
        f'<span dir="auto">{escape(text)}</span></a></li>'
    )


def render_claim_index(claims: Sequence[Claim]) -> SafeString:
    """The review page's list of claims, in one pass (1,000 claims in a few milliseconds)."""
    from django.urls import reverse

    pattern = reverse("claim_detail", args=[999999999])
    items = [render_claim_item(c, pattern.replace("999999999", str(c.pk))) for c in claims]
    return mark_safe("".join(items))


def _truncated(text: str, length: int) -> str:
    """As the `truncatechars` filter: at most `length` characters, the last an ellipsis."""
    return text if len(text) <= length else text[: length - 1] + "…"


def render_queue_row(claim: Any, *, can_change: bool, selected: Any) -> SafeString:
    """One row of the claims queue: the claim, its article, status, sources, people, change."""
    from django.urls import reverse
    from django.utils import dateformat, timezone

    cells = []
    if can_change:
        checked = " checked" if str(claim.pk) in selected else ""
        cells.append(
            f'<td class="pick-col"><input type="checkbox" name="claims" value="{claim.pk}"'
            f'{checked} aria-label="Select claim #{claim.pk}"></td>'
        )
    cells.append(
        f'<td class="claim-cell"><a href="{reverse("claim_detail", args=[claim.pk])}" dir="auto">'
        f"{escape(_truncated(claim.text, 160))}</a>\n"
        f'            <span class="sub">#{claim.pk}</span></td>'
    )
    article = claim.article
    outlet = (
        f'\n            <span class="sub">{escape(article.outlet)}</span>' if article.outlet else ""
    )
    cells.append(
        f'<td><a href="{reverse("review", args=[claim.article_id])}" dir="auto" '
        f'class="article-link" title="{escape(article.title)}">{escape(article.title)}</a>'
        f"{outlet}</td>"
    )
    if claim.signed_off_at:
        step = '<span class="sub">signed off</span>'
    elif claim.proposed_by_id:
        step = '<span class="sub">awaiting sign-off</span>'
    else:
        step = ""
    label = STATUS_LABELS.get(claim.status, claim.status)
    cells.append(
        f'<td><span class="badge st-{claim.status}">{escape(str(label))}</span>\n'
        f"            {step}</td>"
    )
    queue = reverse("queue")
    sources = []
    for attribution in claim.attributions.all():
        source = attribution.source
        anonymous = '<span class="type-tag anon">anonymous</span>' if source.is_anonymous else ""
        sources.append(
            f'<span class="source"><a href="{queue}?source={attribution.source_id}" dir="auto" '
            f'title="Claims attributed to this source">{escape(_truncated(source.name, 48))}</a>\n'
            f'              <span class="type-tag">{escape(source.source_type.name)}</span>'
            f"{anonymous}</span>"
        )
    cells.append(
        '<td class="sources">'
        + ("\n".join(sources) or '<span class="muted">Unattributed</span>')
        + "</td>"
    )
    for person in (claim.proposed_by, claim.assigned_to):
        cells.append(f"<td>{escape(person.username) if person else '—'}</td>")
    changed = timezone.localtime(claim.updated_at)
    cells.append(
        f'<td class="when"><time datetime="{dateformat.format(changed, "c")}">'
        f"{dateformat.format(changed, 'j M Y')}"
        f'<span class="sub">{dateformat.format(changed, "H:i T")}</span></time></td>'
    )
    # Every piece of text above is escaped.
    return mark_safe("<tr>\n          " + "\n          ".join(cells) + "\n        </tr>")
