import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from factcheck import services
from factcheck.models import Article, Attribution, AuditEvent, Claim, EvidenceLink, Note, Source
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def seed_article(reviewer, seed_text):
    return services.article_create(actor=reviewer, title="", text=seed_text)


@pytest.fixture
def logged_in(client, reviewer):
    client.force_login(reviewer)
    return client


def event_count() -> int:
    return AuditEvent.objects.count()


# --- Access ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("review", "get"),
        ("claim_detail", "get"),
        ("claim_create", "post"),
        ("claim_status", "post"),
        ("claim_rationale", "post"),
        ("claim_undo", "post"),
        ("attribution_add", "post"),
        ("evidence_add", "post"),
        ("note_add", "post"),
    ],
)
def test_every_review_view_requires_login(client, claim, name, method):
    arg = claim.article_id if name in {"review", "claim_create"} else claim.pk

    response = getattr(client, method)(reverse(name, args=[arg]))

    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("login"))


def test_review_page_shows_the_text_with_highlighted_claims(logged_in, seed_article):
    claim = services.claim_create(actor=None, article=seed_article, start=206, end=298)

    response = logged_in.get(reverse("review", args=[seed_article.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" in body
    assert f'data-claim="{claim.pk}"' in body
    assert 'class="hl st-unverified depth-1"' in body
    assert 'dir="auto"' in body


def test_claim_detail_is_a_fragment_for_htmx_and_a_page_otherwise(logged_in, claim):
    url = reverse("claim_detail", args=[claim.pk])

    fragment = logged_in.get(url, **HTMX).content.decode()
    page = logged_in.get(url).content.decode()

    assert "<html" not in fragment
    assert 'id="claim-panel"' in fragment
    assert "<html" in page
    assert 'id="claim-panel"' in page
    assert 'id="article-text"' in page


def test_unknown_ids_are_404(logged_in, db):
    assert logged_in.get(reverse("review", args=[999])).status_code == 404
    assert logged_in.get(reverse("claim_detail", args=[999])).status_code == 404
    assert logged_in.post(reverse("claim_status", args=[999]), {}).status_code == 404
    assert logged_in.post(reverse("attribution_remove", args=[999]), {}).status_code == 404


def _article_with_claims(reviewer, count: int) -> Article:
    text = "Headline\n\n" + " ".join(f"Sentence number {n} says something." for n in range(count))
    article = services.article_create(actor=reviewer, title=f"{count} claims", text=text)
    source = factories.make_source()
    for n in range(count):
        phrase = f"Sentence number {n} says something."
        start = text.index(phrase)
        claim = services.claim_create(
            actor=None, article=article, start=start, end=start + len(phrase)
        )
        if n % 2:
            services.attribution_add(actor=None, claim=claim, source=source)
    return article


def test_review_page_reads_as_many_queries_for_200_claims_as_for_2(logged_in, reviewer):
    small, large = _article_with_claims(reviewer, 2), _article_with_claims(reviewer, 200)
    counts = {}
    for article in (small, large):
        some_claim = Claim.objects.filter(article=article).last()
        with CaptureQueriesContext(connection) as page:
            response = logged_in.get(reverse("review", args=[article.pk]))
        with CaptureQueriesContext(connection) as with_panel:
            logged_in.get(reverse("claim_detail", args=[some_claim.pk]))
        counts[article.pk] = (len(page), len(with_panel))
        assert response.content.decode().count('class="claim-link"') == article.claims.count()

    assert counts[small.pk] == counts[large.pk]
    # The text, its claims and their first source types, the suggestions and their run,
    # the sourcing strip's counts; with a claim open, the panel's own queries besides.
    page_queries, panel_queries = counts[large.pk]
    assert page_queries <= 17
    assert panel_queries <= 25


# --- Creating claims from a selection -------------------------------------


def test_selection_creates_the_claim_with_exact_text(logged_in, seed_article):
    text = seed_article.text[206:298]

    response = logged_in.post(
        reverse("claim_create", args=[seed_article.pk]),
        {"start": 206, "end": 298, "text": text},
        **HTMX,
    )

    assert response.status_code == 200
    claim = Claim.objects.get()
    assert claim.text == text
    body = response.content.decode()
    assert 'id="claim-panel"' in body
    # Only the stretch of text the claim covers comes back, as a patch of its
    # paragraph, with the claim highlighted, and the new entry of the claims list.
    paragraph = seed_article.text.rfind("\n", 0, 206) + 1
    assert f'<template data-paragraph="{paragraph}" data-from="{paragraph}"' in body
    assert f'data-claim="{claim.pk}"' in body
    assert f'id="claim-item-{claim.pk}"' in body
    assert 'id="article-body"' not in body
    assert 'class="para"' not in body
    # The sourcing strip is told to count again, in a request of its own: one
    # claim, with no source yet.
    assert response["HX-Trigger"] == "sourcing-changed"
    assert 'id="sourcing-strip"' not in body
    strip = logged_in.get(reverse("article_sourcing", args=[seed_article.pk]), **HTMX)
    assert "Without a source: <strong>1</strong> of 1 claim" in strip.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start": 206, "end": 298, "text": "not what the article says"}, "does not match"),
        ({"start": 2500, "end": 9999, "text": "x"}, "fall outside the article text"),
        ({"start": 10, "end": 10, "text": ""}, "This field is required"),
        ({"start": "ten", "end": 20, "text": "x"}, "Enter a whole number"),
        ({"start": -4, "end": 20, "text": "x"}, "greater than or equal to 0"),
    ],
)
def test_bad_selections_are_refused_with_a_message(logged_in, seed_article, data, message):
    before = event_count()

    response = logged_in.post(reverse("claim_create", args=[seed_article.pk]), data, **HTMX)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Claim.objects.exists()
    assert event_count() == before


def page_title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)[1].strip()


