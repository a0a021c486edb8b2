"""Publishing: an editor publishes a signed-off verdict, which gets a public page (no login)
with its ClaimReview, joins the public feeds and the API's list; unpublishing or reopening
takes it off all of them."""

import json
import re

import pytest
from django.test import Client, override_settings

from factcheck import services
from factcheck.models import AuditEvent, Claim
from tests import factories


@pytest.fixture
def signed(reviewer, editor):
    article = factories.make_article(
        title="Harbour",
        text="Harbour\n\nOfficials said on Monday that the port would reopen on Friday. "
        "Fishermen were sceptical.",
        outlet="Coast Times",
        url="https://coast.example/harbour",
    )
    claim = factories.make_claim(article=article, phrase="the port would reopen on Friday")
    services.attribution_add(
        actor=reviewer, claim=claim, source=factories.make_source("Port Authority")
    )
    services.claim_update(actor=reviewer, claim=claim, rationale="The <b>notice</b> says so.")
    services.evidence_add(actor=reviewer, claim=claim, url="https://coast.example/notice")
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_set_status(actor=reviewer, claim=claim, status="verified")
    return services.verdict_sign_off(actor=editor, claim=claim)


def jsonld(page: str) -> dict:
    return json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)[1]
    )


@pytest.mark.django_db
def test_signing_off_is_not_publishing(client, signed):
    assert client.get(f"/published/{signed.pk}/").status_code == 404
    assert "port would reopen" not in client.get("/published/").content.decode()


@pytest.mark.django_db
def test_a_published_verdict_has_a_public_page_with_its_claimreview(client, signed, editor):
    client.force_login(editor)
    answer = client.post(f"/claims/{signed.pk}/publish/", {"version": signed.version})
    assert answer.status_code == 302  # back to the claim, as every step without htmx
    client.logout()

    page = client.get(f"/published/{signed.pk}/")

    assert page.status_code == 200
    body = page.content.decode()
    assert "<mark>the port would reopen on Friday</mark>" in body
    assert "Officials said on Monday that " in body  # the claim in its sentence
    assert "Port Authority" in body and "https://coast.example/notice" in body
    assert "&lt;b&gt;notice&lt;/b&gt;" in body  # the rationale as text, never markup
    review = jsonld(body)
    assert review["url"] == f"http://testserver/published/{signed.pk}/"
    assert review["reviewBody"] == "The <b>notice</b> says so."
    assert review["reviewRating"]["alternateName"] == "Verified"
    event = AuditEvent.objects.get(action="claim.published")
    assert event.actor_name == editor.username


@pytest.mark.django_db
@override_settings(FACTCHECK_PUBLIC_URL="https://checks.example.org/")
def test_the_claimreview_url_is_the_public_page_everywhere(client, signed, editor):
    services.claim_publish(actor=editor, claim=signed)
    client.force_login(editor)

    exported = client.get(f"/claims/{signed.pk}/claimreview.json")
    feed = client.get("/published/feed.json").json()

    public = f"https://checks.example.org/published/{signed.pk}/"
    assert json.loads(exported.content)["url"] == public
    assert [item["url"] for item in feed["dataFeedElement"]] == [public]


@pytest.mark.django_db
def test_only_an_editor_publishes_and_only_a_signed_off_verdict(reviewer, editor):
    claim = factories.make_claim()

    with pytest.raises(services.NotAllowed):
        services.claim_publish(actor=reviewer, claim=claim)
    with pytest.raises(services.DomainError, match="sign it off first"):
        services.claim_publish(actor=editor, claim=claim)
    assert Claim.objects.get().published_at is None
    assert not AuditEvent.objects.filter(action="claim.published").exists()


@pytest.mark.django_db
def test_unpublishing_and_reopening_take_it_off_the_page_and_the_feeds(client, signed, editor):
    services.claim_publish(actor=editor, claim=signed)
    assert client.get(f"/published/{signed.pk}/").status_code == 200
    assert "port would reopen" in client.get("/published/feed.atom").content.decode()

    services.claim_unpublish(actor=editor, claim=Claim.objects.get(), reason="Wrong date")
    assert client.get(f"/published/{signed.pk}/").status_code == 404
    assert "port would reopen" not in client.get("/published/feed.atom").content.decode()

    services.claim_publish(actor=editor, claim=Claim.objects.get())
    services.claim_reopen(actor=editor, claim=Claim.objects.get(), reason="New figures")
    assert client.get(f"/published/{signed.pk}/").status_code == 404
    assert client.get("/published/feed.json").json()["dataFeedElement"] == []


@pytest.mark.django_db
def test_the_api_publishes_with_a_sign_off_token_and_lists_what_is_published(signed, editor):
    from tests.test_api import api, make_token, send

    write = send(
        api(make_token(editor, ("write",))),
        "post",
        f"/api/v1/claims/{signed.pk}/publish/",
        {},
        if_match=str(signed.version),
    )
    done = send(
        api(make_token(editor, ("sign_off",))),
        "post",
        f"/api/v1/claims/{signed.pk}/publish/",
        {},
        if_match=str(signed.version),
    )
    listed = api(make_token(editor)).get("/api/v1/published/").json()

    assert write.status_code == 403
    assert done.status_code == 200
    assert [item["claimReviewed"] for item in listed["results"]] == [signed.text]


@pytest.mark.django_db
def test_replay_finds_a_verdict_published_by_raw_sql(signed):
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.utils import timezone

    Claim.objects.filter(pk=signed.pk).update(published_at=timezone.now())

    with pytest.raises(CommandError, match="published_at"):
        call_command("verify_audit", "--replay", stdout=__import__("io").StringIO())


def test_the_public_pages_need_no_login(db):
    anonymous = Client()
    for path in ("/published/", "/published/feed.json", "/published/feed.atom"):
        assert anonymous.get(path).status_code == 200, path
