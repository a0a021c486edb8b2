"""Keys that do not change a verdict by accident, undo that says what it undid,
and a header count and address that follow every change (issue 11, points 2-3)."""

import re

import pytest
from playwright.sync_api import Page, expect

from factcheck import services
from factcheck.models import AuditEvent, Claim
from tests import factories
from tests.browser.conftest import log_in, select_text

pytestmark = pytest.mark.browser

TEXT = "Keys\n\nFirst claim here. Second claim there. Third one stands apart."


def test_a_stray_verdict_key_asks_first(page: Page, live_server, reviewer):
    article = factories.make_article(title="Keys", text=TEXT)
    claim = factories.make_claim(article=article, phrase="First claim here.")
    services.claim_update(actor=reviewer, claim=claim, rationale="The record says so.")
    services.evidence_add(actor=reviewer, claim=claim, url="https://example.org/record")
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_set_status(actor=reviewer, claim=claim, status="verified")
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/claims/{claim.pk}/")
    prompt = page.locator("#key-confirm")
    status = page.locator("#claim-status")

    page.keyboard.press("5")

    expect(prompt).to_be_visible()
    expect(prompt).to_contain_text("already has the verdict “Verified”")
    expect(prompt).to_contain_text("Press 5 again or Enter to set “False”")
    assert Claim.objects.get().status == "verified"

    page.keyboard.press("j")

    expect(prompt).to_be_hidden()
    expect(status).to_have_text("Verified")
    assert Claim.objects.get().status == "verified"

    page.keyboard.press("5")
    page.keyboard.press("5")

    expect(status).to_have_text("False")
    assert Claim.objects.get().status == "false"

    page.keyboard.press("6")
    expect(prompt).to_contain_text("Press 6 again or Enter")
    page.keyboard.press("Enter")

    expect(status).to_have_text("Misleading")
    assert Claim.objects.get().status == "misleading"


def test_the_key_of_the_verdict_a_claim_already_has_changes_nothing(
    page: Page, live_server, reviewer
):
    article = factories.make_article(title="Keys", text=TEXT)
    claim = factories.make_claim(article=article, phrase="First claim here.")
    services.claim_update(actor=reviewer, claim=claim, rationale="The record says so.")
    services.evidence_add(actor=reviewer, claim=claim, url="https://example.org/record")
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_set_status(actor=reviewer, claim=claim, status="verified")
    events = AuditEvent.objects.count()
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/claims/{claim.pk}/")
    page.wait_for_load_state("load")
    prompt = page.locator("#key-confirm")

    page.keyboard.press("3")

    expect(prompt).to_have_text("The claim is already “Verified”: nothing changed.")
    page.keyboard.press("Enter")  # not a confirmation: the word goes, nothing changes
    expect(prompt).to_be_hidden()
    expect(page.locator("#claim-status")).to_have_text("Verified")
    assert AuditEvent.objects.count() == events
    assert Claim.objects.get().status == "verified"


def test_undo_says_what_it_undid_and_redo_puts_it_back(page: Page, live_server, reviewer):
    article = factories.make_article(title="Keys", text=TEXT)
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    panel = page.locator("#panel")
    select_text(page, "Second claim there.")
    page.get_by_role("button", name="Add claim").click()
    expect(page.locator("#claim-panel blockquote")).to_have_text("Second claim there.")

    # Right after creating, u asks first: the claim is still there.
    page.keyboard.press("u")

    expect(page.locator("#key-confirm")).to_contain_text("Undo would delete this claim")
    assert Claim.objects.count() == 1

    page.keyboard.press("u")

    expect(panel).to_contain_text("Undid: you added the claim “Second claim there.”")
    assert Claim.objects.count() == 0
    page.get_by_role("button", name="Redo").click()
    expect(panel).to_contain_text("Redid: the claim “Second claim there.” is added again.")
    claim = Claim.objects.get()
    expect(page.locator("#claim-panel")).to_have_attribute("data-claim", str(claim.pk))
    expect(page).to_have_url(re.compile(rf"/claims/{claim.pk}/$"))

    # A status change: undo names it in words, redo applies it again, audited.
    page.keyboard.press("2")
    expect(page.locator("#claim-status")).to_have_text("In progress")
    page.keyboard.press("u")

    expect(panel).to_contain_text(
        "Undid: status unverified → in progress was put back to unverified."
    )
    expect(page.locator("#claim-status")).to_have_text("Unverified")
    page.get_by_role("button", name="Redo").click()
    expect(panel).to_contain_text("Redid: status unverified → in progress.")
    expect(page.locator("#claim-status")).to_have_text("In progress")
    assert Claim.objects.get().status == "in_progress"
    latest = AuditEvent.objects.order_by("-id").first()
    assert latest.actor_id == reviewer.pk
    assert latest.reason.startswith("Redo of event #")