def test_bidi_controls_in_names_stay_inside_the_page_title(logged_in, admin_client):
    # U+202E turns "exe.gnp" around; the stray PDI would close an isolate early.
    article = factories.make_article(title="Talks \u202eexe.gnp\u2069 end", text="Body.")
    source = factories.make_source("Minister \u2067X\u202d", type_slug="ministry")

    review = page_title(logged_in.get(reverse("review", args=[article.pk])))
    detail = page_title(logged_in.get(reverse("source_detail", args=[source.pk])))
    admin = page_title(admin_client.get(reverse("admin:factcheck_source_change", args=[source.pk])))

    assert review == "\u2068Talks exe.gnp end\u2069 · Factcheck"
    assert detail == "\u2068Minister X\u2069 · Factcheck"
    assert admin.startswith("\u2068Minister X\u2069 | \u2068Change source\u2069 | ")


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize(
    "spell",
    [lambda n: str(n).translate(ARABIC_INDIC), lambda n: "_".join(str(n))],
    ids=["arabic-indic", "underscores"],
)
def test_offsets_are_ascii_digits_only(logged_in, seed_article, spell):
    claim = services.claim_create(actor=None, article=seed_article, start=820, end=931)
    official = factories.make_source("Unnamed senior Hamas official", type_slug="ministry")
    before = event_count()

    created = logged_in.post(
        reverse("claim_create", args=[seed_article.pk]),
        {"start": spell(0), "end": spell(1000), "text": seed_article.text[:1000]},
        **HTMX,
    )
    attributed = logged_in.post(
        reverse("attribution_add", args=[claim.pk]),
        {
            "version": 1,
            "source": official.pk,
            "mention_text": seed_article.text[748:804],
            "mention_start": spell(748),
            "mention_end": spell(804),
            "quote_mode": "mixed",
        },
        **HTMX,
    )

    assert created.status_code == 422
    assert "Enter a whole number" in created.content.decode()
    assert attributed.status_code == 422
    assert "Enter a whole number" in attributed.content.decode()
    assert Claim.objects.count() == 1
    assert not Attribution.objects.exists()
    assert event_count() == before


def test_plain_post_redirects_to_the_new_claim(logged_in, seed_article):
    response = logged_in.post(
        reverse("claim_create", args=[seed_article.pk]),
        {"start": 0, "end": 50, "text": seed_article.text[:50]},
    )

    claim = Claim.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("claim_detail", args=[claim.pk])


# --- The claim panel ------------------------------------------------------


