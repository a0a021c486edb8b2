"""Suggestions: stored apart from claims, accepted, edited or rejected through audited services."""

import pytest

from factcheck import replay, services
from factcheck.models import (
    Attribution,
    AuditEvent,
    Claim,
    Source,
    Suggestion,
    SuggestionRun,
    SuggestionRunState,
    SuggestionState,
)
from tests import factories

TEXT = (
    "Ceasefire talks resume\n\n"
    "“The talks will go on,” White House spokesperson John Kirby said on Monday. "
    "He added that 40 hostages could be freed. "
    "A senior official, speaking on condition of anonymity, told AFP the deal was close. "
    "The ministry said 12 people were hurt."
)


def span(text: str, phrase: str, after: int = 0) -> tuple[int, int]:
    start = text.index(phrase, after)
    return start, start + len(phrase)


def proposal(text: str, claim: str, source: str | None = None, **extra):
    """A suggester proposal for the phrase `claim`, attributed to the phrase `source`."""
    claim_start, claim_end = span(text, claim)
    values = {
        "claim_start": claim_start,
        "claim_end": claim_end,
        "claim_text": claim,
        "source_type_slug": "named_spokesperson" if source else "unattributed",
        "confidence": 0.9,
    }
    if source:
        source_start, source_end = span(text, source)
        values |= {"source_text": source, "source_start": source_start, "source_end": source_end}
    return services.ProposedSuggestion(**(values | extra))


def record_run(article, *proposals) -> services.suggestions.RunOutcome:
    run = SuggestionRun.objects.create(article=article)
    return services.suggestion_run_record(run=run, proposals=proposals)


@pytest.fixture
def article(db):
    return factories.make_article(text=TEXT)


@pytest.fixture
def kirby(article):
    said_start = TEXT.index("said on Monday")
    return record_run(
        article,
        proposal(
            TEXT,
            "The talks will go on,",
            "White House spokesperson John Kirby",
            canonical_source="John Kirby",
            cue="said",
            cue_start=said_start,
            cue_end=said_start + 4,
            quote_mode="direct",
            confidence=0.95,
        ),
    ).stored[0]


def test_a_run_stores_its_suggestions_and_one_system_event(article):
    outcome = record_run(
        article,
        proposal(TEXT, "The talks will go on,", "White House spokesperson John Kirby"),
        proposal(TEXT, "12 people were hurt", "The ministry", source_type_slug="ministry"),
    )

    run = SuggestionRun.objects.get(pk=outcome.run.pk)
    assert run.state == SuggestionRunState.DONE
    assert run.count == 2
    assert run.finished_at is not None
    assert Suggestion.objects.filter(article=article).pending().count() == 2
    assert Claim.objects.filter(article=article).count() == 0
    event = AuditEvent.objects.get(action="suggestions.generated")
    assert event.actor_name == "system"
    assert event.changes["count"] == [None, 2]


def test_a_proposal_that_does_not_match_the_text_is_skipped(article):
    bad = services.ProposedSuggestion(
        claim_start=0, claim_end=5, claim_text="Nope!", source_type_slug="x", confidence=0.5
    )

    outcome = record_run(article, bad)

    assert outcome.stored == []
    assert outcome.skipped[0][1] == "claim text does not match the article"


def test_accepting_makes_the_claim_attribution_and_source_audited_as_the_reviewer(kirby, reviewer):
    services.suggestion_accept(actor=reviewer, suggestion=kirby)

    kirby.refresh_from_db()
    assert kirby.state == SuggestionState.ACCEPTED
    assert kirby.decided_by == reviewer
    claim = kirby.claim
    assert claim.text == "The talks will go on,"
    attribution = claim.attributions.get()
    assert attribution.source.name == "John Kirby"
    assert attribution.source.source_type.slug == "named_spokesperson"
    assert attribution.source.aliases == ["White House spokesperson John Kirby"]
    assert attribution.mention_text == "White House spokesperson John Kirby"
    assert attribution.cue == "said"
    assert attribution.quote_mode == "direct"
    reason = f"Accepted suggestion #{kirby.pk}"
    actions = set(
        AuditEvent.objects.filter(reason=reason, actor=reviewer).values_list("action", flat=True)
    )
    assert actions == {"claim.created", "attribution.added", "suggestion.accepted"}


