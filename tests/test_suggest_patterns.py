"""One or more sentences per reporting pattern, written for these tests (not from any corpus)."""

import pytest

from factcheck.suggest import suggest


def only(text, **match):
    """The one suggestion whose fields equal `match`."""
    found = [s for s in suggest(text) if all(getattr(s, k) == v for k, v in match.items())]
    assert len(found) == 1, (match, suggest(text))
    return found[0]


def part(text, span):
    return None if span is None else text[span[0] : span[1]]


def test_said_after_the_content_paraphrase():
    text = "The bridge will reopen in March, the transport authority said on Tuesday.\n"

    s = only(text, cue="said")

    assert s.source == "the transport authority"
    assert s.claim == "The bridge will reopen in March"
    assert s.quote == "paraphrase"
    assert s.source_type == "ministry"  # a public authority: "ministry or government agency"
    assert s.confidence > 0.8


def test_said_before_a_that_clause():
    text = "Mayor Linda Okafor said that the budget would be balanced by next year.\n"

    s = only(text, cue="said")

    assert s.source == "Mayor Linda Okafor"
    assert s.canonical_source == "Linda Okafor"
    assert s.claim == "the budget would be balanced by next year"
    assert s.source_type == "named_spokesperson"


@pytest.mark.parametrize(
    ("sentence", "cue", "claim"),
    [
        (
            "The ministry denied that any prisoners had been released.",
            "denied",
            "any prisoners had been released",
        ),
        ("The company confirmed that 300 jobs would be cut.", "confirmed", "300 jobs would be cut"),
        (
            "Police warned that more storms were expected overnight.",
            "warned",
            "more storms were expected overnight",
        ),
        (
            "The union announced that its members would strike on Friday.",
            "announced",
            "its members would strike on Friday",
        ),
        (
            "The senator wrote that the bill was unconstitutional.",
            "wrote",
            "the bill was unconstitutional",
        ),
    ],
)
def test_reporting_verbs(sentence, cue, claim):
    s = only(sentence + "\n", cue=cue)

    assert s.claim == claim
    assert s.source is not None


def test_according_to_at_the_end():
    text = "Unemployment fell to 4.1 percent in May, according to the national statistics office.\n"

    s = only(text, cue="according to")

    assert s.source == "the national statistics office"
    assert s.claim == "Unemployment fell to 4.1 percent in May"


def test_according_to_at_the_start_with_a_document_source():
    text = "According to a report by the auditor general, the hospital overspent by $40 million.\n"

    s = only(text, cue="According to")

    assert s.source == "a report by the auditor general"
    assert s.claim == "the hospital overspent by $40 million"
    assert s.source_type == "document"


def test_a_demand_with_its_preposition_as_the_cue():
    text = "The federation, in a statement on Sunday, called on clubs to delay the season.\n"

    s = only(text, cue="called on")

    assert s.source == "The federation"
    assert s.claim == "clubs to delay the season"


def test_verb_and_nominal_cue_merge():
    text = 'The Kremlin said in a statement that "no talks are planned."\n'

    s = only(text, source="The Kremlin")

    assert s.cue == "said in a statement"
    assert s.claim == '"no talks are planned."'
    assert s.quote == "direct"
    assert s.source_type == "government_office"


def test_colon_after_a_speaker():
    text = 'Minister Ana Duarte: "We will not raise taxes this year."\n'

    s = only(text, cue=":")

    assert s.source == "Minister Ana Duarte"
    assert s.claim == '"We will not raise taxes this year."'
    assert s.quote == "direct"


def test_headline_colon_names_the_source():
    text = "Ceasefire talks have stalled: Egyptian mediators\n\nThe talks resume next week.\n"

    s = only(text, source="Egyptian mediators")

    assert s.claim == "Ceasefire talks have stalled"
    assert s.cue is None
    assert s.quote == "paraphrase"


def test_quote_split_around_the_cue_is_one_content():
    text = '"We did everything we could," the coach said, "but the referee decided the match."\n'

    s = only(text, cue="said")

    assert s.source == "the coach"
    assert s.claim.startswith('"We did') and s.claim.endswith('match."')
    assert s.quote == "direct"


