from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from factcheck import services
from factcheck.admin import audit_events_url
from factcheck.models import (
    Article,
    Attribution,
    AuditEvent,
    Claim,
    EvidenceLink,
    Note,
    Source,
    SourceType,
    VerificationStatus,
)
from tests import factories

# Enough for a changelist page whatever the number of rows; an N+1 would blow it.
MAX_CHANGELIST_QUERIES = 12


def admin_url(model, view: str = "changelist", *args: Any) -> str:
    return reverse(f"admin:factcheck_{model._meta.model_name}_{view}", args=args)


def form_data(response) -> dict[str, Any]:
    """Return what a browser would post back from an admin form as it was rendered."""
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = "" if value is None else value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    data["_save"] = "Save"
    return data


def offered_actions(changelist) -> set[str]:
    action_form = changelist.context["action_form"]
    if action_form is None:
        return set()
    return {name for name, _ in action_form.fields["action"].choices if name}


def staff_client(role: str) -> tuple[Client, Any]:
    user = factories.make_user(role, is_staff=True)
    client = Client()
    client.force_login(user)
    return client, user


@pytest.fixture
def world(db):
    """One of everything, made through the services as the application makes it."""
    article = factories.make_article()
    claim = factories.make_claim(article=article)
    source = factories.make_source("Ministry of Health", aliases=["Health Ministry"])
    agency = factories.make_source("AFP", type_slug="news_agency")
    attribution = services.attribution_add(
        actor=None, claim=claim, source=source, intermediary=agency, cue="said"
    )
    link = services.evidence_add(actor=None, claim=claim, url="https://example.org/report")
    note = services.note_add(actor=None, claim=claim, body="Check the casualty figure.")
    return SimpleNamespace(
        article=article,
        claim=claim,
        source=source,
        attribution=attribution,
        link=link,
        note=note,
        source_type=source.source_type,
        event=AuditEvent.objects.first(),
    )


ALL_MODELS = {
    "article": Article,
    "claim": Claim,
    "source": Source,
    "source_type": SourceType,
    "attribution": Attribution,
    "link": EvidenceLink,
    "note": Note,
    "event": AuditEvent,
}


@pytest.mark.parametrize("name", ALL_MODELS)
def test_every_changelist_change_page_and_search_renders(admin_client, world, name):
    model = ALL_MODELS[name]
    obj = getattr(world, name)

    changelist = admin_client.get(admin_url(model))
    search = admin_client.get(admin_url(model), {"q": "health"})
    change = admin_client.get(admin_url(model, "change", obj.pk))

    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count >= 1
    assert search.status_code == 200
    assert change.status_code == 200


@pytest.mark.parametrize("model", [m for m in ALL_MODELS.values() if m is not AuditEvent])
def test_every_add_page_renders(admin_client, db, model):
    response = admin_client.get(admin_url(model, "add"))

    assert response.status_code == 200


def test_the_site_names_itself(admin_client):
    response = admin_client.get(reverse("admin:index"))

    assert "Factcheck workbench admin" in response.text


def test_claim_search_by_id_and_by_text(admin_client, world):
    other = factories.make_claim(article=world.article, phrase="A spokesperson told AFP")

    by_id = admin_client.get(admin_url(Claim), {"q": str(other.pk)})
    by_text = admin_client.get(admin_url(Claim), {"q": "spokesperson"})

    found = list(by_id.context["cl"].result_list)
    assert other in found
    # Any other hit holds the id in its text ("12 people" for id 2): the factories number them.
    assert all(str(other.pk) in claim.text for claim in found if claim != other)
    assert list(by_text.context["cl"].result_list) == [other]


