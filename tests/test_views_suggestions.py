"""The review page's suggestion layer: dashed highlights, the card, accept, edit, reject."""

import re

import pytest
from django.urls import reverse

from factcheck import services
from factcheck.models import Attribution, AuditEvent, Claim, Source, Suggestion, SuggestionRun
from factcheck.services.suggestions import ProposedSuggestion
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}
TEXT = (
    "Talks resume\n\n"
    "“We are close to a deal,” White House spokesperson John Kirby said on Monday. "
    "Gaps remain, an official told AFP. "
    "The ministry said 38,193 people had been killed 🇵🇸."
)


def proposal(text: str, claim: str, source: str | None, cue: str | None, **fields):
    """A suggester record for the first `claim` in `text`, its source, and the cue after it."""
    start = text.index(claim)
    values = {"claim_start": start, "claim_end": start + len(claim), "claim_text": claim}
    if source:
        at = text.index(source)
        values |= {"source_text": source, "source_start": at, "source_end": at + len(source)}
    if cue:
        at = text.index(cue, values.get("source_end", start))
        values |= {"cue": cue, "cue_start": at, "cue_end": at + len(cue)}
    return ProposedSuggestion(
        **{"source_type_slug": "named_spokesperson", "confidence": 0.9} | values | fields
    )


def suggest(article, *proposals) -> list[Suggestion]:
    """Store a finished run with these proposals, as the background task does."""
    run = SuggestionRun.objects.create(article=article)
    return services.suggestion_run_record(run=run, proposals=list(proposals)).stored


@pytest.fixture
def article(db):
    return factories.make_article(title="Talks resume", text=TEXT)


@pytest.fixture
def three(article):
    return suggest(
        article,
        proposal(
            TEXT,
            "We are close to a deal,",
            "White House spokesperson John Kirby",
            "said",
            canonical_source="John Kirby",
            quote_mode="direct",
        ),
        proposal(
            TEXT,
            "Gaps remain",
            "an official",
            "told",
            source_type_slug="anonymous_official",
            named=False,
            via_text="AFP",
            confidence=0.6,
        ),
        proposal(
            TEXT,
            "38,193 people had been killed 🇵🇸",
            "The ministry",
            "said",
            source_type_slug="ministry",
            confidence=0.85,
        ),
    )


@pytest.fixture
def logged_in(client, reviewer):
    client.force_login(reviewer)
    return client


def segment_of(body: str, offset: int) -> str:
    """The opening tag of the text segment that starts at a code-point offset."""
    found = re.search(rf'<span data-s="{offset}"[^>]*>', body)
    assert found, f"no segment starts at {offset}"
    return found[0]


# --- The page -------------------------------------------------------------


def test_pending_suggestions_are_dashed_at_exact_offsets_with_type_marks(logged_in, article, three):
    kirby, official, ministry = three

    body = logged_in.get(reverse("review", args=[article.pk])).content.decode()

    for suggestion in three:
        tag = segment_of(body, suggestion.claim_start)
        assert re.search(r'class="[^"]*\bsg\b[^"]*\bsg-start\b', tag)
        assert f'data-suggestion="{suggestion.pk}"' in tag
    # The emoji flag is two code points: the next segment starts right after it.
    assert segment_of(body, ministry.claim_end)
    assert TEXT[ministry.claim_start : ministry.claim_end].endswith("🇵🇸")
    assert f'<sup class="mark sg-mark" data-suggestion="{kirby.pk}"' in body
    assert "Suggested: White House spokesperson John Kirby (= John Kirby)" in body
    assert f'data-mentions="{official.pk}"' in segment_of(body, official.source_start)
    assert "Accept all above 0.8 (2)" in body
    assert "3</strong> suggestions pending" in body


def test_a_suggestion_inside_a_claim_keeps_both_highlights(logged_in, article, three):
    claim = factories.make_claim(article=article, phrase="Gaps remain, an official told AFP.")
    official = three[1]

    body = logged_in.get(reverse("review", args=[article.pk])).content.decode()

    tag = segment_of(body, official.claim_start)
    assert f'data-claims="{claim.pk}"' in tag
    assert f'data-suggestions="{official.pk}"' in tag
    assert 'data-opens="suggestion"' in tag
    assert "hl st-unverified" in tag


