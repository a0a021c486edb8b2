"""Time the review page of the big article in Chromium: does it stay responsive with 1,000 claims?

gunicorn on 127.0.0.1 serves the benchmark database as production does (the
load test's server, factcheck.loadtest.server); Debian's Chromium, driven by
Playwright, opens the page as the data set's administrator and times what a
reviewer does most:

- the page loaded (navigation to the `load` event: HTML, styles, scripts,
  the highlights laid out);
- `j` / `k`: the key pressed until the next (previous) claim's panel is in
  place and its highlight marked, its request included when review.js has
  not fetched it ahead yet: each key pressed as soon as the last panel
  showed, then half a second after it;
- a selection in the text until the "Add claim" button shows.

Each is the median of `repeat` runs (at least 5 for the keys). Nothing is
written but the session of the administrator's login. Needs Playwright (the
test extras) and /usr/bin/chromium; without them the rows say so.
"""

import statistics
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from factcheck.benchmarks.timing import Row, row
from factcheck.chromium import CHROMIUM, CHROMIUM_FLAGS

TARGET_LOAD_MS = 1000
# A key or a selection answered within 100 ms feels instant (the RAIL model).
TARGET_KEY_MS = 100
TARGET_SELECTION_MS = 100
KEY_PRESSES = 5
# A reviewer's glance at a claim before the next key.
GLANCE_S = 0.5

# Selects a few words of the text that no claim holds yet, then lets go of the
# mouse; resolves with the milliseconds until the "Add claim" form shows.
SELECT_AND_TIME = """async () => {
    const text = document.getElementById("article-text");
    const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
    let node = null;
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (!n.parentElement.closest("[data-claim], sup") && n.textContent.trim().length > 12) {
            node = n;
            break;
        }
    }
    if (!node) return null;
    const form = document.getElementById("claim-create-form");
    form.hidden = true;
    const range = document.createRange();
    const start = node.textContent.search(/\\S/);
    range.setStart(node, start);
    range.setEnd(node, start + 10);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    const started = performance.now();
    node.parentElement.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
    while (form.hidden) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (performance.now() - started > 5000) return null;
    }
    await new Promise((resolve) => requestAnimationFrame(() => resolve()));
    selection.removeAllRanges();
    return performance.now() - started;
}"""


def unavailable() -> str | None:
    """Why the browser cannot be timed here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    if not Path(CHROMIUM).exists():
        return f"there is no {CHROMIUM} (apt-get install chromium)"
    return None


def measure_review(article: Any, user: Any, repeat: int) -> tuple[list[Row], list[str]]:
    """The browser's rows for the review page of `article`, and any notes."""
    reason = unavailable()
    if reason:
        return [], [f"Browser timings not taken: {reason}."]
    from factcheck.loadtest import server

    connection.close()  # Hold no connection (nor lock) while gunicorn serves.
    with server.gunicorn(server.database_url(connection.settings_dict), workers=2) as served:
        return _in_chromium(served.base_url, article, user, repeat)


def _in_chromium(base: str, article: Any, user: Any, repeat: int) -> tuple[list[Row], list[str]]:
    from playwright.sync_api import sync_playwright

    login = Client()
    login.force_login(user)
    cookie = login.cookies[settings.SESSION_COOKIE_NAME].value
    url = base + reverse("review", args=[article.pk])
    rows, notes = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
        page = context.new_page()
        loads = []
        for _ in range(max(repeat, 1) + 1):
            started = time.perf_counter()
            page.goto(url, wait_until="load")
            loads.append((time.perf_counter() - started) * 1000)
        highlights = page.locator("#article-text [data-claim]").count()
        rows.append(
            row(
                "browser: page loaded",
                statistics.median(loads[1:]),
                TARGET_LOAD_MS,
                f"{highlights:,} highlighted pieces",
            )
        )
        claims = page.eval_on_selector_all(".claim-link", "els => els.map(e => e.dataset.claim)")
        presses = min(max(repeat, KEY_PRESSES), len(claims) - 1)
        if presses > 0:
            _key_time(page, "j", claims[0])  # Opens the first claim; not timed.
            current = 0
            # Each key pressed as soon as the last panel showed (the panels around it may
            # still be on their way), then after a glance at each claim.
            for pause, manner in ((0, ""), (GLANCE_S, f" {GLANCE_S:g} s after the last")):
                for key, step, which in (("j", 1, "next"), ("k", -1, "previous")):
                    times = []
                    for _ in range(presses):
                        current += step
                        time.sleep(pause)
                        times.append(_key_time(page, key, claims[current]))
                    rows.append(
                        row(
                            f"browser: {key}{manner}, the {which} claim's panel in place",
                            statistics.median(times),
                            TARGET_KEY_MS,
                            f"of {len(claims):,} claims",
                        )
                    )
        selections = [page.evaluate(SELECT_AND_TIME) for _ in range(max(repeat, 1) + 1)]
        if None in selections:
            notes.append("Browser: no text outside the claims to select; selection not timed.")
        else:
            rows.append(
                row(
                    "browser: a selection, until “Add claim” shows",
                    statistics.median(selections[1:]),
                    TARGET_SELECTION_MS,
                )
            )
        browser.close()
    return rows, notes


# Presses a key in the page and resolves with the milliseconds until the panel of
# `claim` is swapped in, its highlight marked, and the next frame drawn (a task
# queued from requestAnimationFrame runs after the frame's style, layout and paint);
# timed in the page, so that Playwright's own round trips are not counted.
KEY_AND_TIME = """([key, claim]) => new Promise((resolve) => {
    const started = performance.now();
    const shown = () => document.querySelector(`#claim-panel[data-claim="${claim}"]`)
        && document.querySelector(`.claim-link.active[data-claim="${claim}"]`);
    const timeout = setTimeout(() => resolve(null), 10000);
    // htmx swaps a panel it fetched; review.js one it fetched ahead (review:panel-shown).
    const events = ["htmx:afterSwap", "review:panel-shown"];
    const swapped = () => {
        if (!shown()) return;
        events.forEach((name) => document.removeEventListener(name, swapped));
        clearTimeout(timeout);
        requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started), 0));
    };
    events.forEach((name) => document.addEventListener(name, swapped));
    document.body.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true }));
})"""


def _key_time(page: Any, key: str, claim: str) -> float:
    """Press `key`; the milliseconds until `claim`'s panel is in place and marked."""
    elapsed = page.evaluate(KEY_AND_TIME, [key, claim])
    if elapsed is None:
        raise RuntimeError(f"Pressing {key} did not open claim #{claim} within 10 s.")
    return elapsed