def test_accepting_finds_the_registry_source_by_alias_and_reuses_the_claim(kirby, reviewer):
    existing = factories.make_source("Kirby, John")
    services.source_update(actor=None, source=existing, aliases=["john kirby"])
    start, end = kirby.claim_start, kirby.claim_end
    claim = services.claim_create(actor=reviewer, article=kirby.article, start=start, end=end)

    services.suggestion_accept(actor=reviewer, suggestion=kirby)

    kirby.refresh_from_db()
    assert kirby.claim == claim
    assert claim.attributions.get().source == existing
    assert Source.objects.count() == 1


def test_an_intermediary_is_found_or_created_as_a_news_agency(article, reviewer):
    afp = services.ProposedSuggestion(
        **{
            **proposal(TEXT, "the deal was close", "A senior official").__dict__,
            "source_type_slug": "anonymous_official",
            "named": False,
            "via_text": "AFP",
            "via_start": span(TEXT, "AFP")[0],
            "via_end": span(TEXT, "AFP")[1],
            "anonymity_reason": "",
        }
    )
    suggestion = record_run(article, afp).stored[0]

    services.suggestion_accept(actor=reviewer, suggestion=suggestion)

    attribution = Attribution.objects.get(claim__article=article)
    assert attribution.source.is_anonymous
    assert attribution.intermediary.name == "AFP"
    assert attribution.intermediary.source_type.slug == "news_agency"


def test_editing_before_accepting_applies_the_edits_and_says_so(kirby, reviewer):
    start, end = span(TEXT, "The talks will go on")

    services.suggestion_accept(
        actor=reviewer,
        suggestion=kirby,
        edits={"claim_end": end, "source_type_slug": "government_office"},
    )

    kirby.refresh_from_db()
    assert kirby.state == SuggestionState.EDITED
    assert (kirby.claim.start, kirby.claim.end) == (start, end)
    assert kirby.claim.attributions.get().source.source_type.slug == "government_office"
    event = AuditEvent.objects.get(action="suggestion.edited")
    assert event.changes["claim_end"] == [end + 1, end]


def test_a_pronoun_without_a_name_cannot_be_accepted_as_a_source(article, reviewer):
    suggestion = record_run(article, proposal(TEXT, "40 hostages could be freed", "He")).stored[0]

    with pytest.raises(services.DomainError, match="does not name a source"):
        services.suggestion_accept(actor=reviewer, suggestion=suggestion)

    assert Claim.objects.count() == 0


def test_a_decided_suggestion_cannot_be_decided_again(kirby, reviewer):
    services.suggestion_reject(actor=reviewer, suggestion=kirby)

    with pytest.raises(services.DomainError, match="already rejected"):
        services.suggestion_accept(actor=reviewer, suggestion=kirby)


def test_viewers_may_not_accept_or_reject(kirby, viewer):
    with pytest.raises(services.NotAllowed):
        services.suggestion_accept(actor=viewer, suggestion=kirby)
    with pytest.raises(services.NotAllowed):
        services.suggestion_reject(actor=viewer, suggestion=kirby)

    kirby.refresh_from_db()
    assert kirby.state == SuggestionState.PENDING


def test_a_rejected_suggestion_is_not_proposed_again(kirby, editor):
    services.suggestion_reject(actor=editor, suggestion=kirby, reason="Not a claim")
    again = services.ProposedSuggestion(
        **{
            f.name: getattr(kirby, f.name)
            for f in services.ProposedSuggestion.__dataclass_fields__.values()
        }
    )

    outcome = record_run(kirby.article, again)

    assert outcome.stored == []
    assert outcome.skipped[0][1].startswith("already suggested")
    event = AuditEvent.objects.get(action="suggestion.rejected")
    assert (event.actor, event.reason) == (editor, "Not a claim")


def test_a_later_run_skips_pending_ones_and_spans_existing_claims_already_attribute(
    kirby, reviewer
):
    services.suggestion_accept(actor=reviewer, suggestion=kirby)
    same = services.ProposedSuggestion(
        **{f: getattr(kirby, f) for f in services.ProposedSuggestion.__dataclass_fields__}
    )
    ministry = proposal(TEXT, "12 people were hurt", "The ministry", source_type_slug="ministry")
    record_run(kirby.article, ministry)

    outcome = record_run(kirby.article, same, ministry)

    assert outcome.stored == []
    assert Suggestion.objects.filter(article=kirby.article).count() == 2


