"""Suggestions in real Chromium: import, accept with the keyboard, edit, reject, suggest again."""

import itertools
import re

import pytest
from playwright.sync_api import Page, expect

from factcheck.models import Attribution, AuditEvent, Claim, Source, Suggestion
from tests.browser.conftest import log_in, select_text

pytestmark = pytest.mark.browser

STORY = (
    "Ceasefire talks resume in Cairo\n\n"
    "Senior officials arrived in Cairo on Monday, the Egyptian foreign ministry said.\n\n"
    "“We are closer than we have ever been,” White House national security spokesperson "
    "John Kirby told reporters.\n\n"
    "An Israeli official, speaking on condition of anonymity, told AFP that gaps remained "
    "on the prisoner exchange.\n\n"
    "Hamas said in a statement that it would not accept a partial deal.\n"
)


def test_accept_edit_and_reject_suggestions_then_suggest_again(
    page: Page, live_server, reviewer, tmp_path
):
    story = tmp_path / "cairo.txt"
    story.write_text(STORY, encoding="utf-8")
    log_in(page, live_server, "rita")

    # Import through the page; the tests' task backend runs the suggester at once.
    page.get_by_role("link", name="Import articles").click()
    page.get_by_label("Files", exact=True).set_input_files(str(story))
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ceasefire talks resume in Cairo")
    links = page.locator(".suggestion-link")
    expect(links.first).to_be_visible()
    assert links.count() >= 3
    expect(page.locator("#article-text .sg").first).to_be_visible()
    first, second, third = Suggestion.objects.order_by("claim_start")[:3]

    # n opens the first suggestion; Enter accepts it: its claim opens, highlighted.
    # (Once the deferred review.js has run and bound the keys.)
    page.wait_for_load_state("load")
    page.keyboard.press("n")
    card = page.locator("#suggestion-panel")
    expect(card).to_have_attribute("data-suggestion", str(first.pk))
    expect(card).to_contain_text(first.source_text)
    page.keyboard.press("Enter")
    panel = page.locator("#claim-panel")
    expect(panel.locator("blockquote")).to_have_text(first.claim_text)
    claim = Claim.objects.get()
    expect(page.locator(f'#article-text [data-claim="{claim.pk}"]').first).to_have_class(
        "hl st-unverified depth-1 active"
    )
    expect(page.locator(f'.suggestion-link[data-suggestion="{first.pk}"]')).to_have_count(0)

    # n, then e: edit the second before accepting it.
    page.keyboard.press("n")
    expect(card).to_have_attribute("data-suggestion", str(second.pk))
    page.keyboard.press("e")
    name = card.get_by_label("Source name")
    expect(name).to_be_focused()
    name.fill("Office of the White House spokesperson")
    card.get_by_label("Type").select_option("government_office")
    card.get_by_role("button", name="Accept with changes").click()
    expect(panel.locator(".attribution")).to_contain_text("Office of the White House spokesperson")

    # n, then x: reject the third; the card moves on to the next one.
    page.keyboard.press("n")
    expect(card).to_have_attribute("data-suggestion", str(third.pk))
    page.keyboard.press("x")
    expect(page.locator(f'.suggestion-link[data-suggestion="{third.pk}"]')).to_have_count(0)
    expect(page.locator(f'#article-text [data-suggestions~="{third.pk}"]')).to_have_count(0)

    assert Claim.objects.count() == 2
    edited = Attribution.objects.select_related("source__source_type").get(
        claim__start=second.claim_start
    )
    assert edited.source.name == "Office of the White House spokesperson"
    assert edited.source.source_type.slug == "government_office"
    assert Attribution.objects.filter(claim__start=first.claim_start).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"suggestion.accepted", "suggestion.edited", "suggestion.rejected"} <= actions
    assert AuditEvent.objects.get(action="suggestion.rejected").actor_id == reviewer.pk
    states = dict(Suggestion.objects.values_list("pk", "state"))
    assert (states[first.pk], states[second.pk], states[third.pk]) == (
        "accepted",
        "edited",
        "rejected",
    )

    # Suggest again: a new run, and the rejected suggestion does not come back.
    pending_before = Suggestion.objects.pending().count()
    bar = page.locator("#suggestion-bar")
    before = bar.get_attribute("data-run")
    page.get_by_role("button", name="Suggest again").click()
    expect(bar).not_to_have_attribute("data-run", before)
    expect(bar).to_contain_text(f"{pending_before} suggestion")
    # The second run found nothing new: every suggestion still comes from the first.
    assert Suggestion.objects.values("run").distinct().count() == 1
    assert not Suggestion.objects.pending().filter(claim_start=third.claim_start).exists()
    expect(page.locator(f'#article-text [data-suggestions~="{third.pk}"]')).to_have_count(0)
    assert AuditEvent.objects.filter(action="suggestions.generated").count() == 2


