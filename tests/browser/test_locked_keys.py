"""A key that cannot act on a locked claim says why instead of doing nothing."""

import pytest
from playwright.sync_api import Page, expect

from factcheck import services
from tests import factories
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1366, 390])
def test_u_on_a_signed_off_claim_says_it_is_locked(
    page: Page, live_server, reviewer, editor, width
):
    claim = factories.make_claim()
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_update(actor=reviewer, claim=claim, rationale="No record of it.")
    services.claim_set_status(actor=reviewer, claim=claim, status="unverifiable")
    services.verdict_sign_off(actor=editor, claim=claim)
    page.set_viewport_size({"width": width, "height": 844})
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/claims/{claim.pk}/")
    panel = page.locator("#claim-panel")
    expect(panel).to_have_attribute("data-locked", "")
    page.wait_for_load_state("load")

    panel.focus()
    page.keyboard.press("u")

    expect(page.locator("#key-confirm")).to_have_text(
        "This claim is signed off and locked: nothing can be undone until an editor reopens it."
    )
    expect(page.locator("#key-confirm")).to_be_visible()
