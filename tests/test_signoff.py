"""What a signed-off claim publishes does not change behind its back (issue 8, point 4)."""

import datetime
import json

import pytest
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
