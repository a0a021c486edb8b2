import datetime
import re
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from factcheck import history, services, webhooks
from factcheck.models import AuditEvent, SourceType, WebhookEventType
from factcheck.views import activity as activity_views
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}
ACTIVITY = reverse("activity")
# An audit action as the code writes it: "claim.status_changed", "export.claimreview".
ACTION_CODE = re.compile(
    r'"((?:article|claim|verdict|attribution|evidence|note|source|source_type|export'
    r'|suggestions?)\.[a-z_]+)"'
)


@pytest.fixture
def logged_in(client, reviewer):
    client.force_login(reviewer)
    return client


def listed(response) -> list[int]:
    return [entry["event"].pk for entry in response.context["entries"]]


def test_activity_requires_login(client, db):
    response = client.get(ACTIVITY)

    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("login"))


def test_plain_request_gets_the_full_page(logged_in, claim):
    response = logged_in.get(ACTIVITY)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" in body
    assert "<h1>Activity</h1>" in body
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_request_gets_only_the_results(logged_in, claim):
    response = logged_in.get(ACTIVITY, {"object_type": "claim"}, **HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert body.lstrip().startswith('<section id="results"')
    assert "marked the claim" in body


def test_htmx_filtering_pushes_an_address_without_the_empty_fields(logged_in, claim):
    response = logged_in.get(ACTIVITY, {"actor": "", "object_type": "claim"}, **HTMX)

    assert response.headers["HX-Push-Url"] == ACTIVITY + "?object_type=claim"


def test_events_are_told_in_plain_words_newest_first(logged_in, reviewer, editor, claim):
    services.claim_set_status(
        actor=reviewer, claim=claim, status="in_progress", reason="Starting on it"
    )
    services.claim_update(actor=editor, claim=claim, assigned_to=reviewer)

    response = logged_in.get(ACTIVITY)

    body = response.content.decode()
    ids = listed(response)
    assert ids == sorted(ids, reverse=True)
    assert response.context["entries"][0]["event"].action == "claim.changed"
    assert "ed edited the claim" in body
    assert "rita changed status from unverified to in progress" in body
    assert 'Reason: “<span dir="auto">Starting on it</span>”' in body
    assert '<del dir="auto">unverified</del> → <ins dir="auto">in progress</ins>' in body
    assert 'assignee: <ins dir="auto">rita</ins>' in body


def test_entries_link_to_their_objects_while_they_exist(logged_in, reviewer, article):
    kept = factories.make_claim(article=article)
    gone = factories.make_claim(article=article, phrase="A spokesperson told AFP")
    services.claim_delete(actor=reviewer, claim=gone, reason="Duplicate")

    response = logged_in.get(ACTIVITY)

    by_event = {entry["event"].pk: entry for entry in response.context["entries"]}
    kept_event = AuditEvent.objects.get(action="claim.created", claim_id=kept.pk)
    gone_event = AuditEvent.objects.get(action="claim.deleted", claim_id=gone.pk)
    article_event = AuditEvent.objects.get(action="article.created", article_id=article.pk)
    assert by_event[kept_event.pk]["url"] == reverse("claim_detail", args=[kept.pk])
    assert by_event[gone_event.pk]["url"] is None
    assert by_event[article_event.pk]["url"] == reverse("review", args=[article.pk])
    assert by_event[kept_event.pk]["article_url"] == reverse("review", args=[article.pk])


def test_source_entries_link_to_the_source_page(client, reviewer):
    source = factories.make_source("Health Ministry")
    ministry = SourceType.objects.get(slug="ministry")
    services.source_type_update(actor=None, source_type=ministry, description="Ministries")

    client.force_login(reviewer)
    body = client.get(ACTIVITY).content.decode()

    assert f'href="{reverse("source_detail", args=[source.pk])}"' in body
    assert f'href="{reverse("source_types")}#type-{ministry.pk}"' in body
    assert "/admin/" not in body


@pytest.fixture
def activity_data(reviewer, editor):
    first = factories.make_article(title="First story")
    second = factories.make_article(title="Second story")
    claim_one = factories.make_claim(article=first, actor=reviewer)
    claim_two = factories.make_claim(article=second, actor=editor)
    services.claim_set_status(actor=editor, claim=claim_two, status="in_progress")
    source = factories.make_source(actor=editor)
    return {
        "first": first,
        "second": second,
        "claim_one": claim_one,
        "claim_two": claim_two,
        "source": source,
    }


def actions_of(response) -> set[tuple[str, str]]:
    return {(e["event"].action, e["event"].object_id) for e in response.context["entries"]}


def test_filter_by_person(logged_in, activity_data, editor):
    response = logged_in.get(ACTIVITY, {"actor": editor.pk})

    assert {e["event"].actor_id for e in response.context["entries"]} == {editor.pk}
    assert len(listed(response)) == 3


def test_filter_by_article(logged_in, activity_data):
    first = activity_data["first"]

    response = logged_in.get(ACTIVITY, {"article": first.pk})

    assert actions_of(response) == {
        ("article.created", str(first.pk)),
        ("claim.created", str(activity_data["claim_one"].pk)),
    }
    assert "First story" in response.content.decode()


def test_filter_by_claim(logged_in, activity_data):
    claim = activity_data["claim_two"]

    response = logged_in.get(ACTIVITY, {"claim": claim.pk})

    assert actions_of(response) == {
        ("claim.created", str(claim.pk)),
        ("claim.status_changed", str(claim.pk)),
    }


def test_filter_by_action(logged_in, activity_data):
    response = logged_in.get(ACTIVITY, {"action": "claim.status_changed"})

    assert actions_of(response) == {("claim.status_changed", str(activity_data["claim_two"].pk))}


def test_filter_by_object_type(logged_in, activity_data):
    response = logged_in.get(ACTIVITY, {"object_type": "source"})

    assert actions_of(response) == {("source.created", str(activity_data["source"].pk))}


def test_the_action_and_object_choices_are_those_present(logged_in, activity_data):
    response = logged_in.get(ACTIVITY)

    actions = {value for value, _ in response.context["actions"] if value}
    types = {value for value, _ in response.context["object_types"] if value}
    assert actions == {
        "article.created",
        "claim.created",
        "claim.status_changed",
        "source.created",
        "user.created",
    }
    assert types == {"article", "claim", "source", "user"}


def test_filter_by_date_range(logged_in, reviewer):
    long_ago = timezone.now() - datetime.timedelta(days=30)
    with mock.patch("django.utils.timezone.now", return_value=long_ago):
        old = factories.make_source("Old source")
    new = factories.make_source("New source")
    cutoff = (timezone.now() - datetime.timedelta(days=10)).date().isoformat()

    recent = logged_in.get(ACTIVITY, {"created_after": cutoff, "object_type": "source"})
    earlier = logged_in.get(ACTIVITY, {"created_before": cutoff, "object_type": "source"})

    assert actions_of(recent) == {("source.created", str(new.pk))}
    assert actions_of(earlier) == {("source.created", str(old.pk))}


@pytest.mark.parametrize(
    "query", [{"action": "claim.exploded"}, {"actor": "999999"}, {"created_after": "soon"}]
)
def test_an_unreadable_filter_lists_nothing_and_says_why(logged_in, activity_data, query):
    response = logged_in.get(ACTIVITY, query)

    assert response.status_code == 400
    assert listed(response) == []
    assert "could not be read" in response.content.decode()


def test_pages_have_next_and_previous_links_that_keep_the_filters(
    logged_in, activity_data, monkeypatch
):
    monkeypatch.setattr(activity_views, "PAGE_SIZE", 2)

    first = logged_in.get(ACTIVITY, {"object_type": "claim"})
    second = logged_in.get(ACTIVITY, {"object_type": "claim", "page": 2})

    assert len(listed(first)) == 2
    assert first.context["page"].has_next
    assert "?object_type=claim&amp;page=2" in first.content.decode()
    assert len(listed(second)) == 1
    assert second.context["page"].has_previous
    assert not second.context["page"].has_next
    assert "?object_type=claim&amp;page=1" in second.content.decode()


def test_query_count_stays_bounded(
    logged_in, reviewer, editor, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr(activity_views, "PAGE_SIZE", 60)
    for n in range(10):
        article = factories.make_article(actor=reviewer)
        claim = factories.make_claim(article=article, actor=reviewer)
        services.claim_set_status(actor=editor, claim=claim, status="in_progress")
        source = factories.make_source(actor=editor)
        services.attribution_add(actor=reviewer, claim=claim, source=source)
        services.note_add(actor=reviewer, claim=claim, body=f"Note {n}")

    with django_assert_max_num_queries(12) as queries:
        response = logged_in.get(ACTIVITY)

    assert len(listed(response)) == 60
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


def test_names_and_texts_are_escaped(logged_in):
    article = factories.make_article(
        title="<b>Bold</b>", text="T\n\n<script>alert(1)</script> said someone."
    )
    factories.make_claim(article=article, phrase="<script>alert(1)</script>")
    factories.make_source("<script>alert(2)</script>")

    response = logged_in.get(ACTIVITY)

    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "<script>alert(2)</script>" not in body
    assert "<b>Bold</b>" not in body
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in body


# --- Plain words (issue 11, point 8) ----------------------------------------


def test_every_action_the_code_records_has_words(db):
    recorded = set()
    for path in (Path(settings.BASE_DIR) / "factcheck").rglob("*.py"):
        recorded |= set(re.findall(ACTION_CODE, path.read_text(encoding="utf-8")))

    # Webhook event types that are not also audit actions ("article.imported") are names for
    # subscribers, never recorded.
    recorded -= set(WebhookEventType.values) - set(webhooks.EVENT_OF_ACTION)
    missing = sorted(action for action in recorded if action not in history.VERBS)

    assert "export.claimreview" in recorded
    assert missing == []


def test_exports_are_told_in_words_with_their_filters(client, viewer, reviewer, claim):
    client.force_login(viewer)
    b"".join(client.get(reverse("export_claims"), {"article": claim.article_id}).streaming_content)
    b"".join(
        client.get(
            reverse("claim_reviews_jsonld"), {"status": ["false", "misleading"]}
        ).streaming_content
    )
    client.force_login(reviewer)

    body = client.get(ACTIVITY).content.decode()

    assert "vic exported claims" in body
    assert "vic exported published verdicts (ClaimReview)" in body
    assert "export claimreview" not in body
    assert f"article #{claim.article_id}" in body
    assert "status: false, misleading" in body
    assert "{&#x27;" not in body and "{'" not in body


def test_the_action_filter_lists_words_not_codes(logged_in, activity_data):
    response = logged_in.get(ACTIVITY)

    body = response.content.decode()
    assert ("claim.status_changed", "Changed the status") in response.context["actions"]
    assert '<option value="claim.status_changed">Changed the status</option>' in body
    assert ">claim.status_changed<" not in body


def test_an_undo_is_told_by_what_it_undid(logged_in, reviewer, claim):
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_undo(actor=reviewer, claim=claim)
    undo = AuditEvent.objects.latest("id")

    body = logged_in.get(ACTIVITY).content.decode()

    assert undo.reason.startswith("Undo of event #")
    assert "Undo of: rita changed status from unverified to in progress" in body
    assert "Undo of event #" not in body
