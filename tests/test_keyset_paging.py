"""Keyset paging of the queue and the activity feed (issue 12, point 2).

A page is read after (or before) the cursor of a claim, so that claims added
while someone pages move nothing: no claim is skipped or shown twice.
"""

import base64
import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from factcheck import filters, services
from factcheck.filters import CLAIM_SORTS
from factcheck.models import AuditEvent, Claim, VerificationStatus
from factcheck.views import activity as activity_views
from factcheck.views import queue as queue_views
from tests import factories

QUEUE = reverse("queue")
ACTIVITY = reverse("activity")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def logged_in(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def claims(reviewer) -> list[int]:
    """Fourteen claims in five articles, in every workflow step, some changed at one moment."""
    made = []
    for n in range(5):
        text = (
            f"Story {n}\n\nFirst claim {n} was said. Second claim {n} was said. "
            f"Third claim {n} was said."
        )
        article = factories.make_article(text=text, title=f"{'ECABD'[n]} story", actor=reviewer)
        for phrase in ("First", "Second", "Third")[: 3 if n < 4 else 2]:
            made.append(factories.make_claim(article=article, phrase=f"{phrase} claim {n}"))
    for claim in made[::3]:
        services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    for claim in made[1::4]:
        services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
        services.claim_update(actor=reviewer, claim=claim, rationale="Checked.")
        services.evidence_add(actor=reviewer, claim=claim, url=f"https://example.org/{claim.pk}")
        services.claim_set_status(actor=reviewer, claim=claim, status="false")
    # Ties on the last change, which only the id can break.
    moment = timezone.now() - datetime.timedelta(days=1)
    Claim.objects.filter(pk__in=[claim.pk for claim in made[2:9]]).update(updated_at=moment)
    return [claim.pk for claim in made]


def listed(response) -> list[int]:
    return [claim.pk for claim in response.context["page"].items]


def walk(client, url, params, *, meanwhile=None, backwards=False):
    """Follow the pager's links from the first page to the last; return each page's ids."""
    response = client.get(url, params)
    pages = []
    while True:
        assert response.status_code == 200
        page = response.context["page"]
        pages.append([item.pk for item in page.items])
        if meanwhile:
            meanwhile()
        if not page.has_next:
            break
        body = response.content.decode()
        assert f"after={page.next_cursor}" in body
        response = client.get(url, {**params, "page": page.next_number, "after": page.next_cursor})
    if backwards:
        back = [pages[-1]]
        while page.has_previous:
            response = client.get(
                url,
                {**params, "page": page.previous_number, "before": page.previous_cursor}
                if page.previous_cursor
                else {**params, "page": page.previous_number},
            )
            page = response.context["page"]
            back.insert(0, [item.pk for item in page.items])
        return pages, back
    return pages


@pytest.mark.parametrize("sort", list(CLAIM_SORTS))
def test_keyset_pages_never_skip_or_repeat_a_claim_while_claims_are_added(
    logged_in, claims, reviewer, monkeypatch, sort
):
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 3)
    added = []

    def add_a_claim():
        text = f"Late story\n\nLate claim {len(added)} was said."
        article = factories.make_article(
            text=text, title=f"{'ZAM'[len(added) % 3]} late {len(added)}", actor=reviewer
        )
        claim = factories.make_claim(article=article, phrase=f"Late claim {len(added)}")
        if len(added) % 2:
            services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
        added.append(claim.pk)

    pages = walk(logged_in, QUEUE, {"sort": sort}, meanwhile=add_a_claim)

    seen = [pk for page in pages for pk in page]
    assert len(seen) == len(set(seen))
    assert sorted(pk for pk in seen if pk in claims) == sorted(claims)
    assert len(pages) >= 5


@pytest.mark.parametrize("sort", list(CLAIM_SORTS))
def test_pages_follow_the_sort_and_newer_leads_back_through_the_same_pages(
    logged_in, claims, monkeypatch, sort
):
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 100)
    in_order = listed(logged_in.get(QUEUE, {"sort": sort}))
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 4)

    pages, back = walk(logged_in, QUEUE, {"sort": sort}, backwards=True)

    assert len(pages) == 4
    assert [pk for page in pages for pk in page] == in_order
    assert back == pages