def test_curly_quote_before_the_cue():
    text = "“The water is safe to drink,” said Dr. Miriam Hale, the city’s health officer.\n"

    s = only(text, cue="said")

    assert s.claim == "“The water is safe to drink,”"
    # the whole noun phrase, apposition included, as annotators mark it
    assert s.source == "Dr. Miriam Hale, the city’s health officer"
    assert s.canonical_source == "Miriam Hale"
    assert s.quote == "direct"


def test_a_run_of_quotes_is_carried_over_to_the_last_speaker():
    text = (
        "Fire chief Tomas Reyes said the blaze started in a kitchen.\n\n"
        '"The crews arrived within six minutes. Nobody was hurt."\n\n'
        '"We were lucky with the wind."\n'
    )

    carried = [s for s in suggest(text) if s.claim.startswith('"')]

    assert [s.claim for s in carried] == [
        '"The crews arrived within six minutes. Nobody was hurt."',
        '"We were lucky with the wind."',
    ]
    assert {s.canonical_source for s in carried} == {"Tomas Reyes"}
    assert all(s.cue is None and s.quote == "direct" for s in carried)
    assert all(s.confidence < 0.8 for s in carried)


def test_pronoun_resolves_to_the_last_named_speaker():
    text = (
        "Finance Minister Karl Brandt said the deficit would shrink next year.\n\n"
        "He added that pensions would not be cut.\n"
    )

    s = only(text, cue="added")

    assert s.source == "He"
    assert s.canonical_source == "Karl Brandt"
    assert s.source_type == "named_spokesperson"


def test_surname_resolves_to_the_full_name():
    text = (
        "Opposition leader Maria Santos called the vote a disgrace.\n\n"
        "Santos said her party would appeal the result in court.\n"
    )

    s = only(text, cue="said")

    assert s.source == "Santos"
    assert s.canonical_source == "Maria Santos"
    assert s.named


def test_the_group_resolves_to_the_organisation():
    text = (
        "Greenpeace said the spill had reached the coast.\n\n"
        "The group said it would sue the operator.\n"
    )

    s = only(text, source="The group")

    assert s.canonical_source == "Greenpeace"
    assert s.source_type == "organization"


@pytest.mark.parametrize(
    ("text", "source", "via"),
    [
        (
            "A senior diplomat told AFP that the summit had been postponed.\n",
            "A senior diplomat",
            "AFP",
        ),
        (
            "The talks have collapsed, a government source told Reuters on Friday.\n",
            "a government source",
            "Reuters",
        ),
        (
            "The strike will continue, the union said in a statement carried by WAFA.\n",
            "the union",
            "WAFA",
        ),
        (
            "The port was closed, according to a statement carried by the Associated Press.\n",
            "a statement",
            "Associated Press",
        ),
    ],
)
def test_intermediaries(text, source, via):
    s = only(text, source=source)

    assert s.via == via
    assert part(text, s.via_span) == via


def test_anonymity_with_a_stated_reason():
    text = (
        "Two officials, who spoke on condition of anonymity because they were not authorised "
        "to brief the media, said the plan had been shelved.\n"
    )

    s = only(text, cue="said")

    assert not s.named
    assert s.source_type == "anonymous_official"
    assert s.ground_rule == "background"
    assert s.anonymity_reason == "because they were not authorised to brief the media"
    assert part(text, s.anonymity_reason_span) == s.anonymity_reason


def test_anonymity_without_a_reason():
    text = "A person familiar with the negotiations said a deal was close.\n"

    s = only(text, cue="said")

    assert s.source == "A person familiar with the negotiations"
    assert not s.named
    assert s.source_type == "anonymous_official"
    assert s.anonymity_reason == ""


def test_plural_officials_without_a_name_are_anonymous():
    text = "The convoy was attacked near the border, officials said.\n"

    s = only(text, cue="said")

    assert s.source == "officials"
    assert not s.named
    assert s.source_type == "anonymous_official"