@pytest.mark.parametrize("model", [Article, Claim, Source, Attribution, AuditEvent])
def test_changelist_queries_do_not_grow_with_rows(
    admin_client, db, model, django_assert_max_num_queries
):
    agency = factories.make_source("Reuters", type_slug="news_agency")
    reviewer = factories.make_user("Reviewer")
    for _ in range(3):
        article = factories.make_article()
        for phrase in (
            "The ministry said",
            "on Monday",
            "people were hurt",
            "A spokesperson",
            "told AFP",
            "the figure would rise",
            "ministry",
            "Monday",
            "were",
            "AFP",
        ):
            claim = factories.make_claim(article=article, phrase=phrase)
            services.claim_update(actor=None, claim=claim, assigned_to=reviewer)
            services.attribution_add(
                actor=None, claim=claim, source=factories.make_source(), intermediary=agency
            )
    assert Claim.objects.count() == 30

    with django_assert_max_num_queries(MAX_CHANGELIST_QUERIES):
        response = admin_client.get(admin_url(model))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 3


def test_adding_a_source_writes_it_and_its_audit_event(admin_client, admin_user, db):
    ministry = factories.source_type("ministry")

    response = admin_client.post(
        admin_url(Source, "add"),
        {
            "name": "Ministry of Defence",
            "source_type": ministry.pk,
            "affiliation": "Government",
            "role": "",
            "aliases": "MoD\r\nDefence Ministry, UK\r\n",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    source = Source.objects.get(name="Ministry of Defence")
    assert source.aliases == ["MoD", "Defence Ministry, UK"]
    event = AuditEvent.objects.get(action="source.created")
    assert event.actor == admin_user
    assert event.object_type == "source"
    assert event.object_id == str(source.pk)
    assert event.changes["aliases"] == [None, ["MoD", "Defence Ministry, UK"]]


def test_a_refused_source_shows_the_reason_and_writes_nothing(admin_client, world):
    events = AuditEvent.objects.count()

    response = admin_client.post(
        admin_url(Source, "add"),
        {"name": "ministry  of health", "source_type": world.source_type.pk, "_save": "Save"},
    )

    assert response.status_code == 200
    assert "already has a source named" in response.text
    assert Source.objects.filter(name__iexact="ministry of health").count() == 1
    assert AuditEvent.objects.count() == events


def test_editing_aliases_records_old_and_new(admin_client, admin_user, world):
    data = form_data(admin_client.get(admin_url(Source, "change", world.source.pk)))
    data["aliases"] = "Health Ministry\nMoH"

    response = admin_client.post(admin_url(Source, "change", world.source.pk), data)

    assert response.status_code == 302
    event = AuditEvent.objects.first()
    assert event.action == "source.changed"
    assert event.changes == {"aliases": [["Health Ministry"], ["Health Ministry", "MoH"]]}


def test_adding_a_claim_writes_it_and_its_audit_event(admin_client, admin_user, article):
    start = article.text.index("A spokesperson")

    response = admin_client.post(
        admin_url(Claim, "add"),
        {"article": article.pk, "start": start, "end": start + 14, "text": "", "_save": "Save"},
    )

    assert response.status_code == 302
    claim = Claim.objects.get(article=article, start=start)
    assert claim.text == "A spokesperson"
    event = AuditEvent.objects.first()
    assert (event.action, event.actor, event.object_id) == (
        "claim.created",
        admin_user,
        str(claim.pk),
    )


def test_changing_a_claims_rationale_is_audited(admin_client, admin_user, world):
    url = admin_url(Claim, "change", world.claim.pk)
    data = form_data(admin_client.get(url))
    data["rationale"] = "The ministry's own bulletin gives the same figure."

    response = admin_client.post(url, data)

    assert response.status_code == 302
    event = AuditEvent.objects.first()
    assert event.action == "claim.changed"
    assert event.actor == admin_user
    assert event.changes == {
        "rationale": ["", "The ministry's own bulletin gives the same figure."]
    }
    claim = Claim.objects.get(pk=world.claim.pk)
    assert claim.version == world.claim.version + 3  # attribution, evidence, this change


def test_changing_a_claims_status_goes_through_set_status(admin_client, admin_user, world):
    url = admin_url(Claim, "change", world.claim.pk)
    data = form_data(admin_client.get(url))
    data["status"] = VerificationStatus.IN_PROGRESS

    response = admin_client.post(url, data)

    assert response.status_code == 302
    event = AuditEvent.objects.first()
    assert event.action == "claim.status_changed"
    assert event.actor == admin_user
    assert event.changes == {"status": ["unverified", "in_progress"]}


def test_rationale_and_verdict_in_one_save_are_two_audited_changes(admin_client, world):
    claim = services.claim_set_status(
        actor=None, claim=world.claim, status=VerificationStatus.IN_PROGRESS
    )
    url = admin_url(Claim, "change", claim.pk)
    data = form_data(admin_client.get(url))
    data.update(rationale="Matches the bulletin.", status=VerificationStatus.VERIFIED)

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert [e.action for e in AuditEvent.objects.all()[:2]] == [
        "verdict.proposed",
        "claim.changed",
    ]


def test_an_invalid_transition_is_shown_and_nothing_is_written(admin_client, world):
    url = admin_url(Claim, "change", world.claim.pk)
    data = form_data(admin_client.get(url))
    data.update(rationale="A reason", status=VerificationStatus.FALSE)
    events = AuditEvent.objects.count()

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "cannot go from unverified to false" in response.text
    assert response.context["adminform"].form.errors["status"]
    # The rationale went in the same save: it was rolled back with the refused status.
    assert Claim.objects.get(pk=world.claim.pk).rationale == ""
    assert AuditEvent.objects.count() == events


def test_claim_offsets_that_do_not_match_the_text_are_refused(admin_client, world):
    url = admin_url(Claim, "change", world.claim.pk)
    data = form_data(admin_client.get(url))
    data["start"] = world.claim.start + 4
    events = AuditEvent.objects.count()

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "does not match the article" in response.text
    claim = Claim.objects.get(pk=world.claim.pk)
    assert (claim.start, claim.end, claim.text) == (
        world.claim.start,
        world.claim.end,
        world.claim.text,
    )
    assert AuditEvent.objects.count() == events


def test_claim_offsets_outside_the_text_are_refused(admin_client, world):
    url = admin_url(Claim, "change", world.claim.pk)
    data = form_data(admin_client.get(url))
    data.update(start=5, end=100_000, text="")
    events = AuditEvent.objects.count()

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "fall outside the article text" in response.text
    assert AuditEvent.objects.count() == events


def test_new_offsets_with_their_text_move_the_claim(admin_client, world):
    url = admin_url(Claim, "change", world.claim.pk)
    data = form_data(admin_client.get(url))
    start = world.article.text.index("people were hurt")
    data.update(start=start, end=start + 16, text="people were hurt")

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert Claim.objects.get(pk=world.claim.pk).text == "people were hurt"
    assert AuditEvent.objects.first().changes["text"][1] == "people were hurt"


def test_claim_offsets_in_other_digits_are_refused(admin_client, world):
    url = admin_url(Claim, "change", world.claim.pk)
    data = form_data(admin_client.get(url))
    start = world.article.text.index("people were hurt")
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    data.update(
        start=str(start).translate(arabic),
        end=str(start + 16).translate(arabic),
        text="people were hurt",
    )
    events = AuditEvent.objects.count()

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "Enter a whole number" in response.text
    assert Claim.objects.get(pk=world.claim.pk).text == world.claim.text
    assert AuditEvent.objects.count() == events


def test_a_stale_claim_form_gets_the_conflict_and_overwrites_nothing(admin_client, world):
    url = admin_url(Claim, "change", world.claim.pk)
    data = form_data(admin_client.get(url))
    services.claim_update(actor=None, claim=world.claim, rationale="Saved first by someone else.")
    events = AuditEvent.objects.count()
    data["rationale"] = "Saved second, from a stale form."

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "Someone else changed this claim" in response.text
    assert "Saved first by someone else." in response.text
    claim = Claim.objects.get(pk=world.claim.pk)
    assert claim.rationale == "Saved first by someone else."
    assert AuditEvent.objects.count() == events
    # The form now carries the current version: saving again is a deliberate overwrite.
    assert response.context["adminform"].form["expected_version"].value() == claim.version


def test_a_stale_attribution_form_gets_the_conflict_and_overwrites_nothing(admin_client, world):
    attribution = Attribution.objects.filter(claim=world.claim).first()
    url = admin_url(Attribution, "change", attribution.pk)
    data = form_data(admin_client.get(url))
    services.claim_update(actor=None, claim=world.claim, rationale="A change in between.")
    events = AuditEvent.objects.count()
    data["cue"] = "stale cue"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "Someone else changed this claim" in response.text
    attribution.refresh_from_db()
    assert attribution.cue != "stale cue"
    assert AuditEvent.objects.count() == events


def test_an_article_with_claims_keeps_its_text(admin_client, world):
    url = admin_url(Article, "change", world.article.pk)
    data = form_data(admin_client.get(url))
    data["text"] = world.article.text + "\n\nA late paragraph."
    events = AuditEvent.objects.count()

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "cannot be edited" in response.text
    assert Article.objects.get(pk=world.article.pk).text == world.article.text
    assert AuditEvent.objects.count() == events


def test_an_article_title_change_is_audited(admin_client, admin_user, world):
    url = admin_url(Article, "change", world.article.pk)
    data = form_data(admin_client.get(url))
    # A browser sends the textarea back with CRLF line endings: that is not a change.
    data["text"] = world.article.text.replace("\n", "\r\n")
    data["title"] = "A better title"

    response = admin_client.post(url, data)

    assert response.status_code == 302
    event = AuditEvent.objects.first()
    assert (event.action, event.actor) == ("article.changed", admin_user)
    assert event.changes == {"title": [world.article.title, "A better title"]}


def test_deleting_a_claim_in_the_admin_is_audited(admin_client, admin_user, world):
    response = admin_client.post(admin_url(Claim, "delete", world.claim.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Claim.objects.filter(pk=world.claim.pk).exists()
    event = AuditEvent.objects.first()
    assert (event.action, event.actor, event.object_id) == (
        "claim.deleted",
        admin_user,
        str(world.claim.pk),
    )


def test_bulk_deleting_claims_audits_each_one(admin_client, admin_user, world):
    other = factories.make_claim(article=world.article, phrase="A spokesperson told AFP")
    ids = [world.claim.pk, other.pk]

    confirm = admin_client.post(
        admin_url(Claim), {"action": "delete_selected", "_selected_action": ids}
    )
    response = admin_client.post(
        admin_url(Claim), {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    )

    assert confirm.status_code == 200
    assert response.status_code == 302
    assert not Claim.objects.filter(pk__in=ids).exists()
    deleted = AuditEvent.objects.filter(action="claim.deleted")
    assert sorted(deleted.values_list("object_id", flat=True)) == sorted(map(str, ids))
    assert {event.actor for event in deleted} == {admin_user}


def test_a_refused_delete_shows_why_and_keeps_everything(admin_client, world):
    events = AuditEvent.objects.count()

    response = admin_client.post(
        admin_url(Source), {"action": "delete_selected", "_selected_action": [world.source.pk]}
    )

    # The source is still attributed: the page says so and offers no way to delete it.
    assert response.status_code == 200
    assert "Cannot delete" in response.text
    assert Source.objects.filter(pk=world.source.pk).exists()
    assert AuditEvent.objects.count() == events


def test_setting_claims_in_progress_in_bulk_audits_each_one(admin_client, admin_user, world):
    other = factories.make_claim(article=world.article, phrase="A spokesperson told AFP")

    response = admin_client.post(
        admin_url(Claim),
        {"action": "mark_in_progress", "_selected_action": [world.claim.pk, other.pk]},
    )

    assert response.status_code == 302
    changed = AuditEvent.objects.filter(action="claim.status_changed", actor=admin_user)
    assert sorted(changed.values_list("object_id", flat=True)) == sorted(
        [str(world.claim.pk), str(other.pk)]
    )


def test_adding_an_attribution_evidence_and_note_is_audited(admin_client, admin_user, world):
    spokesperson = factories.make_source("Ministry spokesperson", type_slug="named_spokesperson")

    responses = [
        admin_client.post(
            admin_url(Attribution, "add"),
            {
                "claim": world.claim.pk,
                "source": spokesperson.pk,
                "quote_mode": "paraphrase",
                "cue": "told",
                "_save": "Save",
            },
        ),
        admin_client.post(
            admin_url(EvidenceLink, "add"),
            {"claim": world.claim.pk, "url": "https://example.org/bulletin", "_save": "Save"},
        ),
        admin_client.post(
            admin_url(Note, "add"),
            {"claim": world.claim.pk, "body": "Asked the ministry.", "_save": "Save"},
        ),
    ]

    assert [r.status_code for r in responses] == [302, 302, 302]
    actions = list(AuditEvent.objects.filter(actor=admin_user).values_list("action", flat=True))
    assert actions == ["note.added", "evidence.added", "attribution.added"]


def test_the_claim_page_shows_its_related_objects_read_only(admin_client, world):
    response = admin_client.get(admin_url(Claim, "change", world.claim.pk))

    inlines = response.context["inline_admin_formsets"]
    assert [inline.formset.model for inline in inlines] == [Attribution, EvidenceLink, Note]
    assert not any(inline.has_add_permission for inline in inlines)
    assert not any(inline.has_change_permission for inline in inlines)
    assert not any(inline.has_delete_permission for inline in inlines)
    assert "Check the casualty figure." in response.text


def test_audit_events_cannot_be_added_changed_or_deleted(admin_client, world):
    event = world.event
    before = (event.action, event.changes, event.reason, event.hash)

    add = admin_client.get(admin_url(AuditEvent, "add"))
    view = admin_client.get(admin_url(AuditEvent, "change", event.pk))
    change = admin_client.post(
        admin_url(AuditEvent, "change", event.pk), {"reason": "rewritten", "_save": "Save"}
    )
    delete_page = admin_client.get(admin_url(AuditEvent, "delete", event.pk))
    delete = admin_client.post(admin_url(AuditEvent, "delete", event.pk), {"post": "yes"})
    changelist = admin_client.get(admin_url(AuditEvent))
    bulk = admin_client.post(
        admin_url(AuditEvent),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )

    assert add.status_code == 403
    assert view.status_code == 200
    assert not view.context["has_change_permission"]
    assert change.status_code == 403
    assert delete_page.status_code == 403
    assert delete.status_code == 403
    assert "delete_selected" not in offered_actions(changelist)
    assert bulk.status_code in (200, 302)
    event.refresh_from_db()
    assert (event.action, event.changes, event.reason, event.hash) == before


def test_an_audit_event_shows_its_changes_escaped(admin_client, db):
    factories.make_source("<b>Ministry</b> of Health", affiliation="<script>x()</script>")
    event = AuditEvent.objects.get(action="source.created")

    response = admin_client.get(admin_url(AuditEvent, "change", event.pk))

    assert "<strong>affiliation</strong>: ∅ → “&lt;script&gt;x()&lt;/script&gt;”" in response.text
    assert "<script>x()" not in response.text
    assert "<b>Ministry</b>" not in response.text


def test_an_object_page_links_to_its_own_audit_events(admin_client, world):
    other = factories.make_claim(article=world.article, phrase="A spokesperson told AFP")
    services.claim_update(actor=None, claim=other, rationale="Another claim's change")
    url = audit_events_url(object_type="claim", object_id=world.claim.pk)

    page = admin_client.get(admin_url(Claim, "change", world.claim.pk))
    events = admin_client.get(url)

    assert escape(url) in page.text
    shown = list(events.context["cl"].result_list)
    expected = AuditEvent.objects.filter(object_type="claim", object_id=str(world.claim.pk))
    assert shown == list(expected)
    assert {e.action for e in shown} == {"claim.created", "evidence.added"}


@pytest.mark.parametrize(
    ("name", "object_type"),
    [
        ("article", "article"),
        ("claim", "claim"),
        ("source", "source"),
        ("attribution", "attribution"),
        ("note", "note"),
    ],
)
def test_the_history_button_shows_the_objects_audit_events(admin_client, world, name, object_type):
    obj = getattr(world, name)

    response = admin_client.get(admin_url(type(obj), "history", obj.pk))
    events = admin_client.get(response.url)

    assert response.status_code == 302
    assert response.url == audit_events_url(object_type=object_type, object_id=obj.pk)
    shown = events.context["cl"].result_list
    assert shown
    assert all((e.object_type, e.object_id) == (object_type, str(obj.pk)) for e in shown)


def test_evidence_history_is_its_claims_evidence_events(admin_client, world):
    response = admin_client.get(admin_url(EvidenceLink, "history", world.link.pk))
    events = admin_client.get(response.url)

    assert [e.action for e in events.context["cl"].result_list] == ["evidence.added"]


def test_a_staff_viewer_can_look_but_not_change(world):
    client, _ = staff_client("Viewer")
    url = admin_url(Claim, "change", world.claim.pk)

    page = client.get(url)
    post = client.post(url, {"rationale": "nope", "_save": "Save"})
    events = client.get(admin_url(AuditEvent))

    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert post.status_code == 403
    assert events.status_code == 200
    assert Claim.objects.get(pk=world.claim.pk).rationale == ""


def test_a_staff_reviewer_changes_and_deletes_claims_as_themselves(world):
    client, reviewer = staff_client("Reviewer")
    url = admin_url(Claim, "change", world.claim.pk)
    data = form_data(client.get(url))
    data["rationale"] = "Reviewer's note"

    change = client.post(url, data)
    # The claim has a note, which a reviewer may not delete on its own: it goes with the claim.
    delete = client.post(admin_url(Claim, "delete", world.claim.pk), {"post": "yes"})

    assert change.status_code == 302
    assert delete.status_code == 302
    actions = list(AuditEvent.objects.filter(actor=reviewer).values_list("action", flat=True))
    assert actions == ["claim.deleted", "claim.changed"]


def test_a_reviewer_cannot_delete_an_article(world):
    client, _ = staff_client("Reviewer")

    response = client.post(admin_url(Article, "delete", world.article.pk), {"post": "yes"})

    assert response.status_code == 403
    assert Article.objects.filter(pk=world.article.pk).exists()


def test_someone_not_staff_gets_the_admin_login(world):
    client = Client()
    client.force_login(factories.make_user("Editor"))

    response = client.get(admin_url(Claim))

    assert response.status_code == 302
    assert reverse("admin:login") in response.url


def test_merging_sources_in_the_admin_moves_claims_and_is_audited(admin_client, admin_user, world):
    duplicate = factories.make_source("Health Ministry (Gaza)")
    other_claim = factories.make_claim(article=world.article, phrase="A spokesperson told AFP")
    services.attribution_add(actor=None, claim=other_claim, source=duplicate)
    selected = [world.source.pk, duplicate.pk]

    page = admin_client.post(
        admin_url(Source), {"action": "merge_sources", "_selected_action": selected}
    )
    response = admin_client.post(
        admin_url(Source),
        {
            "action": "merge_sources",
            "_selected_action": selected,
            "into": world.source.pk,
            "reason": "Same ministry",
            "apply": "Merge",
        },
    )

    assert page.status_code == 200
    assert "Choose the source to keep" in page.text
    assert response.status_code == 302
    assert not Source.objects.filter(pk=duplicate.pk).exists()
    assert other_claim.attributions.get().source == world.source
    deleted, merged = AuditEvent.objects.all()[:2]
    assert (merged.action, merged.actor, merged.reason) == (
        "source.merged",
        admin_user,
        "Same ministry",
    )
    assert (deleted.action, deleted.object_id) == ("source.deleted", str(duplicate.pk))


def test_only_those_who_may_merge_are_offered_the_merge(world):
    reviewer, _ = staff_client("Reviewer")
    editor, _ = staff_client("Editor")

    for_reviewer = offered_actions(reviewer.get(admin_url(Source)))
    for_editor = offered_actions(editor.get(admin_url(Source)))

    assert "merge_sources" not in for_reviewer
    assert {"merge_sources", "delete_selected"} <= for_editor


@pytest.fixture
def signed_off_claim(world):
    claim = world.claim
    services.claim_update(actor=None, claim=claim, rationale="Matches the report.")
    services.evidence_add(actor=None, claim=claim, url="https://example.org/signed-off-report")
    proposer = factories.make_user("Reviewer")
    services.claim_set_status(actor=proposer, claim=claim, status="in_progress")
    services.claim_set_status(actor=proposer, claim=claim, status="verified")
    services.verdict_sign_off(actor=factories.make_user("Editor"), claim=claim)
    return Claim.objects.get(pk=claim.pk)


def test_a_refused_delete_explains_and_keeps_the_claim(admin_client, signed_off_claim):
    events = AuditEvent.objects.count()

    response = admin_client.post(
        admin_url(Claim, "delete", signed_off_claim.pk), {"post": "yes"}, follow=True
    )

    # Refused on the confirmation page itself, naming the claim, and again if posted anyway.
    assert "Cannot delete" in response.text
    assert "is signed off: an editor must reopen it first." in response.text
    assert Claim.objects.filter(pk=signed_off_claim.pk).exists()
    assert AuditEvent.objects.count() == events


def test_a_refused_bulk_delete_deletes_none_of_the_selection(admin_client, signed_off_claim):
    # Earlier in the text, so it is deleted first, then rolled back with the refusal.
    headline = signed_off_claim.article.text.split("\n")[0]
    open_claim = factories.make_claim(article=signed_off_claim.article, phrase=headline)
    ids = [open_claim.pk, signed_off_claim.pk]
    events = AuditEvent.objects.count()

    response = admin_client.post(
        admin_url(Claim),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
        follow=True,
    )

    assert "Cannot delete" in response.text
    assert f"Claim #{signed_off_claim.pk}" in response.text
    assert Claim.objects.filter(pk__in=ids).count() == 2
    assert AuditEvent.objects.count() == events


def test_a_signed_off_claim_refuses_a_new_rationale_on_the_form(admin_client, signed_off_claim):
    url = admin_url(Claim, "change", signed_off_claim.pk)
    data = form_data(admin_client.get(url))
    data["rationale"] = "Rewritten after sign-off"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "signed off and locked" in response.text
    assert Claim.objects.get(pk=signed_off_claim.pk).rationale == "Matches the report."


def test_the_audit_pages_action_help_is_in_plain_words(admin_client, claim):
    event = AuditEvent.objects.get(action="claim.created", claim_id=claim.pk)

    body = admin_client.get(
        reverse("admin:factcheck_auditevent_change", args=[event.pk])
    ).content.decode()

    assert "A dotted verb." not in body
    assert "What was done, as a code" in body


def test_bulk_in_progress_names_the_claims_it_skipped_and_why(admin_client, reviewer, world):
    started = factories.make_claim(article=world.article, phrase="A spokesperson told AFP")
    services.claim_set_status(actor=reviewer, claim=started, status="in_progress")
    judged = factories.make_claim(article=world.article, phrase="the figure would rise")
    services.claim_set_status(actor=reviewer, claim=judged, status="in_progress")
    services.claim_update(actor=reviewer, claim=judged, rationale="Checked against the record.")
    services.evidence_add(actor=reviewer, claim=judged, url="https://example.org/record")
    services.claim_set_status(actor=reviewer, claim=judged, status="false")
    ids = [world.claim.pk, started.pk, judged.pk]

    response = admin_client.post(
        admin_url(Claim), {"action": "mark_in_progress", "_selected_action": ids}, follow=True
    )

    shown = [str(message) for message in response.context["messages"]]
    assert shown == [
        f"1 claim(s) set in progress; 1 already in progress; 1 skipped: "
        f"#{judged.pk}: it already has a verdict (False)."
    ]