def test_status_change_updates_panel_and_highlight(logged_in, claim):
    response = logged_in.post(
        reverse("claim_status", args=[claim.pk]),
        {"status": "in_progress", "version": 1, "reason": "calling the ministry"},
        **HTMX,
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "st-in_progress" in body
    assert "changed status from unverified to in progress" in body
    assert "calling the ministry" in body
    event = AuditEvent.objects.get(action="claim.status_changed")
    assert event.changes == {"status": ["unverified", "in_progress"]}


def test_stale_save_is_refused_with_the_current_state_and_keeps_the_typing(
    logged_in, editor, claim
):
    services.claim_update(actor=editor, claim=claim, rationale="Editor's rationale")
    before = event_count()

    response = logged_in.post(
        reverse("claim_rationale", args=[claim.pk]),
        {"rationale": "My stale rationale", "version": 1},
        **HTMX,
    )

    body = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this claim" in body
    assert "Current rationale: “Editor&#x27;s rationale”" in body
    assert ">My stale rationale</textarea>" in body
    assert 'name="version" value="2"' in body
    claim.refresh_from_db()
    assert claim.rationale == "Editor's rationale"
    assert event_count() == before


def test_refused_transition_shows_the_reason_inline(logged_in, claim):
    response = logged_in.post(
        reverse("claim_status", args=[claim.pk]), {"status": "false", "version": 1}, **HTMX
    )

    assert response.status_code == 422
    assert "cannot go from unverified to false" in response.content.decode()
    assert Claim.objects.get().status == "unverified"


def test_attach_a_new_source_inline(logged_in, claim):
    before = AuditEvent.objects.order_by("-id").first().id

    response = logged_in.post(
        reverse("attribution_add", args=[claim.pk]),
        {
            "version": 1,
            "new_source_name": "John Kirby",
            "new_source_type": "named_spokesperson",
            "new_source_affiliation": "White House",
            "cue": "said",
            "quote_mode": "paraphrase",
        },
        **HTMX,
    )

    assert response.status_code == 200
    attribution = Attribution.objects.select_related("source__source_type").get()
    assert attribution.source.name == "John Kirby"
    assert attribution.source.source_type.slug == "named_spokesperson"
    assert attribution.cue == "said"
    assert "attributed the claim to John Kirby" in response.content.decode()
    assert {e.action for e in AuditEvent.objects.filter(id__gt=before)} == {
        "source.created",
        "attribution.added",
    }


def test_attach_a_registry_source_with_mention_from_the_text(logged_in, seed_article):
    claim = services.claim_create(actor=None, article=seed_article, start=820, end=931)
    official = factories.make_source(
        "Unnamed senior Hamas official", type_slug="anonymous_official"
    )
    afp = factories.make_source("AFP", type_slug="news_agency")

    response = logged_in.post(
        reverse("attribution_add", args=[claim.pk]),
        {
            "version": 1,
            "source": official.pk,
            "mention_text": seed_article.text[748:804],
            "mention_start": 748,
            "mention_end": 804,
            "cue": "told",
            "quote_mode": "mixed",
            "intermediary": afp.pk,
        },
        **HTMX,
    )

    assert response.status_code == 200
    attribution = Attribution.objects.get()
    assert attribution.intermediary == afp
    assert "no reason for anonymity given" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Pick a source from the registry or name a new one."),
        ({"source": 987654}, "Select a valid choice"),
        ({"source": "claim-1"}, "Select a valid choice"),
        ({"new_source_name": "Someone"}, "A new source needs a type."),
        ({"new_source_name": "Someone", "new_source_type": "alien"}, "Select a valid choice"),
        (
            {
                "new_source_name": "X",
                "new_source_type": "ministry",
                "mention_start": 0,
                "mention_end": 5,
                "mention_text": "Wrong",
            },
            "mention text does not match",
        ),
        (
            {"new_source_name": "X", "new_source_type": "ministry", "quote_mode": "sung"},
            "Select a valid choice",
        ),
    ],
)
def test_bad_attribution_input_is_refused_and_nothing_written(logged_in, claim, data, message):
    before = event_count()

    response = logged_in.post(
        reverse("attribution_add", args=[claim.pk]),
        {"version": 1, "quote_mode": "paraphrase", **data},
        **HTMX,
    )

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Attribution.objects.exists()
    assert not Source.objects.exists()
    assert event_count() == before


def test_evidence_add_and_bad_url(logged_in, claim):
    bad = logged_in.post(
        reverse("evidence_add", args=[claim.pk]),
        {"version": 1, "url": "javascript:alert(1)"},
        **HTMX,
    )
    good = logged_in.post(
        reverse("evidence_add", args=[claim.pk]),
        {"version": 1, "url": "https://www.who.int/report", "title": "WHO report"},
        **HTMX,
    )

    assert bad.status_code == 422
    assert "http:// or https://" in bad.content.decode()
    assert good.status_code == 200
    assert EvidenceLink.objects.get().url == "https://www.who.int/report"


def test_notes_thread_escapes_html(logged_in, claim):
    response = logged_in.post(
        reverse("note_add", args=[claim.pk]), {"body": "<img src=x onerror=alert(1)>"}, **HTMX
    )

    assert response.status_code == 200
    assert Note.objects.get().body == "<img src=x onerror=alert(1)>"
    assert "<img src=x" not in response.content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in response.content.decode()


def test_article_text_and_source_names_are_escaped(logged_in, reviewer):
    article = services.article_create(
        actor=reviewer, title="<b>x</b>", text="Title\n\n<script>alert('x')</script> said so."
    )
    claim = factories.make_claim(article=article, phrase="<script>alert('x')</script>")
    services.attribution_add(
        actor=None, claim=claim, source=factories.make_source("<svg onload=alert(1)>")
    )

    body = logged_in.get(reverse("claim_detail", args=[claim.pk])).content.decode()

    assert "<script>alert(" not in body
    assert "<svg onload" not in body
    assert "&lt;svg onload=alert(1)&gt;" in body


