"""The source picker picks from the list that matches what was typed, however fast."""

import pytest
from playwright.sync_api import Page, Route, expect

from factcheck.models import Attribution
from tests import factories
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

STORY = (
    "Talks resume\n\n"
    "Officials arrived in Cairo on Monday, a senior official told The Washington Post. "
    "Gaps remain between the two sides.\n"
)


@pytest.mark.parametrize("width", [1366, 390])
def test_down_and_enter_before_the_filtered_list_arrives_pick_from_it(
    page: Page, live_server, reviewer, width
):
    article = factories.make_article(title="Talks resume", text=STORY)
    claim = factories.make_claim(article=article, phrase="Gaps remain between the two sides.")
    factories.make_source("AFP", type_slug="news_agency")
    post = factories.make_source("The Washington Post", type_slug="news_agency")
    page.set_viewport_size({"width": width, "height": 844})
    log_in(page, live_server, "rita")
    held: list[Route] = []

    def hold_filtered(route: Route) -> None:
        # The filtered list is held back until the keys are pressed: the race, every time.
        if "q=washington" in route.request.url:
            held.append(route)
        else:
            route.continue_()

    page.route("**/sources/search/**", hold_filtered)
    page.goto(f"{live_server.url}/claims/{claim.pk}/")
    page.locator("#add-attribution summary").click()
    search = page.locator("#source-search")
    search.focus()
    expect(page.locator("#source-options .option").first).to_have_attribute("data-name", "AFP")

    search.press_sequentially("washington post")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    form = page.locator("#attribution-form")
    picked = form.locator("input[name=source]")
    # Until the filtered search is held or a source was picked (from the stale list).
    while not held and not picked.input_value():
        page.evaluate("0")
    for route in held:
        route.continue_()

    expect(form.locator(".picker[data-picker=source] .picked")).to_have_text(
        "Picked: The Washington Post"
    )
    expect(form.locator("input[name=source]")).to_have_value(str(post.pk))
    form.locator("input[name=mention_text]").fill("The Washington Post")
    form.get_by_role("button", name="Add attribution").click()
    expect(page.locator(".attribution strong").first).to_have_text("The Washington Post")
    assert Attribution.objects.get().source == post
