"""Pages say things in words a person reads: names, not codes; who and when, with the zone."""

import re

import pytest
from django.urls import reverse

from factcheck import services
from factcheck.models import Article, Claim
from factcheck.views import queue as queue_views
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def signed(reviewer, editor):
    """A claim proposed unverifiable by the reviewer and signed off by the editor."""
    claim = factories.make_claim()
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_update(actor=reviewer, claim=claim, rationale="No record of it.")
    services.claim_set_status(actor=reviewer, claim=claim, status="unverifiable")
    return services.verdict_sign_off(actor=editor, claim=claim)


def test_the_bulk_message_names_a_verdict_in_words(client, reviewer):
    claim = factories.make_claim()
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_update(actor=reviewer, claim=claim, rationale="Partly so.")
    services.evidence_add(actor=reviewer, claim=claim, url="https://example.org/a")
    services.claim_set_status(actor=reviewer, claim=claim, status="partly_verified")
    client.force_login(reviewer)

    response = client.post(
        reverse("queue_bulk"), {"action": "in_progress", "claims": [claim.pk]}, follow=True
    )

    body = response.content.decode()
    assert "it already has a verdict, “partly verified”" in body
    assert "partly_verified" not in re.sub(r'(value|href|name|class)="[^"]*"', "", body)


def test_the_article_delete_page_names_and_links_the_signed_off_claim(client, editor, signed):
    client.force_login(editor)

    body = client.get(reverse("article_delete", args=[signed.article_id])).content.decode()

    assert "1 claim is signed off" in body
    link = reverse("claim_detail", args=[signed.pk])
    assert f'<a href="{link}" dir="auto">#{signed.pk} “{signed.text[:40]}' in body


def test_the_admin_refuses_to_delete_an_article_with_a_signed_off_claim_before_confirming(
    admin_client, signed
):
    url = reverse("admin:factcheck_article_delete", args=[signed.article_id])

    body = admin_client.get(url).content.decode()

    assert f"Claim #{signed.pk}" in body
    assert "is signed off: an editor must reopen it first." in body
    assert "Yes, I’m sure" not in body and "Yes, I'm sure" not in body
    assert Article.objects.filter(pk=signed.article_id).exists()


def test_times_name_their_zone_in_the_app_and_the_admin(client, admin_client, editor, signed):
    client.force_login(editor)

    panel = client.get(reverse("claim_detail", args=[signed.pk])).content.decode()
    activity = client.get(reverse("activity")).content.decode()
    admin = admin_client.get(reverse("admin:factcheck_claim_change", args=[signed.pk]))
    admin_list = admin_client.get(reverse("admin:factcheck_auditevent_changelist"))

    assert re.search(r"signed off by ed, \d+ \w+, \d\d:\d\d UTC", panel)
    assert re.search(r">\d\d:\d\d UTC</time>", activity)
    for page in (admin.content.decode(), admin_list.content.decode()):
        assert re.search(r"\d\d:\d\d UTC", page)
        assert "a.m." not in page and "p.m." not in page


def test_the_claim_header_punctuates_proposer_and_signer(client, editor, signed):
    client.force_login(editor)

    body = client.get(reverse("claim_detail", args=[signed.pk])).content.decode()

    assert "proposed by rita;</span>" in body
    assert "signed off by ed, " in body


def test_a_source_with_one_signed_off_claim_reads_in_words(client, reviewer, editor):
    source = factories.make_source("John Kirby", type_slug="named_spokesperson")
    claim = factories.make_claim()
    services.attribution_add(actor=reviewer, claim=claim, source=source, mention_text="Kirby")
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_update(actor=reviewer, claim=claim, rationale="No record of it.")
    services.claim_set_status(actor=reviewer, claim=claim, status="unverifiable")
    services.verdict_sign_off(actor=editor, claim=claim)
    client.force_login(reviewer)

    body = client.get(reverse("source_detail", args=[source.pk])).content.decode()

    assert "0 of 1 signed-off claim" not in body
    assert "none: its one signed-off claim is not" in body


def test_the_merge_preview_names_the_source_an_attribution_moves_to(client, reviewer, editor):
    source = factories.make_source("J. Kirby", type_slug="named_spokesperson")
    into = factories.make_source("John Kirby", type_slug="named_spokesperson")
    claim = factories.make_claim()
    services.attribution_add(actor=reviewer, claim=claim, source=source, mention_text="Kirby")
    client.force_login(editor)

    body = client.get(reverse("source_merge", args=[source.pk]), {"into": into.pk}).content.decode()

    assert "the other source" not in body
    assert 'attributed to “<span dir="auto">John Kirby</span>” instead' in body


def test_the_conflict_message_says_who_changed_what(client, reviewer, editor):
    claim = factories.make_claim()
    services.claim_update(actor=editor, claim=claim, rationale="The editor's rationale")
    client.force_login(reviewer)

    response = client.post(
        reverse("claim_rationale", args=[claim.pk]),
        {"rationale": "Mine", "version": 1},
        **HTMX,
    )

    assert response.status_code == 409
    assert re.search(
        r"The latest change: ed edited the claim \(rationale\), \d+ \w+, \d\d:\d\d UTC\.",
        response.content.decode(),
    )


def test_the_proposed_by_filter_offers_only_people_who_proposed(client, reviewer, viewer, signed):
    client.force_login(reviewer)

    body = client.get(reverse("queue")).content.decode()

    proposer = body[body.index('<select name="proposer">') :]
    proposer = proposer[: proposer.index("</select>")]
    assert ">rita</option>" in proposer
    assert ">vic</option>" not in proposer
    assert Claim.objects.filter(proposed_by=viewer).count() == 0


def test_the_queue_says_how_many_claims_match(client, reviewer, monkeypatch):
    for _ in range(3):
        factories.make_claim()
    client.force_login(reviewer)
    one_page = client.get(reverse("queue")).content.decode()
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 2)
    paged = client.get(reverse("queue")).content.decode()
    monkeypatch.setattr(queue_views, "MATCH_LIMIT", 2)

    beyond = client.get(reverse("queue")).content.decode()

    assert 'Showing 1–3 of <span id="match-count">3 claims</span>' in one_page
    assert 'Showing 1–2 of <span id="match-count">3 claims</span>' in paged
    assert 'Showing 1–2 of <span id="match-count">more than 2 claims</span>' in beyond
