"""The Insights page in Chromium: charts that fit a laptop and a phone; bars lead to claims."""

import datetime

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from factcheck import services
from tests import factories
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def desk(reviewer):
    """Four claims: two cite an anonymous official (one via AFP), one a ministry, one none."""
    cache.clear()
    text = "Title\n\n" + " ".join(f"Sentence {n} is a claim." for n in range(1, 5))
    article = factories.make_article(
        text=text, outlet="The Courier", published_on=datetime.date(2026, 3, 4)
    )
    anonymous = factories.make_source("Unnamed official", type_slug="anonymous_official")
    ministry = factories.make_source("Health ministry", type_slug="ministry")
    afp = factories.make_source("AFP", type_slug="news_agency")
    claims = [
        factories.make_claim(article=article, phrase=f"Sentence {n} is a claim")
        for n in range(1, 5)
    ]
    services.attribution_add(actor=None, claim=claims[0], source=anonymous, intermediary=afp)
    services.attribution_add(actor=None, claim=claims[1], source=anonymous)
    services.attribution_add(actor=None, claim=claims[2], source=ministry)
    return claims


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_the_page_fits_the_screen_and_shows_every_chart(page: Page, live_server, desk, viewport):
    page.set_viewport_size(viewport)
    log_in(page, live_server, "rita")

    page.get_by_role("link", name="Insights").click()

    expect(page.get_by_role("heading", name="Insights", level=1)).to_be_visible()
    for title in [
        "Claims by source type",
        "Anonymous sources",
        "Sources per claim",
        "Relayed through an intermediary",
        "Verdicts by source type",
        "Most cited sources",
        "Named and anonymous sources by outlet",
        "Anonymous sources by week",
    ]:
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    expect(page.locator("#figure-types svg.chart")).to_be_visible()
    assert page.locator("#figure-types svg.chart").bounding_box()["width"] <= viewport["width"]
    assert no_sideways_scroll(page)


def test_a_bar_opens_the_queue_with_its_claims(page: Page, live_server, desk):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/insights/")

    page.locator("#figure-types svg a", has_text="Anonymous official").click()

    page.wait_for_url("**/claims/?source_type=anonymous_official")
    expect(page.get_by_role("heading", name="Claims queue")).to_be_visible()
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Sentence")


def test_filtering_by_outlet_counts_only_its_claims_and_links_back_to_the_queue(
    page: Page, live_server, desk
):
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/insights/")

    page.locator("select[name=outlet]").select_option("The Courier")
    page.get_by_role("button", name="Apply filters").click()

    expect(page.locator("#insights-total")).to_contain_text("4 claims, 3 attributions")
    page.get_by_role("link", name="These claims in the queue").click()
    page.wait_for_url("**/claims/?outlet=The+Courier")


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_each_anonymity_bar_opens_as_many_claims_as_it_counts(
    page: Page, live_server, desk, viewport
):
    # Two named sources on one claim: two attributions, one claim.
    spokesman = factories.make_source("Health spokesman", type_slug="named_spokesperson")
    services.attribution_add(actor=None, claim=desk[2], source=spokesman)
    page.set_viewport_size(viewport)
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/insights/")
    bars = page.locator("#figure-anonymity svg a")
    # Named sources only (1) and anonymous with no reason (2); an empty bar has no link.
    expect(bars).to_have_count(2)
    labels = bars.evaluate_all("links => links.map((link) => link.getAttribute('aria-label'))")

    for label in labels:
        count = int(label.split(": ")[1].split(" ")[0])
        page.locator(f'#figure-anonymity svg a[aria-label="{label}"]').click()
        page.wait_for_url("**/claims/?anonymity=*")
        expect(page.locator("#results tbody tr")).to_have_count(count)
        page.go_back()
        expect(bars).to_have_count(2)
    assert [int(label.split(": ")[1].split(" ")[0]) for label in labels] == [1, 2]
