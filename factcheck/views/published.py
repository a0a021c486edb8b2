"""Published fact-checks: a public page per verdict, and the feeds that list them (no login)."""

import json

from django.contrib.auth.decorators import login_not_required
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from factcheck import exports
from factcheck.models import EvidenceLink
from factcheck.publishing import public_url, published_claims, workbench_url

# The public list and feeds show this many of the newest.
FEED_SIZE = 50


def _review(request: HttpRequest, claim_id: int) -> dict | None:
    reviews = exports.claim_reviews(
        published_claims().filter(pk=claim_id),
        claim_url=workbench_url(request),
        public_url=public_url(request),
    )
    review = next(reviews, None)
    reviews.close()
    return review


def _sentence(text: str, start: int, end: int) -> tuple[str, str, str]:
    """The claim in its sentence: the words before it and after it in its paragraph."""
    before = text.rfind("\n", 0, start) + 1
    after = text.find("\n", end)
    after = len(text) if after < 0 else after
    return text[before:start], text[start:end], text[end:after]


@login_not_required
@require_GET
def published_claim(request: HttpRequest, claim_id: int) -> HttpResponse:
    """A published verdict as the public reads it, with its ClaimReview JSON-LD."""
    claim = get_object_or_404(published_claims(), pk=claim_id)
    frozen = claim.sign_off_snapshot or {}
    review = _review(request, claim.pk)
    frozen_claim = frozen.get("claim", {})
    start, end = frozen_claim.get("start", claim.start), frozen_claim.get("end", claim.end)
    before, words, after = _sentence(claim.article.text, start, end)
    evidence = frozen.get("evidence") or list(
        EvidenceLink.objects.filter(claim=claim).values("url", "title")
    )
    # JSON-LD inside <script>: "<" escaped so that no value can close the element.
    jsonld = mark_safe(json.dumps(review, ensure_ascii=False).replace("<", "\\u003c"))
    return render(
        request,
        "factcheck/published.html",
        {
            "claim": claim,
            "frozen": frozen,
            "review": review,
            "jsonld": jsonld,
            "before": before,
            "words": words,
            "after": after,
            "evidence": evidence,
        },
    )


@login_not_required
@require_GET
def published_list(request: HttpRequest) -> HttpResponse:
    claims = list(published_claims()[:FEED_SIZE])
    return render(request, "factcheck/published_list.html", {"claims": claims})


@login_not_required
@require_GET
def published_feed_json(request: HttpRequest) -> JsonResponse:
    """The newest published verdicts as a schema.org DataFeed of ClaimReview."""
    ids = list(published_claims().values_list("id", flat=True)[:FEED_SIZE])
    reviews = exports.claim_reviews(
        published_claims().filter(pk__in=ids),
        claim_url=workbench_url(request),
        public_url=public_url(request),
    )
    items = sorted(reviews, key=lambda review: ids.index(_id_of(review)))
    feed = {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "name": "Published fact-checks",
        "url": request.build_absolute_uri(reverse("published_list")),
        "dataFeedElement": items,
    }
    return JsonResponse(feed, json_dumps_params={"ensure_ascii": False, "indent": 2})


def _id_of(review: dict) -> int:
    return int(review["url"].rstrip("/").rsplit("/", 1)[-1])


class PublishedAtom(Feed):
    feed_type = Atom1Feed
    title = "Published fact-checks"
    subtitle = "The desk's signed-off and published verdicts, newest first."

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def link(self):
        return reverse("published_list")

    def items(self):
        return published_claims()[:FEED_SIZE]

    def item_title(self, claim):
        verdict = (claim.sign_off_snapshot or {}).get("verdict", claim.status)
        return f"{verdict.replace('_', ' ').capitalize()}: {claim.text[:200]}"

    def item_description(self, claim):
        return (claim.sign_off_snapshot or {}).get("rationale", claim.rationale)

    def item_link(self, claim):
        return reverse("published_claim", args=[claim.pk])

    def item_pubdate(self, claim):
        return claim.published_at

    def item_updateddate(self, claim):
        return claim.published_at


published_feed_atom = login_not_required(require_GET(PublishedAtom()))