def test_the_count_follows_added_claims_and_a_reload_keeps_the_new_claim_open(
    page: Page, live_server, reviewer
):
    article = factories.make_article(title="Keys", text=TEXT)
    factories.make_claim(article=article, phrase="First claim here.")
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    count = page.locator("#claim-count")
    expect(count).to_have_text("1 claim")

    select_text(page, "Second claim there.")
    page.get_by_role("button", name="Add claim").click()
    expect(count).to_have_text("2 claims")
    select_text(page, "Third one stands apart.")
    page.get_by_role("button", name="Add claim").click()

    expect(count).to_have_text("3 claims")
    third = Claim.objects.get(text="Third one stands apart.")
    expect(page).to_have_url(re.compile(rf"/claims/{third.pk}/$"))

    page.reload()

    expect(page.locator("#claim-panel")).to_have_attribute("data-claim", str(third.pk))
    expect(page.locator("#claim-panel blockquote")).to_have_text("Third one stands apart.")
    expect(count).to_have_text("3 claims")


def test_j_to_a_claim_changed_on_this_page_shows_the_change(page: Page, live_server, reviewer):
    # review.js fetches the panels around the open claim ahead of j / k; a change on
    # the page must never leave one of them showing what was there before.
    article = factories.make_article(title="Keys", text=TEXT)
    first = factories.make_claim(article=article, phrase="First claim here.")
    second = factories.make_claim(article=article, phrase="Second claim there.")
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    panel = page.locator("#claim-panel")
    status = page.locator("#claim-status")
    page.keyboard.press("j")
    expect(panel).to_have_attribute("data-claim", str(first.pk))
    page.keyboard.press("j")
    expect(panel).to_have_attribute("data-claim", str(second.pk))
    page.keyboard.press("2")
    expect(status).to_have_text("In progress")
    page.keyboard.press("k")
    expect(panel).to_have_attribute("data-claim", str(first.pk))
    expect(status).to_have_text("Unverified")

    page.keyboard.press("j")

    expect(panel).to_have_attribute("data-claim", str(second.pk))
    expect(status).to_have_text("In progress")
    expect(page).to_have_url(re.compile(rf"/claims/{second.pk}/$"))


def test_the_claims_list_opens_a_claim_in_the_panel_and_back_returns(
    page: Page, live_server, reviewer
):
    article = factories.make_article(title="Keys", text=TEXT)
    first = factories.make_claim(article=article, phrase="First claim here.")
    third = factories.make_claim(article=article, phrase="Third one stands apart.")
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/claims/{first.pk}/")
    panel = page.locator("#claim-panel")

    page.locator(f'.claim-link[data-claim="{third.pk}"]').click()

    expect(panel.locator("blockquote")).to_have_text("Third one stands apart.")
    expect(page).to_have_url(re.compile(rf"/claims/{third.pk}/$"))
    expect(page.locator(f'#article-text span.active[data-claim="{third.pk}"]')).to_be_visible()
    page.go_back()
    expect(panel).to_have_attribute("data-claim", str(first.pk))
    expect(page).to_have_url(re.compile(rf"/claims/{first.pk}/$"))


def test_j_to_a_claim_someone_else_changed_since_it_was_fetched_shows_the_change(
    page: Page, live_server, reviewer, editor
):
    # The panels around the open claim are fetched ahead; another reviewer's change to
    # one of them after that must still show: the panel shown from memory is asked for
    # again and replaced by the answer.
    article = factories.make_article(title="Keys", text=TEXT)
    first = factories.make_claim(article=article, phrase="First claim here.")
    second = factories.make_claim(article=article, phrase="Second claim there.")
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/claims/{first.pk}/")
    panel = page.locator("#claim-panel")
    expect(panel).to_have_attribute("data-claim", str(first.pk))
    # The second claim's panel is fetched ahead (it says "Unverified").
    page.wait_for_function(
        "() => performance.getEntriesByType('resource')"
        f".some((entry) => entry.name.endsWith('/claims/{second.pk}/'))"
    )

    services.claim_set_status(actor=editor, claim=second, status="in_progress", reason="")
    page.keyboard.press("j")

    expect(panel).to_have_attribute("data-claim", str(second.pk))
    expect(page.locator("#claim-status")).to_have_text("In progress")
    expect(panel.locator(".timeline")).to_contain_text("changed status from unverified")
