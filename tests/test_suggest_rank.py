"""The learned candidate model: its file, its card, and the rules without it."""

import json

from factcheck.suggest import rank


def test_the_committed_model_loads_with_its_card():
    model = rank.load_model()

    assert model is not None
    assert 0 < model.threshold < 1
    assert "PolNeAR train" in model.card["corpus"]
    assert model.card["rebuild"].startswith("python manage.py train_suggester")


def test_no_model_file_means_the_rules_alone(tmp_path):
    assert rank.load_model(tmp_path / "missing.json") is None


def test_a_model_made_for_other_features_is_not_used(tmp_path):
    path = tmp_path / "old.json"
    data = json.loads(rank.MODEL_PATH.read_text())
    data["feature_version"] = rank.FEATURE_VERSION + 1
    path.write_text(json.dumps(data))

    assert rank.load_model(path) is None


def test_the_model_scores_a_reporting_root_verb_above_a_rare_cue_in_a_clause():
    model = rank.load_model()
    common = ["kind=verb", "lemma=say", "learned=False", "ratio=0.8", "cue_dep=ROOT"]
    rare = ["kind=verb", "lemma=appear", "learned=True", "ratio=0.1", "cue_dep=ccomp"]

    assert model.probability(common) > model.threshold > model.probability(rare)
