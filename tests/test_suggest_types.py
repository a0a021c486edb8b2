"""Source types decided across the article, on sentences written for these tests (not from
any corpus): an office, a role or an outlet named at one mention holds for all of them."""

import pytest

from factcheck.suggest import suggest


def source(text, mention):
    """The suggestion whose source mention is `mention`."""
    found = [s for s in suggest(text) if s.source == mention]
    assert found, (mention, [(s.source, s.source_type) for s in suggest(text)])
    return found[0]


def test_a_title_at_the_first_mention_carries_to_the_surname():
    text = (
        "Republican nominee Harold Brandt toured a steel plant in Ohio on Monday.\n\n"
        "Brandt said the plant would stay open if he won.\n"
    )

    s = source(text, "Brandt")

    assert s.source_type == "named_spokesperson"
    assert s.canonical_source == "Harold Brandt"
    assert s.named


def test_an_apposition_carries_to_mr_surname():
    text = (
        "Tomas Ferreira, a former foreign minister, spoke at the forum on Tuesday.\n\n"
        '"The treaty is dead," Mr. Ferreira said.\n'
    )

    assert source(text, "Mr. Ferreira").source_type == "named_spokesperson"


def test_a_party_tag_marks_an_officeholder():
    text = (
        "Lena Whitcombe (D-Ore.) visited the border on Friday.\n\n"
        "Whitcombe said the shelters were full.\n"
    )

    assert source(text, "Whitcombe").source_type == "named_spokesperson"


def test_a_candidate_said_of_elsewhere_carries_to_a_pronoun():
    text = (
        "Karen Whitfield, a presidential hopeful, spoke in Denver on Sunday.\n\n"
        "She said taxes would not rise.\n"
    )

    assert source(text, "She").source_type == "named_spokesperson"


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        (
            "Times columnist Evan Marsh wrote that the plan would fail.\n",
            "Times columnist Evan Marsh",
        ),
        (
            "CNN's Dana Pruitt interviewed the mayor on Sunday.\n\n"
            "Pruitt said the city had hidden the figures.\n",
            "Pruitt",
        ),
        ("The Hill reported that the vote would be delayed.\n", "The Hill"),
        ("A new report by Politico found that donors had left the party.\n", None),
    ],
)
def test_journalists_and_outlets_cited_for_their_reporting_are_media(text, mention):
    found = [s for s in suggest(text) if s.source and (mention is None or s.source == mention)]

    assert found and all(s.source_type == "news_agency" for s in found), found


def test_an_expert_stays_an_expert_beside_an_office():
    text = (
        "Margaret Ellison, director of the Brookfield Tax Centre and a professor of economics, "
        "studied the plan.\n\n"
        "Ellison said the tax would raise little.\n"
    )

    assert source(text, "Ellison").source_type == "named_individual"


@pytest.mark.parametrize(
    ("sentence", "mention"),
    [
        ("A new poll shows that the mayor's lead has narrowed.", "A new poll"),
        ("Video shows that the officer fired twice.", "Video"),
        ("The transcript shows that the senator left early.", "The transcript"),
    ],
)
def test_polls_videos_and_transcripts_are_documents(sentence, mention):
    assert source(sentence + "\n", mention).source_type == "document"


@pytest.mark.parametrize(
    ("sentence", "mention", "source_type"),
    [
        ("Someone told reporters that the meeting was cancelled.", "Someone", "anonymous_official"),
        ("One Republican said the bill would fail in the Senate.", "One Republican", None),
        ("Many believe the law will change next year.", "Many", "named_individual"),
        ("Many Americans believe the law will change.", "Many Americans", "named_individual"),
        (
            "Experts on North Korea said the test could change that.",
            "Experts on North Korea",
            "named_individual",
        ),
    ],
)
def test_people_the_text_does_not_name_are_anonymous(sentence, mention, source_type):
    s = source(sentence + "\n", mention)

    assert not s.named
    assert source_type is None or s.source_type == source_type


def test_first_person_is_a_person():
    text = "I believe the council has failed the city, and I said so at the meeting.\n"

    found = [s for s in suggest(text) if s.source == "I"]

    assert found and all(s.source_type == "named_individual" for s in found)


def test_a_body_named_like_a_survey_is_no_document():
    text = "The Northern Geological Survey said it recorded a small earthquake overnight.\n"

    assert source(text, "The Northern Geological Survey").source_type != "document"


REGISTRY_TEXT = (
    "Budget vote delayed\n\n"
    "Many believe the council will fail. Some said the mayor had lied. "
    "Someone told reporters the vote was off."
)


@pytest.mark.parametrize("mention", ["Many", "Some"])
def test_accepting_an_indefinite_pronoun_never_makes_a_source(db, mention):
    from factcheck import services
    from factcheck.models import Source
    from tests import factories
    from tests.test_suggestions import proposal, record_run

    article = factories.make_article(text=REGISTRY_TEXT)
    claim = "the council will fail" if mention == "Many" else "the mayor had lied"
    (suggestion,) = record_run(
        article,
        proposal(REGISTRY_TEXT, claim, mention, named=False, source_type_slug="named_individual"),
    ).stored

    plan = services.suggestions.plan_for(suggestion)

    assert plan.problem and not plan.new_name
    assert not Source.objects.exists()


def test_someone_is_recorded_as_an_anonymous_descriptor(db):
    from factcheck import services
    from tests import factories
    from tests.test_suggestions import proposal, record_run

    article = factories.make_article(text=REGISTRY_TEXT)
    (suggestion,) = record_run(
        article,
        proposal(
            REGISTRY_TEXT,
            "the vote was off",
            "Someone",
            named=False,
            source_type_slug="anonymous_official",
        ),
    ).stored

    plan = services.suggestions.plan_for(suggestion)

    assert plan.new_name == "Someone" and plan.how == "new"


def test_the_gazetteer_speaks_only_where_the_article_is_silent(monkeypatch):
    from factcheck.suggest import gazetteer

    monkeypatch.setattr(
        gazetteer,
        "people",
        lambda: {"karen whitfield": "named_spokesperson", "peter lindgren": "named_spokesperson"},
    )
    text = (
        "Karen Whitfield said the bridge would reopen in March.\n\n"
        "Peter Lindgren, a professor of engineering, said the repairs were late.\n"
    )

    assert source(text, "Karen Whitfield").source_type == "named_spokesperson"
    assert (
        source(text, "Peter Lindgren, a professor of engineering").source_type == "named_individual"
    )


def test_an_outlet_ner_takes_for_a_person_is_still_an_outlet():
    text = "Zero Hedge said the figures had been revised twice.\n"

    assert source(text, "Zero Hedge").source_type == "news_agency"


def test_the_gazetteer_never_types_a_surname_the_article_gives_to_someone_else(monkeypatch):
    from factcheck.suggest import gazetteer

    monkeypatch.setattr(gazetteer, "people", lambda: {"whitfield": "named_spokesperson"})
    text = (
        "Robert Whitfield watched the fire from his porch.\n\n"
        "Whitfield said the flames reached the roof in minutes.\n"
    )

    assert source(text, "Whitfield").source_type == "named_individual"
