"""Time the claims queue: the first page of every filter and sort, and page 1,000 by its cursor.

"As served" is the htmx answer of the queue view (the page of 50 claims read
one row past the page instead of counting, their sources, the rendering),
called directly without the middleware; "page" is the page's queries alone.
Page 1,000 is reached the way a reader reaches it, by the cursor of the claim
before it (`?after=`); its cursor is found once, outside the timing.
"""

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.http import QueryDict
from django.test import RequestFactory
from django.utils import timezone
from django_htmx.middleware import HtmxDetails

from factcheck.benchmarks import data
from factcheck.benchmarks.timing import Write, row, timed
from factcheck.filters import CLAIM_SORTS, ClaimFilter, QueueFilter, cursor_of, keyset_page
from factcheck.models import Claim
from factcheck.views import queue as queue_views

TARGET_MS = 100
FAR_PAGE = 1000


def scenarios(user) -> list[tuple[str, dict[str, Any]]]:
    updated_after = (timezone.now() - timedelta(days=30)).date().isoformat()
    return [
        ("page 1, newest change first", {}),
        ("status=in_progress", {"status": "in_progress"}),
        ("status=false&status=misleading", {"status": ["false", "misleading"]}),
        ("awaiting sign-off", {"awaiting_sign_off": "on"}),
        ("awaiting my sign-off", {"awaiting_sign_off": "on", "not_proposer": str(user.pk)}),
        ("source type anonymous official", {"source_type": "anonymous_official"}),
        ("source type unattributed", {"source_type": "unattributed"}),
        ("anonymous source", {"anonymity": "anonymous"}),
        ("one source", {"source": "42"}),
        ("assignee", {"assignee": str(user.pk)}),
        ("outlet", {"outlet": data.OUTLETS[3]}),
        ("changed in the last 30 days", {"updated_after": updated_after}),
        ("text search (rare word)", {"q": data.RARE_WORD}),
        ("text search (common word)", {"q": "ministry"}),
        ("text search (prefix)", {"q": "quok*"}),
        ("text search (Arabic)", {"q": "المفاوضات"}),
        *[(f"sort={key}", {"sort": key}) for key in CLAIM_SORTS if key != "-updated"],
    ]


def far_pages(user) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"page {FAR_PAGE:,}", {}),
        (f"status=in_progress, page {FAR_PAGE:,}", {"status": "in_progress"}),
        (f"sort=status, page {FAR_PAGE:,}", {"sort": "status"}),
        (f"sort=article, page {FAR_PAGE:,}", {"sort": "article"}),
        (f"assignee, page {FAR_PAGE:,}", {"assignee": str(user.pk)}),
    ]


def as_query(params: dict[str, Any]) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in params.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


def far_cursor(query: QueryDict, size: int) -> str | None:
    """The cursor of the last claim before page FAR_PAGE, found by OFFSET (not timed)."""
    claims = ClaimFilter(query, queryset=Claim.objects.all()).qs
    last = claims[(FAR_PAGE - 1) * size - 1 : (FAR_PAGE - 1) * size].first()
    return cursor_of(last, claims.query.order_by) if last else None


def measure(*, repeat: int, write: Write) -> tuple[str, list, list[str]]:
    user = get_user_model().objects.filter(username__startswith="bench-reviewer").first()
    admin = data.admin()
    factory = RequestFactory()
    size = queue_views.PAGE_SIZE
    rows = []
    notes = []

    def time_one(label: str, query: QueryDict) -> None:
        def fetch():
            claim_filter = QueueFilter(query, queryset=queue_views.queue_claims())
            return keyset_page(claim_filter.qs, query, size)

        def view():
            request = factory.get("/claims/", query, HTTP_HX_REQUEST="true")
            request.user = admin
            request.htmx = HtmxDetails(request)
            return queue_views.queue(request)

        page_ms, page = timed(fetch, repeat)
        view_ms, response = timed(view, repeat)
        assert response.status_code == 200, (label, response.status_code)
        rows.append(
            row(label, view_ms, TARGET_MS, f"page {page_ms:,.1f} ms, {len(page.items)} rows")
        )

    for label, params in scenarios(user):
        time_one(label, as_query(params))
    for label, params in far_pages(user):
        query = as_query(params)
        cursor = far_cursor(query, size)
        if cursor is None:
            notes.append(f"{label}: fewer than {FAR_PAGE:,} pages; not timed.")
            continue
        query.setlist("after", [cursor])
        query.setlist("page", [str(FAR_PAGE)])
        time_one(label + " (by its cursor)", query)

    claims = Claim.objects.order_by("-id").values_list("id", flat=True).first() or 0
    title = (
        f"Claims queue, {connection.vendor}, {claims:,} claims; median of {repeat} run(s) of the "
        "htmx answer as served (the page's own queries in brackets)."
    )
    return title, rows, notes
