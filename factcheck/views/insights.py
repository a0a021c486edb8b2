"""The Insights page: how the desk sources its claims, as charts, tables and CSV files.

It reads the claims queue's filters (`ClaimFilter`), so any view of the queue
has its Insights, and every bar links back to the queue listing its claims.
The figures come from `factcheck.insights`, a fixed number of GROUP BY queries.
"""

import csv
import io
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from factcheck import filter_chips, insights
from factcheck.filters import ClaimFilter, errors_of, shareable
from factcheck.models import Claim, VerificationStatus
from factcheck.views.queue import _form_context

# Parameters of the queue that do not change which claims are counted.
NOT_FILTERS = ("sort", "page")
# Queue filters the page's form has no control for: shown as chips, and carried.
CARRIED = (
    "q",
    "intermediary",
    "sources",
    "proposer",
    "not_proposer",
    "awaiting_sign_off",
    "updated_after",
    "updated_before",
)
WEEK_CHART_WIDTH = 800
# Queue filters that take one value: a bar cannot ask for a second one.
ONE_VALUE = {
    "source_type",
    "source",
    "intermediary",
    "anonymity",
    "sources",
    "outlet",
    "dated_after",
    "dated_before",
}


def _selection(request: HttpRequest) -> tuple[ClaimFilter, list[tuple[str, str]], QueryDict]:
    query = shareable(request.GET)
    for name in NOT_FILTERS:
        query.pop(name, None)
    claim_filter = ClaimFilter(query, queryset=Claim.objects.all())
    return claim_filter, errors_of(claim_filter, ignore=("sort",)), query


def queue_link(base: str, query: QueryDict, filters: dict[str, Any] | None) -> str | None:
    """The queue's address (`base`) for the page's filters narrowed by a bar's own.

    None where the queue cannot list the bar's claims: a bar for another value
    of a one-value filter the page already applies (the claims citing a
    ministry *and* an anonymous official, on a page filtered to ministries).
    """
    if filters is None:
        return None
    narrowed = dict(query.lists())
    for key, value in filters.items():
        values = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        if key in ONE_VALUE and narrowed.get(key, values) != values:
            return None
        narrowed[key] = values
    return f"{base}?{urlencode(narrowed, doseq=True)}"


def _link_all(data: insights.Insights, query: QueryDict) -> None:
    """Give every bar and segment its `link` to the queue (none for an empty one)."""
    base = reverse("queue")
    bars = [
        *data.types,
        *data.anonymity,
        *data.sources_per_claim,
        *data.intermediaries,
        *data.top_sources,
    ]
    for stack in [*data.verdicts, *data.outlets, *data.weeks]:
        stack.link = queue_link(base, query, stack.filters) if stack.total else None
        bars.extend(stack.segments)
    for bar in bars:
        bar.link = queue_link(base, query, bar.filters) if bar.listed else None


def _place_weeks(weeks: list[insights.Stack]) -> None:
    """Where each week's column goes: x and width across the chart, height by anonymous share."""
    left = 42
    plot = WEEK_CHART_WIDTH - left
    step = plot / len(weeks) if weeks else 0
    for index, week in enumerate(weeks):
        week.x = round(left + index * step, 2)
        week.w = round(min(max(step * 0.8, 0.5), 40), 2)
        week.h = round(100 * week.segments[0].share, 2)
        week.y = round(110 - week.h, 2)


@require_GET
def insights_page(request: HttpRequest) -> HttpResponse:
    """Show the sourcing profile of all claims, or of the queue's filtered claims."""
    claim_filter, errors, query = _selection(request)
    context: dict[str, Any] = {
        "filter": claim_filter,
        "filter_errors": errors,
        "query": query,
        "queue_url": reverse("queue") + (f"?{query.urlencode()}" if query else ""),
    }
    context.update(_form_context(request, claim_filter))
    context["chips"] = filter_chips.chips(
        claim_filter, query, base=reverse("insights"), names=("article", "source", *CARRIED)
    )
    context["statuses"] = VerificationStatus.choices
    status = 400 if errors else 200
    if not errors:
        data = insights.cached_insights(claim_filter.qs)
        _link_all(data, query)
        _place_weeks(data.weeks)
        context["data"] = data
        context["figures"] = list(insights.figures(data).values())
        context["anonymity_stack"] = insights.Stack("", data.anonymity)
        context["sources_stack"] = insights.Stack("", data.sources_per_claim)
    return render(request, "factcheck/insights.html", context, status=status)


@require_GET
def insights_csv(request: HttpRequest, figure: str) -> HttpResponse:
    """One chart's numbers as CSV, for the same filters as the page."""
    claim_filter, errors, _ = _selection(request)
    if errors:
        lines = "".join(f"{label}: {message}\n" for label, message in errors)
        return HttpResponse(
            "No figures; fix the filters first:\n" + lines,
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    figures = insights.figures(insights.cached_insights(claim_filter.qs))
    if figure not in figures:
        raise Http404("No such figure.")
    buffer = io.StringIO()
    csv.writer(buffer).writerows(insights.csv_rows(figures[figure]))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="insights-{figure}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
