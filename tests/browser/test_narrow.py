"""The review page side by side on a laptop, as a drawer on a phone; no page scrolls sideways."""

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

STORY = (
    "Ceasefire talks resume in Cairo\n\n"
    "Senior officials arrived in Cairo on Monday, the Egyptian foreign ministry said. "
    "Gaps remain between the two sides on the ceasefire deal. "
    "More talks are planned for later this week.\n"
)
SENTENCE = "Gaps remain between the two sides on the ceasefire deal."
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def claim(reviewer):
    article = factories.make_article(text=STORY, title="Ceasefire talks resume in Cairo")
    return factories.make_claim(article=article, phrase=SENTENCE, actor=reviewer)


def test_at_laptop_width_the_panel_sits_beside_the_text(page: Page, live_server, claim):
    page.set_viewport_size(LAPTOP)
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/articles/{claim.article_id}/")

    page.locator(f'#article-text [data-claim="{claim.pk}"]').first.click()

    panel = page.locator("#panel")
    expect(panel.locator("#claim-panel blockquote")).to_have_text(SENTENCE)
    text_box = page.locator("#article-text").bounding_box()
    panel_box = panel.bounding_box()
    assert panel_box["x"] >= text_box["x"] + text_box["width"]
    assert panel_box["y"] < text_box["y"] + text_box["height"]
    expect(page.get_by_role("button", name="Close claim panel")).to_be_hidden()


@pytest.mark.parametrize("close_with", ["button", "Escape"])
def test_at_phone_width_a_highlight_opens_a_drawer_that_closes_back_to_it(
    page: Page, live_server, claim, close_with
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/articles/{claim.article_id}/")
    highlight = page.locator(f'#article-text [data-claim="{claim.pk}"]').first
    panel = page.locator("#panel")
    expect(panel).to_be_hidden()

    highlight.click()

    expect(panel.locator("#claim-panel blockquote")).to_have_text(SENTENCE)
    expect(panel).to_be_in_viewport(ratio=0.9)
    # Once it has slid in, the whole drawer lies within the viewport.
    page.wait_for_function(
        """() => {
            const box = document.getElementById("panel").getBoundingClientRect();
            return box.left >= 0 && box.right <= innerWidth + 0.5
                && box.top >= 0 && box.bottom <= innerHeight + 0.5;
        }"""
    )

    if close_with == "button":
        page.get_by_role("button", name="Close claim panel").click()
    else:
        page.keyboard.press("Escape")

    expect(panel).to_be_hidden()
    assert page.evaluate(
        f"document.activeElement.closest('#article-text [data-claim=\"{claim.pk}\"]') !== null"
    )


PAGES = [
    ("login", "/login/"),
    ("articles", "/"),
    ("import", "/articles/import/"),
    ("review", "/articles/{article}/"),
    ("review with a claim open", "/claims/{claim}/"),
    ("queue", "/claims/"),
    ("activity", "/activity/"),
]


def test_no_page_scrolls_sideways_at_phone_width(page: Page, live_server, claim):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/login/")
    widths = {"login": page.evaluate("document.documentElement.scrollWidth")}
    log_in(page, live_server, "rita")

    for name, path in PAGES[1:]:
        page.goto(live_server.url + path.format(article=claim.article_id, claim=claim.pk))
        widths[name] = page.evaluate("document.documentElement.scrollWidth")
        expect(page.get_by_role("button", name="Log out")).to_be_in_viewport()

    assert widths == {name: PHONE["width"] for name, _ in PAGES}


FILTERED_PAGES = ["/claims/", "/sources/", "/insights/", "/activity/"]


@pytest.mark.parametrize("path", FILTERED_PAGES)
def test_on_a_phone_the_filters_start_folded_and_open_on_a_tap(
    page: Page, live_server, claim, path
):
    log_in(page, live_server, "rita")
    page.set_viewport_size(PHONE)

    page.goto(live_server.url + path)

    fold = page.locator("details.filter-fold")
    expect(fold).not_to_have_attribute("open", "")
    assert fold.bounding_box()["height"] < 80
    fold.locator("summary").click()
    expect(fold.locator(".filter-actions")).to_be_visible()


@pytest.mark.parametrize("path", FILTERED_PAGES)
def test_on_a_laptop_the_filters_are_open(page: Page, live_server, claim, path):
    page.set_viewport_size(LAPTOP)
    log_in(page, live_server, "rita")

    page.goto(live_server.url + path)

    expect(page.locator("details.filter-fold .filter-actions")).to_be_visible()


def test_on_a_phone_the_queue_gives_the_claim_the_width_and_breaks_no_word(
    page: Page, live_server, claim
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "rita")

    page.goto(f"{live_server.url}/claims/?q=ceasefire")

    cell = page.locator("#results td.claim-cell").first
    expect(cell).to_contain_text(SENTENCE)
    pick = page.locator("#results tbody td.pick-col").first.bounding_box()
    text = cell.bounding_box()
    assert pick["width"] < 50
    assert text["width"] > PHONE["width"] * 0.7
    # Each word of the claim sits on one line: no line box ends inside a word.
    broken = cell.locator("a").evaluate(
        """(link) => {
            const range = document.createRange();
            const node = link.firstChild;
            let top = null, broken = false;
            for (let i = 0; i < node.data.length; i++) {
                range.setStart(node, i); range.setEnd(node, i + 1);
                const rect = range.getClientRects()[0];
                if (!rect) continue;
                if (top !== null && rect.top > top + 2 && /\\S/.test(node.data[i - 1] || " ")
                    && /\\S/.test(node.data[i])) broken = true;
                top = rect.top;
            }
            return broken;
        }"""
    )
    assert not broken
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_on_a_phone_the_review_page_shows_text_on_the_first_screen(page: Page, live_server, claim):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "rita")

    page.goto(f"{live_server.url}/articles/{claim.article_id}/")

    first = page.locator("#article-text p").first
    assert first.bounding_box()["y"] < PHONE["height"] - 60
    expect(page.locator("#select-hint")).not_to_contain_text("mouse")
    expect(page.locator("#type-legend")).to_be_visible()  # after the text, not gone


def test_on_a_phone_chart_words_stay_readable(page: Page, live_server, claim):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "rita")

    page.goto(f"{live_server.url}/insights/")

    sizes = page.evaluate(
        """() => Array.from(document.querySelectorAll("svg.chart text"))
            .map((text) => text.getBoundingClientRect().height)
            .filter((height) => height > 0)"""
    )
    assert sizes and min(sizes) >= 11, sizes


def test_on_a_phone_the_articles_list_names_each_cell(page: Page, live_server, claim):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "rita")

    row = page.locator("table.articles-table tbody tr").first
    cells = row.locator("td[data-label]")

    assert cells.count() == 5
    for n in range(cells.count()):
        label = cells.nth(n).get_attribute("data-label")
        shown = cells.nth(n).evaluate("(td) => getComputedStyle(td, '::before').content")
        assert label in shown
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