DATELINE_STORY = (
    "Talks on Gaza stall in Cairo\n\n"
    "Washington (AFP) – Senior officials arrived in Cairo on Monday, "
    "the Egyptian foreign ministry said.\n\n"
    "The Washington Post reported that the talks had stalled over the prisoner exchange. "
    "The newspaper said a deal was still possible this week.\n\n"
    "“We are closer than we have ever been,” White House spokesperson John Kirby "
    "told reporters. He said the gaps were narrowing.\n\n"
    "Hamas said in a statement that it would not accept a partial deal.\n"
)


@pytest.mark.parametrize("width", [1366, 390])
def test_accept_all_over_a_claim_and_a_dateline_makes_no_overlap_nor_a_bad_source(
    page: Page, live_server, reviewer, tmp_path, width
):
    page.set_viewport_size({"width": width, "height": 900})
    story = tmp_path / "gaza.txt"
    story.write_text(DATELINE_STORY, encoding="utf-8")
    log_in(page, live_server, "rita")
    page.get_by_role("link", name="Import articles").click()
    page.get_by_label("Files", exact=True).set_input_files(str(story))
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Talks on Gaza stall in Cairo")
    expect(page.locator(".suggestion-link").first).to_be_visible()
    page.wait_for_load_state("load")

    # A claim marked by hand over words a suggestion covers, before accepting all.
    by_hand = "Senior officials arrived in Cairo on Monday"
    select_text(page, by_hand)
    page.get_by_role("button", name="Add claim").click()
    expect(page.locator("#claim-panel blockquote")).to_have_text(by_hand)
    if width < 1024:
        # On a phone the panel is a drawer over the text: closed, the bar shows again.
        page.get_by_role("button", name="Close").click()
        expect(page.locator("#panel")).not_to_have_class(re.compile("drawer-open"))

    # Accept all: it names the sources it would add and asks before adding them.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile(r"^Accept all above 0\.8")).click()
    ask = page.locator("#accept-above-ask")
    expect(ask).to_be_in_viewport()
    expect(ask).to_contain_text("John Kirby")
    dateline = re.compile(r"^Washington( \(AFP\)?)?$")
    expect(ask.locator(".sg-new-sources li", has_text=dateline)).to_have_count(0)
    ask.get_by_role("button", name=re.compile(r"^Add \d+ sources? and accept$")).click()
    expect(page.locator("#panel .notice")).to_contain_text("Accepted")

    claims = list(Claim.objects.order_by("start", "end"))
    assert len(claims) >= 3
    for before, after in itertools.pairwise(claims):
        assert before.end <= after.start, f"{before.text!r} overlaps {after.text!r}"
    assert Claim.objects.filter(text=by_hand).count() == 1
    names = [name.casefold() for name in Source.objects.values_list("name", flat=True)]
    assert "washington" not in names
    assert not [name for name in names if "(afp" in name]
    assert not {"he", "she", "they", "it", "the newspaper", "the daily"} & set(names)
    assert Attribution.objects.get(mention_text="The newspaper").source.name == (
        "The Washington Post"
    )
    assert Attribution.objects.get(mention_text="He").source.name == "John Kirby"
    assert not Suggestion.objects.pending().above(0.8).exists()
