"""The suggester on the seed article, scored against its hand annotation."""

from pathlib import Path

import pytest

from factcheck.suggest import evaluate, suggest, to_annotation

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_968ab21749d55e3c.txt"


@pytest.fixture(scope="module")
def seed():
    text = SEED.read_text(encoding="utf-8")
    references = evaluate.load_annotations(SEED.with_name(SEED.stem + ".annotations.json"), text)
    suggestions = suggest(text)
    score = evaluate.score_document(text, references, [to_annotation(s) for s in suggestions])
    return text, suggestions, evaluate.summary(score)


def test_source_mentions_are_found(seed):
    _, _, report = seed

    mention = report["spans"]["mention"]
    assert mention["overlap"]["recall"] >= 0.9
    assert mention["exact"]["recall"] >= 0.8


def test_source_types_are_right_on_matched_claims(seed):
    _, _, report = seed

    assert report["attributes"]["source_type"]["accuracy"] >= 0.9


def test_every_anonymous_source_is_anonymous_with_its_stated_reason(seed):
    _, suggestions, _ = seed

    by_source = {s.source: s for s in suggestions if s.source}
    official = by_source["A top Hamas official, speaking on condition of anonymity"]
    assert not official.named
    assert official.anonymity_reason == "speaking on condition of anonymity"
    assert official.ground_rule == "background"
    for mention in ("a Hamas source", "an official on the Israeli negotiating team"):
        assert by_source[mention].source_type == "anonymous_official"
        assert not by_source[mention].named
        assert by_source[mention].anonymity_reason == ""


def test_agencies_are_intermediaries(seed):
    _, suggestions, _ = seed

    vias = {s.source: s.via for s in suggestions if s.via}
    assert vias["A top Hamas official, speaking on condition of anonymity"] == "AFP"
    assert vias["a Hamas source"] == "Reuters"


def test_he_added_refers_to_john_kirby(seed):
    _, suggestions, _ = seed

    added = [s for s in suggestions if s.cue == "added"]
    assert [s.source for s in added] == ["He", "he"]
    assert {s.canonical_source for s in added} == {"John Kirby"}
    assert {s.source_type for s in added} == {"named_spokesperson"}