def test_the_address_carries_the_cursor_and_the_page_number(logged_in, claims, monkeypatch):
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 5)
    first = logged_in.get(QUEUE, {"status": "unverified"})
    cursor = first.context["page"].next_cursor

    second = logged_in.get(QUEUE, {"status": "unverified", "page": 2, "after": cursor}, **HTMX)

    body = first.content.decode()
    assert f'href="{QUEUE}?status=unverified&amp;page=2&amp;after={cursor}"' in body
    assert "Older →" in body
    assert second.headers["HX-Push-Url"] == f"{QUEUE}?status=unverified&page=2&after={cursor}"
    assert "Showing 6–" in second.content.decode()
    assert "← Newer" in second.content.decode()
    assert set(listed(first)).isdisjoint(listed(second))


def test_the_pager_speaks_the_words_of_the_order(logged_in, claims, monkeypatch):
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 5)

    by_title = logged_in.get(QUEUE, {"sort": "article"}).content.decode()
    oldest_first = logged_in.get(QUEUE, {"sort": "updated"}).content.decode()

    assert "Next →" in by_title
    assert "Newer →" in oldest_first


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "W10",
        "WyJ4Il0",
        "WzEsMiwzXQ",
        "WyJub3QgYSBkYXRlIiwgMV0",
        "%00",
        # What the pages made before cursors were signed: base64 JSON, read no more.
        "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgMV0",
    ],
)
def test_a_cursor_the_server_did_not_make_is_refused_with_a_message(logged_in, claims, cursor):
    response = logged_in.get(QUEUE, {"after": cursor, "page": 7})

    assert response.status_code == 400
    body = response.content.decode()
    assert "Page link (after): This page link was not made by the workbench" in body
    assert "Open the list again from its first page." in body
    assert listed(response) == []


def test_an_edited_cursor_is_refused_and_htmx_is_told_in_the_fragment(
    logged_in, claims, monkeypatch
):
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 5)
    cursor = logged_in.get(QUEUE).context["page"].next_cursor
    payload, signature = cursor.rsplit(".", 1)
    values = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    values[-1] += 1
    edited = base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")

    response = logged_in.get(QUEUE, {"before": f"{edited}.{signature}"}, **HTMX)

    assert response.status_code == 422
    assert "Page link (before): This page link was not made" in response.content.decode()
    assert listed(response) == []


def test_a_cursor_is_read_only_by_the_order_and_the_list_it_was_made_for(
    logged_in, claims, monkeypatch
):
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 5)
    monkeypatch.setattr(activity_views, "PAGE_SIZE", 5)
    newest_first = logged_in.get(QUEUE).context["page"].next_cursor
    events = logged_in.get(ACTIVITY).context["page"].next_cursor

    oldest_first = logged_in.get(QUEUE, {"sort": "updated", "after": newest_first})
    queue_from_activity = logged_in.get(QUEUE, {"after": events})
    activity_from_queue = logged_in.get(ACTIVITY, {"after": newest_first})

    assert oldest_first.status_code == 400
    assert queue_from_activity.status_code == 400
    assert activity_from_queue.status_code == 400
    assert "This page link was not made by the workbench" in activity_from_queue.content.decode()
    assert activity_from_queue.context["page"].items == []


def test_a_bulk_change_sent_from_a_forged_page_link_changes_nothing(logged_in, claims):
    unverified = claims[2]
    address = f"{reverse('queue_bulk')}?page=2&after=WyJ4Il0"

    response = logged_in.post(address, {"action": "in_progress", "claims": [unverified]}, **HTMX)

    assert response.status_code == 422
    assert "Nothing was changed: the queue&#x27;s page link could not be read." in (
        response.content.decode()
    )
    assert Claim.objects.get(pk=unverified).status == VerificationStatus.UNVERIFIED


def test_bulk_actions_come_back_to_the_page_they_were_sent_from(logged_in, claims, monkeypatch):
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 5)
    cursor = logged_in.get(QUEUE).context["page"].next_cursor
    address = f"{reverse('queue_bulk')}?page=2&after={cursor}"

    response = logged_in.post(address, {"action": "in_progress", "claims": [claims[-1]]})

    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?page=2&after={cursor}"


