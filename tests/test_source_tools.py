"""The editors' tools: edit, merge (with its preview), delete or replace a source; source types;
deleting an article. Through the pages, as an editor, a reviewer and a viewer use them."""

import pytest
from django.urls import reverse

from factcheck import services
from factcheck.models import Article, Attribution, AuditEvent, Claim, Source, SourceType
from tests import factories


def last_event_id() -> int:
    event = AuditEvent.objects.order_by("-id").first()
    return event.pk if event else 0


@pytest.fixture
def as_editor(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def as_reviewer(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def pair(reviewer):
    """Two spellings of one spokesperson, each cited, one relayed and one relaying."""
    article = factories.make_article(
        title="Ceasefire talks",
        text="Ceasefire talks\n\nOne. Two. Three. Four.",
    )
    claims = {
        name: factories.make_claim(article=article, phrase=name)
        for name in ("One", "Two", "Three", "Four")
    }
    kirby = factories.make_source("John Kirby", type_slug="named_spokesperson", aliases=["Kirby"])
    duplicate = factories.make_source(
        "J. Kirby", type_slug="named_spokesperson", aliases=["Adm. Kirby"]
    )
    afp = factories.make_source("AFP", type_slug="news_agency")
    wire = factories.make_source("AFP wire", type_slug="news_agency")
    add = services.attribution_add
    add(actor=reviewer, claim=claims["One"], source=kirby, mention_text="Kirby")
    add(actor=reviewer, claim=claims["Two"], source=duplicate, mention_text="he", intermediary=afp)
    add(actor=reviewer, claim=claims["Three"], source=duplicate, mention_text="J. Kirby")
    add(actor=reviewer, claim=claims["Three"], source=kirby)  # both on one claim
    add(actor=reviewer, claim=claims["Four"], source=afp, intermediary=wire)
    return {
        "article": article,
        "claims": claims,
        "kirby": kirby,
        "duplicate": duplicate,
        "afp": afp,
        "wire": wire,
    }


def sign_off(claim: Claim, reviewer, editor) -> None:
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_update(actor=reviewer, claim=claim, rationale="Checked.")
    services.evidence_add(actor=reviewer, claim=claim, url=f"https://example.org/{claim.pk}")
    services.claim_set_status(actor=reviewer, claim=claim, status="verified")
    services.verdict_sign_off(actor=editor, claim=claim)


# --- The merge preview is what the merge does -------------------------------------


def test_the_preview_lists_what_moves(pair):
    preview = services.source_merge_preview(source=pair["duplicate"], into=pair["kirby"])

    assert [a.claim.text for a in preview.moved] == ["Two"]
    assert [a.claim.text for a in preview.dropped] == ["Three"]
    assert preview.relayed == []
    assert preview.new_aliases == ["J. Kirby", "Adm. Kirby"]
    assert preview.claim_count == 2
    assert preview.allowed


def test_the_merge_moves_what_the_preview_said(editor, pair):
    preview = services.source_merge_preview(source=pair["duplicate"], into=pair["kirby"])
    moved = [a.pk for a in preview.moved]
    dropped = [a.pk for a in preview.dropped]

    services.source_merge(actor=editor, source=pair["duplicate"], into=pair["kirby"])

    event = AuditEvent.objects.get(action="source.merged")
    assert event.changes["attributions_moved"] == [None, moved]
    assert event.changes["duplicate_attributions_removed"] == [None, dropped]
    assert list(
        Attribution.objects.filter(source=pair["kirby"])
        .order_by("claim__start")
        .values_list("claim__text", flat=True)
    ) == ["One", "Two", "Three"]


def test_a_relay_merge_moves_the_relays(editor, pair):
    preview = services.source_merge_preview(source=pair["wire"], into=pair["afp"])

    assert [a.claim.text for a in preview.relayed] == ["Four"]
    assert [a.claim.text for a in preview.unlinked] == ["Four"]  # AFP would relay itself

    services.source_merge(actor=editor, source=pair["wire"], into=pair["afp"])

    four = Attribution.objects.get(claim=pair["claims"]["Four"])
    assert (four.source, four.intermediary) == (pair["afp"], None)


def test_the_preview_names_the_signed_off_claims_that_refuse_the_merge(reviewer, editor, pair):
    sign_off(pair["claims"]["Two"], reviewer, editor)

    preview = services.source_merge_preview(source=pair["duplicate"], into=pair["kirby"])

    assert [claim.text for claim in preview.locked] == ["Two"]
    assert not preview.allowed
    with pytest.raises(services.DomainError, match="signed-off claims"):
        services.source_merge(actor=editor, source=pair["duplicate"], into=pair["kirby"])


# --- Merge through the page -------------------------------------------------------------


def test_the_merge_page_finds_the_other_source(as_editor, pair):
    url = reverse("source_merge", args=[pair["duplicate"].pk])

    response = as_editor.get(url, {"q": "kirby"})

    body = response.content.decode()
    assert response.status_code == 200
    assert f'href="?into={pair["kirby"].pk}"' in body
    assert f'href="?into={pair["duplicate"].pk}"' not in body


def test_the_merge_page_previews_then_merges(as_editor, pair):
    url = reverse("source_merge", args=[pair["duplicate"].pk])
    kirby = pair["kirby"]

    preview = as_editor.get(url, {"into": kirby.pk})
    before = Attribution.objects.count()
    response = as_editor.post(url, {"into": kirby.pk, "reason": "Same man"}, follow=True)

    body = preview.content.decode()
    assert '<strong id="n-moved">1</strong>' in body
    assert '<strong id="n-dropped">1</strong>' in body
    assert "Adm. Kirby" in body
    assert response.redirect_chain[-1][0] == reverse("source_detail", args=[kirby.pk])
    assert "“J. Kirby” was merged into “John Kirby”." in response.content.decode()
    assert response.context["record"]["claims"] == 3
    assert Attribution.objects.count() == before - 1
    assert not Source.objects.filter(pk=pair["duplicate"].pk).exists()
    event = AuditEvent.objects.get(action="source.merged")
    assert event.object_id == str(kirby.pk)
    assert event.changes["merged_from"] == [None, {"id": pair["duplicate"].pk, "name": "J. Kirby"}]
    assert event.reason == "Same man"
    assert event.actor_name == "ed"


def test_the_merge_shows_in_the_activity_in_words(as_editor, pair):
    as_editor.post(reverse("source_merge", args=[pair["duplicate"].pk]), {"into": pair["kirby"].pk})

    body = as_editor.get(reverse("activity")).content.decode()

    assert "ed merged “J. Kirby” into “John Kirby”" in body
    assert f'href="{reverse("source_detail", args=[pair["kirby"].pk])}"' in body


def test_a_locked_claim_refuses_the_merge_on_the_page(as_editor, reviewer, editor, pair):
    sign_off(pair["claims"]["Two"], reviewer, editor)
    url = reverse("source_merge", args=[pair["duplicate"].pk])
    before = last_event_id()

    preview = as_editor.get(url, {"into": pair["kirby"].pk})
    refused = as_editor.post(url, {"into": pair["kirby"].pk})

    assert 'id="locked-claims"' in preview.content.decode()
    assert 'name="into"' not in preview.content.decode()  # no confirm button
    assert refused.status_code == 422
    assert "signed-off claims" in refused.content.decode()
    assert last_event_id() == before
    assert Source.objects.filter(pk=pair["duplicate"].pk).exists()


@pytest.mark.parametrize(
    ("into", "message"),
    [
        ("self", "A source cannot be merged into itself."),
        ("999999", "That source does not exist"),
        ("abc", "is not a source number"),
        ("", "Choose the source to merge into."),
    ],
)
def test_bad_merge_input_changes_nothing(as_editor, pair, into, message):
    source = pair["duplicate"]
    value = str(source.pk) if into == "self" else into
    before = (last_event_id(), Attribution.objects.count(), Source.objects.count())

    response = as_editor.post(reverse("source_merge", args=[source.pk]), {"into": value})

    assert response.status_code == 422
    assert message in response.content.decode()
    assert (last_event_id(), Attribution.objects.count(), Source.objects.count()) == before


@pytest.mark.parametrize(
    ("into", "message"),
    [("self", "cannot be merged into itself"), ("999999", "There is no source number 999999")],
)
def test_a_bad_preview_address_says_why(as_editor, pair, into, message):
    source = pair["duplicate"]
    value = str(source.pk) if into == "self" else into

    response = as_editor.get(reverse("source_merge", args=[source.pk]), {"into": value})

    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_reviewer_is_refused_the_merge_with_words(as_reviewer, pair):
    url = reverse("source_merge", args=[pair["duplicate"].pk])
    before = last_event_id()

    page = as_reviewer.get(url)
    post = as_reviewer.post(url, {"into": pair["kirby"].pk})

    assert page.status_code == post.status_code == 403
    assert "Only editors can merge sources." in post.content.decode()
    assert last_event_id() == before
    assert Source.objects.filter(pk=pair["duplicate"].pk).exists()


def test_unknown_source_is_a_404(as_editor, db):
    assert as_editor.get(reverse("source_merge", args=[999999])).status_code == 404
    assert as_editor.post(reverse("source_delete", args=[999999]), {}).status_code == 404


# --- Delete or replace ---------------------------------------------------------------------


def test_a_source_nothing_cites_is_deleted(as_editor, db):
    lone = factories.make_source("Nobody cites me")
    url = reverse("source_delete", args=[lone.pk])

    page = as_editor.get(url).content.decode()
    response = as_editor.post(url, {"action": "delete", "reason": "Typo"}, follow=True)

    assert "Nothing cites this source" in page
    assert response.redirect_chain[-1][0] == reverse("sources")
    assert "“Nobody cites me” was deleted." in response.content.decode()
    assert not Source.objects.filter(pk=lone.pk).exists()
    event = AuditEvent.objects.get(action="source.deleted", object_id=lone.pk)
    assert event.reason == "Typo"


def test_a_cited_source_is_not_deleted(as_editor, pair):
    before = last_event_id()

    response = as_editor.post(
        reverse("source_delete", args=[pair["kirby"].pk]), {"action": "delete"}
    )

    assert response.status_code == 422
    assert "merge it into another source instead" in response.content.decode()
    assert last_event_id() == before


def test_replacing_moves_the_uses_and_deletes_the_source(as_editor, pair):
    wire, afp = pair["wire"], pair["afp"]
    newswire = factories.make_source("Reuters", type_slug="news_agency")
    url = reverse("source_delete", args=[wire.pk])
    relayed = Attribution.objects.get(intermediary=wire)

    preview = as_editor.get(url, {"by": newswire.pk}).content.decode()
    response = as_editor.post(url, {"action": "replace", "by": newswire.pk}, follow=True)

    assert '<strong id="n-relayed">1</strong>' in preview
    assert response.redirect_chain[-1][0] == reverse("source_detail", args=[newswire.pk])
    assert Attribution.objects.get(pk=relayed.pk).intermediary == newswire
    assert Attribution.objects.get(pk=relayed.pk).source == afp
    assert not Source.objects.filter(pk=wire.pk).exists()
    assert Source.objects.get(pk=newswire.pk).aliases == []  # a replacement keeps no names
    event = AuditEvent.objects.get(action="source.replaced")
    assert event.object_id == str(wire.pk)
    assert event.changes["replaced_by"] == [None, {"id": newswire.pk, "name": "Reuters"}]
    assert event.changes["relays_moved"] == [None, [relayed.pk]]
    assert event.changes["attributions_moved"] == [None, []]
    assert event.changes["name"] == ["AFP wire", None]
    activity = as_editor.get(reverse("activity")).content.decode()
    assert "ed replaced the source “AFP wire” with “Reuters”" in activity


def test_replacing_adds_up(as_editor, pair):
    kirby, duplicate = pair["kirby"], pair["duplicate"]
    cited = Attribution.objects.filter(source=kirby).count()
    moving = Attribution.objects.filter(source=duplicate).count()

    as_editor.post(
        reverse("source_delete", args=[duplicate.pk]), {"action": "replace", "by": kirby.pk}
    )

    # One of the duplicate's claims already cites Kirby: that attribution goes.
    assert Attribution.objects.filter(source=kirby).count() == cited + moving - 1


def test_replacing_needs_a_replacement(as_editor, pair):
    before = last_event_id()

    response = as_editor.post(
        reverse("source_delete", args=[pair["duplicate"].pk]), {"action": "replace"}
    )

    assert response.status_code == 422
    assert "Choose the source that replaces this one." in response.content.decode()
    assert last_event_id() == before


def test_a_reviewer_cannot_delete_a_source(as_reviewer, db):
    lone = factories.make_source("Nobody cites me")

    response = as_reviewer.post(reverse("source_delete", args=[lone.pk]), {"action": "delete"})

    assert response.status_code == 403
    assert "Only editors can delete or replace sources." in response.content.decode()
    assert Source.objects.filter(pk=lone.pk).exists()


# --- Edit -----------------------------------------------------------------------------------


def test_a_reviewer_edits_a_source(as_reviewer, pair):
    url = reverse("source_edit", args=[pair["kirby"].pk])
    form = {
        "name": "John F. Kirby",
        "source_type": "named_spokesperson",
        "affiliation": "White House",
        "role": "Spokesperson",
        "aliases": "Kirby\nAdmiral Kirby\n",
        "reason": "Full name",
    }

    response = as_reviewer.post(url, form, follow=True)

    kirby = Source.objects.get(pk=pair["kirby"].pk)
    assert response.redirect_chain[-1][0] == reverse("source_detail", args=[kirby.pk])
    assert (kirby.name, kirby.affiliation, kirby.aliases) == (
        "John F. Kirby",
        "White House",
        ["Kirby", "Admiral Kirby"],
    )
    event = AuditEvent.objects.get(action="source.changed")
    assert event.changes["name"] == ["John Kirby", "John F. Kirby"]
    assert event.reason == "Full name"


def test_an_edit_to_a_taken_name_is_refused_on_the_field(as_reviewer, pair):
    before = last_event_id()

    response = as_reviewer.post(
        reverse("source_edit", args=[pair["duplicate"].pk]),
        {"name": "john kirby", "source_type": "named_spokesperson"},
    )

    assert response.status_code == 422
    assert "already has a source named “John Kirby”" in response.content.decode()
    assert last_event_id() == before


def test_a_viewer_cannot_edit(client, viewer, pair):
    client.force_login(viewer)

    response = client.get(reverse("source_edit", args=[pair["kirby"].pk]))

    assert response.status_code == 403
    assert "Your role cannot edit sources." in response.content.decode()


# --- Source types -----------------------------------------------------------------------


def test_an_editor_adds_a_type(as_editor, db):
    response = as_editor.post(
        reverse("source_types") + "add/",
        {"name": "Court filing", "description": "A judge's ruling"},
        follow=True,
    )

    added = SourceType.objects.get(name="Court filing")
    assert added.slug == "court_filing"
    assert "The source type “Court filing” was added." in response.content.decode()
    assert AuditEvent.objects.filter(action="source_type.created", object_id=added.pk).exists()


def test_a_type_in_use_cannot_be_deleted_only_retired(as_editor, pair):
    spokesperson = SourceType.objects.get(slug="named_spokesperson")
    before = last_event_id()

    refused = as_editor.post(
        reverse("source_type_delete", args=[spokesperson.pk]), {"confirm": "delete"}
    )
    assert refused.status_code == 422
    assert "cannot be deleted: retire it instead" in refused.content.decode()
    assert last_event_id() == before

    as_editor.post(reverse("source_type_change", args=[spokesperson.pk]), {"action": "retire"})

    spokesperson.refresh_from_db()
    assert spokesperson.retired
    event = AuditEvent.objects.get(action="source_type.changed")
    assert event.changes == {"retired": [False, True]}
    assert Source.objects.get(pk=pair["kirby"].pk).source_type == spokesperson


def test_an_unused_type_is_deleted(as_editor, db):
    unused = services.source_type_create(actor=None, name="Leaflet")

    page = as_editor.get(reverse("source_types")).content.decode()
    as_editor.post(reverse("source_type_delete", args=[unused.pk]), {"confirm": "delete"})

    assert reverse("source_type_delete", args=[unused.pk]) in page
    assert not SourceType.objects.filter(pk=unused.pk).exists()
    assert AuditEvent.objects.filter(action="source_type.deleted").exists()


def test_a_retired_type_is_not_offered_for_a_new_source(as_editor, pair):
    agency = SourceType.objects.get(slug="news_agency")
    as_editor.post(reverse("source_type_change", args=[agency.pk]), {"action": "retire"})
    claim = pair["claims"]["One"]

    review = as_editor.get(reverse("claim_detail", args=[claim.pk])).content.decode()
    refused = as_editor.post(
        reverse("attribution_add", args=[claim.pk]),
        {
            "version": Claim.objects.get(pk=claim.pk).version,
            "new_source_name": "Reuters",
            "new_source_type": "news_agency",
            "quote_mode": "paraphrase",
        },
        HTTP_HX_REQUEST="true",
    )
    edit = as_editor.get(reverse("source_edit", args=[pair["kirby"].pk])).content.decode()
    kept = as_editor.get(reverse("source_edit", args=[pair["afp"].pk])).content.decode()

    assert 'value="news_agency"' not in review
    assert refused.status_code == 422
    assert not Source.objects.filter(name="Reuters").exists()
    assert 'value="news_agency"' not in edit
    assert 'value="news_agency" selected' in kept  # AFP keeps its type
    with pytest.raises(services.DomainError, match="is retired"):
        services.source_create(actor=None, name="Reuters", source_type=agency)


def test_a_retired_type_is_brought_back(as_editor, db):
    agency = SourceType.objects.get(slug="news_agency")
    services.source_type_update(actor=None, source_type=agency, retired=True)

    response = as_editor.post(
        reverse("source_type_change", args=[agency.pk]), {"action": "restore"}, follow=True
    )

    agency.refresh_from_db()
    assert not agency.retired
    assert "is offered again for new sources" in response.content.decode()


def test_a_type_is_renamed_and_described(as_editor, db):
    ministry = SourceType.objects.get(slug="ministry")

    as_editor.post(
        reverse("source_type_change", args=[ministry.pk]),
        {"action": "save", "name": "Ministry or agency", "description": "Any ministry"},
    )

    ministry.refresh_from_db()
    assert (ministry.name, ministry.description, ministry.slug) == (
        "Ministry or agency",
        "Any ministry",
        "ministry",
    )


def test_a_type_needs_a_name(as_editor, db):
    ministry = SourceType.objects.get(slug="ministry")
    before = last_event_id()

    response = as_editor.post(
        reverse("source_type_change", args=[ministry.pk]), {"action": "save", "name": " "}
    )

    assert response.status_code == 422
    assert "A source type needs a name." in response.content.decode()
    assert last_event_id() == before


def test_a_type_cannot_take_another_types_name(as_editor, db):
    spokesperson = SourceType.objects.get(slug="named_spokesperson")
    before = last_event_id()

    response = as_editor.post(
        reverse("source_type_change", args=[spokesperson.pk]),
        {"action": "save", "name": "  mINISTRY ", "description": "Any ministry"},
    )
    added = as_editor.post(reverse("source_type_add"), {"name": "ministry  ", "description": ""})

    assert response.status_code == 422
    assert "There is already a source type “Ministry”" in response.content.decode()
    assert added.status_code == 422
    assert SourceType.objects.filter(name__iexact="ministry").count() == 1
    assert SourceType.objects.get(pk=spokesperson.pk).name == spokesperson.name
    assert last_event_id() == before


def test_the_unattributed_type_is_neither_retired_nor_deleted(as_editor, db):
    unattributed = SourceType.objects.get(slug="unattributed")
    before = last_event_id()

    retired = as_editor.post(
        reverse("source_type_change", args=[unattributed.pk]), {"action": "retire"}
    )
    deleted = as_editor.post(
        reverse("source_type_delete", args=[unattributed.pk]), {"confirm": "delete"}
    )

    assert retired.status_code == 422
    assert "cannot be retired: the claims with no source count" in retired.content.decode()
    assert deleted.status_code == 422
    assert "cannot be deleted" in deleted.content.decode()
    assert not SourceType.objects.get(slug="unattributed").retired
    assert last_event_id() == before


def test_a_reviewer_cannot_change_types_and_sees_no_forms(as_reviewer, db):
    ministry = SourceType.objects.get(slug="ministry")

    page = as_reviewer.get(reverse("source_types"))
    refused = as_reviewer.post(
        reverse("source_type_change", args=[ministry.pk]), {"action": "retire"}
    )

    assert page.status_code == 200
    assert reverse("source_type_change", args=[ministry.pk]) not in page.content.decode()
    assert refused.status_code == 403
    assert "Only editors can change source types." in refused.content.decode()
    assert not SourceType.objects.get(pk=ministry.pk).retired


# --- Delete an article ------------------------------------------------------------------


@pytest.fixture
def annotated(reviewer, pair):
    claim = pair["claims"]["One"]
    services.evidence_add(actor=reviewer, claim=claim, url="https://example.org/a")
    services.note_add(actor=reviewer, claim=claim, body="Call the desk")
    return pair["article"]


def test_the_delete_page_counts_what_goes(as_editor, annotated):
    response = as_editor.get(reverse("article_delete", args=[annotated.pk]))

    body = response.content.decode()
    assert response.context["goes"] == {
        "claims": 4,
        "signed_off": 0,
        "attributions": 5,
        "evidence": 1,
        "notes": 1,
    }
    assert "Type the article's number" in body
    assert f"<strong>{annotated.pk}</strong>" in body


def test_the_article_is_deleted_with_the_right_number(as_editor, annotated):
    url = reverse("article_delete", args=[annotated.pk])

    response = as_editor.post(url, {"confirmation": str(annotated.pk), "reason": "Duplicate"})

    assert response.status_code == 302
    assert not Article.objects.filter(pk=annotated.pk).exists()
    assert not Claim.objects.filter(article_id=annotated.pk).exists()
    event = AuditEvent.objects.get(action="article.deleted")
    assert event.changes["claims"] == [4, 0]
    assert event.reason == "Duplicate"
    assert AuditEvent.objects.filter(action="claim.deleted").count() == 4


@pytest.mark.parametrize("typed", ["", "12345678", "Ceasefire talks", "one"])
def test_a_wrong_confirmation_deletes_nothing(as_editor, annotated, typed):
    before = last_event_id()

    response = as_editor.post(
        reverse("article_delete", args=[annotated.pk]), {"confirmation": typed}
    )

    assert response.status_code == 422
    body = response.content.decode()
    assert "nothing was deleted.</p>" in body or "number to confirm.</p>" in body
    assert Article.objects.filter(pk=annotated.pk).exists()
    assert last_event_id() == before


def test_an_article_with_signed_off_claims_is_not_deleted(as_editor, reviewer, editor, annotated):
    sign_off(Claim.objects.get(article=annotated, text="Four"), reviewer, editor)

    page = as_editor.get(reverse("article_delete", args=[annotated.pk])).content.decode()
    refused = as_editor.post(
        reverse("article_delete", args=[annotated.pk]), {"confirmation": str(annotated.pk)}
    )

    assert "1 claim is signed off" in page
    assert refused.status_code == 422
    assert "signed-off claims" in refused.content.decode()
    assert Article.objects.filter(pk=annotated.pk).exists()


def test_only_editors_see_and_use_article_deletion(client, reviewer, editor, annotated):
    url = reverse("article_delete", args=[annotated.pk])
    client.force_login(reviewer)
    review_page = client.get(reverse("review", args=[annotated.pk])).content.decode()
    refused = client.post(url, {"confirmation": str(annotated.pk)})
    client.force_login(editor)
    editor_page = client.get(reverse("review", args=[annotated.pk])).content.decode()

    assert url not in review_page
    assert refused.status_code == 403
    assert "Only editors can delete articles." in refused.content.decode()
    assert url in editor_page
    assert Article.objects.filter(pk=annotated.pk).exists()


@pytest.mark.parametrize("view", ["source_merge", "source_delete"])
def test_a_null_character_in_the_choosers_search_is_refused_in_words(as_editor, pair, view):
    response = as_editor.get(reverse(view, args=[pair["duplicate"].pk]), {"q": "Kir\x00by"})

    assert response.status_code == 400
    assert "Search words: Null characters are not allowed." in response.content.decode()
    assert Source.objects.filter(pk=pair["duplicate"].pk).exists()
