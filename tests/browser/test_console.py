"""No screen logs an error or breaks the content security policy, through a reviewer's day."""

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from factcheck import services
from factcheck.models import Claim
from tests import factories
from tests.browser.conftest import log_in, select_text

pytestmark = pytest.mark.browser

STORY = (
    "Ceasefire talks resume in Cairo\n\n"
    "Senior officials arrived in Cairo on Monday, the foreign ministry said. "
    "Gaps remain between the two sides on the ceasefire deal. "
    "More talks are planned for later this week.\n"
)
FIRST = "Senior officials arrived in Cairo on Monday"
SECOND = "Gaps remain between the two sides on the ceasefire deal."

# Every policy violation the page sees, as the browser reports it to the document.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  const what = `${event.violatedDirective} ${event.blockedURI}`;
  window.__violations.push(`${what} ${where} ${event.sample}`);
});
"""

HANDLED = re.compile(r"^Failed to load resource: the server responded with a status of 4(09|22) ")


class Watch:
    """Console errors, uncaught exceptions and CSP violations, screen by screen."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.add_init_script(LISTEN)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        # Chromium logs every 4xx answer as an error; a 409 or 422 is the page's own
        # refusal, shown in the panel, so only those are let through.
        if message.type == "error" and not HANDLED.search(message.text):
            self.problems.append(f"{self.page.url}: {message.text}")

    def check(self) -> list[str]:
        """What went wrong on the screen shown now, and everything before it."""
        violations = self.page.evaluate("window.__violations || []")
        return self.problems + [f"{self.page.url}: CSP {line}" for line in violations]


@pytest.mark.parametrize("width", [1366, 390])
def test_no_console_error_or_csp_violation_on_any_screen(
    page: Page, live_server, reviewer, editor, width
):
    article = factories.make_article(
        title="Ceasefire talks resume in Cairo", text=STORY, outlet="Ledger"
    )
    first = factories.make_claim(article=article, phrase=FIRST, actor=reviewer)
    ministry = factories.make_source("Foreign Ministry", type_slug="ministry")
    services.attribution_add(actor=reviewer, claim=first, source=ministry, mention_text="ministry")
    page.set_viewport_size({"width": width, "height": 844})
    watch = Watch(page)
    log_in(page, live_server, "rita")
    seen = []

    def visit(path: str, ready: str) -> None:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator(ready).first).to_be_visible()
        page.wait_for_load_state("networkidle")
        seen.append(path)
        assert watch.check() == [], path

    for path, ready in [
        ("/", "h1"),
        ("/articles/import/", "h1"),
        ("/claims/", "h1"),
        ("/sources/", "h1"),
        (f"/sources/{ministry.pk}/", "h1"),
        ("/sources/types/", "h1"),
        ("/insights/", "h1"),
        ("/activity/", "h1"),
        (f"/claims/{first.pk}/", "#claim-panel"),
    ]:
        visit(path, ready)

    # A hand-made claim on an article that already has one.
    visit(f"/articles/{article.pk}/", "#article-text")
    page.locator("#article-text .para", has_text=SECOND).scroll_into_view_if_needed()
    select_text(page, SECOND)
    page.get_by_role("button", name="Add claim").click()
    panel = page.locator("#claim-panel")
    expect(panel.locator("blockquote")).to_have_text(SECOND)
    expect(page.locator(".claim-link")).to_have_count(2)
    page.wait_for_load_state("networkidle")
    assert watch.check() == [], "add claim"

    # Attribute it, edit the attribution, undo the edit.
    panel.locator("summary", has_text="Add attribution").click()
    form = panel.locator("#attribution-form")
    form.get_by_label("New source name").fill("John Kirby")
    form.get_by_label("New source type").select_option("named_spokesperson")
    form.get_by_role("button", name="Add attribution").click()
    expect(panel.locator(".attribution")).to_contain_text("John Kirby")
    page.wait_for_load_state("networkidle")
    assert watch.check() == [], "add attribution"

    panel.locator(".attribution summary", has_text="Edit").click()
    panel.locator(".attribution").get_by_label("Cue").fill("said")
    panel.get_by_role("button", name="Save attribution").click()
    expect(panel.locator(".attribution")).to_contain_text("cue “said”")
    page.wait_for_load_state("networkidle")
    assert watch.check() == [], "edit attribution"

    panel.get_by_role("button", name="Undo my last change").click()
    expect(panel.locator(".attribution")).not_to_contain_text("cue “said”")
    page.wait_for_load_state("networkidle")
    assert watch.check() == [], "undo"

    # Someone else changes the claim meanwhile: the refused save sends the whole text again.
    second = Claim.objects.get(text=SECOND)
    services.claim_update(actor=editor, claim=second, rationale="The editor's rationale")
    panel.get_by_label("Status", exact=True).select_option("in_progress")
    panel.get_by_role("button", name="Set status").click()
    expect(panel.locator(".conflict")).to_contain_text("Not saved.")
    page.wait_for_load_state("networkidle")
    assert watch.check() == [], "conflict"

    # The editor's screens, in a browser of their own: the article's tools and sign-off.
    context = page.context.browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    watch = Watch(page)
    log_in(page, live_server, "ed")
    visit(f"/articles/{article.pk}/delete/", "h1")
    visit(f"/articles/{article.pk}/details/", "h1")
    visit(f"/sources/{ministry.pk}/edit/", "h1")
    visit(f"/sources/{ministry.pk}/merge/", "h1")
    visit(f"/claims/{second.pk}/", "#claim-panel")
    context.close()
