import re

import pytest
from playwright.sync_api import Page, expect

from factcheck import services
from factcheck.models import Attribution, AuditEvent, Claim
from tests import factories
from tests.browser.conftest import log_in, select_text

pytestmark = pytest.mark.browser

STORY = (
    "Ceasefire talks resume in Cairo\n\n"
    "Senior officials arrived in Cairo on Monday. "
    "Gaps remain between the two sides on the ceasefire deal. "
    "More talks are planned for later this week.\n"
)
SENTENCE = "Gaps remain between the two sides on the ceasefire deal."


def test_the_whole_review_loop(page: Page, live_server, reviewer, tmp_path):
    story = tmp_path / "cairo.txt"
    story.write_text(STORY, encoding="utf-8")
    log_in(page, live_server, "rita")
    expect(page.locator(".who")).to_contain_text("rita")
    expect(page.locator(".who")).to_contain_text("Reviewer")

    # Upload the article; one file leads straight to its review page.
    page.get_by_role("link", name="Import articles").click()
    page.get_by_label("Files", exact=True).set_input_files(str(story))
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ceasefire talks resume in Cairo")
    # The heading shows before the deferred review.js has bound the mouse.
    page.wait_for_load_state("load")

    # Select the sentence with the mouse and add it as a claim.
    select_text(page, SENTENCE)
    page.get_by_role("button", name="Add claim").click()
    panel = page.locator("#claim-panel")
    expect(panel.locator("blockquote")).to_have_text(SENTENCE)
    claim = Claim.objects.get()
    assert claim.text == SENTENCE
    assert claim.article.text[claim.start : claim.end] == SENTENCE
    strip = page.locator("#sourcing-strip")
    expect(strip).to_contain_text("Without a source: 1 of 1 claim")

    # Attribute it to a new source, John Kirby, a named spokesperson, cue "said".
    panel.locator("summary", has_text="Add attribution").click()
    form = panel.locator("#attribution-form")
    form.get_by_label("New source name").fill("John Kirby")
    form.get_by_label("New source type").select_option("named_spokesperson")
    form.get_by_label("Cue").fill("said")
    form.get_by_role("button", name="Add attribution").click()
    expect(panel.locator(".attribution")).to_contain_text("John Kirby")
    expect(panel.locator(".attribution")).to_contain_text("Named spokesperson")
    attribution = Attribution.objects.select_related("source__source_type").get()
    assert (attribution.source.name, attribution.cue) == ("John Kirby", "said")
    assert attribution.source.source_type.slug == "named_spokesperson"
    # The sourcing strip counts again after the answer, in a request of its own.
    expect(strip).to_contain_text("Named spokesperson 1")
    expect(strip).to_contain_text("Without a source: 0 of 1 claim")

    # Set the status to in progress: the highlight and the list follow.
    panel.get_by_label("Status", exact=True).select_option("in_progress")
    panel.get_by_role("button", name="Set status").click()
    expect(panel.locator("#claim-status")).to_have_text("In progress")
    expect(page.locator(f'#article-text [data-claim="{claim.pk}"]').first).to_have_class(
        re.compile(r"st-in_progress")
    )
    expect(page.locator(f'.claim-link[data-claim="{claim.pk}"] .badge')).to_have_text("In progress")
    assert Claim.objects.get().status == "in_progress"

    # The queue shows it too.
    page.get_by_role("link", name="Claims queue").click()
    row = page.locator("tr", has_text=SENTENCE)
    expect(row).to_contain_text("In progress")
    expect(row).to_contain_text("John Kirby")
    page.goto(f"{live_server.url}/claims/{claim.pk}/")
    panel = page.locator("#claim-panel")

    # The timeline tells each step.
    timeline = panel.locator(".timeline")
    expect(timeline).to_contain_text("rita marked the claim")
    expect(timeline).to_contain_text("rita attributed the claim to John Kirby")
    expect(timeline).to_contain_text("rita changed status from unverified to in progress")

    # Undo the last change.
    panel.get_by_role("button", name="Undo my last change").click()
    expect(page.locator("#claim-status")).to_have_text("Unverified")
    expect(page.locator(".timeline")).to_contain_text(
        "rita changed status from in progress to unverified"
    )
    expect(page.locator(".timeline")).to_contain_text(
        "Undo of: rita changed status from unverified to in progress"
    )
    assert Claim.objects.get().status == "unverified"
    assert AuditEvent.objects.filter(claim_id=claim.pk).count() == 4


