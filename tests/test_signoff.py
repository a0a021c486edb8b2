"""What a signed-off claim publishes does not change behind its back (issue 8, point 4)."""

import datetime
import json

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from factcheck import services
from factcheck.models import AuditEvent, Claim
from tests import factories


@pytest.fixture
def signed(reviewer, editor):
    """A claim attributed to a named spokesperson, proposed false and signed off."""
    article = factories.make_article(
        title="Hurt in the blast",
        outlet="Daily Ledger",
        url="https://ledger.example/blast",
        published_on=datetime.date(2026, 11, 30),
    )
    claim = factories.make_claim(article=article)
    source = factories.make_source("John Kirby", type_slug="named_spokesperson")
    services.attribution_add(actor=reviewer, claim=claim, source=source, mention_text="Kirby")
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_update(actor=reviewer, claim=claim, rationale="The hospital count differs.")
    services.evidence_add(actor=reviewer, claim=claim, url="https://example.org/hospital")
    services.claim_set_status(actor=reviewer, claim=claim, status="false")
    return services.verdict_sign_off(actor=editor, claim=claim)


def claim_review(client, claim: Claim) -> dict:
    response = client.get(reverse("claim_review_jsonld", args=[claim.pk]))
    assert response.status_code == 200
    return json.loads(response.content)


def test_sign_off_stores_what_the_verdict_publishes(signed):
    frozen = Claim.objects.get(pk=signed.pk).sign_off_snapshot

    assert frozen["claim"]["text"] == signed.text
    assert frozen["article"] == {
        "id": signed.article_id,
        "title": "Hurt in the blast",
        "outlet": "Daily Ledger",
        "url": "https://ledger.example/blast",
        "published_on": "2026-11-30",
    }
    assert [(s["name"], s["type"]) for s in frozen["sources"]] == [
        ("John Kirby", "named_spokesperson")
    ]
    assert frozen["verdict"] == "false"
    assert frozen["rationale"] == "The hospital count differs."
    assert frozen["evidence"] == [{"url": "https://example.org/hospital", "title": ""}]
    assert (frozen["proposed_by"], frozen["signed_off_by"]) == ("rita", "ed")
    event = AuditEvent.objects.filter(action="verdict.signed_off").get()
    assert event.changes["sign_off_snapshot"] == [None, frozen]


def test_renaming_the_source_or_retitling_the_article_leaves_the_claim_review_as_signed(
    client, signed, editor
):
    client.force_login(editor)
    before = claim_review(client, signed)
    source = signed.attributions.get().source

    services.source_update(
        actor=editor,
        source=source,
        name="Adm. John Kirby",
        source_type=factories.source_type("government_office"),
    )
    services.article_update(
        actor=editor, article=signed.article, title="A new headline", outlet="Ledger Online"
    )

    after = claim_review(client, signed)
    assert after == before
    assert after["itemReviewed"]["author"] == {"@type": "Person", "name": "John Kirby"}
    assert after["itemReviewed"]["appearance"]["headline"] == "Hurt in the blast"
    assert after["itemReviewed"]["appearance"]["publisher"]["name"] == "Daily Ledger"
    bulk = json.loads(b"".join(client.get(reverse("claim_reviews_jsonld")).streaming_content))
    assert bulk == [before]


def test_the_panel_says_what_changed_since_sign_off(client, signed, editor):
    client.force_login(editor)
    source = signed.attributions.get().source
    services.source_update(actor=editor, source=source, name="Adm. John Kirby")
    services.article_update(actor=editor, article=signed.article, outlet="Ledger Online")

    body = client.get(reverse("claim_detail", args=[signed.pk])).content.decode()

    assert "Changed since sign-off" in body
    assert "The source “John Kirby” has been renamed “Adm. John Kirby”." in body
    assert "The article’s outlet has changed from “Daily Ledger” to “Ledger Online”." in body


def test_an_unchanged_signed_off_claim_shows_no_drift(client, signed, editor):
    client.force_login(editor)

    body = client.get(reverse("claim_detail", args=[signed.pk])).content.decode()

    assert "Changed since sign-off" not in body


def test_reopening_clears_the_snapshot_and_a_new_sign_off_takes_a_new_one(signed, reviewer, editor):
    other = factories.make_user("Editor", username="olga")
    source = signed.attributions.get().source
    services.claim_reopen(actor=editor, claim=signed, reason="Source renamed")
    services.source_update(actor=editor, source=source, name="Adm. John Kirby")
    services.claim_set_status(actor=reviewer, claim=signed, status="false")

    resigned = services.verdict_sign_off(actor=other, claim=signed)

    assert resigned.sign_off_snapshot["sources"][0]["name"] == "Adm. John Kirby"
    reopen = AuditEvent.objects.filter(action="claim.reopened").get()
    assert reopen.changes["sign_off_snapshot"][1] is None


# Whoever changes what a verdict publishes after it was proposed may not sign it off.


@pytest.fixture
def proposed(reviewer):
    """A claim attributed to John Kirby (relayed by AFP), proposed false by the reviewer."""
    claim = factories.make_claim()
    kirby = factories.make_source("John Kirby", type_slug="named_spokesperson")
    afp = factories.make_source("AFP", type_slug="news_agency")
    services.attribution_add(
        actor=reviewer, claim=claim, source=kirby, mention_text="Kirby", intermediary=afp
    )
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_update(actor=reviewer, claim=claim, rationale="The hospital count differs.")
    services.evidence_add(actor=reviewer, claim=claim, url="https://example.org/hospital")
    return services.claim_set_status(actor=reviewer, claim=claim, status="false")


