"""The suggestion scorer (factcheck/suggest/evaluate.py), its command and the development set."""

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from factcheck.suggest import evaluate

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SEEDS = ROOT / "seeds"
DEV_SET = sorted(DATA.glob("*.txt"))


def claim(text, content, source=None, cue=None, source_type=None, **extra):
    """A claim dict in the annotation format, spans found by their (first) phrase."""

    def span(phrase):
        if phrase is None:
            return None
        start = text.index(phrase)
        return [start, start + len(phrase)]

    return {
        "claim": content,
        "claim_span": span(content),
        "source": source,
        "source_span": span(source),
        "cue": cue,
        "cue_span": span(cue),
        "source_type": source_type or ("organization" if source else "unattributed"),
        "quote": "paraphrase" if source else "none",
        "via": None,
        **extra,
    }


def spans(score, kind, mode):
    return evaluate.summary(score)["spans"][kind][mode]


# ---------------------------------------------------------------------------------------------
# Span comparison


def test_trim_drops_spaces_quotes_and_punctuation_at_both_ends_only():
    text = ' "We\'re trying, as best we can," he said.'

    trimmed = evaluate.trim(text, (0, 33))

    assert text[trimmed[0] : trimmed[1]] == "We're trying, as best we can"


def test_trim_handles_curly_quotes_em_dashes_and_nothing_left():
    text = "— “Half of it is dust.” —"

    trimmed = evaluate.trim(text, (0, len(text)))

    assert text[trimmed[0] : trimmed[1]] == "Half of it is dust"
    assert evaluate.trim(text, (0, 2)) is None


def test_overlap_means_at_least_half_of_each_span():
    assert evaluate.overlaps_half((0, 10), (5, 10))  # half of the longer, all of the shorter
    assert not evaluate.overlaps_half((0, 10), (6, 10))  # all of the shorter, 0.4 of the longer
    assert evaluate.overlaps_half((0, 10), (0, 20))
    assert not evaluate.overlaps_half((0, 10), (0, 21))
    assert not evaluate.overlaps_half((0, 10), (10, 20))  # touching is not overlapping


def test_a_name_inside_its_long_title_overlaps_less_than_half():
    text = "White House national security spokesperson John Kirby said"
    name = (text.index("John"), text.index(" said"))

    assert not evaluate.overlaps_half(name, (0, name[1]))
    assert evaluate.overlaps_half(name, (text.index("Kirby") - 5, name[1]))


# ---------------------------------------------------------------------------------------------
# Span scores


def test_exact_and_overlap_are_scored_separately():
    text = "Kirby said the talks would go on. Officials said the deal was close."
    references = [
        claim(text, "the talks would go on", "Kirby", "said"),
        claim(text, "the deal was close", "Officials", "said"),
    ]
    predicted = [
        claim(text, "the talks would go on", "Kirby", "said"),
        # The whole sentence: overlaps the reference by more than half, not exactly.
        claim(text, "Officials said the deal was close", "Officials", "said"),
    ]
    predicted[1]["cue_span"] = [
        text.index("Officials said") + 10,
        text.index("Officials said") + 14,
    ]

    score = evaluate.score_document(text, references, predicted)

    assert spans(score, "content", "exact")["matched"] == 1
    assert spans(score, "content", "overlap")["matched"] == 2
    assert spans(score, "content", "exact")["precision"] == 0.5
    assert spans(score, "mention", "exact")["f1"] == 1.0


def test_trimming_makes_a_quote_without_its_marks_an_exact_match():
    text = 'Gaps remain. "We\'re trying to close those gaps as best we can," he added.'
    reference = claim(text, '"We\'re trying to close those gaps as best we can,"', "he", "added")
    predicted = claim(text, "We're trying to close those gaps as best we can", "he", "added")

    score = evaluate.score_document(text, [reference], [predicted])

    assert spans(score, "content", "exact")["matched"] == 1


def test_overlap_below_half_is_a_miss_on_both_sides():
    text = "A top Hamas official, speaking on condition of anonymity, told AFP that talks go on."
    reference = claim(
        text,
        "talks go on",
        "A top Hamas official, speaking on condition of anonymity",
        "told",
        "anonymous_official",
    )
    predicted = claim(text, "talks go on", "A top Hamas official", "told", "anonymous_official")

    score = evaluate.score_document(text, [reference], [predicted])

    mention = spans(score, "mention", "overlap")
    assert (mention["precision"], mention["recall"]) == (0.0, 0.0)
    assert spans(score, "content", "exact")["f1"] == 1.0


