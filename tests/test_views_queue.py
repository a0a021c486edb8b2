import datetime
import io
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from factcheck import filters, services
from factcheck.filters import ClaimFilter
from factcheck.models import AuditEvent, Claim, Source, VerificationStatus
from factcheck.views import queue as queue_views
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}
QUEUE = reverse("queue")
BULK = reverse("queue_bulk")


@pytest.fixture
def logged_in(client, reviewer):
    client.force_login(reviewer)
    return client


def listed(response) -> list[int]:
    return [claim.pk for claim in response.context["page"].items]


def give_verdict(claim: Claim, actor, status: str = "false") -> Claim:
    services.claim_set_status(actor=actor, claim=claim, status="in_progress")
    services.claim_update(actor=actor, claim=claim, rationale="Checked against the record.")
    services.evidence_add(actor=actor, claim=claim, url=f"https://example.org/{claim.pk}")
    return services.claim_set_status(actor=actor, claim=claim, status=status)


def status_events(claim: Claim) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(claim_id=claim.pk, action="claim.status_changed"))


@pytest.fixture
def queue_data(reviewer, editor):
    """Five claims that each filter tells apart (see the table in test_each_filter_narrows)."""
    ministry = factories.make_source("Health Ministry", type_slug="ministry")
    anonymous = factories.make_source("Unnamed official", type_slug="anonymous_official")
    desk = Source.objects.create(  # from before source_create refused the type
        name="Editorial desk", source_type=factories.source_type("unattributed")
    )
    daily = factories.make_article(
        title="Alpha report",
        outlet="Daily A",
        text="Alpha report\n\nThe ministry said the road is open. An official said talks stalled.",
    )
    wire = factories.make_article(
        title="Bravo report",
        outlet="Wire B",
        text="Bravo report\n\nThe ceasefire holds. Both sides claim gains. Prices rose again.",
    )
    claims = {
        "c1": factories.make_claim(article=daily, phrase="The ministry said the road is open"),
        "c2": factories.make_claim(article=daily, phrase="An official said talks stalled"),
        "c3": factories.make_claim(article=wire, phrase="The ceasefire holds"),
        "c4": factories.make_claim(article=wire, phrase="Both sides claim gains"),
        "c5": factories.make_claim(article=wire, phrase="Prices rose again"),
    }
    services.attribution_add(actor=None, claim=claims["c1"], source=ministry)
    services.attribution_add(actor=None, claim=claims["c2"], source=anonymous)
    services.attribution_add(actor=None, claim=claims["c4"], source=ministry)
    services.attribution_add(actor=None, claim=claims["c4"], source=anonymous)
    services.attribution_add(actor=None, claim=claims["c5"], source=desk)
    services.claim_set_status(actor=reviewer, claim=claims["c2"], status="in_progress")
    services.claim_update(actor=None, claim=claims["c2"], assigned_to=reviewer)
    give_verdict(claims["c3"], reviewer)
    give_verdict(claims["c5"], reviewer, status="verified")
    services.verdict_sign_off(actor=editor, claim=claims["c5"])
    return {
        **{key: Claim.objects.get(pk=claim.pk) for key, claim in claims.items()},
        "ministry": ministry,
        "anonymous": anonymous,
        "daily": daily,
        "reviewer": reviewer,
    }


# --- Access and rendering ---------------------------------------------------


@pytest.mark.parametrize(("url", "method"), [(QUEUE, "get"), (BULK, "post")])
def test_queue_requires_login(client, db, url, method):
    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("login"))


