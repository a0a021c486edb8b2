"""No input answers 500: each reported finding by name, then generated input at every field.

A refused request writes nothing: the row counts of every factcheck table
(the audit table among them) are the same before and after it.
"""

import base64
import datetime
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote_plus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factcheck import services
from factcheck.filters import CLAIM_SORTS, PAGING, AuditEventFilter, ClaimFilter, cursor_signer
from factcheck.forms import (
    ArticleListForm,
    AttributionEditForm,
    AttributionForm,
    ClaimCreateForm,
    ClaimSpanForm,
    EvidenceForm,
    NoteForm,
    PasteArticleForm,
    RationaleForm,
    RemoveForm,
    SourceSearchForm,
    StatusForm,
    SuggestionDecisionForm,
    SuggestionEditForm,
)
from factcheck.models import (
    Article,
    Attribution,
    AuditEvent,
    Claim,
    Source,
    SourceType,
    SuggestionRun,
    VerificationStatus,
)
from factcheck.services.suggestions import ProposedSuggestion
from factcheck.source_filters import SourceFilter
from factcheck.source_forms import (
    ArticleDeleteForm,
    ArticleDetailsForm,
    MergeForm,
    SourceDeleteForm,
    SourceEditForm,
    SourceTypeAddForm,
    SourceTypeChangeForm,
)
from factcheck.views.queue import BulkForm
from tests import factories
from tests.test_url_access import APP_VIEWS, row_counts

HTMX = {"HTTP_HX_REQUEST": "true"}
HUGE_ID = "9" * 20
# "²".isdigit() is true, yet int("²") fails.
SUPERSCRIPT = "²"


@pytest.fixture
def logged_in(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def upload(client, name: str, content: str | bytes):
    data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
    return client.post(
        reverse("article_import"),
        {"mode": "upload", "files": [SimpleUploadedFile(name, data)]},
    )


# ---------------------------------------------------------------------------
# The findings, one by one


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text": "Body \\ud800 here"}', "“text” holds a lone surrogate"),
        ('{"title": "\\udfff", "text": "Body"}', "“title” holds a lone surrogate"),
        ("[" * 100_000, "nested too deeply"),
        ('{"text": "Body", "n": ' + "7" * 5000 + "}", "a number too long"),
        ('{"text": "Body \\u0000 here"}', "“text” holds a NUL character"),
        ('{"text": "Body", "outlet": "A\\u0000B"}', "“outlet” holds a NUL character"),
    ],
)
def test_a_hostile_json_upload_is_refused_with_a_reason(logged_in, content, message):
    before = row_counts()

    response = upload(logged_in, "hostile.json", content)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert row_counts() == before


def test_a_json_upload_over_the_article_cap_is_refused_whole(logged_in, settings):
    settings.FACTCHECK_IMPORT_MAX_ARTICLES = 3
    content = json.dumps([{"text": f"Body {n}"} for n in range(4)])
    before = row_counts()

    response = upload(logged_in, "many.json", content)

    assert response.status_code == 422
    assert "4 articles, over the limit of 3 in one file" in response.content.decode()
    assert row_counts() == before


def test_a_json_upload_at_the_article_cap_imports(logged_in, settings):
    settings.FACTCHECK_IMPORT_MAX_ARTICLES = 3
    content = json.dumps([{"text": f"Body {n}"} for n in range(3)])

    response = upload(logged_in, "three.json", content)

    assert response.status_code == 302
    assert Article.objects.count() == 3


def test_the_article_cap_defaults_to_500(settings):
    assert settings.FACTCHECK_IMPORT_MAX_ARTICLES == 500


def test_a_pasted_text_with_nul_is_refused_on_every_database(logged_in):
    before = row_counts()

    response = logged_in.post(
        reverse("article_import"),
        {"mode": "paste", "title": "T", "language": "en", "text": "Body \x00 here"},
    )

    assert response.status_code == 422
    assert "Null characters are not allowed" in response.content.decode()
    assert row_counts() == before


@pytest.mark.parametrize(
    ("name", "query", "label"),
    [
        ("home", {"q": "a\x00b"}, "Search"),
        ("home", {"from": "2024-13-45"}, "Published from"),
        ("home", {"progress": "half"}, "Progress"),
        ("source_search", {"q": "a\x00b"}, "Search"),
        ("queue", {"outlet": "a\x00b"}, "Outlet"),
        ("activity", {"article": SUPERSCRIPT}, "Article"),
    ],
)
def test_an_unreadable_parameter_answers_400_naming_the_field(logged_in, claim, name, query, label):
    response = logged_in.get(reverse(name), query)

    assert response.status_code == 400
    assert label in response.content.decode()


