"""The review page in plain words: no offsets, no emoji, a legend for the type marks."""

import re

import pytest
from django.urls import reverse

from factcheck import services
from factcheck.models import AuditEvent, SuggestionRun
from factcheck.services.suggestions import ProposedSuggestion
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}
# Pictographs and dingbats a machine without an emoji font shows as empty boxes.
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f]")


@pytest.fixture
def logged_in(client, reviewer):
    client.force_login(reviewer)
    return client


def panel(client, claim) -> str:
    return client.get(reverse("claim_detail", args=[claim.pk]), **HTMX).content.decode()


def test_the_claim_panel_names_no_offsets(logged_in, claim):
    body = panel(logged_in, claim)

    assert f"Claim #{claim.pk}" in body
    assert "offsets" not in body
    assert f"{claim.start}–{claim.end}" not in body


def test_the_lock_of_a_signed_off_claim_is_an_svg_not_an_emoji(logged_in, reviewer, editor, claim):
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_update(actor=reviewer, claim=claim, rationale="The count differs.")
    services.evidence_add(actor=reviewer, claim=claim, url="https://example.org/count")
    services.claim_set_status(actor=reviewer, claim=claim, status="false")
    services.verdict_sign_off(actor=editor, claim=claim)

    body = panel(logged_in, claim)

    lock = re.search(r'<span class="lock"[^>]*>(.*?)</span>', body, re.S)
    assert lock and "<svg" in lock[1] and "locked" in lock[1]
    assert not EMOJI.search(body)


def test_the_review_page_holds_no_emoji_and_a_legend_of_the_type_marks(logged_in, claim):
    body = logged_in.get(reverse("review", args=[claim.article_id])).content.decode()

    legend = re.search(r'<p class="type-legend"[^>]*>(.*?)</p>', body, re.S)
    assert legend
    for mark in ("MIN", "GOV", "SPOK", "ANON", "ORG", "AGCY", "PERS", "DOC", "OWN"):
        assert f'<span class="mark">{mark}</span>' in legend[1]
    assert "the outlet&#x27;s own assertion" in legend[1]
    assert not EMOJI.search(body)


def test_an_attribution_without_a_mention_starts_with_no_separator(logged_in, claim):
    source = factories.make_source("Jane Roe", type_slug="named_individual")
    services.attribution_add(actor=None, claim=claim, source=source)

    body = panel(logged_in, claim)

    details = re.search(r'<p class="attr-details">(.*?)</p>', body, re.S)[1]
    assert not details.strip().startswith("·")


def test_the_evidence_title_placeholder_fits(logged_in, claim):
    body = panel(logged_in, claim)

    assert 'placeholder="Title (optional)"' not in body
    assert 'name="title" placeholder="Title"' in body


def test_the_timeline_tells_an_undo_by_what_it_undid(logged_in, reviewer, claim):
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_undo(actor=reviewer, claim=claim)

    body = panel(logged_in, claim)

    assert AuditEvent.objects.latest("id").reason.startswith("Undo of event #")
    assert "Undo of: rita changed status from unverified to in progress" in body
    assert "event #" not in body


def test_the_suggestion_card_names_no_offsets(logged_in, db):
    text = "Talks resume\n\nThe ministry said 57 people were hurt."
    article = factories.make_article(title="Talks resume", text=text)
    claim = "57 people were hurt"
    at = text.index(claim)
    run = SuggestionRun.objects.create(article=article)
    proposal = ProposedSuggestion(
        claim_start=at,
        claim_end=at + len(claim),
        claim_text=claim,
        source_text="The ministry",
        source_start=text.index("The ministry"),
        source_end=text.index("The ministry") + len("The ministry"),
        source_type_slug="ministry",
        confidence=0.9,
    )
    (suggestion,) = services.suggestion_run_record(run=run, proposals=[proposal]).stored

    body = logged_in.get(reverse("suggestion_detail", args=[suggestion.pk]), **HTMX)

    assert f"Suggestion #{suggestion.pk}" in body.content.decode()
    assert "offsets" not in body.content.decode()