def test_plain_request_gets_the_full_page(logged_in, claim):
    response = logged_in.get(QUEUE)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" in body
    assert 'id="results"' in body
    assert "Claims queue" in body
    assert f'href="{reverse("claim_detail", args=[claim.pk])}"' in body
    assert f'href="{reverse("review", args=[claim.article_id])}"' in body
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_request_gets_only_the_results(logged_in, claim):
    response = logged_in.get(QUEUE, {"status": "unverified"}, **HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert body.lstrip().startswith('<section id="results"')
    assert f'value="{claim.pk}"' in body


def test_htmx_filtering_pushes_an_address_without_the_empty_fields(logged_in, claim):
    response = logged_in.get(
        QUEUE, {"q": "", "status": "unverified", "outlet": "", "page": "2"}, **HTMX
    )

    assert response.headers["HX-Push-Url"] == QUEUE + "?status=unverified&page=2"


def test_rows_show_status_sources_and_people(logged_in, queue_data):
    response = logged_in.get(QUEUE)

    body = response.content.decode()
    assert '<span class="badge st-false">False</span>' in body
    assert "awaiting sign-off" in body
    assert "Health Ministry" in body
    assert '<span class="type-tag anon">anonymous</span>' in body
    assert "Unattributed" in body
    assert f'href="{QUEUE}?source={queue_data["anonymous"].pk}"' in body


def test_the_filter_form_keeps_its_values(logged_in, queue_data):
    response = logged_in.get(QUEUE, {"status": "false", "q": "cease", "sort": "article"})

    body = response.content.decode()
    assert 'value="false" checked' in body
    assert 'value="cease"' in body
    assert '<option value="article" selected>' in body


# --- Filters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (lambda d: {"status": "in_progress"}, {"c2"}),
        (lambda d: {"status": ["in_progress", "false"]}, {"c2", "c3"}),
        (lambda d: {"source_type": "ministry"}, {"c1", "c4"}),
        (lambda d: {"source_type": "unattributed"}, {"c3", "c5"}),
        (lambda d: {"source": d["anonymous"].pk}, {"c2", "c4"}),
        (lambda d: {"anonymity": "anonymous"}, {"c2", "c4"}),
        (lambda d: {"anonymity": "named"}, {"c1", "c5"}),
        (lambda d: {"article": d["daily"].pk}, {"c1", "c2"}),
        (lambda d: {"outlet": "Wire B"}, {"c3", "c4", "c5"}),
        (lambda d: {"proposer": d["reviewer"].pk}, {"c3", "c5"}),
        (lambda d: {"assignee": d["reviewer"].pk}, {"c2"}),
        (lambda d: {"assignee": "null"}, {"c1", "c3", "c4", "c5"}),
        (lambda d: {"awaiting_sign_off": "on"}, {"c3"}),
        (lambda d: {"q": "CEASEFIRE"}, {"c3"}),
        (lambda d: {"source_type": "ministry", "anonymity": "anonymous"}, {"c4"}),
    ],
)
def test_each_filter_narrows_the_rows(logged_in, queue_data, query, expected):
    response = logged_in.get(QUEUE, query(queue_data))

    rows = listed(response)
    assert response.status_code == 200
    assert sorted(rows) == sorted(queue_data[key].pk for key in expected)


@pytest.mark.parametrize("share", [0.0, 1.0], ids=["common outlet", "rare outlet"])
def test_an_outlet_lists_its_claims_however_common_it_is(logged_in, queue_data, monkeypatch, share):
    # A common outlet is tested claim by claim on SQLite, a rare one joined.
    monkeypatch.setattr(filters, "COMMON_OUTLET_SHARE", share)

    response = logged_in.get(QUEUE, {"outlet": "Wire B"})

    assert sorted(listed(response)) == sorted(queue_data[key].pk for key in ("c3", "c4", "c5"))


def test_no_filter_lists_every_claim_once(logged_in, queue_data):
    response = logged_in.get(QUEUE)

    assert sorted(listed(response)) == sorted(queue_data[f"c{n}"].pk for n in range(1, 6))


def test_date_range_filters_on_the_last_change(logged_in, reviewer):
    long_ago = timezone.now() - datetime.timedelta(days=30)
    with mock.patch("django.utils.timezone.now", return_value=long_ago):
        old = factories.make_claim()
    new = factories.make_claim()
    day = datetime.timedelta(days=1)
    cutoff = (timezone.now() - 10 * day).date().isoformat()

    recent = logged_in.get(QUEUE, {"updated_after": cutoff})
    earlier = logged_in.get(QUEUE, {"updated_before": cutoff})

    assert listed(recent) == [new.pk]
    assert listed(earlier) == [old.pk]