def test_a_claim_marked_by_hand_with_the_same_attribution_is_not_suggested(article, reviewer):
    source = factories.make_source("John Kirby")
    start, end = span(TEXT, "The talks will go on,")
    mention_start, mention_end = span(TEXT, "White House spokesperson John Kirby")
    claim = services.claim_create(actor=reviewer, article=article, start=start, end=end)
    services.attribution_add(
        actor=reviewer,
        claim=claim,
        source=source,
        mention_start=mention_start,
        mention_end=mention_end,
    )

    outcome = record_run(
        article, proposal(TEXT, "The talks will go on,", "White House spokesperson John Kirby")
    )

    assert outcome.stored == []


def test_accept_all_above_accepts_the_confident_ones_and_reports_conflicts(article, reviewer):
    record_run(
        article,
        proposal(TEXT, "The talks will go on,", "White House spokesperson John Kirby"),
        proposal(TEXT, "40 hostages could be freed", "He", confidence=0.85),
        proposal(TEXT, "the deal was close", "A senior official", source_type_slug="ministry"),
        proposal(TEXT, "12 people were hurt", "The ministry", source_type_slug="ministry"),
        proposal(TEXT, "Ceasefire talks resume", confidence=0.5),
    )

    outcome = services.suggestions_accept_above(actor=reviewer, article=article, threshold=0.8)

    assert len(outcome.accepted) == 3
    assert [reason for _, reason in outcome.skipped] == [
        "“The ministry” does not name a source: pick the source it refers to, "
        "or give its name, before accepting."
    ]
    assert Claim.objects.filter(article=article).count() == 3
    he = Attribution.objects.get(mention_text="He")
    assert he.source.name == "White House spokesperson John Kirby"
    assert not Source.objects.filter(name__iexact="the ministry").exists()
    summary = AuditEvent.objects.get(action="suggestions.accepted_above")
    assert summary.changes["accepted"] == [None, 3]
    assert summary.changes["skipped"] == [None, 1]
    counts = Suggestion.objects.filter(article=article).state_counts()
    assert counts == {"pending": 2, "accepted": 3, "edited": 0, "rejected": 0}


def test_runs_report_their_own_precision(kirby, article, reviewer):
    record_run(article, proposal(TEXT, "12 people were hurt", "The ministry"))
    other = Suggestion.objects.get(claim_text="12 people were hurt")
    services.suggestion_accept(actor=reviewer, suggestion=kirby, edits={"named": True})
    services.suggestion_reject(actor=reviewer, suggestion=other)

    runs = SuggestionRun.objects.filter(article=article).with_counts().order_by("id")

    assert [(r.accepted_count, r.edited_count, r.rejected_count) for r in runs] == [
        (1, 0, 0),
        (0, 0, 1),
    ]
    assert Suggestion.objects.filter(article=article).precision() == 0.5


def test_the_admin_accepts_and_rejects_selected_suggestions_through_the_services(
    client, article, editor
):
    editor.is_staff = True
    editor.save()
    client.force_login(editor)
    outcome = record_run(
        article,
        proposal(TEXT, "the deal was close", "A senior official"),
        proposal(TEXT, "12 people were hurt", "The ministry"),
    )
    first, second = Suggestion.objects.filter(run=outcome.run).order_by("claim_start")
    url = "/admin/factcheck/suggestion/"

    client.post(url, {"action": "accept_selected", "_selected_action": [first.pk]})
    client.post(url, {"action": "reject_selected", "_selected_action": [second.pk]})

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == SuggestionState.ACCEPTED
    assert first.claim.attributions.get().source.name == "A senior official"
    assert second.state == SuggestionState.REJECTED
    assert AuditEvent.objects.filter(action="suggestion.accepted", actor=editor).count() == 1
    assert AuditEvent.objects.filter(action="suggestion.rejected", actor=editor).count() == 1
    assert client.get(url).status_code == 200
    assert client.get(f"{url}{first.pk}/change/").status_code == 200


def test_a_mention_and_cue_typed_anew_are_kept_without_offsets(kirby, reviewer):
    services.suggestion_accept(
        actor=reviewer,
        suggestion=kirby,
        edits={"source_text": "Kirby, the spokesman", "cue": "said on Monday"},
    )

    attribution = Attribution.objects.get()
    assert (attribution.mention_text, attribution.mention_start) == ("Kirby, the spokesman", None)
    assert (attribution.cue, attribution.cue_start) == ("said on Monday", None)


# --- No duplicates: one claim per words, however they are marked ------------

TALKS = (
    "Talks stall\n\n"
    "Washington (AFP) – The Washington Post reported on Monday that the talks had stalled. "
    "The newspaper said the deal was close, according to Republican nominee Donald Trump. "
    "Trump added that he would not wait. He said the vote was delayed."
)