def test_nested_attribution_suggests_outer_and_inner():
    text = "Councillor Ruth Adeyemi said the contractor told her the work would finish in June.\n"

    outer = only(text, cue="said")
    inner = only(text, cue="told")

    assert outer.source == "Councillor Ruth Adeyemi"
    assert outer.claim == "the contractor told her the work would finish in June"
    assert inner.source == "the contractor"
    assert inner.claim == "the work would finish in June"
    assert inner.confidence < outer.confidence


@pytest.mark.parametrize(
    ("text", "source", "cue", "source_type"),
    [
        ("A new poll shows that most voters oppose the tax.\n", "A new poll", "shows", "document"),
        ("The report found that emissions rose by 3 percent.\n", "The report", "found", "document"),
        (
            "The minister believes the economy will recover quickly.\n",
            "The minister",
            "believes",
            None,
        ),
        # the auxiliary belongs to the cue, as annotators mark it
        (
            "The opposition has denied any role in the protests.\n",
            "The opposition",
            "has denied",
            None,
        ),
        ("Prosecutors accused the mayor of taking bribes.\n", "Prosecutors", "accused", None),
    ],
)
def test_beliefs_findings_and_documents_as_sources(text, source, cue, source_type):
    s = only(text, cue=cue)

    assert s.source == source
    if source_type:
        assert s.source_type == source_type


@pytest.mark.parametrize(
    "text",
    [
        "The river rose quickly after the storm.\n",
        "Children played in the park while their parents watched.\n",
        "The museum is one of the most visited in the country.\n",
        '"We will see," he smiled.\n',
        "She did not say whether she would run again.\n",
        "The minister will announce the budget next week.\n",
    ],
)
def test_no_attribution_no_suggestion(text):
    assert suggest(text) == []


def test_unattributed_checkable_fact_gets_a_low_confidence_suggestion():
    text = (
        "Heavy rain fell across the region.\n\n"
        "The dam released 2,000 cubic metres of water on Sunday.\n"
    )

    suggestions = suggest(text)

    assert [s.claim for s in suggestions] == [
        "The dam released 2,000 cubic metres of water on Sunday"
    ]
    assert suggestions[0].source is None
    assert suggestions[0].source_type == "unattributed"
    assert suggestions[0].confidence < 0.5


def test_blank_line_ends_a_sentence():
    text = "Prices rose, the bank said\n\nShoppers were unhappy about it.\n"

    s = only(text, cue="said")

    assert s.claim == "Prices rose"


@pytest.mark.parametrize(
    ("text", "source", "canonical"),
    [
        # an office title written as a capitalised compound is cut like a lower-case one
        (
            "Trade Minister Olav Rasmussen wrote on X that exports had doubled since 2020.\n",
            "Trade Minister Olav Rasmussen",
            "Olav Rasmussen",
        ),
        # a name NER misses, in apposition to a person's role: the canonical name alone
        (
            "The family's solicitor, Priya Ramaswamy QC, said the inquest would resume in May.\n",
            "The family's solicitor, Priya Ramaswamy QC",
            "Priya Ramaswamy QC",
        ),
        (
            "A geologist at the University of Bergen, Ingrid Solheim, said the slope had moved "
            "four metres.\n",
            "A geologist at the University of Bergen, Ingrid Solheim",
            "Ingrid Solheim",
        ),
        # an honorific belongs to the name as written; the canonical name goes without it
        (
            '"The numbers are clear," said Dr. Helena Varga, a cardiologist at the clinic.\n',
            "Dr. Helena Varga, a cardiologist at the clinic",
            "Helena Varga",
        ),
    ],
)
def test_a_person_is_mentioned_with_title_and_apposition_and_canonical_is_the_name(
    text, source, canonical
):
    s = only(text, source=source)

    assert s.canonical_source == canonical


def test_an_organisation_keeps_its_whole_noun_phrase():
    text = "The Kenyan rights group Haki Watch said 14 protesters had been detained.\n"

    s = only(text, cue="said")

    assert s.source == "The Kenyan rights group Haki Watch"
    assert s.source_type == "organization"