def test_undo_reverts_the_last_change(logged_in, claim):
    logged_in.post(
        reverse("claim_status", args=[claim.pk]), {"status": "in_progress", "version": 1}, **HTMX
    )

    response = logged_in.post(reverse("claim_undo", args=[claim.pk]), {"version": 2}, **HTMX)

    assert response.status_code == 200
    assert Claim.objects.get().status == "unverified"
    assert AuditEvent.objects.order_by("-id").first().reason.startswith("Undo of event #")


def test_undo_with_nothing_to_undo_says_so(logged_in, claim):
    response = logged_in.post(reverse("claim_undo", args=[claim.pk]), {"version": 1}, **HTMX)

    assert response.status_code == 422
    assert "nothing of yours to undo" in response.content.decode()


def test_viewer_is_refused_every_change(client, viewer, claim):
    client.force_login(viewer)
    before = event_count()

    status = client.post(
        reverse("claim_status", args=[claim.pk]), {"status": "in_progress", "version": 1}, **HTMX
    )
    create = client.post(
        reverse("claim_create", args=[claim.article_id]),
        {"start": 0, "end": 5, "text": claim.article.text[:5]},
        **HTMX,
    )
    note = client.post(reverse("note_add", args=[claim.pk]), {"body": "hi"}, **HTMX)

    assert (status.status_code, create.status_code, note.status_code) == (403, 403, 403)
    assert "You do not have permission" in status.content.decode()
    assert event_count() == before


def test_get_on_a_write_endpoint_is_not_allowed(logged_in, claim):
    assert logged_in.get(reverse("claim_status", args=[claim.pk])).status_code == 405


def test_csrf_is_enforced_on_htmx_posts(reviewer, claim):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(reviewer)

    response = strict.post(
        reverse("claim_status", args=[claim.pk]), {"status": "in_progress", "version": 1}, **HTMX
    )

    assert response.status_code == 403
    assert Claim.objects.get().status == "unverified"


def test_source_search_matches_names_and_aliases(logged_in):
    factories.make_source("John Kirby", type_slug="named_spokesperson", aliases=["Kirby"])
    factories.make_source("Gaza Health Ministry", aliases=["Gaza's health ministry"])

    by_alias = logged_in.get(reverse("source_search"), {"q": "health minis"}).content.decode()
    none = logged_in.get(reverse("source_search"), {"q": "zzz"}).content.decode()

    assert "Gaza Health Ministry" in by_alias
    assert "John Kirby" not in by_alias
    assert "No source matches" in none


# --- The source form (issue 11, point 6) ------------------------------------


def test_picking_a_registry_source_and_typing_a_new_one_is_refused_naming_the_one_used(
    logged_in, claim
):
    ministry = factories.make_source("Health Ministry", type_slug="ministry")
    before = event_count()

    response = logged_in.post(
        reverse("attribution_add", args=[claim.pk]),
        {
            "version": 1,
            "quote_mode": "paraphrase",
            "source": ministry.pk,
            "new_source_name": "John Kirby",
            "new_source_type": "named_spokesperson",
        },
        **HTMX,
    )

    body = response.content.decode()
    assert response.status_code == 422
    assert "the registry source would be used" in body
    assert "Health Ministry" in body and "John Kirby" in body
    assert not Attribution.objects.exists()
    assert list(Source.objects.values_list("name", flat=True)) == ["Health Ministry"]
    assert event_count() == before


def test_unattributed_is_not_offered_or_accepted_as_a_new_source_type(logged_in, claim):
    before = event_count()

    page = logged_in.get(reverse("claim_detail", args=[claim.pk]))
    response = logged_in.post(
        reverse("attribution_add", args=[claim.pk]),
        {
            "version": 1,
            "quote_mode": "paraphrase",
            "new_source_name": "Editorial desk",
            "new_source_type": "unattributed",
        },
        **HTMX,
    )

    assert 'name="new_source_type"' in page.content.decode()
    assert '<option value="unattributed"' not in page.content.decode()
    assert response.status_code == 422
    assert not Source.objects.exists()
    assert event_count() == before


def test_source_create_refuses_the_unattributed_type(reviewer):
    with pytest.raises(services.DomainError) as refusal:
        services.source_create(
            actor=reviewer,
            name="Editorial desk",
            source_type=factories.source_type("unattributed"),
        )

    assert "not a type a source can have" in refusal.value.message
    assert not Source.objects.exists()


def test_the_new_sources_affiliation_shows_on_its_card(logged_in, claim):
    response = logged_in.post(
        reverse("attribution_add", args=[claim.pk]),
        {
            "version": 1,
            "quote_mode": "paraphrase",
            "new_source_name": "John Kirby",
            "new_source_type": "named_spokesperson",
            "new_source_affiliation": "White House",
        },
        **HTMX,
    )

    assert response.status_code == 200
    assert '<span class="affiliation" dir="auto">White House</span>' in response.content.decode()


