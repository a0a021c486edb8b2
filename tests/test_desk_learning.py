"""Learning from the desk: the suggester's version on each suggestion, the reviewers'
decisions counted per version, and train_suggester --include-workbench."""

import io
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from factcheck import desk_training, services
from factcheck.models import Suggestion, SuggestionState
from factcheck.suggest import version
from factcheck.tasks import suggest_article
from tests import factories
from tests.conftest import child_environment

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "polnear_sample" / "data" / "dev"
TEXT = (
    "Harbour talks\n\n"
    "The ministry said on Monday that nine people were hurt. "
    "A spokesperson told AFP the figure would rise. "
    "Mayor Ana Reyes said the bridge would reopen in May."
)


def proposal(text: str, claim: str, source: str = "", cue: str = "", **fields):
    start = text.index(claim)
    values = {"claim_start": start, "claim_end": start + len(claim), "claim_text": claim}
    if source:
        at = text.index(source)
        values |= {"source_text": source, "source_start": at, "source_end": at + len(source)}
    if cue:
        at = text.index(cue, values.get("source_end", start))
        values |= {"cue": cue, "cue_start": at, "cue_end": at + len(cue)}
    return services.ProposedSuggestion(
        **{"source_type_slug": "named_spokesperson", "confidence": 0.9} | values | fields
    )


def suggest(article, model_version: str) -> list[Suggestion]:
    """Store a run of the three proposals of TEXT as made by that version of the suggester."""
    run = services.suggestions_request(actor=None, article=article, enqueue=False)
    run = services.suggestion_run_start(run=run, model_version=model_version)
    proposals = [
        proposal(
            TEXT,
            "nine people were hurt",
            "The ministry",
            "said",
            source_type_slug="ministry",
            canonical_source="Harbour Ministry",
        ),
        proposal(
            TEXT,
            "the figure would rise",
            "A spokesperson",
            "told",
            canonical_source="Harbour Ministry spokesperson",
        ),
        proposal(TEXT, "the bridge would reopen in May", "Mayor Ana Reyes", "said"),
    ]
    return services.suggestion_run_record(run=run, proposals=proposals).stored


def test_the_suggester_version_names_the_code_version_and_a_digest_of_its_files():
    made = version.suggester_version()

    assert re.fullmatch(re.escape(version.CODE_VERSION) + r"-[0-9a-f]{8}", made)
    names = {path.name for path in version.deciding_files()}
    assert {"core.py", "learned_cues.tsv", "candidates.json", "reporting_verbs.txt"} <= names
    assert "evaluate.py" not in names  # measuring code decides no suggestion


def test_a_suggestion_run_records_the_version_on_the_run_and_each_suggestion(db):
    article = factories.make_article(text=TEXT)
    run = services.suggestions_request(actor=None, article=article, enqueue=False)

    result = suggest_article.call(article.pk, run_id=run.pk)

    run.refresh_from_db()
    assert result["state"] == "done" and result["count"] > 0
    assert run.model_version == version.suggester_version()
    assert set(Suggestion.objects.filter(run=run).values_list("model_version", flat=True)) == {
        version.suggester_version()
    }


def test_the_admin_shows_the_version_read_only(client, admin_user):
    article = factories.make_article(text=TEXT)
    suggest(article, "2026.12-aaaa1111")
    client.force_login(admin_user)

    listing = client.get(reverse("admin:factcheck_suggestion_changelist"))
    one = Suggestion.objects.first()
    page = client.get(reverse("admin:factcheck_suggestion_change", args=[one.pk]))

    assert b"2026.12-aaaa1111" in listing.content
    assert b"2026.12-aaaa1111" in page.content
    assert b'name="model_version"' not in page.content  # shown, not a form field


def test_the_articles_list_counts_decisions_per_version(client, reviewer):
    old = suggest(factories.make_article(text=TEXT), "2026.11-00000000")
    new = suggest(factories.make_article(text=TEXT + "\n\nPart two."), "2026.12-11111111")
    services.suggestion_accept(actor=reviewer, suggestion=old[0])
    services.suggestion_reject(actor=reviewer, suggestion=old[1])
    services.suggestion_accept(actor=reviewer, suggestion=new[0])
    services.suggestion_accept(
        actor=reviewer, suggestion=new[1], edits={"source_type_slug": "anonymous_official"}
    )
    services.suggestion_reject(actor=reviewer, suggestion=new[2])
    client.force_login(reviewer)

    response = client.get(reverse("home"))

    rows = {row["model_version"]: row for row in response.context["suggestion_record"]["versions"]}
    assert [row["model_version"] for row in response.context["suggestion_record"]["versions"]] == [
        "2026.12-11111111",
        "2026.11-00000000",
    ]
    assert {k: rows["2026.12-11111111"][k] for k in ("made", *SuggestionState.values)} == {
        "made": 3,
        "accepted": 1,
        "edited": 1,
        "rejected": 1,
        "pending": 0,
    }
    assert {k: rows["2026.11-00000000"][k] for k in ("made", *SuggestionState.values)} == {
        "made": 3,
        "accepted": 1,
        "edited": 0,
        "rejected": 1,
        "pending": 1,
    }
    assert rows["2026.12-11111111"]["acceptance"] == pytest.approx(2 / 3)
    html = response.content.decode()
    assert "Suggestions by model version" in html
    new_row = html[html.index('data-version="2026.12-11111111"') :].split("</tr>")[0]
    assert [int(n) for n in re.findall(r'data-label="[^"]+">(\d+)</td>', new_row)] == [
        3,
        1,
        1,
        1,
        0,
    ]
    assert "67%" in new_row
    old_row = html[html.index('data-version="2026.11-00000000"') :].split("</tr>")[0]
    assert "50%" in old_row