def test_a_quote_split_by_a_whole_sentence_with_the_cue_is_one_content():
    text = (
        '"The water came in through the floor," Yusuf Demir told AFP at the shelter on Friday. '
        '"We lost everything in an hour."\n'
    )

    s = only(text, cue="told")

    assert s.claim == (
        '"The water came in through the floor," Yusuf Demir told AFP at the shelter on Friday. '
        '"We lost everything in an hour."'
    )
    assert s.quote == "direct"
    assert s.via == "AFP"


def test_a_quote_split_by_the_cue_after_a_speakers_title():
    text = (
        '"The vote was fair and the count was clean," election commissioner Ruth Abena said. '
        '"Every ballot will be reviewed."\n'
    )

    s = only(text, cue="said")

    assert s.source == "election commissioner Ruth Abena"
    assert s.claim.startswith('"The vote was fair') and s.claim.endswith('reviewed."')


@pytest.mark.parametrize(
    ("text", "source", "source_type"),
    [
        # a title written as a capitalised compound, which NER may read as an organisation
        (
            "Energy Minister Tarik Osmani said the grid would be upgraded by 2027.\n",
            "Energy Minister Tarik Osmani",
            "named_spokesperson",
        ),
        # the role in an apposition after the name, or the name in apposition to the role
        (
            "Lucas Brenner, a vice-president of the airline, said 40 flights were cancelled.\n",
            "Lucas Brenner, a vice-president of the airline",
            "named_spokesperson",
        ),
        (
            "The agency's spokeswoman, Mirela Dragan, said 12 people were rescued overnight.\n",
            "The agency's spokeswoman, Mirela Dragan",
            "named_spokesperson",
        ),
        (
            "Prosecutor Alan Whitcombe told the jury that the payments were hidden.\n",
            "Prosecutor Alan Whitcombe",
            "named_spokesperson",
        ),
        # an expert, a witness: a named individual, even with "chief" in the role
        (
            "Nadia Ferreira, chief economist at a Lisbon bank, said prices would rise in 2025.\n",
            "Nadia Ferreira, chief economist at a Lisbon bank",
            "named_individual",
        ),
        (
            "Owen Pike, a volunteer at the shelter, said 200 people slept there on Friday.\n",
            "Owen Pike, a volunteer at the shelter",
            "named_individual",
        ),
        # an identified official without a name; an unnamed one
        (
            "The presiding judge said the hearing would resume on Monday.\n",
            "The presiding judge",
            "named_spokesperson",
        ),
        (
            "One of the officials said the deal was signed on Tuesday.\n",
            "One of the officials",
            "anonymous_official",
        ),
    ],
)
def test_source_type_from_the_title_or_role(text, source, source_type):
    s = only(text, source=source)

    assert s.source_type == source_type


def test_an_unnamed_non_official_is_an_individual_who_is_not_named():
    text = "Residents who fled the fighting said the market was hit twice on Sunday.\n"

    s = only(text, cue="said")

    assert s.source_type == "named_individual"
    assert not s.named


def test_she_skips_the_last_speaker_when_he_is_a_man():
    text = (
        "Mayor Ingrid Holm said the ferry would run again on Monday. Her office confirmed "
        "the repairs.\n\n"
        "Harbour master Piet Claes said the quay had been inspected twice. He called the damage "
        "minor.\n\n"
        "She added that the town would pay for the repairs.\n"
    )

    s = only(text, cue="added")

    assert s.source == "She"
    assert s.canonical_source == "Ingrid Holm"
    assert s.source_type == "named_spokesperson"


def test_gender_from_an_honorific_or_a_gendered_title():
    text = (
        "The ministry's spokeswoman, Lina Haddad, said 300 families had been moved.\n\n"
        "Mr. Omar Nasser, a farmer, said his fields were under water.\n\n"
        "She said more tents would arrive on Thursday.\n"
    )

    s = only(text, source="She")

    assert s.canonical_source == "Lina Haddad"