def version_of(claim: Claim) -> str:
    return str(Claim.objects.get(pk=claim.pk).version)


def add_a_source(client, claim):
    return client.post(
        reverse("attribution_add", args=[claim.pk]),
        {
            "new_source_name": "Editor's own source",
            "new_source_type": "organization",
            "quote_mode": "paraphrase",
            "version": version_of(claim),
        },
    )


def remove_its_source(client, claim):
    attribution = claim.attributions.get()
    return client.post(
        reverse("attribution_remove", args=[attribution.pk]), {"version": version_of(claim)}
    )


def edit_the_mention_cue_and_relay(client, claim):
    attribution = claim.attributions.get()
    return client.post(
        reverse("attribution_edit", args=[attribution.pk]),
        {
            "mention_text": "a spokesman",
            "cue": "claimed",
            "quote_mode": "direct",
            "intermediary": "",
            "version": version_of(claim),
        },
    )


def rename_its_source(client, claim):
    source = claim.attributions.get().source
    return client.post(
        reverse("source_edit", args=[source.pk]),
        {
            "name": "John F. Kirby",
            "source_type": source.source_type.slug,
            "is_anonymous": "",
            "affiliation": "",
            "role": "",
            "aliases": "",
        },
    )


@pytest.mark.parametrize(
    "change",
    [add_a_source, remove_its_source, edit_the_mention_cue_and_relay, rename_its_source],
    ids=["add a source", "remove its source", "edit the attribution", "rename its source"],
)
def test_an_editor_who_changed_what_the_verdict_publishes_cannot_sign_it_off(
    client, proposed, editor, change
):
    client.force_login(editor)
    changed = change(client, proposed)
    assert changed.status_code in (200, 302), changed.content[:500]
    assert Claim.objects.get(pk=proposed.pk).version > proposed.version or (
        change is rename_its_source
    )

    response = client.post(
        reverse("claim_sign_off", args=[proposed.pk]), {"version": version_of(proposed)}
    )

    assert response.status_code == 422
    assert "changed what it publishes" in response.text
    assert not Claim.objects.get(pk=proposed.pk).is_locked
    second = factories.make_user("Editor", username="ed2")
    signed = services.verdict_sign_off(actor=second, claim=proposed)
    assert signed.is_locked


def test_an_editor_who_changed_nothing_published_may_still_sign_off(client, proposed, editor):
    client.force_login(editor)
    client.post(
        reverse("note_add", args=[proposed.pk]),
        {"body": "Looks right to me.", "version": version_of(proposed)},
    )
    services.claim_update(actor=editor, claim=proposed, assigned_to=editor)

    response = client.post(
        reverse("claim_sign_off", args=[proposed.pk]), {"version": version_of(proposed)}
    )

    assert response.status_code == 302
    assert proposed.notes.count() == 1
    assert Claim.objects.get(pk=proposed.pk).signed_off_by == editor


def test_a_superuser_who_moved_the_span_in_the_admin_cannot_sign_it_off(admin_client, proposed):
    from tests.test_admin import admin_url, form_data

    admin = User.objects.get(username="admin")
    url = admin_url(Claim, "change", proposed.pk)
    data = form_data(admin_client.get(url))
    data["start"], data["end"] = proposed.start, proposed.end - 1
    data["text"] = proposed.text[:-1]

    saved = admin_client.post(url, data)

    assert saved.status_code == 302, saved.text[:2000]
    moved = Claim.objects.get(pk=proposed.pk)
    assert (moved.text, moved.proposed_by.username) == (proposed.text[:-1], "rita")
    with pytest.raises(services.DomainError, match="changed what it publishes"):
        services.verdict_sign_off(actor=admin, claim=moved)
    assert not Claim.objects.get(pk=proposed.pk).is_locked


def test_a_superuser_who_edited_the_attribution_in_the_admin_cannot_sign_it_off(
    admin_client, proposed
):
    from factcheck.models import Attribution
    from tests.test_admin import admin_url, form_data

    admin = User.objects.get(username="admin")
    attribution = proposed.attributions.get()
    url = admin_url(Attribution, "change", attribution.pk)
    data = form_data(admin_client.get(url))
    data["cue"] = "denied"

    saved = admin_client.post(url, data)

    assert saved.status_code == 302, saved.text[:2000]
    with pytest.raises(services.DomainError, match="changed what it publishes"):
        services.verdict_sign_off(actor=admin, claim=proposed)


def test_the_panel_lists_a_changed_publication_date_and_says_added_for_an_empty_value(
    client, editor, reviewer
):
    article = factories.make_article(
        title="Hurt in the blast", published_on=datetime.date(2026, 11, 30)
    )
    claim = factories.make_claim(article=article)
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_update(actor=reviewer, claim=claim, rationale="No record of it.")
    services.claim_set_status(actor=reviewer, claim=claim, status="unverifiable")
    services.verdict_sign_off(actor=editor, claim=claim)
    services.article_update(
        actor=editor,
        article=article,
        outlet="Breitbart",
        published_on=datetime.date(2026, 12, 1),
    )
    client.force_login(editor)

    body = client.get(reverse("claim_detail", args=[claim.pk])).content.decode()

    assert "The article’s publication date has changed from “30 Nov 2026” to “1 Dec 2026”." in body
    assert "The article’s outlet “Breitbart” has been added." in body
    assert "from “”" not in body