# --- Keys: undo says what it undid, redo; counts and addresses (issue 11) --


def test_creating_a_claim_updates_the_header_count_and_pushes_its_address(logged_in, seed_article):
    text = seed_article.text[206:298]

    response = logged_in.post(
        reverse("claim_create", args=[seed_article.pk]),
        {"start": 206, "end": 298, "text": text},
        **HTMX,
    )

    claim = Claim.objects.get()
    assert response["HX-Push-Url"] == reverse("claim_detail", args=[claim.pk])
    body = response.content.decode()
    assert '<span id="claim-count" hx-swap-oob="true">1 claim</span>' in body


def test_the_review_page_header_shows_the_count(logged_in, claim):
    response = logged_in.get(reverse("review", args=[claim.article_id]))

    assert '<span id="claim-count">1 claim</span>' in response.content.decode()


def test_undo_says_what_it_undid_and_redo_reapplies_it(logged_in, reviewer, claim):
    logged_in.post(
        reverse("claim_status", args=[claim.pk]), {"status": "in_progress", "version": 1}, **HTMX
    )

    undone = logged_in.post(reverse("claim_undo", args=[claim.pk]), {"version": 2}, **HTMX)
    redone = logged_in.post(reverse("claim_redo", args=[claim.pk]), {"version": 3}, **HTMX)

    body = undone.content.decode()
    assert "Undid: status unverified → in progress was put back to unverified." in body
    assert reverse("claim_redo", args=[claim.pk]) in body
    assert redone.status_code == 200
    assert "Redid: status unverified → in progress." in redone.content.decode()
    assert Claim.objects.get().status == "in_progress"
    latest = AuditEvent.objects.order_by("-id").first()
    assert (latest.action, latest.actor_id) == ("claim.status_changed", reviewer.pk)
    assert latest.reason.startswith("Redo of event #")


def test_undoing_a_new_claim_says_it_is_deleted_and_redo_adds_it_again(logged_in, seed_article):
    text = seed_article.text[206:298]
    logged_in.post(
        reverse("claim_create", args=[seed_article.pk]),
        {"start": 206, "end": 298, "text": text},
        **HTMX,
    )
    first = Claim.objects.get()

    undone = logged_in.post(reverse("claim_undo", args=[first.pk]), {"version": 1}, **HTMX)
    redone = logged_in.post(reverse("claim_redo", args=[first.pk]), {}, **HTMX)

    body = undone.content.decode()
    assert f"Undid: you added the claim “{escape(text)}”, so it is deleted." in body
    assert undone["HX-Push-Url"] == reverse("review", args=[seed_article.pk])
    assert '<span id="claim-count" hx-swap-oob="true">0 claims</span>' in body
    again = Claim.objects.get()
    assert (again.start, again.end, again.text) == (206, 298, text)
    assert redone["HX-Push-Url"] == reverse("claim_detail", args=[again.pk])
    assert "1 claim</span>" in redone.content.decode()


def test_undoing_a_note_offers_a_redo_that_adds_it_back(logged_in, reviewer, claim):
    logged_in.post(reverse("note_add", args=[claim.pk]), {"body": "Ask the ministry."}, **HTMX)

    undone = logged_in.post(reverse("claim_undo", args=[claim.pk]), {"version": 1}, **HTMX)
    assert not claim.notes.exists()
    redone = logged_in.post(reverse("claim_redo", args=[claim.pk]), {"version": 1}, **HTMX)

    body = undone.content.decode()
    assert "Undid: your note “Ask the ministry.” is deleted." in body
    assert reverse("claim_redo", args=[claim.pk]) in body
    assert redone.status_code == 200
    assert "Redid: your note “Ask the ministry.” is added again." in redone.content.decode()
    assert list(claim.notes.values_list("body", "author")) == [("Ask the ministry.", reviewer.pk)]
    latest = AuditEvent.objects.order_by("-id").first()
    assert (latest.action, latest.changes["body"]) == ("note.added", [None, "Ask the ministry."])
    assert latest.reason.startswith("Redo of event #")


def test_redo_with_no_undo_of_yours_says_so(logged_in, claim):
    response = logged_in.post(reverse("claim_redo", args=[claim.pk]), {"version": 1}, **HTMX)

    assert response.status_code == 422
    assert "nothing of yours to redo" in response.content.decode()
    assert AuditEvent.objects.filter(reason__startswith="Redo").count() == 0


# --- Role-aware pages (issue 11, point 7) -----------------------------------


def test_a_viewer_is_not_told_to_select_text_nor_shown_write_shortcuts(client, viewer, claim):
    client.force_login(viewer)

    body = client.get(reverse("claim_detail", args=[claim.pk])).content.decode()

    assert "to add a claim" not in body
    assert "set status:" not in body
    assert "open the source picker" not in body
    assert "undo your last change" not in body
    assert "accept the open suggestion" not in body
    assert "next / previous claim" in body
    assert 'id="assign-form"' not in body
    assert "Assigned to nobody" in body


