"""The review page of an article with 1,000 claims still answers keys, selections and Back
(issue 12, point 3). How fast is measured by `manage.py benchmark review`, not here."""

import pytest
from django.db import connection
from playwright.sync_api import Page, expect

from factcheck.benchmarks import data
from tests.browser.conftest import log_in, select_text

pytestmark = pytest.mark.browser

# Text of the big article that no claim holds, long enough to select a few words of.
UNCLAIMED_PHRASE = """() => {
    const walker = document.createTreeWalker(
        document.getElementById("article-text"), NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const words = n.data.trim().split(/\\s+/);
        if (!n.parentElement.closest("[data-claim], sup") && words.length >= 4) {
            return words.slice(0, 3).join(" ");
        }
    }
    return null;
}"""


@pytest.fixture
def big_article(transactional_db, reviewer):
    data.build(3000, write=lambda line: None)
    yield data.big_article()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {data.MARKER_TABLE}")


def test_keys_selection_and_back_work_among_a_thousand_claims(
    page: Page, live_server, reviewer, big_article
):
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/articles/{big_article.pk}/")
    total = big_article.claims.count()
    assert total > 990
    links = page.locator(".claim-link")
    expect(links).to_have_count(total)
    claims = links.evaluate_all("els => els.map(e => e.dataset.claim)")

    for _ in range(3):
        page.keyboard.press("j")
    expect(page.locator("#claim-panel")).to_have_attribute("data-claim", claims[2])
    page.keyboard.press("k")

    panel = page.locator("#claim-panel")
    expect(panel).to_have_attribute("data-claim", claims[1])
    expect(page.locator(f'#article-text [data-claim="{claims[1]}"].active').first).to_be_visible()
    expect(page.locator("#article-text .active[data-claim]")).not_to_have_count(0)
    assert page.locator(f'#article-text .active:not([data-claim="{claims[1]}"])').count() == 0

    # The page keeps no htmx snapshot of itself; Back fetches the claim before.
    page.go_back()
    expect(panel).to_have_attribute("data-claim", claims[2])
    expect(page).to_have_url(f"{live_server.url}/claims/{claims[2]}/")
    expect(links).to_have_count(total)

    phrase = page.evaluate(UNCLAIMED_PHRASE)
    assert phrase
    select_text(page, phrase)
    form = page.locator("#claim-create-form")
    expect(form).to_be_visible()
    expect(form.locator("input[name=text]")).to_have_value(phrase)
