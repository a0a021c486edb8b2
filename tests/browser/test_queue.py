import re

import pytest
from playwright.sync_api import Page, expect

from factcheck import services
from tests import factories
from tests.browser.conftest import log_in, open_filters

pytestmark = pytest.mark.browser


def test_an_unreadable_filter_disables_the_exports(page: Page, live_server, reviewer):
    log_in(page, live_server, "rita")

    page.goto(f"{live_server.url}/claims/?updated_after=yesterday")

    exports = page.locator(".exports")
    expect(exports).to_contain_text("unavailable until the filters can be read")
    expect(exports).to_contain_text("Changed from: Enter a valid date.")
    expect(exports.get_by_role("link")).to_have_count(0)


@pytest.mark.parametrize("width", [1366, 390])
def test_a_filter_set_by_the_address_is_shown_and_kept_when_another_is_added(
    page: Page, live_server, reviewer, width
):
    article = factories.make_article(
        text="Title\n\nOne is relayed. Two is relayed. Three stands alone. Four is relayed."
    )
    afp = factories.make_source("AFP", type_slug="news_agency")
    kirby = factories.make_source("John Kirby", type_slug="named_spokesperson")
    claims = {
        phrase: factories.make_claim(article=article, phrase=phrase)
        for phrase in (
            "One is relayed.",
            "Two is relayed.",
            "Three stands alone.",
            "Four is relayed.",
        )
    }
    for phrase in ("One is relayed.", "Two is relayed.", "Four is relayed."):
        services.attribution_add(actor=None, claim=claims[phrase], source=kirby, intermediary=afp)
    services.claim_set_status(actor=None, claim=claims["One is relayed."], status="in_progress")
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, "rita")

    page.goto(f"{live_server.url}/claims/?intermediary={afp.pk}")
    chip = page.locator(".chip", has_text="Relayed by")
    expect(chip).to_contain_text("Relayed by: AFP")
    expect(page.locator("#results tbody tr")).to_have_count(3)
    open_filters(page)
    page.locator("label.pick", has_text="Unverified").click()
    page.get_by_role("button", name="Apply filters").click()

    expect(page).to_have_url(re.compile(rf"intermediary={afp.pk}"))
    expect(page).to_have_url(re.compile(r"status=unverified"))
    expect(page.locator("#results tbody tr")).to_have_count(2)
    expect(chip).to_be_visible()
    chip.get_by_role("link").click()
    expect(page).not_to_have_url(re.compile("intermediary"))
    expect(page.locator("#results tbody tr")).to_have_count(3)  # every unverified claim