def test_he_resolves_to_the_person_the_paragraph_is_about():
    text = (
        "Coach Dara Kim said the team had trained well.\n\n"
        "Kim praised the defence. Tomas Ruiz, who scored twice, dedicated the goals to "
        "his father.\n\n"
        '"He taught me to shoot," he said.\n'
    )

    s = only(text, cue="said", source="he")

    assert s.canonical_source == "Tomas Ruiz"


def test_they_resolves_to_the_last_group_not_a_person():
    text = (
        "The Farmers' Union said prices had fallen 20 percent.\n\n"
        "Minister Ana Silva said the government would help.\n\n"
        "They said the help was too little.\n"
    )

    s = only(text, source="They")

    assert s.canonical_source == "The Farmers' Union"


def test_a_pronoun_resolved_across_paragraphs_is_less_sure_than_within_one():
    near = "Governor Lea Brandt said the dam was safe. She added that 40 homes were evacuated.\n"
    far = (
        "Governor Lea Brandt said the dam was safe.\n\n"
        "The river rose 2 metres overnight.\n\n"
        "She added that 40 homes were evacuated.\n"
    )

    near_s = only(near, cue="added")
    far_s = only(far, cue="added")

    assert near_s.canonical_source == far_s.canonical_source == "Lea Brandt"
    assert far_s.confidence < near_s.confidence
    assert far_s.confidence < 0.8


@pytest.mark.parametrize(
    ("text", "source", "cue", "claim"),
    [
        # intentions, demands and criticism, with cue words learnt from annotated news
        (
            "Councillor Anand Mehta wants the bridge built before the festival.\n",
            "Councillor Anand Mehta",
            "wants",
            "the bridge built before the festival",
        ),
        (
            "Residents' groups have called for an independent review of the costs.\n",
            "Residents' groups",
            "have called for",
            "an independent review of the costs",
        ),
        (
            "The senator criticized the plan as reckless.\n",
            "The senator",
            "criticized",
            "the plan as reckless",
        ),
        # the auxiliary and the adverb of repetition belong to the cue
        (
            "The mayor has repeatedly said the budget is balanced.\n",
            "The mayor",
            "has repeatedly said",
            "the budget is balanced",
        ),
        # coordinated sources are one mention
        (
            "Mr. Grassley and Mr. Leahy said the bill would pass.\n",
            "Mr. Grassley and Mr. Leahy",
            "said",
            "the bill would pass",
        ),
    ],
)
def test_the_whole_range_of_cues(text, source, cue, claim):
    s = only(text, cue=cue)

    assert (s.source, s.claim) == (source, claim)


def test_a_learnt_cue_needs_a_speaker_and_no_modal():
    text = (
        "The dam released 2,000 cubic metres of water on Sunday.\n\n"
        "The union would release its figures later.\n"
    )

    suggestions = suggest(text)

    assert [s.cue for s in suggestions if s.cue] == []


def test_a_relative_pronoun_is_the_mention_and_its_noun_the_name():
    text = "The agency, which announced the cuts on Monday, said more were likely.\n"

    inner = only(text, cue="announced")
    outer = only(text, cue="said")

    assert (inner.source, inner.canonical_source) == ("which", "The agency")
    assert outer.source == "The agency, which announced the cuts on Monday"
    assert outer.canonical_source == "The agency"


@pytest.mark.parametrize(
    "text",
    [
        "Port Ellery (AFP) – The council said on Tuesday that the bridge would open in May.\n",
        "Bridge vote delayed\n\nPort Ellery (AFP) – The council said on Tuesday that the "
        "bridge would open in May.\n",
    ],
)
def test_a_datelines_agency_is_the_intermediary_and_its_place_no_source(text):
    s = only(text, cue="said")

    assert s.source == "The council"
    assert s.via == "AFP"
    assert part(text, s.via_span) == "AFP"
    assert not any("Port Ellery" in (x.source or "") for x in suggest(text))