def test_the_card_shows_source_cue_type_anonymity_relay_and_confidence(logged_in, three):
    official = three[1]

    response = logged_in.get(reverse("suggestion_detail", args=[official.pk]), **HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    for shown in (
        "an official",
        '“<span dir="auto">told</span>”',
        "Anonymous official",
        ">anonymous<",
        "AFP",
        "0.60",
        "Accept <kbd>Enter</kbd>",
        "Reject <kbd>x</kbd>",
    ):
        assert shown in body


def test_a_viewer_sees_the_card_read_only_and_cannot_decide(client, viewer, three):
    client.force_login(viewer)
    kirby = three[0]

    card = client.get(reverse("suggestion_detail", args=[kirby.pk]), **HTMX).content.decode()
    refused = client.post(reverse("suggestion_accept", args=[kirby.pk]), {"decision": "accept"})

    assert "John Kirby" in card
    assert "sg-accept-form" not in card
    assert refused.status_code == 403
    assert Claim.objects.count() == 0
    assert Suggestion.objects.pending().count() == 3


# --- Deciding -------------------------------------------------------------


def test_accept_makes_the_claim_and_attribution_and_opens_its_panel(logged_in, reviewer, three):
    kirby = three[0]

    response = logged_in.post(
        reverse("suggestion_accept", args=[kirby.pk]), {"decision": "accept"}, **HTMX
    )

    body = response.content.decode()
    claim = Claim.objects.get()
    attribution = Attribution.objects.select_related("source").get()
    assert response.status_code == 200
    assert f'id="claim-panel" tabindex="-1" data-claim="{claim.pk}"' in body
    assert 'id="article-body" hx-swap-oob="true"' in body
    assert f'data-suggestion="{kirby.pk}"' not in body
    assert f'data-claim="{claim.pk}"' in body
    assert (claim.start, claim.end) == (kirby.claim_start, kirby.claim_end)
    assert (attribution.source.name, attribution.cue, attribution.quote_mode) == (
        "John Kirby",
        "said",
        "direct",
    )
    event = AuditEvent.objects.get(action="suggestion.accepted")
    assert event.actor_id == reviewer.pk
    assert f"#{kirby.pk}" in event.reason
    # The page's sourcing strip is told to count again, and then counts the new source.
    assert response["HX-Trigger"] == "sourcing-changed"
    strip = logged_in.get(reverse("article_sourcing", args=[claim.article_id]), **HTMX)
    assert "Without a source: <strong>0</strong> of 1 claim" in strip.content.decode()


def test_edit_then_accept_takes_the_reviewer_values(logged_in, three):
    official = three[1]

    response = logged_in.post(
        reverse("suggestion_accept", args=[official.pk]),
        {
            "decision": "edit",
            "source_name": "Israeli negotiating team official",
            "source_type": "anonymous_official",
            "anonymous": "on",
            "cue": "told",
            "quote_mode": "paraphrase",
            "intermediary": "Agence France-Presse",
        },
        **HTMX,
    )

    assert response.status_code == 200
    attribution = Attribution.objects.select_related("source", "intermediary").get()
    assert attribution.source.name == "Israeli negotiating team official"
    assert attribution.source.is_anonymous
    assert attribution.intermediary.name == "Agence France-Presse"
    assert attribution.mention_text == "an official"
    assert Suggestion.objects.get(pk=official.pk).state == "edited"
    assert AuditEvent.objects.filter(action="suggestion.edited").count() == 1


def test_an_unreadable_edit_keeps_the_card_and_what_was_typed(logged_in, three):
    official = three[1]

    response = logged_in.post(
        reverse("suggestion_accept", args=[official.pk]),
        {
            "decision": "edit",
            "source_name": "Typed name",
            "source_type": "no-such-type",
            "quote_mode": "direct",
        },
        **HTMX,
    )

    body = response.content.decode()
    assert response.status_code == 422
    assert 'value="Typed name"' in body
    assert '<details class="sg-edit" id="sg-edit" open>' in body
    assert Claim.objects.count() == 0


@pytest.mark.parametrize("name", ["John Kirby", "Someone typed"])
def test_an_edit_to_unattributed_that_names_a_source_is_refused(logged_in, three, name):
    kirby = three[0]
    before = AuditEvent.objects.count()

    response = logged_in.post(
        reverse("suggestion_accept", args=[kirby.pk]),
        {
            "decision": "edit",
            "source_name": name,
            "source_type": "unattributed",
            "cue": "said on Monday",
            "quote_mode": "direct",
            "intermediary": "AFP",
        },
        **HTMX,
    )

    body = response.content.decode()
    assert response.status_code == 422
    assert f"“Unattributed” means nobody is quoted, yet the source is “{name}”" in body
    assert f'value="{name}"' in body
    assert 'value="said on Monday"' in body
    assert 'value="AFP"' in body
    assert '<details class="sg-edit" id="sg-edit" open>' in body
    assert Claim.objects.count() == 0
    assert Suggestion.objects.get(pk=kirby.pk).state == "pending"
    assert AuditEvent.objects.count() == before


def test_an_edit_to_unattributed_with_the_name_cleared_makes_a_bare_claim(logged_in, three):
    kirby = three[0]

    response = logged_in.post(
        reverse("suggestion_accept", args=[kirby.pk]),
        {
            "decision": "edit",
            "source_name": " ",
            "source_type": "unattributed",
            "quote_mode": "none",
        },
        **HTMX,
    )

    assert response.status_code == 200
    assert Claim.objects.get().attributions.count() == 0


def test_reject_is_remembered_and_opens_the_next_suggestion(logged_in, reviewer, article, three):
    kirby, official, _ = three

    response = logged_in.post(
        reverse("suggestion_reject", args=[kirby.pk]), {"decision": "reject"}, **HTMX
    )
    again = suggest(
        article,
        proposal(TEXT, "We are close to a deal,", "White House spokesperson John Kirby", "said"),
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="suggestion-panel" tabindex="-1" data-suggestion="{official.pk}"' in body
    assert f'data-suggestion="{kirby.pk}"' not in body
    assert Suggestion.objects.get(pk=kirby.pk).state == "rejected"
    assert AuditEvent.objects.get(action="suggestion.rejected").actor_id == reviewer.pk
    assert again == []


def test_a_decided_suggestion_is_refused_with_the_reason(logged_in, three):
    kirby = three[0]
    logged_in.post(reverse("suggestion_reject", args=[kirby.pk]), {"decision": "reject"})

    response = logged_in.post(
        reverse("suggestion_accept", args=[kirby.pk]), {"decision": "accept"}, **HTMX
    )

    assert response.status_code == 422
    assert "already rejected" in response.content.decode()
    assert Claim.objects.count() == 0


@pytest.mark.parametrize("name", ["suggestion_accept", "suggestion_reject"])
def test_a_post_without_a_decision_changes_nothing(logged_in, three, name):
    response = logged_in.post(reverse(name, args=[three[0].pk]), {}, **HTMX)

    assert response.status_code == 422
    assert Suggestion.objects.pending().count() == 3
    assert not AuditEvent.objects.filter(action__startswith="suggestion.").exists()


def test_accept_all_above_accepts_those_above_the_threshold_and_counts(logged_in, article, three):
    factories.make_source("The ministry")  # "the ministry" names no one: it must be known

    response = logged_in.post(
        reverse("suggestions_accept_above", args=[article.pk]),
        {"threshold": "0.8", "confirmed": "on", "new_source": ["John Kirby"]},
        **HTMX,
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "Accepted 2 suggestions." in body
    assert Claim.objects.count() == 2
    assert Suggestion.objects.pending().get() == three[1]
    assert "Accept all above 0.8 (0)" in body
    assert AuditEvent.objects.get(action="suggestions.accepted_above").changes["accepted"] == [
        None,
        2,
    ]


# --- Runs: the bar, "Suggest again", the articles list ---------------------


def test_the_bar_polls_while_a_run_is_queued_and_shows_the_text_when_done(logged_in, article):
    run = SuggestionRun.objects.create(article=article)
    url = reverse("suggestions_state", args=[article.pk])

    queued = logged_in.get(url, **HTMX)
    services.suggestion_run_record(
        run=run, proposals=[proposal(TEXT, "Gaps remain", "an official", "told")]
    )
    done = logged_in.get(url, **HTMX)

    assert 'hx-trigger="every 3s"' in queued.content.decode()
    assert "Suggestions queued" in queued.content.decode()
    assert done.headers["HX-Retarget"] == "#article-body"
    assert done.headers["HX-Reswap"] == "outerHTML"
    body = done.content.decode()
    assert 'hx-trigger="every 3s"' not in body
    assert 'hx-swap-oob="true"' in body.split('id="suggestion-bar"')[1].split(">")[0]
    assert "suggestion-link" in body


def test_suggest_again_queues_only_when_nothing_newer_was_asked(logged_in, reviewer, article):
    first = SuggestionRun.objects.create(article=article)
    services.suggestion_run_record(run=first, proposals=[])
    url = reverse("suggestions_request", args=[article.pk])

    stale = logged_in.post(url, {"after_run": "0"}, **HTMX)
    fresh = logged_in.post(url, {"after_run": str(first.pk)}, **HTMX)

    assert stale.status_code == fresh.status_code == 200
    assert SuggestionRun.objects.filter(article=article).count() == 2
    assert SuggestionRun.objects.filter(article=article).first().requested_by == reviewer


def test_the_articles_list_shows_each_suggestion_state_and_polls_only_while_one_runs(
    logged_in, article, three
):
    queued = factories.make_article(title="Queued one")
    SuggestionRun.objects.create(article=queued)
    failed = factories.make_article(title="Failed one")
    services.suggestion_run_fail(
        run=SuggestionRun.objects.create(article=failed), error="OSError: no pipeline"
    )

    polling = logged_in.get(reverse("home")).content.decode()
    SuggestionRun.objects.filter(article=queued).delete()
    quiet = logged_in.get(reverse("home"), **HTMX).content.decode()

    assert 'hx-trigger="every 3s"' in polling
    assert "queued…" in polling
    assert "failed: OSError: no pipeline" in polling
    assert "3 pending" in polling
    assert 'hx-trigger="every 3s"' not in quiet


def test_review_page_queries_stay_bounded_with_many_suggestions(
    logged_in, django_assert_max_num_queries
):
    text = "Headline\n\n" + " ".join(f"Officials said item {n} rose, he said." for n in range(100))
    article = factories.make_article(title="Many", text=text)
    source = factories.make_source("Ministry of Health")
    for n in range(0, 100, 2):
        claim = factories.make_claim(article=article, phrase=f"Officials said item {n} rose")
        services.attribution_add(actor=None, claim=claim, source=source)
    suggest(
        article,
        *[
            proposal(text, f"item {n} rose", "Officials", None, canonical_source="Officials")
            for n in range(100)
        ],
    )

    with django_assert_max_num_queries(19):
        page = logged_in.get(reverse("review", args=[article.pk]))

    assert page.content.decode().count('class="suggestion-link"') == 100


def test_the_articles_list_reports_how_many_suggestions_reviewers_kept(logged_in, three, reviewer):
    first, second, third = three
    services.suggestion_accept(actor=reviewer, suggestion=first)
    services.suggestion_accept(actor=reviewer, suggestion=second, edits={"cue": "told AFP"})
    services.suggestion_reject(actor=reviewer, suggestion=third)

    body = logged_in.get(reverse("home")).content.decode()

    assert "reviewers kept 67% of the 3 they decided" in body
    assert "(1 accepted as proposed, 1 edited, 1 rejected)" in body


def test_the_articles_list_says_nothing_of_suggestions_before_a_decision(logged_in, three):
    body = logged_in.get(reverse("home")).content.decode()

    assert "reviewers kept" not in body


def test_the_card_says_whether_the_source_is_in_the_registry(logged_in, three):
    kirby, official, _ = three
    factories.make_source("John Kirby", type_slug="named_spokesperson")

    known = logged_in.get(reverse("suggestion_detail", args=[kirby.pk]), HTTP_HX_REQUEST="true")
    new = logged_in.get(reverse("suggestion_detail", args=[official.pk]), HTTP_HX_REQUEST="true")

    assert '<strong dir="auto">John Kirby</strong>' in known.content.decode()
    assert "in the registry" in known.content.decode()
    assert 'new source “<strong dir="auto">an official</strong>”' in new.content.decode()


def test_accept_all_lists_the_sources_it_would_create_and_asks_first(logged_in, article, three):
    url = reverse("suggestions_accept_above", args=[article.pk])

    asked = logged_in.post(url, {"threshold": "0.8"}, **HTMX)

    body = asked.content.decode()
    assert asked.status_code == 200
    assert "adds 1 source to the registry" in body
    assert '<input type="hidden" name="new_source" value="John Kirby">' in body
    assert not Claim.objects.exists()
    assert not AuditEvent.objects.filter(action="suggestions.accepted_above").exists()


def test_accept_all_without_new_sources_makes_only_the_known_ones(logged_in, article, three):
    url = reverse("suggestions_accept_above", args=[article.pk])

    logged_in.post(url, {"threshold": "0.8", "confirmed": "on"}, **HTMX)

    assert not Source.objects.filter(name="John Kirby").exists()
    assert not Claim.objects.exists()


def test_the_card_shows_the_outlet_a_descriptor_refers_to_and_the_claim_it_joins(
    logged_in, article
):
    outlet = factories.make_source("The Times", type_slug="news_agency", aliases=["Kirby"])
    start = TEXT.index("Gaps remain")
    claim = services.claim_create(actor=None, article=article, start=start, end=start + 11)
    (suggestion,) = suggest(
        article,
        proposal(TEXT, "Gaps remain,", "an official", "told", canonical_source="the newspaper"),
    )

    card = logged_in.get(reverse("suggestion_detail", args=[suggestion.pk]), **HTMX)

    body = card.content.decode()
    assert f'<strong dir="auto">{outlet.name}</strong>' in body
    assert "the outlet named before" in body
    assert f"Claim #{claim.pk} already covers these words" in body


def test_edit_then_accept_corrects_the_claim_words_and_the_mention(logged_in, article, three):
    kirby = three[0]
    data = {
        "decision": "edit",
        "claim_text": "We are close to a deal",
        "mention": "John Kirby",
        "source_name": "John Kirby",
        "source_type": "named_spokesperson",
        "quote_mode": "direct",
        "cue": "said",
        "intermediary": "",
    }

    response = logged_in.post(reverse("suggestion_accept", args=[kirby.pk]), data, **HTMX)

    assert response.status_code == 200
    attribution = Attribution.objects.select_related("claim", "source").get()
    assert attribution.claim.text == "We are close to a deal"
    assert attribution.mention_text == "John Kirby"
    assert TEXT[attribution.mention_start : attribution.mention_end] == "John Kirby"
    assert attribution.source.aliases == []


def test_edit_then_accept_picks_another_registry_source(logged_in, article, three):
    other = factories.make_source("Office of the Spokesperson", type_slug="government_office")
    data = {
        "decision": "edit",
        "registry_source": str(other.pk),
        "source_name": "John Kirby",
        "source_type": "named_spokesperson",
        "quote_mode": "direct",
        "cue": "said",
    }

    logged_in.post(reverse("suggestion_accept", args=[three[0].pk]), data, **HTMX)

    assert Attribution.objects.get().source == other
    assert not Source.objects.filter(name="John Kirby").exists()


def test_edit_then_accept_refuses_words_not_in_the_article_keeping_every_field(
    logged_in, article, three
):
    data = {
        "decision": "edit",
        "claim_text": "We are far from a deal",
        "mention": "Kirby",
        "source_name": "J. Kirby",
        "source_type": "named_spokesperson",
        "quote_mode": "mixed",
        "cue": "said",
        "add_alias": "on",
    }

    response = logged_in.post(reverse("suggestion_accept", args=[three[0].pk]), data, **HTMX)

    body = response.content.decode()
    assert response.status_code == 422
    assert "These words are not in the article" in body
    assert "We are far from a deal</textarea>" in body
    assert 'name="mention" dir="auto" value="Kirby"' in body
    assert 'value="mixed" selected' in body
    assert 'name="add_alias" value="on" checked' in body
    assert not Claim.objects.exists()