def test_a_reviewer_is_told_to_select_text_and_shown_every_shortcut(logged_in, claim):
    body = logged_in.get(reverse("claim_detail", args=[claim.pk])).content.decode()

    assert "to add a claim" in body
    assert "set status:" in body
    assert "open the source picker" in body
    assert "undo your last change" in body


def test_assign_a_claim_from_the_panel_is_audited(logged_in, claim, editor, viewer):
    page = logged_in.get(reverse("claim_detail", args=[claim.pk])).content.decode()

    response = logged_in.post(
        reverse("claim_assign", args=[claim.pk]),
        {"version": claim.version, "assigned_to": editor.pk},
        **HTMX,
    )

    assert f'<option value="{editor.pk}">ed</option>' in page
    assert f'<option value="{viewer.pk}">' not in page  # a viewer cannot work on claims
    assert response.status_code == 200
    assert f'<option value="{editor.pk}" selected>ed</option>' in response.content.decode()
    claim.refresh_from_db()
    assert claim.assigned_to == editor
    event = AuditEvent.objects.filter(claim_id=claim.pk).order_by("-id").first()
    assert event.action == "claim.changed"
    assert event.changes["assigned_to"][1] is not None


def test_assigning_to_someone_without_a_role_or_as_a_viewer_is_refused(client, claim, viewer):
    outsider = factories.make_user(None, username="nobody-in-particular")
    reviewer = factories.make_user("Reviewer", username="rae")
    client.force_login(viewer)
    before = event_count()

    as_viewer = client.post(
        reverse("claim_assign", args=[claim.pk]), {"version": claim.version}, **HTMX
    )
    client.force_login(reviewer)
    to_outsider = client.post(
        reverse("claim_assign", args=[claim.pk]),
        {"version": claim.version, "assigned_to": outsider.pk},
        **HTMX,
    )

    assert as_viewer.status_code == 403
    assert to_outsider.status_code == 422
    claim.refresh_from_db()
    assert claim.assigned_to is None
    assert event_count() == before


# --- A panel action on a big article ---------------------------------------


def _one_line_article(reviewer, count: int) -> Article:
    """An article whose claims all stand on one line, as the benchmark's big article does."""
    article = _article_with_claims(reviewer, count)
    assert article.text.count("\n") == 2
    return article


def _panel_actions(client, claim: Claim) -> dict[str, int]:
    """The queries of a status change, a source added and removed, a claim added and deleted."""
    counts = {}
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("claim_status", args=[claim.pk]),
            {"status": "in_progress", "version": claim.version, "reason": ""},
            **HTMX,
        )
    assert response.status_code == 200
    counts["status"] = len(queries)
    source = factories.make_source()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("attribution_add", args=[claim.pk]),
            {"version": claim.version + 1, "source": source.pk, "quote_mode": "paraphrase"},
            **HTMX,
        )
    assert response.status_code == 200
    counts["attribution"] = len(queries)
    text = claim.article.text
    start = text.index("says something.", claim.start)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("claim_create", args=[claim.article_id]),
            {"start": start, "end": start + 4, "text": "says"},
            **HTMX,
        )
    assert response.status_code == 200
    counts["create"] = len(queries)
    added = Claim.objects.get(article=claim.article, start=start, end=start + 4)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("claim_delete", args=[added.pk]), {"version": added.version}, **HTMX
        )
    assert response.status_code == 200
    counts["delete"] = len(queries)
    return counts


def test_a_panel_action_reads_as_many_queries_for_200_claims_on_a_line_as_for_2(
    logged_in, reviewer
):
    small, large = _one_line_article(reviewer, 2), _one_line_article(reviewer, 200)

    counts = [
        _panel_actions(logged_in, Claim.objects.filter(article=article).order_by("start")[1])
        for article in (small, large)
    ]

    assert counts[0] == counts[1]


def test_a_status_change_sends_back_only_the_claims_stretch_of_its_line(logged_in, reviewer):
    article = _one_line_article(reviewer, 200)
    claim = Claim.objects.filter(article=article).order_by("start")[100]

    response = logged_in.post(
        reverse("claim_status", args=[claim.pk]),
        {"status": "in_progress", "version": claim.version, "reason": ""},
        **HTMX,
    )

    body = response.content.decode()
    line = article.text.rfind("\n", 0, claim.start) + 1
    assert (
        f'<template data-paragraph="{line}" data-from="{claim.start}" data-to="{claim.end}">'
        in body
    )
    assert body.count("data-claims=") == 1
    # A status leaves the article's sources as they were: the strip is not asked again.
    assert '<div id="sourcing-strip"' not in body
    assert "HX-Trigger" not in response