@pytest.mark.parametrize("name", ["queue", "activity"])
@pytest.mark.parametrize("value", [SUPERSCRIPT, "1.5", HUGE_ID, "-" + HUGE_ID])
def test_an_odd_article_id_is_refused_not_a_crash(logged_in, claim, name, value):
    plain = logged_in.get(reverse(name), {"article": value})
    fragment = logged_in.get(reverse(name), {"article": value}, **HTMX)

    assert plain.status_code == 400
    assert fragment.status_code == 422
    assert "Article" in plain.content.decode()
    assert "Article" in fragment.content.decode()


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("export_claims", "article"),
        ("export_claims", "source"),
        ("export_claims", "proposer"),
        ("export_claims", "assignee"),
        ("export_audit", "article"),
        ("export_audit", "claim"),
        ("export_audit", "actor"),
        ("claim_reviews_jsonld", "article"),
    ],
)
@pytest.mark.parametrize("value", [SUPERSCRIPT, HUGE_ID])
def test_a_refused_export_writes_no_audit_event(logged_in, claim, name, field, value):
    before = row_counts()

    response = logged_in.get(reverse(name), {field: value})

    assert response.status_code == 400
    assert "Nothing was exported" in response.content.decode()
    assert row_counts() == before


@pytest.mark.parametrize("name", ["export_claims", "claim_reviews_jsonld"])
def test_a_nul_in_a_checkbox_is_refused_not_recorded(logged_in, claim, name):
    before = row_counts()

    response = logged_in.get(reverse(name), {"awaiting_sign_off": "\x00"})

    assert response.status_code == 400
    assert "Awaiting sign-off (awaiting_sign_off): Null characters" in response.content.decode()
    assert row_counts() == before


def test_an_export_records_only_the_filters_it_applied(logged_in, claim):
    response = logged_in.get(
        reverse("export_claims"),
        {"status": "unverified", "sort": "\x00", "x": "\x00", "bom": "1", "page": "2"},
    )
    b"".join(response.streaming_content)

    event = AuditEvent.objects.get(action="export.claims")
    assert event.changes["filters"] == [None, {"status": "unverified"}]


def test_a_refused_export_names_the_field_as_the_page_labels_it(logged_in, claim):
    response = logged_in.get(reverse("export_claims"), {"updated_after": "soon"})

    assert response.status_code == 400
    assert "Changed from (updated_after): Enter a valid date." in response.content.decode()


@pytest.mark.parametrize("field", ["article", "source", "proposer", "assignee", "updated_after"])
def test_a_huge_number_in_a_queue_filter_is_refused(logged_in, claim, field):
    response = logged_in.get(reverse("queue"), {field: HUGE_ID})

    assert response.status_code == 400


def test_the_calendars_last_day_as_a_dated_until_lists_every_claim(logged_in, claim):
    """Found by the generated parameters: the day after 9999-12-31 does not exist (500)."""
    response = logged_in.get(
        reverse("queue"), {"dated_after": "0001-01-01", "dated_before": "9999-12-31"}
    )

    assert response.status_code == 200
    assert f'href="/claims/{claim.pk}/"' in response.content.decode()