def test_keyboard_only_navigation_and_status(page: Page, live_server, reviewer):
    article = factories.make_article(
        title="Keyboard", text="Keyboard\n\nFirst claim here. Second claim there. Third one."
    )
    first = factories.make_claim(article=article, phrase="First claim here.")
    second = factories.make_claim(article=article, phrase="Second claim there.")
    page.goto(f"{live_server.url}/login/")
    # The field's autofocus is what lets a person type at once; keys pressed before the
    # page has focused it would go nowhere.
    expect(page.get_by_label("User name")).to_be_focused()
    page.keyboard.type("rita")
    page.keyboard.press("Tab")
    page.keyboard.type("pw-for-tests-123")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/articles/{article.pk}/")

    page.keyboard.press("j")
    expect(page.locator("#claim-panel")).to_have_attribute("data-claim", str(first.pk))
    page.keyboard.press("2")
    expect(page.locator("#claim-status")).to_have_text("In progress")
    page.keyboard.press("j")
    expect(page.locator("#claim-panel")).to_have_attribute("data-claim", str(second.pk))
    page.keyboard.press("k")
    expect(page.locator("#claim-panel")).to_have_attribute("data-claim", str(first.pk))
    page.keyboard.press("u")
    expect(page.locator("#claim-status")).to_have_text("Unverified")
    page.keyboard.press("?")
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.get_by_role("dialog")).to_contain_text("next / previous claim")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    page.keyboard.press("s")
    expect(page.locator("#source-search")).to_be_focused()

    assert Claim.objects.get(pk=first.pk).status == "unverified"
    assert AuditEvent.objects.filter(claim_id=first.pk, action="claim.status_changed").count() == 2


def test_emoji_arabic_and_english_round_trip_exactly(page: Page, live_server, reviewer):
    text = (
        "Mixed scripts 🇵🇸\n\n"
        "The spokesman said «الوضع 👩🏽‍⚕️ صعب جدًا» on Monday, café naïve.\n"
        "שלום עליכם said the second source.\n"
    )
    article = factories.make_article(title="Mixed", text=text)
    phrase = "«الوضع 👩🏽‍⚕️ صعب جدًا» on Monday, café"
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/articles/{article.pk}/")

    # RTL runs make mouse coordinates ambiguous; select through the DOM
    # selection API instead, exactly as the browser reports a mouse selection.
    page.evaluate(
        """(phrase) => {
            const node = document.querySelector("#article-text p:nth-of-type(2) span").firstChild;
            const at = node.data.indexOf(phrase);
            window.getSelection().setBaseAndExtent(node, at, node, at + phrase.length);
        }""",
        phrase,
    )
    page.keyboard.press("a")

    expect(page.locator("#claim-panel blockquote")).to_have_text(phrase)
    claim = Claim.objects.get()
    assert claim.text == phrase
    assert (claim.start, claim.end) == (text.index(phrase), text.index(phrase) + len(phrase))
    expect(page.locator("#article-text p").nth(1)).to_have_attribute("dir", "auto")
    # The Hebrew line lays out right to left.
    direction = page.evaluate(
        "getComputedStyle(document.querySelectorAll('#article-text p')[2]).direction"
    )
    assert direction == "rtl"


def test_emoji_selection_by_mouse(page: Page, live_server, reviewer):
    text = "Emoji\n\nFamilies 👨‍👩‍👧 and flags 🇺🇦 were counted by the ministry, it said.\n"
    article = factories.make_article(title="Emoji", text=text)
    phrase = "👨‍👩‍👧 and flags 🇺🇦 were counted"
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/articles/{article.pk}/")

    select_text(page, phrase)
    page.get_by_role("button", name="Add claim").click()

    expect(page.locator("#claim-panel blockquote")).to_have_text(phrase)
    assert Claim.objects.get().text == phrase


