"""A 1,000-word article is suggested in under 0.3 s once the pipeline has loaded.

Measured in CPU time of this process, so that other work on the shared machine does not count.
"""

import time

from factcheck.suggest import suggest
from factcheck.suggest.pipeline import load

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


def test_a_thousand_word_article_takes_under_a_third_of_a_second():
    text = article(1000)
    load()
    suggest(text)  # warm the caches

    timings = []
    for _ in range(5):
        start = time.process_time()
        suggestions = suggest(text)
        timings.append(time.process_time() - start)

    assert len(text.split()) >= 1000
    assert len(suggestions) > 50
    assert min(timings) < 0.3
