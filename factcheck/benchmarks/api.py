"""Time the API as served: the first page of claims and filtered pages, and a status change
through the API beside the same change through the review panel.

Requests go through the whole Django stack (middleware, authentication by token, the
throttle, rendering) with the test client, as a server would run them, without the network.
"""

import datetime

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from factcheck import services
from factcheck.benchmarks import data
from factcheck.benchmarks.timing import Write, row, timed
from factcheck.models import Claim, VerificationStatus

TARGET_MS = 100
# A status change through the API may cost at most this much more than through the panel.
TARGET_EXTRA_MS = 10

PAGES = [
    ("claims, page 1", {}),
    ("claims, status=in_progress", {"status": "in_progress"}),
    ("claims, source type anonymous official", {"source_type": "anonymous_official"}),
    ("claims, text search (rare word)", {"q": data.RARE_WORD}),
    ("claims, page_size=200", {"page_size": "200"}),
]


def _client(**headers) -> Client:
    # The host and scheme a production server answers (the settings the command runs under).
    return Client(HTTP_HOST=settings.ALLOWED_HOSTS[0], headers=headers)


def measure(*, repeat: int, write: Write) -> tuple[str, list, list[str]]:
    admin = data.admin()
    _, secret = services.token_create(
        actor=admin,
        name="benchmark",
        scopes=["write"],
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    api = _client(authorization=f"Bearer {secret}")
    panel = _client()
    panel.force_login(admin)
    secure = not settings.DEBUG
    rows = []
    with override_settings(FACTCHECK_API_RATE="1000000/minute"):
        for label, params in PAGES:

            def fetch(label=label, params=params):
                answer = api.get("/api/v1/claims/", params, secure=secure)
                assert answer.status_code == 200, (label, answer.status_code)
                return answer

            milliseconds, answer = timed(fetch, repeat)
            rows.append(
                row(label, milliseconds, TARGET_MS, f"{len(answer.json()['results'])} rows")
            )

        runs = max(repeat, 1) * 3
        claims = iter(
            Claim.objects.filter(status=VerificationStatus.UNVERIFIED)
            .order_by("-id")
            .values_list("id", "version")[: 2 * runs + 4]
        )

        def through_api():
            pk, version = next(claims)
            answer = api.post(
                f"/api/v1/claims/{pk}/status/",
                {"status": "in_progress"},
                content_type="application/json",
                headers={"if-match": f'"{version}"'},
                secure=secure,
            )
            assert answer.status_code == 200, answer.content
            return answer

        def through_panel():
            pk, version = next(claims)
            answer = panel.post(
                f"/claims/{pk}/status/",
                {"status": "in_progress", "version": version},
                headers={"hx-request": "true"},
                secure=secure,
            )
            assert answer.status_code == 200, answer.status_code
            return answer

        api_ms, _ = timed(through_api, runs)
        panel_ms, _ = timed(through_panel, runs)
    extra = api_ms - panel_ms
    rows.append(row("status change through the API", api_ms, None))
    rows.append(row("the same change through the panel (htmx answer)", panel_ms, None))
    rows.append(
        (
            "the API's change beside the panel's",
            f"{extra:+,.1f} ms",
            f"≤ +{TARGET_EXTRA_MS} ms",
            extra <= TARGET_EXTRA_MS,
        )
    )
    title = (
        f"API, {connection.vendor}, {Claim.objects.count():,} claims; median of {repeat} "
        "request(s) as served, through the middleware and a token."
    )
    return title, rows, []