def test_a_predicted_span_matches_at_most_one_reference():
    text = "Hamas said the talks had stalled."
    reference = claim(text, "the talks had stalled", "Hamas", "said")
    twice = [claim(text, "the talks had stalled", "Hamas", "said")] * 2

    score = evaluate.score_document(text, [reference], twice)

    content = spans(score, "content", "exact")
    assert (content["matched"], content["precision"], content["recall"]) == (1, 0.5, 1.0)


def test_a_shared_mention_is_matched_to_the_claim_whose_content_overlaps():
    text = "Hamas dropped a demand. It would allow talks, a Hamas source told Reuters."
    first = claim(text, "Hamas dropped a demand", "a Hamas source", "told", "anonymous_official")
    second = claim(text, "It would allow talks", "a Hamas source", "told", "anonymous_official")
    predicted = {**second, "source_type": "organization"}

    score = evaluate.score_document(text, [first, second], [predicted])

    assert spans(score, "mention", "exact")["matched"] == 1
    pair = score.pairs[0]
    assert pair.reference is second
    assert pair.matched_by == "content"


def test_unattributed_reference_counts_for_content_not_for_mention_or_cue():
    text = "At least 38 people were killed on Monday. The ministry said 12 were children."
    references = [
        claim(text, "At least 38 people were killed on Monday"),
        claim(text, "12 were children", "The ministry", "said", "ministry"),
    ]
    predicted = [claim(text, "12 were children", "The ministry", "said", "ministry")]

    score = evaluate.score_document(text, references, predicted)

    assert spans(score, "mention", "exact")["reference"] == 1
    assert spans(score, "cue", "exact")["recall"] == 1.0
    assert spans(score, "content", "exact")["reference"] == 2
    assert spans(score, "content", "exact")["recall"] == 0.5


def test_a_headline_speaker_without_cue_counts_for_mention_only():
    text = "Netanyahu obstructing talks: Hamas\n"
    reference = claim(text, "Netanyahu obstructing talks", "Hamas")

    score = evaluate.score_document(text, [reference], [reference])

    assert spans(score, "mention", "exact")["reference"] == 1
    assert spans(score, "cue", "exact")["reference"] == 0


# ---------------------------------------------------------------------------------------------
# Attributes on matched pairs


def test_type_confusion_and_per_type_accuracy():
    text = "The group said it would talk. Gaza's health ministry said 40 died. Kirby said no."
    references = [
        claim(text, "it would talk", "The group", "said", "organization"),
        claim(text, "40 died", "Gaza's health ministry", "said", "ministry"),
        claim(text, "no", "Kirby", "said", "named_spokesperson"),
    ]
    predicted = [
        claim(text, "it would talk", "The group", "said", "organization"),
        claim(text, "40 died", "Gaza's health ministry", "said", "organization"),
        claim(text, "no", "Kirby", "said", "named_spokesperson"),
    ]

    data = evaluate.summary(evaluate.score_document(text, references, predicted))

    assert data["attributes"]["source_type"] == {"correct": 2, "total": 3, "accuracy": 0.6667}
    assert data["confusion"]["ministry"] == {"organization": 1}
    assert data["confusion"]["organization"] == {"organization": 1}
    assert data["per_source_type"]["ministry"]["source_type"]["accuracy"] == 0.0
    report = evaluate.format_report(data)
    assert "Source-type confusion" in report
    assert "org = organization" in report


def test_named_and_via_are_scored_on_attributed_pairs_only():
    text = "Prices rose. A Hamas source told Reuters the talks stalled."
    references = [
        claim(text, "Prices rose"),
        claim(
            text, "the talks stalled", "A Hamas source", "told", "anonymous_official", via="Reuters"
        ),
    ]
    predicted = [
        claim(text, "Prices rose"),
        claim(text, "the talks stalled", "A Hamas source", "told", "organization", via="REUTERS"),
    ]

    data = evaluate.summary(evaluate.score_document(text, references, predicted))

    assert data["attributes"]["via"] == {"correct": 1, "total": 1, "accuracy": 1.0}
    assert data["attributes"]["named"] == {"correct": 0, "total": 1, "accuracy": 0.0}
    assert data["attributes"]["source_type"]["total"] == 2


def test_claims_pair_by_mention_when_their_contents_do_not_overlap():
    text = "Kirby said Burns and McGurk were in Egypt, meeting their counterparts on Monday."
    reference = claim(
        text,
        "Burns and McGurk were in Egypt, meeting their counterparts on Monday",
        "Kirby",
        "said",
    )
    predicted = claim(text, "Burns and McGurk were in Egypt", "Kirby", "said")

    score = evaluate.score_document(text, [reference], [predicted])

    assert spans(score, "content", "overlap")["matched"] == 0
    assert [pair.matched_by for pair in score.pairs] == ["mention"]


