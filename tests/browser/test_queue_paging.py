"""The queue's keyset pager and search box in Chromium, at desktop and phone width."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from factcheck.views import queue as queue_views
from tests import factories
from tests.browser.conftest import log_in, open_filters

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(os.environ.get("FACTCHECK_SHOTS", "/tmp/factcheck-shots"))


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [1366, 390])
def test_older_and_newer_follow_the_cursor_and_search_finds_a_phrase(
    page: Page, live_server, reviewer, monkeypatch, width
):
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 3)
    sentences = [f"Report number {n} says the death toll rose." for n in range(7)]
    article = factories.make_article(text="Title\n\n" + " ".join(sentences), actor=reviewer)
    for sentence in sentences:
        factories.make_claim(article=article, phrase=sentence.rstrip("."))
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, "rita")

    page.goto(f"{live_server.url}/claims/")
    first = page.locator("#results tbody tr").all_inner_texts()
    page.get_by_role("link", name="Older →").click()
    expect(page).to_have_url(re.compile(r"page=2&after=[\w-]+"))
    expect(page.locator(".pager")).to_contain_text("Page 2")
    second = page.locator("#results tbody tr").all_inner_texts()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"queue-page-2-{width}.png", full_page=True)
    sideways = no_sideways_scroll(page)
    page.get_by_role("link", name="← Newer").click()
    expect(page.locator(".pager")).to_contain_text("Page 1")
    again = page.locator("#results tbody tr").all_inner_texts()
    open_filters(page)
    page.get_by_label("Search").fill('"number 4"')
    page.get_by_label("Search").press("Enter")
    expect(page.locator("#results tbody tr")).to_have_count(1)

    assert sideways
    assert set(first).isdisjoint(second)
    assert again == first
    assert "Report number 4" in page.locator("#results tbody").inner_text()
    page.screenshot(path=SHOTS / f"queue-search-{width}.png", full_page=True)