def test_an_attributions_edit_form_offers_fifty_agencies_and_its_own_beyond_them(logged_in, claim):
    agencies = [factories.make_source(f"Agency {n:02}", type_slug="news_agency") for n in range(52)]
    tricky = factories.make_source("<b>Wire & Co</b>", type_slug="news_agency")
    services.attribution_add(
        actor=None,
        claim=claim,
        source=factories.make_source("Ministry of Health"),
        quote_mode="direct",
        intermediary=agencies[51],
        ground_rule="background",
    )
    services.attribution_add(
        actor=None, claim=claim, source=factories.make_source("A witness"), intermediary=tricky
    )

    body = logged_in.get(reverse("claim_detail", args=[claim.pk]), **HTMX).content.decode()

    first, second = body.split('name="intermediary">')[1:3]
    first, second = first.split("</select>")[0], second.split("</select>")[0]
    # The escaped name sorts first; the fifty offered stop at "Agency 48".
    assert first.startswith(
        f'<option value="">—</option><option value="{tricky.pk}">'
        "&lt;b&gt;Wire &amp; Co&lt;/b&gt;</option>"
        f'<option value="{agencies[0].pk}">Agency 00</option>'
    )
    assert f'<option value="{agencies[48].pk}">Agency 48</option>' in first
    assert f'value="{agencies[49].pk}"' not in first
    assert first.endswith(f'<option value="{agencies[51].pk}" selected>Agency 51</option>')
    assert first.count(" selected") == 1
    assert f'<option value="{tricky.pk}" selected>&lt;b&gt;Wire &amp; Co&lt;/b&gt;</option>' in (
        second
    )
    assert second.count(" selected") == 1
    assert '<option value="direct" selected>Direct quote</option>' in body
    assert '<option value="background" selected>Background</option>' in body
    assert '<option value="paraphrase" selected>Paraphrase</option>' in body


def _strip(html: str) -> str:
    return re.search(r'<div id="sourcing-strip"[^>]*>(.*?)</div>', html, re.S).group(1)


def test_the_strip_a_panel_action_has_counted_again_is_the_one_a_reload_shows(logged_in, reviewer):
    article = _article_with_claims(reviewer, 6)
    claim = Claim.objects.filter(article=article, attributions__isnull=True).first()
    official = factories.make_source(
        "An official", type_slug="anonymous_official", is_anonymous=True
    )
    strip_url = reverse("article_sourcing", args=[article.pk])

    def act(url: str, data: dict) -> str:
        """The action, then the strip the event it answers with makes the page fetch."""
        response = logged_in.post(url, data, **HTMX)
        assert response.status_code == 200
        assert response["HX-Trigger"] == "sourcing-changed"
        assert 'id="sourcing-strip"' not in response.content.decode()
        return logged_in.get(strip_url, **HTMX).content.decode()

    added = act(
        reverse("attribution_add", args=[claim.pk]),
        {"version": claim.version, "source": official.pk, "quote_mode": "paraphrase"},
    )
    after_adding = logged_in.get(reverse("review", args=[article.pk])).content.decode()
    attribution = Attribution.objects.get(source=official)
    removed = act(
        reverse("attribution_remove", args=[attribution.pk]), {"version": claim.version + 1}
    )
    after_removing = logged_in.get(reverse("review", args=[article.pk])).content.decode()

    assert _strip(added) == _strip(after_adding)
    assert "Anonymous official <strong>1</strong>" in _strip(added)
    assert "Anonymous: <strong>25.0%</strong> of 4 attributions, 1 giving no reason" in _strip(
        added
    )
    assert "Without a source: <strong>2</strong> of 6 claims" in _strip(added)
    assert _strip(removed) == _strip(after_removing)
    assert "Anonymous official" not in _strip(removed)
    assert "Without a source: <strong>3</strong> of 6 claims" in _strip(removed)


# --- A claim's span, after it is made ---------------------------------------


def test_the_span_moves_to_the_words_given_audited(logged_in, claim):
    longer = claim.article.text[claim.start : claim.end + 1]

    response = logged_in.post(
        reverse("claim_span", args=[claim.pk]),
        {"version": claim.version, "text": longer, "reason": "The full stop belongs to it"},
        **HTMX,
    )

    claim.refresh_from_db()
    assert response.status_code == 200
    assert claim.text == longer
    event = AuditEvent.objects.filter(action="claim.changed", object_id=claim.pk).latest("id")
    assert event.changes["end"][1] == claim.end
    assert event.reason == "The full stop belongs to it"
    assert "Adjust the span" in response.content.decode()


