"""When two spans are the same claim, and settling the suggestions a new claim covers.

Below both the claim and the suggestion services: a claim made by hand, by an
import or by accepting a suggestion settles at once the pending suggestions it
covers that bring nothing the claim lacks, so no second claim is ever made over
the same words.
"""

from django.utils import timezone

from factcheck import audit
from factcheck.models import Claim, Suggestion, SuggestionState

# Two spans are the same claim when they share at least half of either one
# (the overlap rule annotators' agreement is measured with).
COVER_SHARE = 0.5
# A span that shares this much of both is "nearly exact": making it anew asks first.
NEAR_SHARE = 0.9


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def covers(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether the spans share at least half of either one."""
    shared = _overlap(a, b)
    return shared > 0 and (
        shared >= COVER_SHARE * (a[1] - a[0]) or shared >= COVER_SHARE * (b[1] - b[0])
    )


def nearly_same(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether the spans share nearly all of both (a word more or less at an end)."""
    shared = _overlap(a, b)
    return shared > 0 and (
        shared >= NEAR_SHARE * (a[1] - a[0]) and shared >= NEAR_SHARE * (b[1] - b[0])
    )


def covering_claim(article, start: int, end: int) -> Claim | None:
    """The article's claim that covers [start, end) most, if one covers it."""
    candidates = [
        claim
        for claim in Claim.objects.filter(article=article, start__lt=end, end__gt=start)
        if covers((claim.start, claim.end), (start, end))
    ]
    return max(
        candidates,
        key=lambda c: (_overlap((c.start, c.end), (start, end)), -abs(c.start - start), -c.pk),
        default=None,
    )


def overlapping_claims(article, start: int, end: int):
    """The article's claims that share any character with [start, end)."""
    return Claim.objects.filter(article=article, start__lt=end, end__gt=start).order_by("start")


def _folded(name: str) -> str:
    return " ".join((name or "").split()).casefold()


def brings_nothing_new(suggestion: Suggestion, claim: Claim) -> bool:
    """Whether accepting the suggestion into the claim would add nothing to it.

    True when it names no source, or when the claim already has an attribution
    for its mention (the same words of the text, or the same name).
    """
    if not suggestion.source_text.strip() or suggestion.source_type_slug == "unattributed":
        return True
    names = {_folded(suggestion.source_text), _folded(suggestion.canonical_source)} - {""}
    for attribution in claim.attributions.select_related("source"):
        if (
            suggestion.source_start is not None
            and attribution.mention_start is not None
            and _overlap(
                (suggestion.source_start, suggestion.source_end),
                (attribution.mention_start, attribution.mention_end),
            )
        ):
            return True
        source = attribution.source
        known = {_folded(source.name), _folded(attribution.mention_text)}
        known |= {_folded(alias) for alias in source.aliases}
        if names & known:
            return True
    return False


def suggestions_settle_covered(*, actor, claim: Claim, reason: str = "") -> list[Suggestion]:
    """Decide the pending suggestions the claim covers and that would add nothing to it.

    Called inside the service that made the claim or its attribution, after the
    article is locked. Each is accepted into the claim (`suggestion.accepted`,
    audited as whoever made the claim); one that brings an attribution the claim
    lacks stays pending, and accepting it adds that attribution to this claim.
    """
    settled = []
    pending = Suggestion.objects.select_for_update().filter(
        article_id=claim.article_id,
        state=SuggestionState.PENDING,
        claim_start__lt=claim.end,
        claim_end__gt=claim.start,
    )
    for suggestion in pending.order_by("claim_start", "id"):
        if not covers((claim.start, claim.end), (suggestion.claim_start, suggestion.claim_end)):
            continue
        if not brings_nothing_new(suggestion, claim):
            continue
        suggestion.state = SuggestionState.ACCEPTED
        suggestion.decided_by = actor
        suggestion.decided_at = timezone.now()
        suggestion.claim = claim
        suggestion.save(update_fields=["state", "decided_by", "decided_at", "claim"])
        audit.record(
            actor=actor,
            action="suggestion.accepted",
            object_type="suggestion",
            object_id=suggestion.pk,
            object_repr=str(suggestion),
            article_id=suggestion.article_id,
            changes={
                "state": [SuggestionState.PENDING.value, SuggestionState.ACCEPTED.value],
                "claim": [None, {"id": claim.pk, "name": str(claim)}],
                "covered_by": [None, claim.pk],
            },
            reason=reason or f"Covered by claim #{claim.pk}, which already says what it proposes",
        )
        settled.append(suggestion)
    return settled
