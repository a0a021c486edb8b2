"""A 1,000-word article is suggested whole, alike from its first paragraph to its last.

How fast is for `manage.py benchmark suggest` to say (its target: 0.3 s of CPU per
1,000 words, median and p95): speed is measured in benchmarks, not in timed tests.
This test used to time itself, and failed whenever the shared host ran slower.
"""

from collections import Counter

from factcheck.suggest import suggest

PARAGRAPHS = [
    "The city council voted on Tuesday to close two libraries, officials said.",
    '"This is a sad day for our neighbourhood," said councillor Ruth Adeyemi, who voted against.',
    "According to the council's budget report, the closures will save $1.2 million a year.",
    "Mayor Linda Okafor said the savings would pay for road repairs in the spring.",
    "She added that the buildings would be sold rather than demolished.",
    "A council employee, speaking on condition of anonymity, told Reuters the staff had not "
    "been consulted before the vote.",
    "Around 300 people attended a protest outside the town hall on Wednesday evening.",
]


def article(words: int) -> str:
    paragraphs, count = [], 0
    while count < words:
        for p in PARAGRAPHS:
            paragraphs.append(p)
            count += len(p.split())
    return "\n\n".join(paragraphs) + "\n"


def test_a_thousand_word_article_is_suggested_whole_and_alike_throughout():
    text = article(1000)
    repeats = text.count(PARAGRAPHS[0])

    suggestions = suggest(text)

    assert len(text.split()) >= 1000
    assert len(suggestions) > 50
    # Each repetition of the paragraphs gets the same suggestions, the last one too.
    found = Counter((s.claim, s.source, s.source_type) for s in suggestions)
    assert set(found.values()) == {repeats}
    assert max(s.claim_span[0] for s in suggestions) > len(text) - len(PARAGRAPHS[-1]) - 200
