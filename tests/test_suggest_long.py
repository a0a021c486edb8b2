"""Long texts: the suggester reads them in bounded pieces, or refuses them with the reason."""

import pytest

from factcheck.suggest import suggest
from factcheck.suggest.core import MAX_TEXT_CHARS, TextTooLong
from factcheck.suggest.segment import MAX_PIECE, paragraphs

SENTENCE = "Harbour master Ines Correia said {} containers had been inspected on the quay. "


def long_paragraph(size: int) -> str:
    parts, total, i = [], 0, 0
    while total < size:
        parts.append(SENTENCE.format(i))
        total += len(parts[-1])
        i += 1
    return "".join(parts)


def test_a_long_paragraph_comes_in_pieces_cut_at_sentence_ends():
    text = long_paragraph(990_000)

    pieces = paragraphs(text)

    assert len(pieces) > 1
    assert all(len(p.text) <= MAX_PIECE for p in pieces)
    assert all(p.text.endswith("quay.") for p in pieces)
    assert all(text[p.start : p.end] == p.text for p in pieces)


def test_a_paragraph_without_spaces_is_cut_anyway():
    text = "x" * 30_000

    pieces = paragraphs(text)

    assert [len(p.text) for p in pieces] == [MAX_PIECE] * 6


def test_a_text_of_over_a_million_characters_is_read_to_its_end():
    text = (
        long_paragraph(990_000)
        + "\n\n"
        + long_paragraph(12_000)
        + "\n\nThe port authority said the quay would reopen on Monday.\n"
    )

    found = suggest(text)

    last = [s for s in found if s.claim == "the quay would reopen on Monday"]
    assert len(text) > 1_000_000
    assert [s.source for s in last] == ["The port authority"]
    first = min(found, key=lambda s: s.claim_span)
    assert first.source == "Harbour master Ines Correia"
    assert text[first.claim_span[0] : first.claim_span[1]] == first.claim


def test_a_text_over_the_limit_is_refused_with_the_reason():
    text = "a" * (MAX_TEXT_CHARS + 1)

    with pytest.raises(TextTooLong, match="2,100,001 characters; the suggester reads at most"):
        suggest(text)
