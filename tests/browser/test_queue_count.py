"""The queue says how many claims match, on a laptop and on a phone."""

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1366, 390])
def test_the_queue_shows_how_many_claims_match(page: Page, live_server, reviewer, width):
    for _ in range(3):
        factories.make_claim()
    page.set_viewport_size({"width": width, "height": 844})
    log_in(page, live_server, "rita")

    page.goto(f"{live_server.url}/claims/")

    expect(page.locator(".range")).to_have_text("Showing 1–3 of 3 claims")
    expect(page.locator("#match-count")).to_be_in_viewport()
