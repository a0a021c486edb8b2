"""The PolNeAR reader (factcheck/suggest/polnear.py) and scoring a split with the command."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from factcheck.suggest import evaluate, polnear

SAMPLE = Path(__file__).resolve().parent / "data" / "polnear_sample"


def test_reads_every_attribution_with_spans_that_read_their_words():
    documents = polnear.read_split(SAMPLE, "dev")

    assert [d.name for d in documents] == [
        "sample_2024-03-01_harbour-bridge-vote",
        "sample_2024-03-02_debate-transcript",
    ]
    bridge = documents[0]
    assert [c["source"] for c in bridge.claims] == [
        "Mayor Ruth Okafor",
        "Councillor Anand Mehta, who chairs the transport committee",
        "Residents' groups",
        "a survey by the Ellery Gazette",
        "Okafor",
    ]
    for claim in bridge.claims:
        start, end = claim["cue_span"]
        assert bridge.text[start:end] == claim["cue"]
        assert claim["labelled"] is False


def test_a_content_in_two_fragments_runs_from_the_first_to_the_last():
    bridge = polnear.read_split(SAMPLE, "dev")[0]

    quote = bridge.claims[-1]["claim"]

    assert quote.startswith('"We cannot sign a blank cheque,"')
    assert quote.endswith('"and we will not."')


def test_an_attribution_without_source_has_no_mention():
    transcript = polnear.read_split(SAMPLE, "dev")[1]

    unsourced = transcript.claims[-1]

    assert (unsourced["source_span"], unsourced["cue"]) == (None, "it is understood")


def test_the_test_split_is_refused(tmp_path):
    (tmp_path / "data" / "test" / "text").mkdir(parents=True)
    (tmp_path / "data" / "test" / "attributions").mkdir(parents=True)

    with pytest.raises(polnear.PolnearError, match="held out"):
        polnear.read_split(tmp_path, "test")
    with pytest.raises(polnear.PolnearError, match="held out"):
        polnear.read_split(tmp_path / "data" / "test", "dev")


@pytest.mark.parametrize(
    ("cue", "kind"),
    [
        ("said", "say/tell/according to"),
        ("Told", "say/tell/according to"),
        ("according to", "say/tell/according to"),
        ("wants", "other one-word"),
        ("called for", "multi-word"),
        ("said in a statement", "multi-word"),
        (":", "colon"),
        ("―", "transcript dash"),
        ("—", "transcript dash"),
    ],
)
def test_cue_kinds(cue, kind):
    assert evaluate.cue_kind(cue) == kind


def test_references_without_labels_score_spans_and_no_attribute():
    document = polnear.read_split(SAMPLE, "dev")[0]

    score = evaluate.score_document(document.text, document.claims, document.claims)
    report = evaluate.summary(score)

    assert report["spans"]["mention"]["exact"]["f1"] == 1.0
    assert report["attributes"] == {}
    assert report["by_cue_kind"]["say/tell/according to"] == {
        "reference": 2,
        "cue_recall_overlap": 1.0,
        "mention_recall_overlap": 1.0,
    }


def test_command_scores_a_polnear_split_with_recall_by_kind_of_cue():
    out = io.StringIO()

    call_command("evaluate_suggestions", "--polnear", str(SAMPLE), "--split", "dev", stdout=out)

    report = out.getvalue()
    assert "Overall (2 document(s), counts added up)" in report
    assert "source mention    8" in report
    assert "Recall by kind of cue" in report
    for kind, count in [
        ("say/tell/according to", 2),
        ("other one-word", 2),
        ("multi-word", 2),
        ("colon", 1),
        ("transcript dash", 2),
    ]:
        rows = [line for line in report.splitlines() if line.split("  ")[0] == kind]
        assert f" {count} " in rows[0]


def test_command_refuses_the_test_split():
    with pytest.raises(CommandError, match="held out") as error:
        call_command("evaluate_suggestions", "--polnear", str(SAMPLE), "--split", "test")

    assert error.value.returncode == 2