@pytest.fixture
def talks(db):
    return factories.make_article(text=TALKS)


def test_accepting_twice_over_the_same_words_makes_one_claim(talks, reviewer):
    first, second = record_run(
        talks,
        proposal(TALKS, "the talks had stalled.", "The Washington Post", source_type_slug="x"),
        proposal(TALKS, "that the talks had stalled", "Donald Trump"),
    ).stored
    services.source_create(
        actor=None, name="The Washington Post", source_type=factories.source_type("news_agency")
    )

    services.suggestion_accept(actor=reviewer, suggestion=first)
    services.suggestion_accept(actor=reviewer, suggestion=second)

    claim = Claim.objects.get(article=talks)
    assert sorted(claim.attributions.values_list("source__name", flat=True)) == [
        "Donald Trump",
        "The Washington Post",
    ]
    second.refresh_from_db()
    assert second.claim == claim


def test_a_suggestion_covered_by_a_claim_made_by_hand_is_settled_at_once(talks, reviewer):
    (unattributed,) = record_run(talks, proposal(TALKS, "the talks had stalled")).stored
    start, end = span(TALKS, "that the talks had stalled.")

    claim = services.claim_create(actor=reviewer, article=talks, start=start, end=end)

    unattributed.refresh_from_db()
    assert unattributed.state == SuggestionState.ACCEPTED
    assert unattributed.claim == claim
    event = AuditEvent.objects.get(action="suggestion.accepted", object_id=unattributed.pk)
    assert event.actor == reviewer
    assert event.changes["covered_by"] == [None, claim.pk]


def test_a_nested_suggestion_of_the_same_source_is_settled_by_accepting_the_outer(talks, reviewer):
    (outer,) = record_run(
        talks, proposal(TALKS, "the deal was close", "Donald Trump", canonical_source="x")
    ).stored
    (inner,) = record_run(talks, proposal(TALKS, "the deal", "Donald Trump")).stored

    services.suggestion_accept(actor=reviewer, suggestion=outer)

    inner.refresh_from_db()
    assert inner.state == SuggestionState.ACCEPTED
    assert Claim.objects.filter(article=talks).count() == 1


def test_a_covered_suggestion_with_another_source_offers_its_attribution_to_the_claim(
    talks, reviewer
):
    (suggestion,) = record_run(
        talks,
        proposal(TALKS, "the deal was close", "Donald Trump", canonical_source="Donald J. Trump"),
    ).stored
    start, end = span(TALKS, "The newspaper said the deal was close")
    claim = services.claim_create(actor=reviewer, article=talks, start=start, end=end)
    suggestion.refresh_from_db()
    assert suggestion.state == SuggestionState.PENDING

    services.suggestion_accept(actor=reviewer, suggestion=suggestion)

    suggestion.refresh_from_db()
    assert suggestion.claim == claim
    assert Claim.objects.filter(article=talks).count() == 1
    assert claim.attributions.get().source.name == "Donald J. Trump"


def test_accept_all_never_makes_overlapping_claims(talks, reviewer):
    record_run(
        talks,
        proposal(TALKS, "The newspaper said the deal was close", "Donald Trump"),
        proposal(TALKS, "close, according to Republican nominee Donald Trump", "Trump"),
        proposal(TALKS, "the deal was close", "The Washington Post"),
    )

    outcome = services.suggestions_accept_above(actor=reviewer, article=talks)

    claims = list(Claim.objects.filter(article=talks).order_by("start"))
    assert len(claims) == 1
    assert len(outcome.accepted) == 2
    assert outcome.skipped[0][1].startswith(f"It overlaps claim #{claims[0].pk}")
    assert claims[0].attributions.count() == 2


def test_nested_suggestions_of_one_source_in_one_sentence_are_folded(talks):
    outcome = record_run(
        talks,
        proposal(TALKS, "the vote was delayed", "He"),
        proposal(TALKS, "the vote", "He"),
    )

    assert [s.claim_text for s in outcome.stored] == ["the vote was delayed"]
    assert outcome.skipped[0][1].startswith("folded into")


def test_a_claim_over_nearly_the_same_words_asks_first(talks, reviewer):
    start, end = span(TALKS, "the talks had stalled.")
    first = services.claim_create(actor=reviewer, article=talks, start=start, end=end)

    with pytest.raises(services.NearDuplicate) as asked:
        services.claim_create(
            actor=reviewer, article=talks, start=start, end=end - 1, ask_if_near=True
        )

    assert asked.value.claim == first
    assert Claim.objects.filter(article=talks).count() == 1


