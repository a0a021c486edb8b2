"""Debian's Chromium, launched the same way by the browser tests, the screenshots and the benchmark.

Never a downloaded browser (`playwright install` fetches one from the internet):
Playwright starts /usr/bin/chromium with these flags, headless and without any
of its own network traffic.
"""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
