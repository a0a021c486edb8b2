"""The CRF cue tagger: its labels, its committed file and card, and its training command."""

import io
import json
import shutil
from pathlib import Path

from django.core.management import call_command

from factcheck.suggest import suggest, tagger

SAMPLE = Path(__file__).resolve().parent / "data" / "polnear_sample" / "data" / "dev"


def test_cue_words_are_labelled_begin_inside_outside():
    tokens = [(0, 8), (9, 13), (14, 16), (17, 19), (20, 23), (24, 28)]

    labels = tagger.bio(tokens, [(9, 23)])

    assert labels == ["O", "B", "I", "I", "I", "O"]


def test_the_committed_tagger_loads_once_with_its_card():
    first = tagger.load_tagger()

    assert first is tagger.load_tagger()
    assert "PolNeAR train" in first.card["corpus"]
    assert first.card["rebuild"].startswith("python manage.py train_suggester")
    assert first.card["feature_version"] == tagger.FEATURE_VERSION


def test_no_tagger_file_or_a_tagger_for_other_features_means_the_rules_alone(tmp_path):
    assert tagger.load_tagger(tmp_path / "missing.crfsuite") is None
    shutil.copy(tagger.MODEL_PATH, tmp_path / "old.crfsuite")
    card = json.loads(tagger.CARD_PATH.read_text())
    card["feature_version"] = tagger.FEATURE_VERSION + 1
    (tmp_path / "old.card.json").write_text(json.dumps(card))

    assert tagger.load_tagger(tmp_path / "old.crfsuite") is None


def test_the_tagger_finds_a_cue_of_several_words_around_a_verb():
    text = "Governor Ted Alcott went on to say that the new levy would fund two schools.\n"

    found = [s for s in suggest(text) if s.source == "Governor Ted Alcott"]

    assert [s.cue for s in found] == ["went on to say"]
    assert found[0].claim == "the new levy would fund two schools"


def test_train_suggester_writes_the_cue_tagger_with_its_card(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "data" / "train")
    out = io.StringIO()

    call_command(
        "train_suggester",
        "--polnear",
        str(tmp_path),
        "--min-count",
        "1",
        "--output-dir",
        str(tmp_path),
        "--model-file",
        str(tmp_path / "candidates.json"),
        "--crf-file",
        str(tmp_path / "cues.crfsuite"),
        stdout=out,
    )

    card = json.loads((tmp_path / "cues.card.json").read_text())
    assert card["feature_version"] == tagger.FEATURE_VERSION
    assert "PolNeAR train" in card["corpus"]
    assert "cue tagger:" in out.getvalue()
    trained = tagger.Tagger(tmp_path / "cues.crfsuite", card)
    assert trained.card is card


def test_a_possessor_speaks_for_a_nominal_cue_and_its_clause_is_the_content():
    text = (
        "Councillor Mara Venn's claim that the harbour tunnel would cost $4 billion was "
        "disputed by engineers.\n"
    )

    found = [s for s in suggest(text) if s.cue == "claim"]

    assert len(found) == 1
    assert "Mara Venn" in found[0].source
    assert found[0].claim == "the harbour tunnel would cost $4 billion"