# --- A registry that stays clean ----------------------------------------------


def test_accepting_the_newspaper_links_to_the_outlet_named_before(talks, reviewer):
    post, newspaper = record_run(
        talks,
        proposal(
            TALKS, "the talks had stalled", "The Washington Post", source_type_slug="news_agency"
        ),
        proposal(TALKS, "the deal was close", "The newspaper", source_type_slug="news_agency"),
    ).stored

    services.suggestion_accept(actor=reviewer, suggestion=newspaper)
    services.suggestion_accept(actor=reviewer, suggestion=post)

    assert list(Source.objects.values_list("name", flat=True)) == ["The Washington Post"]
    attribution = Attribution.objects.get(mention_text="The newspaper")
    assert attribution.source.name == "The Washington Post"


def test_the_daily_links_to_the_registry_outlet_named_before(talks, reviewer):
    outlet = services.source_create(
        actor=None,
        name="Washington Post",
        source_type=factories.source_type("news_agency"),
        aliases=["The Washington Post"],
    )
    (daily,) = record_run(
        talks,
        proposal(TALKS, "the deal was close", "The newspaper", source_type_slug="news_agency"),
    ).stored

    services.suggestion_accept(actor=reviewer, suggestion=daily)

    assert Attribution.objects.get().source == outlet
    assert Source.objects.count() == 1


def test_a_dateline_is_never_a_source(talks, reviewer):
    place, cut = record_run(
        talks,
        proposal(
            TALKS, "the talks had stalled", "Washington", source_type_slug="government_office"
        ),
        proposal(TALKS, "the deal was close", "Washington (AFP"),
    ).stored

    for suggestion in (place, cut):
        with pytest.raises(services.DomainError, match="is a dateline, not a source"):
            services.suggestion_accept(actor=reviewer, suggestion=suggestion)

    assert not Source.objects.exists()
    assert not Claim.objects.exists()


def test_a_pronoun_links_to_the_person_named_before_and_never_becomes_a_source(talks, reviewer):
    services.source_create(
        actor=None, name="Donald Trump", source_type=factories.source_type("named_spokesperson")
    )
    trump, he = record_run(
        talks,
        proposal(TALKS, "the deal was close", "Republican nominee Donald Trump"),
        proposal(TALKS, "the vote was delayed", "He"),
    ).stored
    services.suggestion_accept(actor=reviewer, suggestion=trump)

    services.suggestion_accept(actor=reviewer, suggestion=he)

    assert Attribution.objects.get(mention_text="He").source.name == "Donald Trump"
    assert Source.objects.count() == 1


def test_a_surname_links_to_the_source_named_in_full_before(talks, reviewer):
    trump = services.source_create(
        actor=None, name="Donald Trump", source_type=factories.source_type("named_spokesperson")
    )
    at = TALKS.index("Trump added")
    (added,) = record_run(
        talks,
        proposal(TALKS, "he would not wait", "Trump", source_start=at, source_end=at + 5),
    ).stored

    services.suggestion_accept(actor=reviewer, suggestion=added)

    assert Attribution.objects.get().source == trump
    assert Source.objects.count() == 1


def test_a_plural_descriptor_named_nowhere_never_becomes_a_source(article, reviewer):
    (officials,) = record_run(
        article, proposal(TEXT, "12 people were hurt", "ministry", named=True)
    ).stored

    with pytest.raises(services.DomainError, match="does not name a source"):
        services.suggestion_accept(actor=reviewer, suggestion=officials)

    assert not Source.objects.exists()


def test_an_anonymous_descriptor_is_one_registry_source_across_articles(reviewer):
    """ "A senior official" in two articles: one registry entry, cited twice, never a refusal."""
    for number in ("nine", "ten"):
        text = f"Talks\n\nA senior official said {number} people were hurt."
        article = factories.make_article(text=text)
        (made,) = record_run(
            article,
            proposal(
                text,
                f"{number} people were hurt",
                "A senior official",
                source_type_slug="anonymous_official",
                named=False,
            ),
        ).stored
        services.suggestion_accept(actor=reviewer, suggestion=made, edits={"quote_mode": "none"})

    source = Source.objects.get()
    assert source.name == "A senior official" and source.is_anonymous
    assert source.attributions.count() == 2