@pytest.mark.parametrize(
    "query",
    [
        {"article": "abc"},
        {"article": "1.5"},
        {"source": "-"},
        {"status": "nonsense"},
        {"source_type": "no-such-type"},
        {"updated_after": "yesterday"},
    ],
)
def test_an_unreadable_filter_lists_nothing_and_says_why(logged_in, queue_data, query):
    response = logged_in.get(QUEUE, query)

    assert response.status_code == 400
    assert listed(response) == []
    assert "could not be read" in response.content.decode()


# --- Sorting ----------------------------------------------------------------


def test_sort_by_article_title(logged_in, queue_data):
    response = logged_in.get(QUEUE, {"sort": "article"})

    names = [claim.article.title for claim in response.context["page"].items]
    assert names == sorted(names)
    assert names[0] == "Alpha report"


def test_sort_by_position_in_the_article(logged_in, queue_data):
    response = logged_in.get(QUEUE, {"sort": "start", "article": queue_data["daily"].pk})

    assert listed(response) == [queue_data["c1"].pk, queue_data["c2"].pk]


def test_default_sort_is_last_change_first_and_reversible(logged_in, queue_data):
    services.claim_update(actor=None, claim=queue_data["c1"], rationale="Touched last.")

    newest = logged_in.get(QUEUE)
    oldest = logged_in.get(QUEUE, {"sort": "updated"})

    assert listed(newest)[0] == queue_data["c1"].pk
    assert listed(oldest)[-1] == queue_data["c1"].pk


@pytest.mark.parametrize("sort", ["-id; DROP TABLE factcheck_claim", "text", "__class__", ""])
def test_an_unknown_sort_is_ignored(logged_in, queue_data, sort):
    default = listed(logged_in.get(QUEUE))

    response = logged_in.get(QUEUE, {"sort": sort})

    assert response.status_code == 200
    assert listed(response) == default


# --- Pagination -------------------------------------------------------------


def test_pages_have_next_and_previous_links_that_keep_the_filters(
    logged_in, queue_data, monkeypatch
):
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 2)

    first = logged_in.get(QUEUE, {"outlet": "Wire B"})
    second = logged_in.get(QUEUE, {"outlet": "Wire B", "page": 2})

    assert len(listed(first)) == 2
    assert first.context["page"].has_next
    assert not first.context["page"].has_previous
    assert "?outlet=Wire+B&amp;page=2" in first.content.decode()
    assert "Showing 1–2" in first.content.decode()
    assert len(listed(second)) == 1
    assert not second.context["page"].has_next
    assert second.context["page"].has_previous
    assert "?outlet=Wire+B&amp;page=1" in second.content.decode()
    assert set(listed(first)) | set(listed(second)) == {
        queue_data[key].pk for key in ("c3", "c4", "c5")
    }


@pytest.mark.parametrize("page", ["abc", "0", "-3", "99999999999999999999"])
def test_a_bad_page_number_shows_the_first_page(logged_in, claim, page):
    response = logged_in.get(QUEUE, {"page": page})

    assert response.status_code == 200
    assert response.context["page"].number == 1
    assert listed(response) == [claim.pk]


def test_a_page_past_the_end_is_empty_not_an_error(logged_in, claim):
    response = logged_in.get(QUEUE, {"page": 15})

    assert response.status_code == 200
    assert listed(response) == []
    assert response.context["page"].has_previous


def test_a_page_number_past_what_offset_reads_cheaply_shows_the_first_page(logged_in, claim):
    # Pages that far are reached by their cursor (?after=), which the links carry.
    response = logged_in.get(QUEUE, {"page": 40})

    assert response.status_code == 200
    assert response.context["page"].number == 1
    assert listed(response) == [claim.pk]