def test_activity_pages_never_skip_or_repeat_an_event_while_events_are_added(
    logged_in, claims, reviewer, monkeypatch
):
    monkeypatch.setattr(activity_views, "PAGE_SIZE", 7)
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    claim = Claim.objects.get(pk=claims[0])

    def add_a_note():
        services.note_add(actor=reviewer, claim=claim, body="Meanwhile.")

    pages = walk(logged_in, ACTIVITY, {}, meanwhile=add_a_note)

    seen = [pk for page in pages for pk in page]
    assert len(seen) == len(set(seen))
    assert set(seen) == before
    assert seen == sorted(seen, reverse=True)


@pytest.mark.parametrize(
    ("params", "index"),
    [
        ({"awaiting_sign_off": "on"}, "claim_awaiting_sign_off"),
        ({"assignee": "ASSIGNEE"}, "claim_assignee_updated"),
    ],
)
def test_the_slow_filters_read_their_index_in_the_page_order(claims, reviewer, params, index):
    from django.db import connection
    from django.http import QueryDict

    from factcheck.filters import ClaimFilter

    query = QueryDict(mutable=True)
    for key, value in params.items():
        query[key] = str(reviewer.pk) if value == "ASSIGNEE" else value
    page = ClaimFilter(query, queryset=Claim.objects.all()).qs[:51]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A handful of rows: make the planner show the plan it keeps for many.
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                cursor.execute(f"SET LOCAL {setting} = off")
        else:
            cursor.execute("ANALYZE")

    plan = page.explain()

    # Read in the page's order, never sorted. On a handful of rows SQLite may as
    # well walk the last-change index and test each claim; the migration
    # records the plan on a million.
    assert "TEMP B-TREE" not in plan
    assert "Sort" not in plan
    if connection.vendor == "postgresql":
        assert index in plan
    else:
        assert index in plan or "claim_updated" in plan


def signed_cursor(model, keys, values) -> str:
    return filters.cursor_signer(model, keys).sign_object(values)


# Values of the wrong type for the sort keys (a time and an id; a title, ids and offsets),
# each in a cursor the server's own key signed: the type check behind the signature
# must refuse them all the same.
WRONG_TYPES = [
    [None, 1],
    ["2026-03-01T09:30:00+00:00", None],
    ["2026-03-01T09:30:00+00:00", "one"],
    ["2026-03-01T09:30:00+00:00", 1.5],
    [True, 1],
    [[], 1],
    [{"id": 1}, 1],
    ["2026-03-01T09:30:00+00:00", [1]],
]


@pytest.mark.parametrize("direction", ["after", "before"])
@pytest.mark.parametrize("values", WRONG_TYPES)
def test_a_signed_cursor_of_the_wrong_value_types_is_refused_with_a_message(
    logged_in, claims, values, direction
):
    cursor = signed_cursor(Claim, CLAIM_SORTS["-updated"][1], values)

    response = logged_in.get(QUEUE, {direction: cursor, "page": 2})

    assert response.status_code == 400
    assert f"Page link ({direction}): This page link was not made by the workbench" in (
        response.content.decode()
    )
    assert listed(response) == []


@pytest.mark.parametrize(
    "values",
    [[None, None, None, None], ["A story", "1", 0, "end"], ["A story", 1, -(2**40), 3]],
)
def test_a_signed_cursor_of_the_wrong_types_for_the_article_order_is_refused(
    logged_in, claims, values
):
    cursor = signed_cursor(Claim, CLAIM_SORTS["article"][1], values)

    response = logged_in.get(QUEUE, {"sort": "article", "after": cursor})

    assert response.status_code == 400
    assert "This page link was not made by the workbench" in response.content.decode()


@pytest.mark.parametrize("values", [[None], ["seven"], [1.5], [[7]], [2**70]])
def test_a_signed_activity_cursor_of_the_wrong_type_is_refused(logged_in, claims, values):
    cursor = signed_cursor(AuditEvent, ("-id",), values)

    response = logged_in.get(ACTIVITY, {"after": cursor})

    assert response.status_code == 400
    assert "This page link was not made by the workbench" in response.content.decode()
    assert response.context["page"].items == []
