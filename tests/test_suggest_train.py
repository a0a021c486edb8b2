"""train_suggester: cue lemmas and source nouns counted on a PolNeAR-format train split."""

import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

SAMPLE = Path(__file__).resolve().parent / "data" / "polnear_sample" / "data" / "dev"


def test_train_suggester_counts_cue_lemmas_and_kept_prepositions(tmp_path):
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
        stdout=out,
    )

    rows = {
        line.split("\t")[0]: line.split("\t")
        for line in (tmp_path / "learned_cues.tsv").read_text().splitlines()
        if not line.startswith("#")
    }
    assert rows["call"][4] == "for"  # "have called for": the preposition stays in the cue
    assert rows["want"][2] == "1"
    assert (
        "Rebuilt by: python manage.py train_suggester"
        in (tmp_path / "learned_cues.tsv").read_text()
    )
    nouns = (tmp_path / "learned_source_nouns.tsv").read_text()
    assert "\ngroup\t1\n" in nouns or "\nsurvey\t1\n" in nouns
    assert "2 article(s)" in out.getvalue()
    # Without a terminal, how far it is, then what was done and how long it took.
    assert "[1/2] Counting cues" in out.getvalue()
    assert "[2/2] Labelling candidates" in out.getvalue()
    assert "Cues counted in 2 article(s). (" in out.getvalue()


def test_train_suggester_never_reads_the_test_split(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "data" / "test")

    with pytest.raises(CommandError, match="held out"):
        call_command("train_suggester", "--polnear", str(tmp_path / "data" / "test"))


def test_train_suggester_writes_a_candidate_model_with_its_card(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "data" / "train")

    call_command(
        "train_suggester",
        "--polnear",
        str(tmp_path),
        "--output-dir",
        str(tmp_path),
        "--model-file",
        str(tmp_path / "candidates.json"),
        stdout=io.StringIO(),
    )

    model = json.loads((tmp_path / "candidates.json").read_text())
    assert model["feature_version"] == 1
    assert 0 < model["threshold"] < 1
    assert model["card"]["rebuild"].startswith("python manage.py train_suggester --polnear")
    assert "PolNeAR train" in model["card"]["corpus"]
