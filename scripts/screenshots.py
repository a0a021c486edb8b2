"""Take the README's screenshots in real Chromium, against a throwaway demo database.

Run: .venv/bin/python scripts/screenshots.py [OUTPUT_DIR]   (default docs/screenshots)
It migrates a temporary SQLite database, imports the seed article with its
annotation, moves a few claims through the workflow, serves the app on a free
loopback port, and photographs the main screens.
"""

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from factcheck.chromium import CHROMIUM, CHROMIUM_FLAGS

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "demo-pass-123"

# Moves a few claims through the workflow, so the screens show more than one colour.
PROGRESS = """
from factcheck import services
from django.contrib.auth.models import User
from factcheck.models import Claim
reviewer = User.objects.get(username="reviewer")
editor = User.objects.get(username="editor")
claims = list(Claim.objects.order_by("start"))
for claim in claims[1:6]:
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
deaths = next(c for c in claims if "38,193" in c.text)
services.claim_update(actor=reviewer, claim=deaths,
                      rationale="Matches the ministry's daily report and UN OCHA figures.")
services.evidence_add(actor=reviewer, claim=deaths, url="https://www.ochaopt.org/",
                      title="UN OCHA situation report")
services.claim_set_status(actor=reviewer, claim=deaths, status="in_progress")
services.claim_set_status(actor=reviewer, claim=deaths, status="verified")
services.verdict_sign_off(actor=editor, claim=deaths)
# A source renamed after sign-off: the panel says so, the ClaimReview keeps what was signed.
cited = deaths.attributions.first()
if cited is not None:
    services.source_update(actor=editor, source=cited.source, name=cited.source.name + " (Gaza)")
gaps = next(c for c in claims if c.text.startswith("Senior U.S. officials"))
services.claim_update(actor=reviewer, claim=gaps, rationale="Only one side's account so far.")
services.evidence_add(actor=reviewer, claim=gaps, url="https://www.whitehouse.gov/briefings/")
services.claim_set_status(actor=reviewer, claim=gaps, status="in_progress")
services.claim_set_status(actor=reviewer, claim=gaps, status="partly_verified")
services.note_add(actor=editor, claim=gaps, body="Ask the Cairo stringer for a second source.")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # A throwaway database with keys of its own, whatever the demo's .env holds.
        env = {
            **os.environ,
            "FACTCHECK_ENV_FILE": "",
            "DEBUG": "true",
            "SECRET_KEY": secrets.token_hex(32),
            "AUDIT_KEY": secrets.token_hex(32),
            "DATABASE_URL": f"sqlite:///{tmp}/demo.sqlite3",
            "FACTCHECK_AUDIT_CHECKPOINTS": f"{tmp}/checkpoints.jsonl",
        }
        manage(env, "migrate", "--no-input")
        manage(env, "import_articles", "seeds", "--annotations")
        manage(env, "create_demo_users", "--password", PASSWORD)
        manage(env, "shell", "-c", PROGRESS)
        # An article of the development set, read by the suggester (in-process, no worker).
        manage(env, "import_articles", "tests/data/11_arabic_names_gaza_talks.txt", "--no-suggest")
        manage(env, "suggest", "--all", "--now")
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            shoot(base, out)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"Screenshots written to {out}")


def shoot(base: str, out: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(f"{base}/login/")
        page.screenshot(path=out / "login.png")
        page.get_by_label("User name").fill("reviewer")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base}/")
        page.screenshot(path=out / "articles.png")
        page.get_by_role("link", name="Netanyahu obstructing").click()
        page.locator(".claim-link", has_text="Senior U.S. officials").click()
        page.locator("#claim-panel").wait_for()
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=out / "review.png")
        page.locator(".claim-link", has_text="38,193").click()
        page.locator(".drift").wait_for()
        page.locator("#panel").screenshot(path=out / "signed-off.png")
        page.goto(f"{base}/")
        page.get_by_role("link", name="Hamas delegation in Cairo").click()
        page.locator(".suggestion-link").first.wait_for()
        page.keyboard.press("n")
        page.locator("#suggestion-panel").wait_for()
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=out / "suggestions.png")
        page.goto(f"{base}/claims/")
        page.screenshot(path=out / "queue.png")
        page.goto(f"{base}/activity/")
        page.screenshot(path=out / "activity.png")
        shoot_phone(browser, base, out)
        shoot_insights(browser, base, out)
        shoot_sources(browser, base, out)
        browser.close()


def shoot_phone(browser, base: str, out: Path) -> None:
    """At phone width: the articles list, and a claim's panel as a drawer over the text."""
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page.goto(f"{base}/login/")
    page.get_by_label("User name").fill("reviewer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")
    page.screenshot(path=out / "articles-phone.png")
    # The first screen of the lists a phone shows: their filter forms start folded.
    for name, path in (("queue-phone", "/claims/?q=Hamas"), ("activity-phone", "/activity/")):
        page.goto(base + path)
        page.screenshot(path=out / f"{name}.png")
    page.goto(f"{base}/")
    page.get_by_role("link", name="Netanyahu obstructing").click()
    page.locator("#article-text p").first.wait_for()
    page.screenshot(path=out / "review-text-phone.png")
    page.locator("#article-text [data-claim]", has_text="Senior U.S. officials").first.click()
    page.locator("#panel.drawer-open #claim-panel").wait_for()
    # Once the drawer has slid in.
    page.wait_for_function(
        "() => document.getElementById('panel').getBoundingClientRect().left >= 0"
    )
    page.screenshot(path=out / "review-phone.png")
    page.close()


def shoot_sources(browser, base: str, out: Path) -> None:
    """The Sources page and John Kirby's track record, at desktop (1,366) and phone (390) width."""
    for suffix, viewport, scale in (("", (1366, 900), 1), ("-phone", (390, 844), 2)):
        width, height = viewport
        page = browser.new_page(
            viewport={"width": width, "height": height}, device_scale_factor=scale
        )
        page.goto(f"{base}/login/")
        page.get_by_label("User name").fill("editor")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/sources/")
        page.screenshot(path=out / f"sources{suffix}.png", full_page=bool(suffix))
        page.locator("#results").get_by_role("link", name="John Kirby", exact=True).click()
        page.locator("#claim-total").wait_for()
        page.screenshot(path=out / f"source{suffix}.png", full_page=True)
        page.close()


def shoot_insights(browser, base: str, out: Path) -> None:
    """The Insights page, whole, at desktop (1,366) and phone (390) width."""
    for suffix, viewport, scale in (("", (1366, 900), 1), ("-phone", (390, 844), 2)):
        width, height = viewport
        page = browser.new_page(
            viewport={"width": width, "height": height}, device_scale_factor=scale
        )
        page.goto(f"{base}/login/")
        page.get_by_label("User name").fill("reviewer")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/insights/")
        page.screenshot(path=out / f"insights{suffix}.png", full_page=True)
        page.close()


if __name__ == "__main__":
    main()