def test_stale_save_shows_the_conflict_in_the_second_browser(
    browser, live_server, reviewer, editor
):
    claim = factories.make_claim()
    url = f"{live_server.url}/claims/{claim.pk}/"
    first = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    second = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(first, live_server, "rita")
    log_in(second, live_server, "ed")
    first.goto(url)
    second.goto(url)

    first.get_by_label("Rationale").fill("Ministry figures confirm it.")
    first.get_by_role("button", name="Save rationale").click()
    expect(first.locator(".timeline")).to_contain_text("rita edited the claim")
    second.get_by_label("Rationale").fill("Second opinion, typed on a stale page.")
    second.get_by_role("button", name="Save rationale").click()

    conflict = second.locator(".conflict")
    expect(conflict).to_contain_text("Someone else changed this claim")
    expect(second.locator(".current")).to_contain_text("Ministry figures confirm it.")
    expect(second.get_by_label("Rationale")).to_have_value("Second opinion, typed on a stale page.")
    assert Claim.objects.get().rationale == "Ministry figures confirm it."

    # Saving again, now against the current version, applies it deliberately.
    second.get_by_role("button", name="Save rationale").click()
    expect(second.locator(".conflict")).to_have_count(0)
    assert Claim.objects.get().rationale == "Second opinion, typed on a stale page."
    first.context.close()
    second.context.close()


def test_claims_from_the_annotation_are_highlighted(page: Page, live_server, reviewer):
    article = services.article_create(
        actor=None, title="", text=factories.SEED_ARTICLE.read_text(encoding="utf-8")
    )
    outer = services.claim_create(actor=None, article=article, start=1151, end=1289)
    inner = services.claim_create(actor=None, article=article, start=1218, end=1289)
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/articles/{article.pk}/")

    nested = page.locator(f'#article-text [data-claims="{outer.pk} {inner.pk}"]')
    expect(nested).to_have_count(1)
    expect(nested).to_have_class(re.compile("depth-2"))
    nested.click()
    expect(page.locator("#claim-panel")).to_have_attribute("data-claim", str(inner.pk))


def test_propose_sign_off_lock_and_reopen(browser, live_server, reviewer, editor):
    claim = factories.make_claim()
    url = f"{live_server.url}/claims/{claim.pk}/"
    rita = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    ed = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(rita, live_server, "rita")
    log_in(ed, live_server, "ed")

    # The reviewer researches and proposes "false" with rationale and evidence.
    rita.goto(url)
    panel = rita.locator("#claim-panel")
    panel.get_by_label("Status", exact=True).select_option("in_progress")
    panel.get_by_role("button", name="Set status").click()
    expect(panel.locator("#claim-status")).to_have_text("In progress")
    panel.get_by_label("Rationale").fill("The ministry's own report gives a different figure.")
    panel.get_by_role("button", name="Save rationale").click()
    expect(panel.locator(".timeline")).to_contain_text("rita edited the claim")
    panel.get_by_label("Evidence URL").fill("https://example.org/ministry-report")
    panel.get_by_role("button", name="Add link").click()
    expect(panel.locator(".evidence")).to_contain_text("example.org/ministry-report")
    panel.get_by_label("Status", exact=True).select_option("false")
    panel.get_by_role("button", name="Set status").click()
    expect(panel.locator("#claim-status")).to_have_text("False")
    expect(panel).to_contain_text("proposed by rita, awaiting sign-off")
    expect(panel.get_by_role("button", name=re.compile("Sign off"))).to_have_count(0)

    # An editor signs it off: the claim is locked.
    ed.goto(url)
    ed_panel = ed.locator("#claim-panel")
    ed_panel.get_by_role("button", name="Sign off “false”").click()
    expect(ed_panel.locator(".lock")).to_have_text("locked")
    expect(ed_panel).to_contain_text("signed off by ed")
    expect(ed_panel.get_by_role("button", name="Set status")).to_have_count(0)
    assert Claim.objects.get().is_locked
    rita.reload()
    expect(rita.locator("#claim-panel .lock")).to_be_visible()
    expect(rita.locator("#claim-panel").get_by_role("button", name="Reopen")).to_have_count(0)

    # The editor reopens it with a reason.
    ed_panel.get_by_label("Reopen this claim").fill("The ministry corrected its report.")
    ed_panel.get_by_role("button", name="Reopen").click()
    expect(ed_panel.locator("#claim-status")).to_have_text("In progress")
    expect(ed_panel.locator(".lock")).to_have_count(0)
    timeline = ed_panel.locator(".timeline")
    expect(timeline).to_contain_text("rita proposed the verdict false (was in progress)")
    expect(timeline).to_contain_text("ed signed off the verdict")
    expect(timeline).to_contain_text("ed reopened the claim")
    expect(timeline).to_contain_text("The ministry corrected its report.")
    actions = list(
        AuditEvent.objects.filter(claim_id=claim.pk).order_by("id").values_list("action", flat=True)
    )
    assert actions[-3:] == ["verdict.proposed", "verdict.signed_off", "claim.reopened"]
    assert not Claim.objects.get().is_locked
    rita.context.close()
    ed.context.close()


