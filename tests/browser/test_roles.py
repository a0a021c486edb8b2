"""Issue 11, points 6 and 7: each role sees what it can do; the source form says what it uses."""

import pytest
from playwright.sync_api import Page, expect

from factcheck.models import AuditEvent, Claim, Source
from tests import factories
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

STORY = (
    "Ceasefire talks resume in Cairo\n\n"
    "Senior officials arrived in Cairo on Monday. "
    "Gaps remain between the two sides on the ceasefire deal.\n"
)


@pytest.fixture
def claim(transactional_db):
    article = factories.make_article(title="Ceasefire talks resume in Cairo", text=STORY)
    return factories.make_claim(article=article, phrase="Gaps remain between the two sides")


def test_a_viewer_sees_no_select_text_hint_and_no_write_shortcuts(page: Page, live_server, claim):
    factories.make_user("Viewer", username="vic")
    log_in(page, live_server, "vic")

    page.goto(f"{live_server.url}/claims/{claim.pk}/")
    page.locator("body").press("?")

    overlay = page.locator("#shortcuts")
    expect(overlay).to_be_visible()
    expect(overlay).to_contain_text("next / previous claim")
    expect(overlay).not_to_contain_text("set status")
    expect(overlay).not_to_contain_text("add a claim")
    expect(overlay).not_to_contain_text("source picker")
    expect(overlay).not_to_contain_text("undo")
    expect(page.locator("#select-hint")).not_to_contain_text("to add a claim")
    expect(page.locator("#claim-panel")).to_contain_text("Assigned to nobody")
    expect(page.locator("#assign-form")).to_have_count(0)

    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    page.keyboard.press("Escape")
    for key in ("5", "5", "u", "a", "s"):
        page.keyboard.press(key)
    # A request of the page's own, answered: anything the keys had sent went out before it.
    assert page.evaluate("() => fetch(location.href).then((response) => response.status)") == 200
    assert posts == []  # keys a viewer cannot use send nothing (no 403s behind the page)


def test_assign_a_claim_from_the_panel(page: Page, live_server, reviewer, editor, claim):
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/claims/{claim.pk}/")
    panel = page.locator("#claim-panel")

    panel.get_by_label("Assigned to").select_option(label="ed")
    with page.expect_response(lambda response: "/assign/" in response.url):
        panel.get_by_role("button", name="Assign", exact=True).click()

    expect(panel.get_by_label("Assigned to")).to_have_value(str(editor.pk))
    assert Claim.objects.get(pk=claim.pk).assigned_to == editor
    event = AuditEvent.objects.filter(claim_id=claim.pk).order_by("-id").first()
    assert (event.action, event.actor) == ("claim.changed", reviewer)


def test_registry_source_and_a_typed_new_name_are_refused_saying_which_is_used(
    page: Page, live_server, reviewer, claim
):
    factories.make_source("Health Ministry", type_slug="ministry")
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/claims/{claim.pk}/")
    panel = page.locator("#claim-panel")
    panel.locator("summary", has_text="Add attribution").click()
    form = panel.locator("#attribution-form")

    form.locator("#source-search").fill("Health")
    form.locator(".option[data-pick]", has_text="Health Ministry").click()
    form.get_by_label("New source name").fill("John Kirby")
    form.get_by_role("button", name="Add attribution").click()

    error = panel.locator("#attribution-form").locator(".error")
    expect(error).to_contain_text("“Health Ministry” from the registry")
    expect(error).to_contain_text("the registry source would be used")
    expect(
        panel.get_by_label("New source type").locator("option[value=unattributed]")
    ).to_have_count(0)
    assert list(Source.objects.values_list("name", flat=True)) == ["Health Ministry"]
    assert not claim.attributions.exists()