def test_a_bulk_change_with_a_superscript_page_is_done_and_answered(logged_in, claim):
    response = logged_in.post(
        reverse("queue_bulk") + f"?page={SUPERSCRIPT}",
        {"action": "in_progress", "claims": [claim.pk]},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("queue")
    assert Claim.objects.get(pk=claim.pk).status == VerificationStatus.IN_PROGRESS


@pytest.mark.parametrize(
    "data",
    [
        {"action": "in_progress", "claims": [HUGE_ID]},
        {"action": "in_progress", "claims": [SUPERSCRIPT]},
        {"action": "assign", "claims": ["CLAIM"], "assignee": HUGE_ID},
        {"action": "assign", "claims": ["CLAIM"], "assignee": SUPERSCRIPT},
    ],
)
def test_a_bulk_change_with_odd_ids_is_refused_and_changes_nothing(logged_in, claim, data):
    data = {
        key: [claim.pk if v == "CLAIM" else v for v in value] if isinstance(value, list) else value
        for key, value in data.items()
    }
    before = row_counts()

    plain = logged_in.post(reverse("queue_bulk"), data)
    fragment = logged_in.post(reverse("queue_bulk"), data, **HTMX)

    assert plain.status_code == 400
    assert fragment.status_code == 422
    assert row_counts() == before


@pytest.mark.parametrize(
    ("endpoint", "data"),
    [
        ("claim_status", {"status": "in_progress", "version": HUGE_ID}),
        ("claim_status", {"status": "in_progress", "version": SUPERSCRIPT}),
        ("claim_create", {"start": HUGE_ID, "end": "5", "text": "x"}),
        ("attribution_add", {"source": HUGE_ID, "quote_mode": "direct", "version": "1"}),
        (
            "attribution_add",
            {
                "intermediary": HUGE_ID,
                "new_source_name": "N",
                "new_source_type": "ministry",
                "quote_mode": "direct",
                "version": "1",
            },
        ),
        (
            "attribution_add",
            {
                "new_source_name": "N",
                "new_source_type": "ministry",
                "quote_mode": "direct",
                "mention_start": HUGE_ID,
                "mention_end": "3",
                "version": "1",
            },
        ),
    ],
)
def test_a_review_form_with_huge_numbers_answers_422(logged_in, claim, endpoint, data):
    target = claim.article.pk if endpoint == "claim_create" else claim.pk
    before = row_counts()

    response = logged_in.post(reverse(endpoint, args=[target]), data, **HTMX)

    assert response.status_code == 422
    assert row_counts() == before


def test_a_claim_review_for_an_unknown_huge_id_is_404(logged_in, db):
    response = logged_in.get(f"/claims/{HUGE_ID}/claimreview.json")

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(object_type="export").exists()


@pytest.mark.parametrize(
    "path",
    [
        f"/articles/{HUGE_ID}/",
        f"/claims/{HUGE_ID}/",
        f"/attributions/{HUGE_ID}/",
    ],
)
def test_a_huge_id_in_the_path_is_404(logged_in, db, path):
    response = logged_in.get(path)

    assert response.status_code in (404, 405)


def forged(values) -> str:
    """A cursor as one is crafted by hand: the URL-safe base64 of a JSON list."""
    text = json.dumps(values).encode("utf-8", "surrogatepass")
    return base64.urlsafe_b64encode(text).decode().rstrip("=")


@pytest.mark.parametrize("direction", ["after", "before"])
@pytest.mark.parametrize(
    ("sort", "values"),
    [
        # A moment before year 1 in UTC: OverflowError on SQLite.
        ("-updated", ["0001-01-01T00:00:00+05:00", 5]),
        ("updated", ["0001-01-01T00:00:00+05:00", 5]),
        ("status", [0, "0001-01-01T00:00:00+05:00", 5]),
        # After 9999 in UTC.
        ("-updated", ["9999-12-31T23:00:00-05:00", 5]),
        ("status", [4, "9999-12-31T23:00:00-05:00", 5]),
        ("start", [int(HUGE_ID), int(HUGE_ID), int(HUGE_ID)]),
        ("article", ["\ud800", 1, 1, 2]),
    ],
)
def test_a_forged_cursor_answers_400_with_a_message(logged_in, claim, sort, values, direction):
    response = logged_in.get(reverse("queue"), {"sort": sort, direction: forged(values)})

    assert response.status_code == 400
    assert f"Page link ({direction}): This page link was not made by the workbench" in (
        response.content.decode()
    )


def test_a_forged_cursor_in_the_activity_feed_answers_400_with_a_message(logged_in, claim):
    response = logged_in.get(reverse("activity"), {"after": forged([int(HUGE_ID)])})

    assert response.status_code == 400
    assert "This page link was not made by the workbench" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "source/?created_at__year=99999",
        "source/?created_at__year=0",
        "source/?created_at__iso_year=99999",
        "source/?created_at__lt=0001-01-01T00:00:00%2B05:00",
        "claim/?updated_at__gt=9999-12-31T23:00:00-05:00",
        # The date hierarchy reads the year, month or day after the one asked for.
        "article/?created_at__year=9999",
        "claim/?created_at__year=9999&created_at__month=12",
        "auditevent/?created_at__year=9999&created_at__month=12&created_at__day=31",
    ],
)
def test_an_admin_list_filtered_by_a_date_off_the_calendar_answers_400(admin_client, query):
    response = admin_client.get(f"/admin/factcheck/{query}")

    # PostgreSQL holds moments past 9999 in UTC: there the list is just empty.
    if response.status_code == 200:
        assert response.context["cl"].result_count == 0
    else:
        assert response.status_code == 400
        body = response.content.decode()
        assert "A date in these filters is not on the calendar" in body
        assert "Show the list without filters" in body


def test_text_hash_reads_any_string():
    from factcheck.models import text_hash

    assert len(text_hash("a\ud800b")) == 64
    assert text_hash("a\ud800b") != text_hash("ab")


# ---------------------------------------------------------------------------
# Generated input at every field of every view
#
# The profile comes from the environment, as the plugin's --hypothesis-profile
# is read before this module registers it: `ci` (derandomized, so a CI run is
# reproducible) when CI is set, else `dev`; HYPOTHESIS_PROFILE overrides both.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", database=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)

BOUNDED = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NASTY = [
    "\ud800",
    "a\udfffb",
    "\x00",
    "a\x00b",
    SUPERSCRIPT,
    "¹²³",
    "١٢",
    "９",
    "½",
    "Ⅻ",
    HUGE_ID,
    "-" + HUGE_ID,
    str(2**63),
    str(2**63 - 1),
    str(2**31),
    "0",
    "-1",
    "1.5",
    "1e309",
    "NaN",
    " 7 ",
    "\u202eevil\u202c",
    "\u200f",
    "שלום",
    "مرحبا",
    "null",
    "true",
    "[]",
    "'; DROP TABLE factcheck_claim; --",
    "<script>alert(1)</script>",
    "%00",
    "../../etc/passwd",
    "9" * 5000,
    "a" * 3000,
    "2024-02-30",
    "0001-01-01",
    "9999-12-31",
]
# Every character, lone surrogates included.
ANY_CHARACTER = st.characters(exclude_categories=())
HOSTILE = st.one_of(
    st.sampled_from(NASTY),
    st.text(ANY_CHARACTER, max_size=40),
    st.integers().map(str),
    st.lists(st.sampled_from(NASTY), min_size=1, max_size=3).map("".join),
)