def test_the_queue_neither_counts_nor_deduplicates_the_claims(logged_in, queue_data):
    every_filter = {
        "status": ["unverified", "false"],
        "source_type": "ministry",
        "source": queue_data["ministry"].pk,
        "anonymity": "named",
        "awaiting_sign_off": "on",
        "q": "the",
    }

    with CaptureQueriesContext(connection) as queries:
        logged_in.get(QUEUE, every_filter)

    claim_queries = [
        q["sql"].upper() for q in queries if 'FROM "FACTCHECK_CLAIM"' in q["sql"].upper()
    ]
    assert claim_queries
    assert not [sql for sql in claim_queries if "COUNT(" in sql or "DISTINCT" in sql]


def test_query_count_stays_bounded_with_sixty_claims(
    logged_in, reviewer, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 60)
    sentences = [f"Sentence number {n} is a claim." for n in range(60)]
    article = factories.make_article(text="Title\n\n" + " ".join(sentences))
    sources = [factories.make_source(type_slug="anonymous_official") for _ in range(3)]
    for n, sentence in enumerate(sentences):
        claim = factories.make_claim(article=article, phrase=sentence)
        services.attribution_add(actor=None, claim=claim, source=sources[n % 3])
        services.claim_update(actor=None, claim=claim, assigned_to=reviewer)

    with django_assert_max_num_queries(14):
        response = logged_in.get(QUEUE, {"status": ["unverified"], "sort": "article"})

    assert len(listed(response)) == 60


# --- Bulk actions -----------------------------------------------------------


def test_bulk_set_in_progress_changes_each_claim_and_audits_each(logged_in, reviewer):
    first, second = factories.make_claim(), factories.make_claim()

    response = logged_in.post(
        BULK + "?status=unverified",
        {"action": "in_progress", "claims": [first.pk, second.pk], "reason": "Morning triage"},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == QUEUE + "?status=unverified"
    for claim in (first, second):
        claim.refresh_from_db()
        assert claim.status == VerificationStatus.IN_PROGRESS
        [event] = status_events(claim)
        assert event.actor_id == reviewer.pk
        assert event.changes["status"] == ["unverified", "in_progress"]
        assert event.reason == "Morning triage"
    page = logged_in.get(response.headers["Location"]).content.decode()
    assert "2 set in progress." in page


def test_bulk_skips_claims_that_cannot_change_and_reports_them(logged_in, reviewer, editor):
    movable = factories.make_claim()
    refused = give_verdict(factories.make_claim(), reviewer, status="false")
    services.verdict_sign_off(actor=editor, claim=refused)
    already = factories.make_claim()
    services.claim_set_status(actor=reviewer, claim=already, status="in_progress")
    events_before = AuditEvent.objects.count()

    response = logged_in.post(
        BULK,
        {"action": "in_progress", "claims": [movable.pk, refused.pk, already.pk]},
        follow=True,
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert Claim.objects.get(pk=movable.pk).status == "in_progress"
    assert Claim.objects.get(pk=refused.pk).status == "false"
    assert AuditEvent.objects.count() == events_before + 1
    assert "1 set in progress; 1 already in progress; 1 skipped:" in body
    assert f"#{refused.pk}: it already has a verdict, “false”" in body


def test_bulk_set_in_progress_never_withdraws_a_proposed_verdict(logged_in, reviewer):
    proposed = give_verdict(factories.make_claim(), reviewer, status="misleading")

    logged_in.post(BULK, {"action": "in_progress", "claims": [proposed.pk]})

    after = Claim.objects.get(pk=proposed.pk)
    assert (after.status, after.proposed_by) == ("misleading", reviewer)


def test_bulk_assign_writes_one_claim_changed_event_per_claim(logged_in, reviewer, editor):
    first, second = factories.make_claim(), factories.make_claim()

    response = logged_in.post(
        BULK, {"action": "assign", "claims": [first.pk, second.pk], "assignee": editor.pk}
    )

    assert response.status_code == 302
    for claim in (first, second):
        claim.refresh_from_db()
        assert claim.assigned_to == editor
        [event] = AuditEvent.objects.filter(claim_id=claim.pk, action="claim.changed")
        assert event.actor_id == reviewer.pk
        assert event.changes["assigned_to"] == [None, {"id": editor.pk, "name": "ed"}]


def test_bulk_over_htmx_answers_with_the_results_and_the_message(logged_in, reviewer):
    claim = factories.make_claim()

    response = logged_in.post(
        BULK + "?status=in_progress", {"action": "in_progress", "claims": [claim.pk]}, **HTMX
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "1 set in progress." in body
    assert listed(response) == [claim.pk]


def test_a_viewer_cannot_bulk_change(client, viewer):
    claim = factories.make_claim()
    client.force_login(viewer)
    events_before = AuditEvent.objects.count()

    response = client.post(BULK, {"action": "in_progress", "claims": [claim.pk]})

    assert response.status_code == 403
    assert "You do not have permission" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).status == "unverified"
    assert AuditEvent.objects.count() == events_before


def test_viewers_see_no_bulk_controls(client, viewer, claim):
    client.force_login(viewer)

    response = client.get(QUEUE)

    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="claims"' not in body
    assert "Set in progress" not in body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (lambda c: {"action": "in_progress", "claims": [c.pk, 999_999]}, "#999999 does not exist"),
        (lambda c: {"action": "in_progress", "claims": ["abc"]}, "is not a claim number"),
        (lambda c: {"action": "in_progress"}, "select at least one claim"),
        (lambda c: {"action": "delete", "claims": [c.pk]}, "is not a bulk action"),
        (lambda c: {"claims": [c.pk]}, "choose an action"),
        (lambda c: {"action": "assign", "claims": [c.pk], "assignee": 999_999}, "cannot take"),
        (lambda c: {"action": "assign", "claims": [c.pk]}, "choose whom to assign"),
    ],
)
def test_bad_bulk_input_is_refused_with_a_message_and_changes_nothing(
    logged_in, claim, data, message
):
    events_before = AuditEvent.objects.count()

    response = logged_in.post(BULK, data(claim))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Nothing was changed" in response.content.decode()
    assert AuditEvent.objects.count() == events_before
    assert Claim.objects.get(pk=claim.pk).status == "unverified"