def test_a_span_not_in_the_text_is_refused_keeping_what_was_typed(logged_in, claim):
    before = event_count()

    response = logged_in.post(
        reverse("claim_span", args=[claim.pk]),
        {"version": claim.version, "text": "Words nobody wrote", "reason": "Mine"},
        **HTMX,
    )

    body = response.content.decode()
    assert response.status_code == 422
    assert "These words are not in the article" in body
    assert "Words nobody wrote</textarea>" in body
    assert 'value="Mine"' in body
    assert event_count() == before


def test_the_span_of_a_signed_off_claim_is_refused(logged_in, claim, reviewer, editor):
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_update(actor=reviewer, claim=claim, rationale="Checked.")
    services.evidence_add(actor=reviewer, claim=claim, url="https://example.org/1")
    services.claim_set_status(actor=reviewer, claim=claim, status="verified")
    claim = services.verdict_sign_off(actor=editor, claim=claim)
    shorter = claim.text[:-3]

    response = logged_in.post(
        reverse("claim_span", args=[claim.pk]), {"version": claim.version, "text": shorter}, **HTMX
    )

    claim.refresh_from_db()
    assert response.status_code == 422
    assert "signed off and locked" in response.content.decode()
    assert claim.text != shorter
    assert (
        'id="span-form"'
        not in logged_in.get(reverse("claim_detail", args=[claim.pk]), **HTMX).content.decode()
    )


def test_a_selection_over_nearly_the_words_of_a_claim_asks_first(logged_in, claim):
    article = claim.article
    data = {"start": claim.start, "end": claim.end - 1, "text": claim.text[:-1]}

    asked = logged_in.post(reverse("claim_create", args=[article.pk]), data, **HTMX)
    confirmed = logged_in.post(
        reverse("claim_create", args=[article.pk]), {**data, "near_ok": "on"}, **HTMX
    )

    assert asked.status_code == 409
    assert f"Claim #{claim.pk} already covers nearly the same words" in asked.content.decode()
    assert 'name="near_ok" value="on"' in asked.content.decode()
    assert confirmed.status_code == 200
    assert Claim.objects.filter(article=article).count() == 2


def test_a_claim_by_hand_settles_the_suggestion_it_covers(logged_in, seed_article, reviewer):
    phrase = seed_article.text.split("\n\n", 1)[-1].split(".")[0]
    start = seed_article.text.index(phrase)
    run = services.suggestions_request(actor=None, article=seed_article, enqueue=False)
    services.suggestion_run_record(
        run=run,
        proposals=[
            services.ProposedSuggestion(
                claim_start=start,
                claim_end=start + len(phrase),
                claim_text=phrase,
                source_type_slug="unattributed",
                confidence=0.9,
            )
        ],
    )

    logged_in.post(
        reverse("claim_create", args=[seed_article.pk]),
        {"start": start, "end": start + len(phrase), "text": phrase},
        **HTMX,
    )

    suggestion = seed_article.suggestions.get()
    assert suggestion.state == "accepted"
    assert suggestion.decided_by == reviewer


def test_a_claim_by_hand_offers_the_attribution_of_the_suggestion_it_covers(
    logged_in, seed_article
):
    phrase = seed_article.text.split("\n\n", 1)[-1].split(".")[0]
    start = seed_article.text.index(phrase)
    run = services.suggestions_request(actor=None, article=seed_article, enqueue=False)
    services.suggestion_run_record(
        run=run,
        proposals=[
            services.ProposedSuggestion(
                claim_start=start,
                claim_end=start + len(phrase) - 1,
                claim_text=phrase[:-1],
                source_text="Hamas",
                source_type_slug="organization",
                confidence=0.9,
            )
        ],
    )
    suggestion = seed_article.suggestions.get()
    made = logged_in.post(
        reverse("claim_create", args=[seed_article.pk]),
        {"start": start, "end": start + len(phrase), "text": phrase},
        **HTMX,
    )
    claim = Claim.objects.get(article=seed_article)
    assert "Suggested for this claim" in made.content.decode()

    rejected = logged_in.post(
        reverse("suggestion_reject", args=[suggestion.pk]),
        {"decision": "reject", "from_claim": "on"},
        **HTMX,
    )

    body = rejected.content.decode()
    assert f'data-claim="{claim.pk}"' in body
    assert "Suggested for this claim" not in body
    assert Claim.objects.filter(article=seed_article).count() == 1


def test_a_span_moved_onto_nearly_another_claims_words_is_refused(logged_in, claim):
    text = claim.article.text
    other = factories.make_claim(article=claim.article, phrase=text[claim.start : claim.end - 1])
    before = event_count()

    response = logged_in.post(
        reverse("claim_span", args=[other.pk]),
        {"version": other.version, "text": text[claim.start + 1 : claim.end]},
        **HTMX,
    )

    other.refresh_from_db()
    assert response.status_code == 422
    assert f"Claim #{claim.pk} already covers nearly these words" in response.content.decode()
    assert other.end == claim.end - 1
    assert event_count() == before
