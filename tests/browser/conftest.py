"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against live_server."""

import pytest
from playwright.sync_api import Page, expect

from factcheck.chromium import CHROMIUM, CHROMIUM_FLAGS
from tests import factories

PASSWORD = "pw-for-tests-123"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def reviewer(transactional_db):
    return factories.make_user("Reviewer", username="rita")


@pytest.fixture
def editor(transactional_db):
    return factories.make_user("Editor", username="ed")


def log_in(page: Page, live_server, username: str) -> None:
    """Log in through the login form, as a person does."""
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")


def select_text(page: Page, phrase: str) -> None:
    """Select `phrase` in the article text by dragging the mouse across it."""
    box = page.evaluate(
        """(phrase) => {
            const container = document.getElementById("article-text");
            const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
            const nodes = [];
            let all = "";
            for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                if (n.parentElement.closest("sup")) continue;
                nodes.push([n, all.length]);
                all += n.data;
            }
            const at = all.indexOf(phrase);
            if (at < 0) throw new Error("phrase not found: " + phrase);
            const locate = (offset) => {
                for (const [node, base] of nodes) {
                    if (offset < base + node.data.length) return [node, offset - base];
                }
            };
            const charRect = (offset) => {
                const [node, local] = locate(offset);
                const range = document.createRange();
                range.setStart(node, local);
                range.setEnd(node, local + 1);
                return range.getClientRects()[0];
            };
            const first = charRect(at);
            const last = charRect(at + phrase.length - 1);
            return {x1: first.left + 1, y1: first.top + first.height / 2,
                    x2: last.right - 1, y2: last.top + last.height / 2};
        }""",
        phrase,
    )
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move((box["x1"] + box["x2"]) / 2, (box["y1"] + box["y2"]) / 2, steps=5)
    page.mouse.move(box["x2"], box["y2"], steps=5)
    page.mouse.up()


def open_filters(page: Page) -> None:
    """Unfold the page's filter form, as a person on a phone taps "Filters" first."""
    fold = page.locator("details.filter-fold")
    expect(fold.locator("summary")).to_be_visible()
    if fold.get_attribute("open") is None:
        fold.locator("summary").click()
    expect(fold).to_have_attribute("open", "")
