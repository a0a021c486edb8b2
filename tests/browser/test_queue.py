import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_an_unreadable_filter_disables_the_exports(page: Page, live_server, reviewer):
    log_in(page, live_server, "rita")

    page.goto(f"{live_server.url}/claims/?updated_after=yesterday")

    exports = page.locator(".exports")
    expect(exports).to_contain_text("unavailable until the filters can be read")
    expect(exports).to_contain_text("Changed from: Enter a valid date.")
    expect(exports.get_by_role("link")).to_have_count(0)
