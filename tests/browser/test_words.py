"""Icons and words that render everywhere: a drawn lock, not an emoji; a legend for the marks."""

import re

import pytest
from playwright.sync_api import Page, expect

from factcheck import services
from tests import factories
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

# Pictographs and dingbats that a machine without an emoji font shows as empty boxes.
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f]")
MARKS = ("MIN", "GOV", "SPOK", "ANON", "ORG", "AGCY", "PERS", "DOC", "OWN")


@pytest.fixture
def signed_off(reviewer, editor):
    claim = factories.make_claim()
    source = factories.make_source("John Kirby", type_slug="named_spokesperson")
    services.attribution_add(actor=reviewer, claim=claim, source=source)
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_update(actor=reviewer, claim=claim, rationale="The count differs.")
    services.evidence_add(actor=reviewer, claim=claim, url="https://example.org/count")
    services.claim_set_status(actor=reviewer, claim=claim, status="false")
    return services.verdict_sign_off(actor=editor, claim=claim)


def test_the_lock_is_drawn_and_the_page_holds_no_emoji(page: Page, live_server, signed_off):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server, "rita")

    page.goto(f"{live_server.url}/claims/{signed_off.pk}/")

    lock = page.locator("#claim-panel .lock")
    expect(lock).to_have_text("locked")
    icon = lock.locator("svg")
    expect(icon).to_be_visible()
    box = icon.bounding_box()
    assert box and box["width"] > 0 and box["height"] > 0
    assert not EMOJI.search(page.content())
    assert "offsets" not in page.locator("#claim-panel").inner_text()


@pytest.mark.parametrize("width", [1366, 390])
def test_the_review_page_shows_a_legend_of_the_type_marks(
    page: Page, live_server, signed_off, width
):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, "rita")

    page.goto(f"{live_server.url}/articles/{signed_off.article_id}/")

    legend = page.locator("#type-legend")
    expect(legend).to_be_visible()
    for mark in MARKS:
        expect(legend.locator(".mark", has_text=re.compile(rf"^{mark}$"))).to_be_visible()
    expect(legend).to_contain_text("named spokesperson")
    expect(legend).to_contain_text("the outlet's own assertion")
    # The mark in the text is one the legend explains.
    expect(page.locator("#article-text sup.mark").first).to_have_text("SPOK")
    # The legend wraps between its entries: it never makes the page scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert not EMOJI.search(page.content())