def test_accept_all_creates_only_the_sources_confirmed(talks, reviewer):
    record_run(
        talks,
        proposal(TALKS, "the talks had stalled", "The Washington Post"),
        proposal(TALKS, "the vote was delayed", "Donald Trump"),
    )
    would_add = services.suggestions.sources_accept_above_would_add(talks, 0.8)

    outcome = services.suggestions_accept_above(
        actor=reviewer, article=talks, new_sources=["The Washington Post"]
    )

    assert would_add == ["The Washington Post", "Donald Trump"]
    assert list(Source.objects.values_list("name", flat=True)) == ["The Washington Post"]
    assert "“Donald Trump”" in outcome.skipped[0][1]


# --- Editing what a suggestion proposed -----------------------------------------


def test_an_edited_name_adds_no_alias_the_reviewer_did_not_tick(talks, reviewer):
    (cut,) = record_run(talks, proposal(TALKS, "the talks had stalled", "Washington (AFP")).stored

    services.suggestion_accept(
        actor=reviewer,
        suggestion=cut,
        edits={"canonical_source": "The Washington Post", "source_type_slug": "news_agency"},
    )

    assert Source.objects.get().aliases == []


def test_an_edit_corrects_the_mention_and_the_claim_span(talks, reviewer):
    (cut,) = record_run(talks, proposal(TALKS, "the talks had stalled", "Washington (AFP")).stored
    claim_start, claim_end = span(TALKS, "that the talks had stalled.")
    source_start, source_end = span(TALKS, "The Washington Post")

    services.suggestion_accept(
        actor=reviewer,
        suggestion=cut,
        edits={
            "claim_start": claim_start,
            "claim_end": claim_end,
            "source_text": "The Washington Post",
            "source_start": source_start,
            "source_end": source_end,
            "canonical_source": "The Washington Post",
            "add_alias": True,
        },
    )

    attribution = Attribution.objects.get()
    assert attribution.claim.text == "that the talks had stalled."
    assert (attribution.mention_start, attribution.mention_text) == (
        source_start,
        "The Washington Post",
    )
    assert attribution.source.aliases == []  # the mention is the name: nothing to add


def test_a_definite_description_that_says_whose_is_a_name(talks, reviewer):
    text = "Senior officials arrived, the Egyptian foreign ministry said."
    article = factories.make_article(text=text)
    (ministry,) = record_run(
        article,
        proposal(text, "Senior officials arrived", "the Egyptian foreign ministry"),
    ).stored

    services.suggestion_accept(actor=reviewer, suggestion=ministry)

    assert Attribution.objects.get().source.name == "the Egyptian foreign ministry"


def test_replay_agrees_with_suggestions_settled_folded_and_accepted_into_a_claim(talks, reviewer):
    unattributed, _, covered = record_run(
        talks,
        proposal(TALKS, "the talks had stalled", confidence=0.5),
        proposal(TALKS, "the deal was close", "Donald Trump"),
        proposal(TALKS, "The newspaper said the deal was close", "The newspaper", confidence=0.6),
    ).stored
    start, end = span(TALKS, "that the talks had stalled.")
    services.claim_create(actor=reviewer, article=talks, start=start, end=end)
    services.suggestions_accept_above(actor=reviewer, article=talks, new_sources=["Donald Trump"])

    services.suggestion_reject(actor=reviewer, suggestion=covered)

    unattributed.refresh_from_db()
    assert unattributed.state == SuggestionState.ACCEPTED
    assert replay.replay() == []


def test_the_outlets_other_names_in_the_text_link_to_it(reviewer):
    text = (
        "The Washington Post reported the talks had stalled. The influential US daily said "
        "a deal was close. The Post added that the vote was delayed. Senior Democratic and "
        "Republican lawmakers, who also met, said nothing was agreed."
    )
    article = factories.make_article(text=text)
    post = services.source_create(
        actor=None, name="The Washington Post", source_type=factories.source_type("news_agency")
    )
    at = text.index("Post added")
    daily, short, lawmakers = record_run(
        article,
        proposal(text, "a deal was close", "The influential US daily"),
        proposal(text, "the vote was delayed", "Post", source_start=at, source_end=at + 4),
        proposal(
            text, "nothing was agreed", "lawmakers, who also", source_type_slug="named_individual"
        ),
    ).stored

    services.suggestion_accept(actor=reviewer, suggestion=daily)
    services.suggestion_accept(actor=reviewer, suggestion=short)
    with pytest.raises(services.DomainError, match="does not name a source"):
        services.suggestion_accept(actor=reviewer, suggestion=lawmakers)

    assert set(Attribution.objects.values_list("source", flat=True)) == {post.pk}
    assert Source.objects.count() == 1