def test_a_viewer_cannot_be_assigned_claims(logged_in, claim, viewer):
    response = logged_in.post(
        BULK, {"action": "assign", "claims": [claim.pk], "assignee": viewer.pk}
    )

    assert response.status_code == 400
    assert Claim.objects.get(pk=claim.pk).assigned_to is None


def test_bad_bulk_input_over_htmx_answers_422_with_the_results(logged_in, claim):
    response = logged_in.post(BULK, {"action": "in_progress", "claims": [999_999]}, **HTMX)

    body = response.content.decode()
    assert response.status_code == 422
    assert "<html" not in body
    assert "#999999 does not exist" in body


def test_a_refused_bulk_keeps_the_selection(logged_in, claim):
    response = logged_in.post(BULK, {"action": "assign", "claims": [claim.pk]}, **HTMX)

    assert response.status_code == 422
    assert f'value="{claim.pk}" checked' in response.content.decode()


def test_bulk_requires_post(logged_in):
    response = logged_in.get(BULK)

    assert response.status_code == 405


# --- Escaping ---------------------------------------------------------------


def test_claim_text_and_source_names_are_escaped(logged_in):
    article = factories.make_article(
        title="<b>Title</b>", text="T\n\n<script>alert(1)</script> said someone."
    )
    claim = factories.make_claim(article=article, phrase="<script>alert(1)</script>")
    source = factories.make_source("<script>alert(2)</script>")
    services.attribution_add(actor=None, claim=claim, source=source)

    response = logged_in.get(QUEUE)

    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "<script>alert(2)</script>" not in body
    assert "<b>Title</b>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in body


# --- The benchmark command ----------------------------------------------------