def encoded(pairs: list[tuple[str, str]]) -> str:
    """Form-encode as a browser would, but let lone surrogates through as their bytes."""
    return "&".join(
        f"{quote_plus(key)}={quote_plus(value.encode('utf-8', 'surrogatepass'))}"
        for key, value in pairs
    )


def hostile_pairs(data, names: list[str], valid: dict[str, str]) -> list[tuple[str, str]]:
    """Valid values for every field but a few, and generated ones, possibly repeated, there."""
    broken = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    pairs = [(name, value) for name, value in valid.items() if name not in broken]
    for name in broken:
        for value in data.draw(st.lists(HOSTILE, min_size=1, max_size=2)):
            pairs.append((name, value))
    return pairs


def field_names(form) -> list[str]:
    """The names a form's fields are submitted under (a range is two: `_after`, `_before`)."""
    names = []
    for name, field in form.fields.items():
        suffixes = getattr(field.widget, "suffixes", None)
        names.extend(f"{name}_{suffix}" for suffix in suffixes) if suffixes else names.append(name)
    return names


@dataclass
class Scene:
    claim: Claim
    attribution_id: int
    link_id: int
    suggestion_id: int
    subscription_id: int
    token_id: int


@pytest.fixture
def scene(db) -> Scene:
    article = factories.make_article(text="Title\n\nOne claim here. Another claim there.")
    claim = factories.make_claim(article=article, phrase="One claim here.")
    attribution = services.attribution_add(
        actor=None, claim=claim, source=factories.make_source("Ministry")
    )
    factories.make_source("Wire agency", type_slug="news_agency")  # to merge into, or replace with
    link = services.evidence_add(actor=None, claim=claim, url="https://example.org/a")
    start = article.text.index("Another claim there.")
    proposal = ProposedSuggestion(
        claim_start=start,
        claim_end=start + 20,
        claim_text="Another claim there.",
        source_type_slug="unattributed",
        confidence=0.9,
    )
    run = SuggestionRun.objects.create(article=article)
    suggestion = services.suggestion_run_record(run=run, proposals=[proposal]).stored[0]
    subscription = services.webhook_subscribe(
        actor=None, url="http://127.0.0.1:9/never", events=["claim.created"], secret="whsec_AAAA"
    )
    token, _ = services.token_create(
        actor=factories.make_user("Viewer"),
        name="Someone else's",
        scopes=["read"],
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    return Scene(
        claim=claim,
        attribution_id=attribution.pk,
        link_id=link.pk,
        suggestion_id=suggestion.pk,
        subscription_id=subscription.pk,
        token_id=token.pk,
    )


def claim_filter_names() -> list[str]:
    return [*field_names(ClaimFilter().form), *PAGING]


def audit_filter_names() -> list[str]:
    return [*field_names(AuditEventFilter().form), *PAGING]


def reads(scene: Scene) -> dict[str, tuple[str, list[str], dict[str, str]]]:
    """Each read view: its URL, the query parameters it reads, and valid values for them."""
    claim = scene.claim
    return {
        "home": (reverse("home"), [*field_names(ArticleListForm()), "page"], {"q": "claim"}),
        "queue": (reverse("queue"), claim_filter_names(), {"status": "unverified"}),
        "activity": (reverse("activity"), audit_filter_names(), {"object_type": "claim"}),
        "export_claims": (reverse("export_claims"), [*claim_filter_names(), "bom"], {}),
        "export_audit": (reverse("export_audit"), [*audit_filter_names(), "bom"], {}),
        "claim_reviews_jsonld": (reverse("claim_reviews_jsonld"), claim_filter_names(), {}),
        "source_search": (reverse("source_search"), field_names(SourceSearchForm()), {}),
        "review": (reverse("review", args=[claim.article_id]), ["claim"], {}),
        "claim_detail": (reverse("claim_detail", args=[claim.pk]), ["tab"], {}),
        "claim_review_jsonld": (reverse("claim_review_jsonld", args=[claim.pk]), ["x"], {}),
        "suggestion_detail": (reverse("suggestion_detail", args=[scene.suggestion_id]), ["x"], {}),
        "suggestions_state": (reverse("suggestions_state", args=[claim.article_id]), ["x"], {}),
        "article_sourcing": (reverse("article_sourcing", args=[claim.article_id]), ["x"], {}),
        "insights": (reverse("insights"), claim_filter_names(), {"status": "unverified"}),
        "insights_csv": (reverse("insights_csv", args=["types"]), claim_filter_names(), {}),
        "api_tokens": (reverse("api_tokens"), ["x"], {}),
        "webhook_list": (reverse("webhook_list"), ["x"], {}),
        "webhook_detail": (reverse("webhook_detail", args=[scene.subscription_id]), ["x"], {}),
        **source_reads(scene),
    }


def source_reads(scene: Scene) -> dict[str, tuple[str, list[str], dict[str, str]]]:
    """The Sources screens' read views (issue 10)."""
    source_id = Attribution.objects.get(pk=scene.attribution_id).source_id
    other = str(Source.objects.get(name="Wire agency").pk)
    return {
        "sources": (reverse("sources"), [*field_names(SourceFilter().form), "page"], {"q": "min"}),
        "source_detail": (reverse("source_detail", args=[source_id]), ["x"], {}),
        "source_types": (reverse("source_types"), ["x"], {}),
        "source_edit": (reverse("source_edit", args=[source_id]), ["x"], {}),
        "source_merge": (
            reverse("source_merge", args=[source_id]),
            ["into", "q"],
            {"into": other},
        ),
        "source_delete": (reverse("source_delete", args=[source_id]), ["by", "q"], {"by": other}),
        "article_delete": (reverse("article_delete", args=[scene.claim.article_id]), ["x"], {}),
        "article_edit": (reverse("article_edit", args=[scene.claim.article_id]), ["x"], {}),
    }


def source_writes(scene: Scene) -> dict[str, tuple[str, list[str], dict[str, str]]]:
    """The editors' tools (issue 10): each form with valid values."""
    source = (
        Attribution.objects.select_related("source__source_type")
        .get(pk=scene.attribution_id)
        .source
    )
    other = str(Source.objects.get(name="Wire agency").pk)
    ministry = SourceType.objects.get(slug="ministry")
    unused = SourceType.objects.get(slug="document")
    article_id = scene.claim.article_id
    return {
        "source_edit": (
            reverse("source_edit", args=[source.pk]),
            field_names(SourceEditForm(source=source)),
            {"name": "Health Ministry", "source_type": "ministry", "aliases": "MoH"},
        ),
        "source_merge": (
            reverse("source_merge", args=[source.pk]),
            field_names(MergeForm()),
            {"into": other},
        ),
        "source_delete": (
            reverse("source_delete", args=[source.pk]),
            field_names(SourceDeleteForm()),
            {"action": "replace", "by": other},
        ),
        "source_type_add": (
            reverse("source_type_add"),
            field_names(SourceTypeAddForm()),
            {"name": "Leaflet"},
        ),
        "source_type_change": (
            reverse("source_type_change", args=[ministry.pk]),
            field_names(SourceTypeChangeForm()),
            {"action": "save", "name": "Ministry or agency"},
        ),
        "source_type_delete": (
            reverse("source_type_delete", args=[unused.pk]),
            ["confirm"],
            {"confirm": "delete"},
        ),
        "article_delete": (
            reverse("article_delete", args=[article_id]),
            field_names(ArticleDeleteForm(article_id=article_id)),
            {"confirmation": str(article_id)},
        ),
        "article_edit": (
            reverse("article_edit", args=[article_id]),
            field_names(ArticleDetailsForm()),
            {"title": "Retitled", "language": "en"},
        ),
    }


def writes(scene: Scene) -> dict[str, tuple[str, list[str], dict[str, str]]]:
    """Each write view: its URL, the fields it reads, and valid values for them."""
    claim = Claim.objects.get(pk=scene.claim.pk)
    article = claim.article
    start = article.text.index("Another claim there.")
    version = {"version": str(claim.version)}

    def claim_url(name: str) -> str:
        return reverse(name, args=[claim.pk])

    return {
        "article_import": (
            reverse("article_import"),
            ["mode", *field_names(PasteArticleForm())],
            {"mode": "paste", "title": "T", "language": "en", "text": "Fresh"},
        ),
        "claim_create": (
            reverse("claim_create", args=[article.pk]),
            field_names(ClaimCreateForm()),
            {"start": str(start), "end": str(start + 20), "text": "Another claim there."},
        ),
        "claim_status": (
            claim_url("claim_status"),
            field_names(StatusForm()),
            {**version, "status": "in_progress"},
        ),
        "claim_rationale": (
            claim_url("claim_rationale"),
            field_names(RationaleForm()),
            {**version, "rationale": "R"},
        ),
        "claim_span": (
            claim_url("claim_span"),
            field_names(ClaimSpanForm()),
            {**version, "text": claim.text[:-1]},
        ),
        "claim_assign": (claim_url("claim_assign"), ["version", "assigned_to", "reason"], version),
        "claim_delete": (claim_url("claim_delete"), field_names(RemoveForm()), version),
        "claim_undo": (claim_url("claim_undo"), field_names(RemoveForm()), version),
        "claim_redo": (claim_url("claim_redo"), field_names(RemoveForm()), version),
        "claim_sign_off": (claim_url("claim_sign_off"), field_names(RemoveForm()), version),
        "claim_reopen": (claim_url("claim_reopen"), field_names(RemoveForm()), version),
        "attribution_add": (
            claim_url("attribution_add"),
            field_names(AttributionForm()),
            {
                **version,
                "new_source_name": "WHO",
                "new_source_type": "organization",
                "quote_mode": "paraphrase",
            },
        ),
        "attribution_edit": (
            reverse("attribution_edit", args=[scene.attribution_id]),
            field_names(AttributionEditForm()),
            {**version, "quote_mode": "direct"},
        ),
        "attribution_remove": (
            reverse("attribution_remove", args=[scene.attribution_id]),
            field_names(RemoveForm()),
            version,
        ),
        "evidence_add": (
            claim_url("evidence_add"),
            field_names(EvidenceForm()),
            {**version, "url": "https://example.org/b"},
        ),
        "evidence_remove": (
            reverse("evidence_remove", args=[scene.link_id]),
            field_names(RemoveForm()),
            version,
        ),
        "note_add": (claim_url("note_add"), field_names(NoteForm()), {"body": "N"}),
        "suggestion_accept": (
            reverse("suggestion_accept", args=[scene.suggestion_id]),
            [*field_names(SuggestionDecisionForm()), *field_names(SuggestionEditForm())],
            {"decision": "edit", "source_type": "organization", "quote_mode": "direct"},
        ),
        "suggestion_reject": (
            reverse("suggestion_reject", args=[scene.suggestion_id]),
            field_names(SuggestionDecisionForm()),
            {"decision": "reject", "reason": "Not a claim"},
        ),
        "suggestions_accept_above": (
            reverse("suggestions_accept_above", args=[article.pk]),
            ["threshold"],
            {"threshold": "0.8"},
        ),
        # A run newer than 0 exists: a valid request shows it rather than queueing another.
        "suggestions_request": (
            reverse("suggestions_request", args=[article.pk]),
            ["after_run"],
            {"after_run": "0"},
        ),
        "queue_bulk": (
            reverse("queue_bulk"),
            field_names(BulkForm()),
            {"action": "in_progress", "claims": str(claim.pk)},
        ),
        "claim_publish": (claim_url("claim_publish"), field_names(RemoveForm()), version),
        "claim_unpublish": (claim_url("claim_unpublish"), field_names(RemoveForm()), version),
        "api_tokens": (
            reverse("api_tokens"),
            ["name", "access", "lifetime"],
            {"name": "CMS", "access": "read", "lifetime": "30"},
        ),
        "api_token_revoke": (reverse("api_token_revoke", args=[scene.token_id]), ["x"], {}),
        **webhook_writes(scene),
        **source_writes(scene),
    }


def webhook_writes(scene: Scene) -> dict[str, tuple[str, list[str], dict[str, str]]]:
    """The Webhooks pages' forms, each with valid values."""
    subscription = scene.subscription_id
    return {
        "webhook_list": (
            reverse("webhook_list"),
            ["url", "description", "events"],
            {"url": "https://hooks.example/", "events": "claim.created"},
        ),
        "webhook_detail": (
            reverse("webhook_detail", args=[subscription]),
            ["events"],
            {"events": "verdict.signed_off"},
        ),
        "webhook_test": (reverse("webhook_test", args=[subscription]), ["send"], {"send": "test"}),
        "webhook_toggle": (
            reverse("webhook_toggle", args=[subscription]),
            ["to"],
            {"to": "disable"},
        ),
        "webhook_delete": (
            reverse("webhook_delete", args=[subscription]),
            ["confirm"],
            {"confirm": "delete"},
        ),
    }


WRITE_VIEWS = [
    "article_import",
    "claim_create",
    "claim_status",
    "claim_rationale",
    "claim_span",
    "claim_assign",
    "claim_delete",
    "claim_undo",
    "claim_redo",
    "claim_sign_off",
    "claim_reopen",
    "attribution_add",
    "attribution_edit",
    "attribution_remove",
    "evidence_add",
    "evidence_remove",
    "note_add",
    "queue_bulk",
    "suggestion_accept",
    "suggestion_reject",
    "suggestions_accept_above",
    "suggestions_request",
    "source_edit",
    "source_merge",
    "source_delete",
    "source_type_add",
    "source_type_change",
    "source_type_delete",
    "article_delete",
    "article_edit",
    "claim_publish",
    "claim_unpublish",
    "api_tokens",
    "api_token_revoke",
    "webhook_list",
    "webhook_detail",
    "webhook_test",
    "webhook_toggle",
    "webhook_delete",
]
READ_VIEWS = [
    "home",
    "queue",
    "activity",
    "export_claims",
    "export_audit",
    "claim_reviews_jsonld",
    "source_search",
    "review",
    "claim_detail",
    "claim_review_jsonld",
    "suggestion_detail",
    "suggestions_state",
    "article_sourcing",
    "sources",
    "source_detail",
    "source_types",
    "source_edit",
    "source_merge",
    "source_delete",
    "article_delete",
    "article_edit",
    "insights",
    "insights_csv",
    "api_tokens",
    "webhook_list",
    "webhook_detail",
]


@contextmanager
def rolled_back() -> Iterator[None]:
    """Undo whatever one generated example wrote, so the next one starts from the same scene."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def answer_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("view", READ_VIEWS)
@BOUNDED
@given(data=st.data())
def test_generated_query_parameters_never_answer_5xx(editor_client, scene, view, data):
    client = editor_client
    url, names, valid = reads(scene)[view]
    query = encoded(hostile_pairs(data, names, valid))
    htmx = HTMX if data.draw(st.booleans()) else {}

    with rolled_back():
        before = row_counts()
        response = client.get(f"{url}?{query}", **htmx)
        answer_of(response)
        after = row_counts()

    assert response.status_code < 500
    if response.status_code >= 400:
        assert after == before


@pytest.mark.parametrize("view", WRITE_VIEWS)
@BOUNDED
@given(data=st.data())
def test_generated_form_fields_never_answer_5xx(editor_client, scene, view, data):
    client = editor_client
    url, names, valid = writes(scene)[view]
    body = encoded(hostile_pairs(data, names, valid))
    query = encoded(hostile_pairs(data, claim_filter_names(), {})) if view == "queue_bulk" else ""
    htmx = HTMX if data.draw(st.booleans()) else {}

    with rolled_back():
        before = row_counts()
        response = client.post(
            f"{url}?{query}" if query else url,
            data=body.encode("ascii"),
            content_type="application/x-www-form-urlencoded",
            **htmx,
        )
        after = row_counts()

    assert response.status_code < 500
    if response.status_code >= 400:
        assert after == before


JSON_KEYS = st.sampled_from(["text", "title", "outlet", "url", "language", "date", "published_on"])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | HOSTILE,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(JSON_KEYS | st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


@BOUNDED
@given(
    article=st.dictionaries(JSON_KEYS, JSON_VALUES, max_size=6),
    many=st.booleans(),
)
def test_generated_json_uploads_never_answer_5xx(logged_in, article, many):
    client = logged_in
    content = json.dumps([article, article] if many else article)

    with rolled_back():
        before = row_counts()
        response = upload(client, "generated.json", content)
        after = row_counts()

    assert response.status_code < 500
    if response.status_code >= 400:
        assert after == before


@BOUNDED
@given(
    name=st.sampled_from(["a.txt", "a.md", "a.html", "a.json", "a.htm", "a.pdf"]),
    content=st.binary(max_size=300) | st.text(ANY_CHARACTER, max_size=300),
)
def test_generated_files_never_answer_5xx(logged_in, name, content):
    client = logged_in

    with rolled_back():
        before = row_counts()
        response = upload(client, name, content)
        after = row_counts()

    assert response.status_code < 500
    if response.status_code >= 400:
        assert after == before


def test_every_view_gets_generated_input():
    assert set(READ_VIEWS) | set(WRITE_VIEWS) == set(APP_VIEWS)


@pytest.mark.parametrize("username", ["u" * 300, HUGE_ID * 20])
def test_an_odd_user_name_at_login_is_refused_not_a_crash(client, db, username):
    response = client.post(reverse("login"), {"username": username, "password": "pw"})

    assert response.status_code == 200
    assert "username" in response.context["form"].errors


@pytest.mark.parametrize(
    "path",
    [
        "/admin/factcheck/claim/?q=%00",
        "/admin/factcheck/article/?q=a%00b",
        "/admin/factcheck/source/?q=%00",
        "/admin/factcheck/auditevent/?q=%00",
        "/admin/auth/user/?q=%00",
    ],
)
def test_a_nul_in_the_admin_search_answers_400(admin_client, path):
    response = admin_client.get(path)

    assert response.status_code == 400
    assert "Null characters are not allowed in “q”." in response.content.decode()


def test_a_nul_in_the_login_form_answers_400(client, db):
    before = row_counts()

    response = client.post(reverse("login"), {"username": "a\x00b", "password": "pw"})

    assert response.status_code == 400
    assert "Null characters are not allowed in “username”." in response.content.decode()
    assert row_counts() == before


@BOUNDED
@given(data=st.data())
def test_generated_login_fields_never_answer_5xx(client, reviewer, data):
    pairs = hostile_pairs(data, ["username", "password", "next"], {"username": "rita"})

    with rolled_back():
        before = row_counts()
        response = client.post(
            reverse("login"),
            data=encoded(pairs).encode("ascii"),
            content_type="application/x-www-form-urlencoded",
        )
        after = row_counts()

    assert response.status_code < 500
    assert after == before


@pytest.mark.parametrize("model", ["claim", "article", "source", "auditevent", "attribution"])
@BOUNDED
@given(data=st.data())
def test_generated_admin_list_parameters_never_answer_5xx(admin_client, scene, model, data):
    names = [
        "q",
        "p",
        "o",
        "e",
        "all",
        "status__exact",
        "source_type__id__exact",
        "_changelist_filters",
    ]
    query = encoded(hostile_pairs(data, names, {}))

    response = admin_client.get(f"/admin/factcheck/{model}/?{query}")

    assert response.status_code < 500


# What a cursor may decode to: every kind of JSON value, and the values near the
# edges of what the database and Python's dates hold.
EDGE_MOMENTS = [
    f"{year}-{day}T{clock}{offset}"
    for year in ("0001", "9999")
    for day in ("01-01", "12-31")
    for clock in ("00:00:00", "23:59:59.999999")
    for offset in ("", "Z", "+05:00", "-05:00", "+23:59", "-23:59")
]
CURSOR_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**31, 2**63 - 1, 2**63, -(2**63) - 1, int(HUGE_ID), 10**400]),
    st.floats(),
    st.sampled_from(EDGE_MOMENTS),
    st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat()),
    HOSTILE,
)
CURSOR_VALUES = st.recursive(
    CURSOR_SCALARS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=2)
    ),
    max_leaves=6,
)
# The decoded cursor: mostly a list of scalars, as the server makes, sometimes any shape.
DECODED_CURSORS = st.one_of(
    st.lists(CURSOR_SCALARS, min_size=1, max_size=4),
    CURSOR_VALUES,
)
PAGED_LISTS = {
    **{
        sort: (reverse("queue"), {"sort": sort}, Claim, keys)
        for sort, (_, keys) in CLAIM_SORTS.items()
    },
    "activity": (reverse("activity"), {}, AuditEvent, ("-id",)),
}


@pytest.mark.parametrize("paged", list(PAGED_LISTS))
@BOUNDED
@given(data=st.data())
def test_generated_cursors_never_answer_5xx(editor_client, scene, paged, data):
    """Forged cursors are refused; even one the server had signed never reaches a 500."""
    url, query, model, keys = PAGED_LISTS[paged]
    values = data.draw(DECODED_CURSORS)
    kind = data.draw(st.sampled_from(["forged", "signed", "signed for another order"]))
    if kind == "forged":
        cursor = forged(values)
    elif kind == "signed":
        cursor = cursor_signer(model, keys).sign_object(values)
    else:
        cursor = cursor_signer(model, ("pk",)).sign_object(values)
    direction = data.draw(st.sampled_from(["after", "before"]))
    htmx = HTMX if data.draw(st.booleans()) else {}

    response = editor_client.get(url, {**query, direction: cursor}, **htmx)

    assert response.status_code < 500
    if kind != "signed":
        assert response.status_code == (422 if htmx else 400)
        assert "This page link was not made by the workbench" in response.content.decode()


# Every date and time the admin lists: the model's address and its date fields.
ADMIN_DATES = {
    "factcheck/article": ["created_at", "published_on"],
    "factcheck/claim": ["created_at", "updated_at"],
    "factcheck/source": ["created_at"],
    "factcheck/auditevent": ["created_at"],
    "factcheck/suggestionrun": ["created_at"],
    "auth/user": ["date_joined", "last_login"],
    "axes/accessattempt": ["attempt_time"],
}
DATE_LOOKUPS = [
    "year",
    "month",
    "day",
    "week",
    "week_day",
    "iso_week_day",
    "iso_year",
    "quarter",
    "hour",
    "date",
    "gt",
    "gte",
    "lt",
    "lte",
    "exact",
    "isnull",
    "range",
    "in",
    "year__gt",
    "year__lte",
    "date__lt",
    "iso_year__gte",
]
DATE_VALUES = st.one_of(
    st.sampled_from(["99999", "10000", "9999", "0", "-1", "1", "13", "32", str(2**63)]),
    st.sampled_from(EDGE_MOMENTS),
    st.sampled_from(["0001-01-01", "9999-12-31", "9999-12-31,0001-01-01", "2026-02-30"]),
    st.integers().map(str),
    HOSTILE,
)


@pytest.mark.parametrize("model", list(ADMIN_DATES))
@BOUNDED
@given(data=st.data())
def test_generated_admin_date_filters_never_answer_5xx(admin_client, scene, model, data):
    fields = ADMIN_DATES[model]
    names = data.draw(
        st.lists(
            st.builds(
                lambda field, lookup: f"{field}__{lookup}",
                st.sampled_from(fields),
                st.sampled_from(DATE_LOOKUPS),
            ),
            min_size=1,
            max_size=3,
        )
    )
    # The date hierarchy's year, month and day, each perhaps off the calendar.
    if data.draw(st.booleans()):
        hierarchy = data.draw(st.lists(st.sampled_from(["year", "month", "day"]), unique=True))
        names += [f"{fields[0]}__{part}" for part in hierarchy]
    pairs = [(name, data.draw(DATE_VALUES)) for name in names]

    # PostgreSQL refuses some (an offset of +23:59) in the query: a savepoint
    # keeps the test's transaction usable for the next example.
    with rolled_back():
        response = admin_client.get(f"/admin/{model}/?{encoded(pairs)}")

    assert response.status_code < 500