def test_coreference_is_scored_where_the_mention_is_a_pronoun_or_surname():
    text = "John Kirby said gaps remain. He added that talks go on."
    references = [
        claim(text, "gaps remain", "John Kirby", "said", canonical_source="John Kirby"),
        claim(text, "talks go on", "He", "added", canonical_source="John Kirby"),
    ]
    predicted = [
        claim(text, "gaps remain", "John Kirby", "said", canonical_source="John Kirby"),
        claim(text, "talks go on", "He", "added", canonical_source="He"),
    ]

    data = evaluate.summary(evaluate.score_document(text, references, predicted))

    assert data["attributes"]["coreference"] == {"correct": 0, "total": 1, "accuracy": 0.0}


def test_scores_of_several_documents_add_their_counts():
    text = "Hamas said the talks had stalled."
    reference = claim(text, "the talks had stalled", "Hamas", "said")
    hit = evaluate.score_document(text, [reference], [reference], "a")
    miss = evaluate.score_document(text, [reference], [], "b")

    total = evaluate.summary(hit + miss)

    assert total["documents"] == 2
    assert total["spans"]["mention"]["exact"] == {
        "matched": 1,
        "reference": 2,
        "predicted": 1,
        "precision": 1.0,
        "recall": 0.5,
        "f1": 0.6667,
    }


# ---------------------------------------------------------------------------------------------
# Checking the references


def test_validate_names_the_document_and_claim_of_a_span_outside_the_text():
    text = "Hamas said so."
    bad = claim(text, "so", "Hamas", "said")
    bad["cue_span"] = [6, 40]

    with pytest.raises(evaluate.AnnotationError) as error:
        evaluate.validate(text, [bad], "doc.annotations.json")

    assert str(error.value).startswith("doc.annotations.json: claim 1 ('so'): cue_span [6, 40]")


def test_validate_refuses_a_span_that_does_not_read_its_phrase():
    text = "Hamas said so."
    bad = claim(text, "so", "Hamas", "said")
    bad["source_span"] = [1, 6]

    with pytest.raises(evaluate.AnnotationError, match="reads 'amas ', not the annotated 'Hamas'"):
        evaluate.validate(text, [bad], "doc")


@pytest.mark.parametrize("path", DEV_SET, ids=lambda path: path.stem)
def test_every_span_of_the_development_set_reads_its_phrase(path):
    text = path.read_text(encoding="utf-8")

    claims = evaluate.load_annotations(path.with_name(path.stem + ".annotations.json"), text)

    assert claims
    for item in claims:
        for span_field, text_field in [
            *evaluate.SPAN_TEXT_FIELDS,
            ("anonymity_reason_span", "anonymity_reason"),
        ]:
            if item.get(span_field) is not None:
                start, end = item[span_field]
                assert text[start:end] == item[text_field]
        assert isinstance(item["named"], bool)


def test_the_development_set_is_fifteen_articles_of_250_to_900_words():
    counts = [len(path.read_text(encoding="utf-8").split()) for path in DEV_SET]

    assert len(counts) >= 15
    assert all(250 <= count <= 900 for count in counts)


# ---------------------------------------------------------------------------------------------
# The command


def test_command_scores_references_against_themselves_as_perfect():
    out = io.StringIO()

    call_command("evaluate_suggestions", str(SEEDS), "--predictions", str(SEEDS), stdout=out)

    report = out.getvalue()
    assert "000_968ab21749d55e3c      18    18        1.00" in report
    assert "source mention   16    16     1.00  1.00  1.00       1.00  1.00  1.00" in report
    assert "Source-type confusion (rows: reference, columns: predicted)" in report


def test_command_json_adds_up_the_development_set(tmp_path):
    out = io.StringIO()

    call_command(
        "evaluate_suggestions", str(DATA), "--predictions", str(DATA), "--json", stdout=out
    )

    data = json.loads(out.getvalue())
    assert len(data["documents"]) == len(DEV_SET)
    overall = data["overall"]
    assert overall["spans"]["content"]["exact"]["f1"] == 1.0
    assert overall["attributes"]["source_type"]["accuracy"] == 1.0
    total = sum(doc["spans"]["content"]["exact"]["reference"] for doc in data["documents"].values())
    assert overall["spans"]["content"]["exact"]["reference"] == total