def test_an_action_updates_only_what_it_changed_and_the_page_stays_true(
    page: Page, live_server, reviewer
):
    text = "Updates\n\nAlpha said one thing. Beta said another.\n\nGamma stands alone here."
    article = factories.make_article(title="Updates", text=text)
    gamma = factories.make_claim(article=article, phrase="Gamma stands alone here.")
    alpha = factories.make_claim(article=article, phrase="Alpha said one thing.")
    log_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    page.wait_for_load_state("load")
    items = page.locator("#claim-index .claim-link")

    # A new claim goes into the list in its place in the text, and the count follows.
    select_text(page, "Beta said another.")
    page.get_by_role("button", name="Add claim").click()
    expect(page.locator("#claim-panel blockquote")).to_have_text("Beta said another.")
    beta = Claim.objects.get(text="Beta said another.")
    expect(items).to_have_count(3)
    assert items.evaluate_all("els => els.map(e => e.dataset.claim)") == [
        str(alpha.pk),
        str(beta.pk),
        str(gamma.pk),
    ]
    expect(page.locator("#claim-count")).to_have_text("3 claims")
    expect(page.locator(f'#article-text [data-claim="{beta.pk}"]').first).to_have_class(
        re.compile(r"\bst-unverified\b")
    )

    # A status change recolours the highlight and the list entry, nothing else moves.
    page.keyboard.press("2")
    expect(page.locator(f'#article-text span[data-claim="{beta.pk}"]')).to_have_class(
        re.compile(r"\bst-in_progress\b")
    )
    expect(page.locator(f"#claim-item-{beta.pk} .badge")).to_have_text("In progress")
    expect(page.locator(f'#article-text span[data-claim="{gamma.pk}"]')).to_have_class(
        re.compile(r"\bst-unverified\b")
    )

    # Deleting it takes it out of the text and the list.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#claim-panel").get_by_role("button", name="Delete claim").click()
    expect(page.locator(f'#article-text [data-claim="{beta.pk}"]')).to_have_count(0)
    expect(page.locator(f"#claim-item-{beta.pk}")).to_have_count(0)
    expect(page.locator("#claim-count")).to_have_text("2 claims")
    expect(page).to_have_url(re.compile(rf"/articles/{article.pk}/$"))
    same_as_a_reload(page)

    # A claim that takes in another (nested highlights) and its status change:
    # the pieces the page puts together are still those a reload shows.
    select_text(page, "Alpha said one thing. Beta said")
    page.get_by_role("button", name="Add claim").click()
    expect(page.locator("#claim-panel blockquote")).to_have_text("Alpha said one thing. Beta said")
    same_as_a_reload(page)
    page.keyboard.press("2")
    expect(page.locator("#claim-status")).to_have_text("In progress")
    same_as_a_reload(page)


def same_as_a_reload(page: Page) -> None:
    """What the answers put together is what a reload of the page shows."""
    shown = _text_as_served(page)
    page.reload()
    page.wait_for_load_state("load")
    assert _text_as_served(page) == shown


def _text_as_served(page: Page) -> str:
    """The text and claims list, without the classes the page's scripts add for a moment."""
    return page.evaluate(
        """() => {
            const copy = document.getElementById("article-body").cloneNode(true);
            for (const el of copy.querySelectorAll("[class]")) {
                el.classList.remove("htmx-added", "htmx-settling", "active", "sg-part-active");
                if (!el.classList.length) el.removeAttribute("class");
            }
            return copy.innerHTML;
        }"""
    )
