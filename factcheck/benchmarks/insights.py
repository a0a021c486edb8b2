"""Time the Insights page (`/insights/`) through Django's test client, as served.

Unfiltered, and for one outlet and one month, each twice: counted afresh (as
the first load after any change is: the page's memo emptied before every run),
and shown again from the memo while nothing has changed. Skipped, with a line
saying so, where the page does not exist.
"""

from datetime import timedelta

from django.core.cache import cache
from django.db import connection
from django.urls import NoReverseMatch, reverse

from factcheck.benchmarks import data
from factcheck.benchmarks.review import client
from factcheck.benchmarks.timing import Write, counted, row, timed
from factcheck.models import Article, Claim

TARGET_ALL_MS = 500
TARGET_NARROW_MS = 200


def measure(*, repeat: int, write: Write) -> tuple[str, list, list[str]]:
    try:
        url = reverse("insights")
    except NoReverseMatch:
        return "Insights page: skipped, /insights/ does not exist yet.", [], []
    browser = client()
    newest = Article.objects.exclude(published_on=None).order_by("-published_on").first()
    month = newest.published_on.replace(day=1) if newest else None
    scenarios = [("unfiltered", {}, TARGET_ALL_MS)]
    if month:
        next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        narrow = {
            "outlet": data.OUTLETS[3],
            "dated_after": month.isoformat(),
            "dated_before": (next_month - timedelta(days=1)).isoformat(),
        }
        scenarios.append((f"one outlet, {month:%B %Y}", narrow, TARGET_NARROW_MS))
    rows = []
    for label, params, target in scenarios:

        def get(params=params):
            response = browser.get(url, params, secure=True)
            assert response.status_code == 200, response.status_code
            return response

        def get_afresh(params=params):
            cache.clear()
            return get(params)

        milliseconds, _ = timed(get_afresh, repeat)
        queries, _ = counted(get_afresh)
        rows.append(row(f"{label}, counted afresh", milliseconds, target, f"{queries} queries"))
        milliseconds, _ = timed(get, repeat)
        rows.append(row(f"{label}, shown again (no change since)", milliseconds, target, ""))
    title = (
        f"Insights page, {connection.vendor}, {Claim.objects.count():,} claims; median of "
        f"{repeat} run(s) through the test client."
    )
    return title, rows, []
