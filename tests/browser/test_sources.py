"""An editor merges two sources from the Sources page, at laptop and at phone width."""

import pytest
from playwright.sync_api import Page, expect

from factcheck import services
from tests import factories
from tests.browser.conftest import log_in, open_filters

pytestmark = pytest.mark.browser

STORY = "Talks resume\n\nOne. Two. Three. Four. Five."
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def duplicates(reviewer):
    """John Kirby on two claims, and "J. Kirby" on three others (one also John Kirby's)."""
    article = factories.make_article(title="Talks resume", text=STORY)
    claims = {
        n: factories.make_claim(article=article, phrase=n)
        for n in STORY.split("\n\n")[1].rstrip(".").split(". ")
    }
    kirby = factories.make_source("John Kirby", type_slug="named_spokesperson")
    duplicate = factories.make_source("J. Kirby", type_slug="named_spokesperson")
    for name in ("One", "Two"):
        services.attribution_add(actor=reviewer, claim=claims[name], source=kirby)
    for name in ("Three", "Four", "Five"):
        services.attribution_add(actor=reviewer, claim=claims[name], source=duplicate)
    return {"kirby": kirby, "duplicate": duplicate}


def sideways(page: Page) -> int:
    """How far the page scrolls sideways: 0 when nothing is wider than the window."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["1366", "390"])
def test_an_editor_merges_two_sources_from_the_sources_page(
    page: Page, live_server, editor, duplicates, size
):
    page.set_viewport_size(size)
    log_in(page, live_server, "ed")
    assert cited_on_insights(page) == {"J. Kirby": "3", "John Kirby": "2"}
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sources").click()
    expect(page.get_by_role("heading", name="Sources", exact=True)).to_be_visible()
    assert sideways(page) == 0

    open_filters(page)
    page.get_by_label("Name, alias or affiliation").fill("J. Kirby")
    page.get_by_role("button", name="Apply filters").click()
    # Let the search settle: typing answers 400 ms later, the click at once, and an
    # answer arriving after the next click would push its address and so cancel the
    # navigation that click started. Half a second of a quiet network outlasts both.
    page.wait_for_load_state("networkidle")
    page.locator("#results").get_by_role("link", name="J. Kirby", exact=True).click()
    expect(page.locator("#claim-total")).to_have_text("3")
    assert sideways(page) == 0

    page.get_by_role("link", name="Merge into another source…").click()
    page.get_by_label("Find the source to merge it into").fill("John")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="John Kirby").click()
    expect(page.locator("#n-moved")).to_have_text("3")
    assert sideways(page) == 0

    page.get_by_role("button", name="Merge into “John Kirby”").click()

    expect(page.get_by_text("“J. Kirby” was merged into “John Kirby”.")).to_be_visible()
    expect(page.get_by_role("heading", name="John Kirby")).to_be_visible()
    expect(page.locator("#claim-total")).to_have_text("5")
    expect(page.locator(".aliases")).to_contain_text("J. Kirby")
    assert sideways(page) == 0

    # The Insights page counts the merged source's claims together.
    assert cited_on_insights(page) == {"John Kirby": "5"}
    assert sideways(page) == 0


def cited_on_insights(page: Page) -> dict[str, str]:
    """The most cited sources, each with its number of claims, as the Insights page's table says."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Insights").click()
    rows = page.locator("#table-top-sources tbody tr")
    expect(rows.first).to_be_visible()
    return {
        row.locator("th").inner_text(): row.locator("td").nth(1).inner_text() for row in rows.all()
    }