@pytest.mark.parametrize(
    ("annotations", "message"),
    [
        (None, "annotations file not found"),
        ("{not json", "cannot read the annotations"),
        (
            '{"claims": [{"claim": "Hamas", "claim_span": [0, 99], "source_type": "ministry"}]}',
            "claim 1 ('Hamas'): claim_span [0, 99] is outside the text",
        ),
        (
            '{"claims": [{"claim": "Hamas", "claim_span": [1, 6], "source_type": "ministry"}]}',
            "claim 1 ('Hamas'): claim_span [1, 6] reads 'amas ', not the annotated 'Hamas'",
        ),
    ],
)
def test_command_exits_2_naming_the_file_and_claim(tmp_path, annotations, message):
    (tmp_path / "doc.txt").write_text("Hamas said so.", encoding="utf-8")
    if annotations is not None:
        (tmp_path / "doc.annotations.json").write_text(annotations, encoding="utf-8")

    with pytest.raises(CommandError) as error:
        call_command("evaluate_suggestions", str(tmp_path), "--predictions", str(tmp_path))

    assert error.value.returncode == 2
    assert "doc.annotations.json" in str(error.value) or "doc.txt" in str(error.value)
    assert message in str(error.value)


def test_command_runs_with_debug_off_and_no_database(tmp_path):
    shutil.copy(SEEDS / "000_968ab21749d55e3c.txt", tmp_path / "seed.txt")
    data = json.loads((SEEDS / "000_968ab21749d55e3c.annotations.json").read_text())
    data["claims"][2]["cue_span"] = [0, 14]
    (tmp_path / "seed.annotations.json").write_text(json.dumps(data), encoding="utf-8")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "DEBUG": "false",
        "SECRET_KEY": "evaluate-suggestions-test-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "AUDIT_KEY": "evaluate-suggestions-audit-key-5f3a9c1e7b2d4086",
        # Nothing listens there: the command must not connect.
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/nowhere",
    }
    command = [sys.executable, "manage.py", "evaluate_suggestions"]

    good = subprocess.run(
        [*command, str(SEEDS), "--predictions", str(SEEDS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    bad = subprocess.run(
        [*command, str(tmp_path / "seed.txt"), "--predictions", str(SEEDS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert good.returncode == 0, good.stderr
    assert "Per document (1)" in good.stdout
    assert bad.returncode == 2
    assert "seed.annotations.json: claim 3" in bad.stderr
    assert "cue_span [0, 14]" in bad.stderr


def test_coreference_is_not_scored_against_a_registry_name_the_text_never_gives():
    text = "The group said talks go on. Officials said no."
    reference = claim(text, "talks go on", "The group", "said", canonical_source="Hamas")

    data = evaluate.summary(evaluate.score_document(text, [reference], [reference]))

    assert "coreference" not in data["attributes"]


def test_command_diff_lists_missed_spurious_and_cut_mentions_and_types(tmp_path):
    seed = json.loads((SEEDS / "000_968ab21749d55e3c.annotations.json").read_text())
    claims = seed["claims"]
    hamas = next(c for c in claims if c["source"] == "Palestinian resistance group Hamas")
    hamas["source"] = "resistance group Hamas"
    hamas["source_span"][0] += len("Palestinian ")
    ministry = next(c for c in claims if c["source_type"] == "ministry")
    ministry["source_type"] = "organization"
    claims.remove(next(c for c in claims if c["source"] == "The group"))
    (tmp_path / "000_968ab21749d55e3c.annotations.json").write_text(json.dumps(seed))
    out = io.StringIO()

    call_command(
        "evaluate_suggestions", str(SEEDS), "--predictions", str(tmp_path), "--diff", stdout=out
    )

    report = out.getvalue()
    assert "Differences in 000_968ab21749d55e3c (3)" in report
    assert (
        "  mention cut: 'Palestinian resistance group Hamas' -> 'resistance group Hamas'" in report
    )
    assert "  missed: 'The group' for 'called on mediators" in report
    assert '  type: "Gaza\'s health ministry" is ministry, suggested organization' in report


def test_min_confidence_drops_the_less_confident_predictions(tmp_path):
    seed = json.loads((SEEDS / "000_968ab21749d55e3c.annotations.json").read_text())
    for index, item in enumerate(seed["claims"]):
        item["confidence"] = 0.9 if index % 2 else 0.5
    (tmp_path / "000_968ab21749d55e3c.annotations.json").write_text(json.dumps(seed))
    out = io.StringIO()

    call_command(
        "evaluate_suggestions",
        str(SEEDS),
        "--predictions",
        str(tmp_path),
        "--min-confidence",
        "0.8",
        "--json",
        stdout=out,
    )

    content = json.loads(out.getvalue())["overall"]["spans"]["content"]["exact"]
    assert (content["predicted"], content["precision"]) == (9, 1.0)


def test_command_runs_the_suggester_on_the_seed_and_the_development_set():
    out = io.StringIO()

    call_command("evaluate_suggestions", str(SEEDS), str(DATA), stdout=out)

    report = out.getvalue()
    assert f"Per document ({len(DEV_SET) + 1})" in report
    assert "source mention  " in report
    assert "Source-type confusion (rows: reference, columns: predicted)" in report
    assert "01_wire_sudan_camp" in report
