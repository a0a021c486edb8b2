"""No input answers 500: each reported finding by name, then generated input at every field.

A refused request writes nothing: the row counts of every factcheck table
(the audit table among them) are the same before and after it.
"""

import json

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from factcheck.models import Article, AuditEvent, Claim, VerificationStatus

HTMX = {"HTTP_HX_REQUEST": "true"}
HUGE_ID = "9" * 20
# "²".isdigit() is true, yet int("²") fails.
SUPERSCRIPT = "²"


def row_counts() -> dict[str, int]:
    """The number of rows in every table of the factcheck app, the audit table among them."""
    return {
        model._meta.db_table: model._default_manager.count()
        for model in apps.get_app_config("factcheck").get_models()
    }


@pytest.fixture
def logged_in(client, reviewer):
    client.force_login(reviewer)
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


def test_a_refused_export_names_the_field_as_the_page_labels_it(logged_in, claim):
    response = logged_in.get(reverse("export_claims"), {"updated_after": "soon"})

    assert response.status_code == 400
    assert "Changed from (updated_after): Enter a valid date." in response.content.decode()


@pytest.mark.parametrize("field", ["article", "source", "proposer", "assignee", "updated_after"])
def test_a_huge_number_in_a_queue_filter_is_refused(logged_in, claim, field):
    response = logged_in.get(reverse("queue"), {field: HUGE_ID})

    assert response.status_code == 400


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


def test_text_hash_reads_any_string():
    from factcheck.models import text_hash

    assert len(text_hash("a\ud800b")) == 64
    assert text_hash("a\ud800b") != text_hash("ab")