def test_transcript_lines_with_the_speaker_and_a_dash():
    text = (
        "Transcript\n\nMODERATOR ― Will prices rise next year?\n\n"
        "LINDQVIST ― They will not rise while I am governor.\n"
    )

    found = [(s.source, s.cue, s.claim) for s in suggest(text) if s.cue == "―"]

    assert found == [
        ("MODERATOR", "―", "Will prices rise next year"),
        ("LINDQVIST", "―", "They will not rise while I am governor"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "“The river has never been this low. We need help now.” ― Marta Quispe\n",
        '"The river has never been this low. We need help now."\n\n- Marta Quispe.\n',
    ],
)
def test_a_quotation_signed_with_a_dash(text):
    s = only(text, source="Marta Quispe")

    assert s.claim.strip('"“”') == "The river has never been this low. We need help now."
    assert s.source_type == "named_individual"


def test_a_first_person_speaker_outside_quotes_is_a_source():
    text = "I told the committee that the figures were wrong.\n"

    s = only(text, cue="told")

    assert (s.source, s.claim) == ("I", "the figures were wrong")


@pytest.mark.parametrize(
    ("text", "source"),
    [
        # the parse hangs the quote's "not" on the cue: it negates nothing outside the quote
        (
            '"Are we ready? Probably not," Ms. Moore said. "Will we be? Absolutely."\n',
            "Ms. Moore",
        ),
        # the parse takes quoted words for a second subject of the cue
        (
            "“The campaign is in trouble. Full panic mode,” said Leslie Wimes, a pollster.\n",
            "Leslie Wimes, a pollster",
        ),
    ],
)
def test_quoted_words_never_block_their_cue(text, source):
    s = only(text, cue="said")

    assert s.source == source
    assert s.quote == "direct"


def test_calling_someone_something_is_criticism_with_its_object_as_content():
    text = "Senator Ruth Bale called the governor a reckless spender.\n"

    s = only(text, cue="called")

    assert (s.source, s.claim) == ("Senator Ruth Bale", "the governor a reckless spender")


def test_an_outlet_is_a_news_agency_and_the_newspaper_refers_back_to_it():
    text = (
        "The New York Post reports that the governor skipped the hearing. "
        "The newspaper said its reporters saw him leave.\n"
    )

    outlet = only(text, cue="reports")
    later = only(text, cue="said")

    assert outlet.source_type == "news_agency"
    assert (later.source, later.canonical_source) == ("The newspaper", "The New York Post")
    assert later.source_type == "news_agency"


def test_a_candidates_title_makes_a_spokesperson_and_carries_to_the_surname():
    text = (
        "Republican nominee Donald Trump said the debate was rigged.\n\n"
        "Trump added that he would win anyway.\n"
    )

    first = only(text, cue="said")
    later = only(text, cue="added")

    assert first.source == "Republican nominee Donald Trump"
    assert first.source_type == "named_spokesperson"
    assert (later.canonical_source, later.source_type) == ("Donald Trump", "named_spokesperson")


def test_a_cue_with_its_object_after_it_takes_no_content_before_its_comma():
    text = "In contrast, the senator has delivered a mostly positive message.\n"

    s = only(text, source="the senator")

    assert s.claim == "a mostly positive message"


def test_a_manner_adverb_before_the_cue_belongs_to_it():
    text = "The governor frequently mocked the plan as a fantasy.\n"

    s = only(text, source="The governor")

    assert s.cue == "frequently mocked"


def test_a_reporting_verb_carries_the_quote_over_a_participle_before_it():
    text = 'Taking it in, Mayor Ines Ruiz said, "It is so nice to hear you cheering."\n'

    s = only(text, source="Mayor Ines Ruiz")

    assert s.cue == "said"
    assert s.claim == '"It is so nice to hear you cheering."'


def test_a_question_quoted_before_the_cue_goes_on_in_the_next_sentence():
    text = (
        '"Why would anyone pay that toll?" said Councillor Anand Mehta. '
        '"Nobody in Port Ellery can afford it."\n'
    )

    s = only(text, source="Councillor Anand Mehta")

    assert s.cue == "said"
    assert s.claim == (
        '"Why would anyone pay that toll?" said Councillor Anand Mehta. '
        '"Nobody in Port Ellery can afford it."'
    )