def test_the_benchmark_refuses_without_its_confirmation(db):
    with pytest.raises(CommandError, match="--yes-throwaway-db"):
        call_command("benchmark_queue", claims=10)


def test_the_benchmark_refuses_a_database_with_data(claim):
    with pytest.raises(CommandError, match="not empty"):
        call_command("benchmark_queue", claims=10, yes_throwaway_db=True)


def test_the_benchmark_fills_an_empty_database_and_prints_its_timings(db):
    out = io.StringIO()

    call_command("benchmark_queue", claims=45, repeat=1, yes_throwaway_db=True, stdout=out)

    assert Claim.objects.count() == 45
    assert AuditEvent.objects.count() == 0
    assert "page 1, newest change first" in out.getvalue()
    assert "sort=status" in out.getvalue()


def test_queue_links_its_filters_to_the_exports(client, db):
    client.force_login(factories.make_user("Viewer"))

    body = client.get("/claims/", {"status": "in_progress"}).content.decode()

    assert '/export/claims.csv?status=in_progress"' in body
    assert "/export/claimreview.json?status=in_progress" in body


# --- Views of one's own work (issue 11, point 7) ----------------------------


def test_assigned_to_me_and_awaiting_my_sign_off_views(client, reviewer, editor):
    other_editor = factories.make_user("Editor", username="eve")
    mine = factories.make_claim()
    services.claim_update(actor=reviewer, claim=mine, assigned_to=editor)
    factories.make_claim()  # assigned to nobody
    by_reviewer = give_verdict(factories.make_claim(), reviewer)
    by_me = give_verdict(factories.make_claim(), editor)
    client.force_login(editor)

    page = client.get(QUEUE).content.decode()
    assigned = client.get(QUEUE, {"assignee": editor.pk})
    awaiting = client.get(QUEUE, {"awaiting_sign_off": "on", "not_proposer": editor.pk})
    client.force_login(other_editor)
    awaiting_other = client.get(QUEUE, {"awaiting_sign_off": "on", "not_proposer": other_editor.pk})

    assert f'href="{QUEUE}?assignee={editor.pk}"' in page
    assert f'href="{QUEUE}?awaiting_sign_off=on&amp;not_proposer={editor.pk}"' in page
    assert listed(assigned) == [mine.pk]
    assert listed(awaiting) == [by_reviewer.pk]
    assert 'Not proposed by: <span dir="auto">you</span>' in awaiting.content.decode()
    assert set(listed(awaiting_other)) == {by_reviewer.pk, by_me.pk}


def test_a_reviewer_has_no_awaiting_my_sign_off_view(logged_in, reviewer):
    body = logged_in.get(QUEUE).content.decode()

    assert "Assigned to me" in body
    assert "Awaiting my sign-off" not in body


# --- Queue (issue 11, point 9) ----------------------------------------------


def test_sort_by_status_follows_the_workflow(logged_in, queue_data):
    response = logged_in.get(QUEUE, {"sort": "status"})

    statuses = [claim.status for claim in response.context["page"].items]
    assert statuses == ["unverified", "unverified", "in_progress", "verified", "false"]


def test_the_status_sort_reads_its_index_instead_of_sorting_every_claim(db):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # a few rows: let the planner show what it can use
            cursor.execute("SET LOCAL enable_seqscan = off")
    page = ClaimFilter({"sort": "status"}, queryset=Claim.objects.all()).qs[:50]

    plan = page.explain()
    assert "claim_workflow_order" in plan
    assert "TEMP B-TREE" not in plan


def test_an_unreadable_filter_disables_the_exports_and_says_why(client, db):
    client.force_login(factories.make_user("Viewer"))

    response = client.get(QUEUE, {"updated_after": "yesterday", "status": "false"})

    body = " ".join(response.content.decode().split())
    assert response.status_code == 400
    assert "/export/claims.csv" not in body
    assert "/export/claimreview.json" not in body
    assert "unavailable until the filters can be read: Changed from: Enter a valid date." in body