def test_suggestions_made_before_versions_were_recorded_show_as_such(client, reviewer):
    suggest(factories.make_article(text=TEXT), "")
    client.force_login(reviewer)

    response = client.get(reverse("home"))

    assert "before versions were recorded" in response.content.decode()
    assert "none reviewed" in response.content.decode()


# ---------------------------------------------------------------------------------------
# train_suggester --include-workbench


@pytest.fixture
def corpus(tmp_path):
    """The invented brat sample as both a train and a dev split."""
    shutil.copytree(SAMPLE, tmp_path / "polnear" / "data" / "train")
    shutil.copytree(SAMPLE, tmp_path / "polnear" / "data" / "dev")
    return tmp_path / "polnear"


def reviewed_desk(reviewer) -> list:
    """Two articles the desk reviewed: a claim marked by hand, an accept, an edit, a reject."""
    articles = []
    for n in range(2):
        article = factories.make_article(text=TEXT + f"\n\nPart {n}.")
        made = suggest(article, "2026.12-aaaa1111")
        services.suggestion_accept(actor=reviewer, suggestion=made[0])
        services.suggestion_accept(
            actor=reviewer, suggestion=made[1], edits={"source_type_slug": "anonymous_official"}
        )
        services.suggestion_reject(actor=reviewer, suggestion=made[2])
        articles.append(article)
    hand = factories.make_article(text="Budget\n\nThe council said taxes would stay flat.")
    claim = factories.make_claim(article=hand, phrase="taxes would stay flat", actor=reviewer)
    at = hand.text.index("The council")
    services.attribution_add(
        actor=reviewer,
        claim=claim,
        source=factories.make_source("Harbour council", type_slug="organization"),
        mention_start=at,
        mention_end=at + len("The council"),
        mention_text="The council",
        cue="said",
        cue_start=hand.text.index("said"),
        cue_end=hand.text.index("said") + 4,
    )
    return [*articles, hand]


def test_desk_documents_hold_the_desks_claims_and_rejections(reviewer):
    articles = reviewed_desk(reviewer)
    factories.make_article(text="Unread\n\nNobody looked at this one yet.")

    documents = desk_training.desk_documents()

    assert [d.article_id for d in documents] == [a.pk for a in articles]
    first = documents[0]
    assert {c["source"] for c in first.claims} == {"The ministry", "A spokesperson"}
    assert {c["source_type"] for c in first.claims} == {"ministry", "anonymous_official"}
    assert [r["source_span"] for r in first.rejected] == [
        [TEXT.index("Mayor Ana Reyes"), TEXT.index("Mayor Ana Reyes") + len("Mayor Ana Reyes")]
    ]
    assert documents[2].claims[0]["cue"] == "said"
    assert documents[2].claims[0]["canonical_source"] == "Harbour council"
    train, held = desk_training.hold_back(documents)
    assert len(held) >= 1 and len(train) >= 1
    assert desk_training.hold_back(documents) == (train, held)  # the same every time


def test_train_suggester_include_workbench_prints_before_and_after(corpus, tmp_path, reviewer):
    reviewed_desk(reviewer)
    out = io.StringIO()

    call_command(
        "train_suggester",
        "--polnear",
        str(corpus),
        "--include-workbench",
        "--min-count",
        "1",
        "--output-dir",
        str(tmp_path),
        "--model-file",
        str(tmp_path / "m.json"),
        stdout=out,
    )

    printed = out.getvalue()
    assert "The desk: 3 reviewed article(s)" in printed
    # Which articles are held back follows from their ids, which differ between databases.
    held = re.search(r"(\d+) held back to measure on", printed)[1]
    assert f"Held-back desk articles ({held} article(s)), F1 before -> after:" in printed
    assert "PolNeAR dev (2 article(s)), F1 before -> after:" in printed
    assert re.search(r"source mention +exact \d\.\d{3} -> \d\.\d{3}", printed)
    assert (tmp_path / "learned_cues.tsv").is_file()
    assert "reviewed article(s) of the desk" in (tmp_path / "m.json").read_text()


def test_train_suggester_include_workbench_without_a_reviewed_article_says_so(db, corpus, tmp_path):
    factories.make_article(text=TEXT)

    with pytest.raises(CommandError, match="No reviewed article in the workbench") as raised:
        call_command(
            "train_suggester",
            "--polnear",
            str(corpus),
            "--include-workbench",
            "--output-dir",
            str(tmp_path),
            "--model-file",
            str(tmp_path / "m.json"),
            stdout=io.StringIO(),
        )

    assert raised.value.returncode == 1
    assert not (tmp_path / "learned_cues.tsv").exists()
    assert not (tmp_path / "m.json").exists()


def test_train_suggester_include_workbench_refuses_a_missing_corpus(tmp_path, reviewer):
    reviewed_desk(reviewer)

    with pytest.raises(CommandError, match="no train/text") as raised:
        call_command(
            "train_suggester",
            "--polnear",
            str(tmp_path / "nowhere"),
            "--include-workbench",
            "--output-dir",
            str(tmp_path),
            stdout=io.StringIO(),
        )

    assert raised.value.returncode == 2


def test_train_suggester_include_workbench_on_an_unmigrated_database_exits_2(corpus, tmp_path):
    env = child_environment(
        DEBUG="true",
        SECRET_KEY=secrets.token_hex(32),
        AUDIT_KEY=secrets.token_hex(32),
        DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    )

    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "train_suggester",
            "--polnear",
            str(corpus),
            "--include-workbench",
            "--output-dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 2
    assert "Cannot read the workbench's database" in result.stderr
    assert "run migrate first" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "learned_cues.tsv").exists()
