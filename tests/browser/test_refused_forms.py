"""A refused attribution comes back with every choice as the reviewer made it."""

import pytest
from playwright.sync_api import Page, expect

from factcheck.models import Attribution
from tests import factories
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1366, 390])
def test_a_refused_attribution_keeps_quote_mode_ground_rule_and_reason(
    page: Page, live_server, reviewer, width
):
    claim = factories.make_claim()
    page.set_viewport_size({"width": width, "height": 844})
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/claims/{claim.pk}/")
    panel = page.locator("#claim-panel")
    panel.locator("summary", has_text="Add attribution").click()
    form = panel.locator("#attribution-form")
    form.get_by_label("Mention").fill("a top official")
    form.get_by_label("Cue").fill("told")
    form.get_by_label("Quote mode").select_option("direct")
    form.get_by_label("Ground rule (anonymous sources)").select_option("background")
    form.get_by_label("Why anonymity was granted").fill("not authorised to speak")

    form.get_by_role("button", name="Add attribution").click()

    form = page.locator("#attribution-form")
    expect(form.locator(".error")).to_have_text(
        "Pick a source from the registry or name a new one."
    )
    expect(form.get_by_label("Mention")).to_have_value("a top official")
    expect(form.get_by_label("Cue")).to_have_value("told")
    expect(form.get_by_label("Quote mode")).to_have_value("direct")
    expect(form.get_by_label("Ground rule (anonymous sources)")).to_have_value("background")
    expect(form.get_by_label("Why anonymity was granted")).to_have_value("not authorised to speak")
    assert not Attribution.objects.exists()
