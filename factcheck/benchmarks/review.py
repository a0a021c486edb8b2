"""Time the review page of the data set's big article (1,000 claims, 3,000 attributions).

Through Django's test client, middleware included: the page as served, its
queries beside those of an ordinary article's page (12 claims), and a status
change from the claim panel (the htmx POST the panel sends), each on its own
unverified claim of the big article, then a source added to those claims from
the panel (and the sourcing strip the page then fetches) and taken off again.
Then in Chromium (factcheck.benchmarks.browser): the page loaded, `j` and `k`,
and a selection in the text.
"""

from django.db import connection
from django.test import Client
from django.urls import reverse

from factcheck.benchmarks import browser as browser_timings
from factcheck.benchmarks import data
from factcheck.benchmarks.timing import Write, counted, row, timed
from factcheck.models import Article, Attribution, Claim, Source, VerificationStatus

TARGET_PAGE_MS = 150
TARGET_PANEL_MS = 50
HTMX = {"HTTP_HX_REQUEST": "true"}


def client() -> Client:
    """A client logged in as the data set's administrator, over HTTPS as production serves."""
    browser = Client(HTTP_HOST="localhost")
    browser.force_login(data.admin())
    return browser


def measure(*, repeat: int, write: Write) -> tuple[str, list, list[str]]:
    article = data.big_article()
    if article is None:
        return "Review page: no big article in the data set.", [], []
    ordinary = Article.objects.exclude(pk=article.pk).order_by("id").first()
    browser = client()
    claims = article.claims.count()
    attributions = sum(1 for _ in Claim.objects.filter(article=article).values("attributions"))

    def page(target):
        def get():
            response = browser.get(reverse("review", args=[target.pk]), secure=True)
            assert response.status_code == 200, response.status_code
            return response

        return get

    page_ms, _ = timed(page(article), repeat)
    big_queries, _ = counted(page(article))
    small_queries, _ = counted(page(ordinary)) if ordinary else (None, None)

    unverified = list(
        Claim.objects.filter(article=article, status=VerificationStatus.UNVERIFIED)
        .order_by("id")
        .values_list("id", "version")[: max(repeat, 1) + 1]
    )
    # The same change on claims of ordinary articles: what a panel action costs
    # whatever the article (the request, the service, the panel), for comparison.
    elsewhere = list(
        Claim.objects.filter(status=VerificationStatus.UNVERIFIED)
        .exclude(article=article)
        .order_by("id")
        .values_list("id", "version")[: max(repeat, 1) + 1]
    )

    def panel_changes(claims):
        moves = iter(claims)

        def panel_change():
            claim_id, version = next(moves)
            response = browser.post(
                reverse("claim_status", args=[claim_id]),
                {"status": VerificationStatus.IN_PROGRESS, "version": version, "reason": ""},
                secure=True,
                **HTMX,
            )
            assert response.status_code == 200, response.status_code
            return response

        return panel_change

    rows = [
        row(
            f"review page, {claims:,} claims",
            page_ms,
            TARGET_PAGE_MS,
            f"{big_queries} queries; 12 claims: {small_queries}",
        ),
        (
            "queries, big article against an ordinary one",
            f"{big_queries} against {small_queries}",
            "the same",
            big_queries == small_queries,
        ),
    ]
    if len(unverified) > max(repeat, 1):
        panel_ms, response = timed(panel_changes(unverified), repeat)
        rows.append(
            row(
                "panel: set in progress (htmx answer)",
                panel_ms,
                TARGET_PANEL_MS,
                f"{len(response.content) / 1000:,.0f} kB sent back",
            )
        )
        if len(elsewhere) > max(repeat, 1):
            ordinary_ms, response = timed(panel_changes(elsewhere), repeat)
            rows.append(
                row(
                    "panel: the same on claims of ordinary articles",
                    ordinary_ms,
                    TARGET_PANEL_MS,
                    f"{len(response.content) / 1000:,.0f} kB sent back",
                )
            )
        rows.extend(_source_round_trip(browser, [claim_id for claim_id, _ in unverified], repeat))
    # In Chromium: the page loaded, j / k, a selection (factcheck.benchmarks.browser).
    in_chromium, notes = browser_timings.measure_review(article, data.admin(), repeat)
    rows.extend(in_chromium)
    title = (
        f"Review page, {connection.vendor}: article #{article.pk} with {claims:,} claims and "
        f"{attributions:,} attributions; median of {repeat} run(s), through the test client."
    )
    return title, rows, notes


def _source_round_trip(browser: Client, claim_ids: list[int], repeat: int) -> list:
    """Add a registry source to each of the claims from the panel, then take it off again.

    The answers carry the article's sourcing strip, counted afresh; the data set
    ends as it began, less the claims' versions and with the audit events.
    """
    source = Source.objects.exclude(attributions__claim_id__in=claim_ids).order_by("id").first()
    versions = dict(Claim.objects.filter(pk__in=claim_ids).values_list("id", "version"))
    adds = iter(claim_ids)

    def add():
        claim_id = next(adds)
        response = browser.post(
            reverse("attribution_add", args=[claim_id]),
            {"version": versions[claim_id], "source": source.pk, "quote_mode": "paraphrase"},
            secure=True,
            **HTMX,
        )
        assert response.status_code == 200, response.status_code
        return response

    add_ms, added = timed(add, repeat)
    # The page then fetches the article's sourcing strip, which the answer told it to count again.
    assert added["HX-Trigger"] == "sourcing-changed"
    article_id = Claim.objects.filter(pk=claim_ids[0]).values_list("article_id", flat=True).get()

    def strip():
        response = browser.get(reverse("article_sourcing", args=[article_id]), secure=True, **HTMX)
        assert response.status_code == 200, response.status_code
        return response

    strip_ms, _ = timed(strip, repeat)
    removals = iter(
        Attribution.objects.filter(claim_id__in=claim_ids, source=source)
        .order_by("claim_id")
        .values_list("id", "claim__version")
    )

    def remove():
        attribution_id, version = next(removals)
        response = browser.post(
            reverse("attribution_remove", args=[attribution_id]),
            {"version": version, "reason": ""},
            secure=True,
            **HTMX,
        )
        assert response.status_code == 200, response.status_code
        return response

    remove_ms, removed = timed(remove, repeat)
    return [
        row(
            "panel: add a source (htmx answer)",
            add_ms,
            TARGET_PANEL_MS,
            f"{len(added.content) / 1000:,.0f} kB sent back",
        ),
        row(
            "panel: the sourcing strip, counted again after it",
            strip_ms,
            TARGET_PANEL_MS,
            "its own request, which the answer's event starts",
        ),
        row(
            "panel: remove that source (htmx answer)",
            remove_ms,
            TARGET_PANEL_MS,
            f"{len(removed.content) / 1000:,.0f} kB sent back",
        ),
    ]
