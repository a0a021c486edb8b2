import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from factcheck import importing
from factcheck.models import Article, Attribution, AuditEvent, Claim, Source
from tests import factories

pytestmark = pytest.mark.django_db

HTML_PAGE = """<!doctype html>
<html lang="en"><head><title>Ceasefire talks stall | The Daily Example</title>
<meta property="og:site_name" content="The Daily Example">
<link rel="canonical" href="https://example.com/news/ceasefire">
<meta name="date" content="2024-07-08">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World navigation menu</a></nav>
<article><h1>Ceasefire talks stall</h1>
<p>The ministry said on Monday that talks had stalled after a week of meetings in Cairo.</p>
<p>A spokesperson told AFP the figure would rise, and that more rounds were expected soon.</p>
</article>
<footer>Copyright footer text 2024</footer>
</body></html>
"""


def run(*args) -> tuple[str, str]:
    """Run the command, which must succeed; return its stdout and stderr."""
    stdout, stderr = StringIO(), StringIO()
    call_command("import_articles", *map(str, args), stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def run_failing(*args) -> tuple[str, str]:
    """Run the command, which must exit non-zero; return its stdout and stderr."""
    stdout, stderr = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("import_articles", *map(str, args), stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def seed_annotations() -> list[dict]:
    return json.loads(factories.SEED_ANNOTATIONS.read_text(encoding="utf-8"))["claims"]


def copy_seed(folder: Path) -> Path:
    """Copy the seed article and its annotations into a folder; return the article's path."""
    shutil.copy(factories.SEED_ANNOTATIONS, folder)
    return Path(shutil.copy(factories.SEED_ARTICLE, folder))


# ---------------------------------------------------------------------------
# The seed with its reference annotations


def test_seed_with_annotations_gives_the_reference_figures(seed_text):
    stdout, stderr = run(factories.SEED_ARTICLE, "--annotations")

    article = Article.objects.get()
    assert article.text == seed_text.rstrip()
    assert Claim.objects.count() == 18
    assert Attribution.objects.count() == 16
    assert Claim.objects.filter(attributions__isnull=True).count() == 2
    assert Source.objects.count() == 10
    assert Source.objects.filter(attributions__isnull=False).distinct().count() == 8
    assert "18 claims (18 new), 16 attributions (16 new), 10 sources (10 new)" in stdout
    assert stderr == ""


def test_seed_news_agencies_are_the_intermediaries():
    run(factories.SEED_ARTICLE, "--annotations")

    agencies = Source.objects.filter(source_type__slug="news_agency")
    relays = Attribution.objects.filter(intermediary__isnull=False)
    assert {source.name for source in agencies} == {"AFP", "Reuters"}
    assert {attribution.intermediary.name for attribution in relays} == {"AFP", "Reuters"}
    assert not Attribution.objects.filter(source__in=agencies).exists()


def test_seed_mentions_of_kirby_become_one_source():
    run(factories.SEED_ARTICLE, "--annotations")

    kirby = Source.objects.get(name="John Kirby")
    assert kirby.attributions.count() == 6
    assert kirby.aliases == ["Kirby"]
    assert Source.objects.get(name="Hamas").aliases == ["Palestinian resistance group Hamas"]


def test_seed_source_types_and_anonymity_match_the_annotation_file():
    expected = {
        entry["canonical_source"]: entry["source_type"]
        for entry in seed_annotations()
        if entry["source"]
    }

    run(factories.SEED_ARTICLE, "--annotations")

    named = Source.objects.exclude(source_type__slug="news_agency").select_related("source_type")
    assert {source.name: source.source_type.slug for source in named} == expected
    for source in named:
        assert source.is_anonymous == (source.source_type.slug == "anonymous_official")


def test_seed_claims_quote_the_article_exactly():
    expected_spans = {tuple(entry["claim_span"]) for entry in seed_annotations()}

    run(factories.SEED_ARTICLE, "--annotations")

    article = Article.objects.get()
    assert {(claim.start, claim.end) for claim in article.claims.all()} == expected_spans
    for claim in article.claims.all():
        assert claim.text == article.text[claim.start : claim.end]
    for attribution in Attribution.objects.all():
        start, end = attribution.mention_start, attribution.mention_end
        assert attribution.mention_text == article.text[start:end]


def test_seed_import_audits_every_object():
    run(factories.SEED_ARTICLE, "--annotations")

    assert AuditEvent.objects.filter(action="article.created").count() == 1
    assert AuditEvent.objects.filter(action="claim.created").count() == 18
    assert AuditEvent.objects.filter(action="attribution.added").count() == 16
    assert AuditEvent.objects.filter(action="source.created").count() == 10
    assert AuditEvent.objects.count() == 45
    assert set(AuditEvent.objects.values_list("actor_name", flat=True)) == {"system"}


def test_second_run_creates_nothing_and_writes_no_audit_event():
    run(factories.SEED_ARTICLE, "--annotations")
    events = AuditEvent.objects.count()

    stdout, stderr = run(factories.SEED_ARTICLE, "--annotations")

    assert AuditEvent.objects.count() == events
    assert (Article.objects.count(), Claim.objects.count()) == (1, 18)
    assert (Attribution.objects.count(), Source.objects.count()) == (16, 10)
    assert f"already imported as #{Article.objects.get().pk}" in stdout
    assert "18 claims (0 new), 16 attributions (0 new), 10 sources (0 new)" in stdout
    assert stderr == ""


def test_annotations_reuse_a_source_already_in_the_registry_under_an_alias():
    factories.make_source("Hamas movement", type_slug="organization", aliases=["Hamas"])

    run(factories.SEED_ARTICLE, "--annotations")

    assert not Source.objects.filter(name="Hamas").exists()
    assert Source.objects.get(name="Hamas movement").attributions.count() == 3


def test_without_the_flag_annotations_are_not_loaded():
    run(factories.SEED_ARTICLE)

    assert Article.objects.count() == 1
    assert not Claim.objects.exists()


def test_import_as_a_user_records_them_as_actor(reviewer):
    run(factories.SEED_ARTICLE, "--annotations", "--user", "rita")

    assert Article.objects.get().created_by == reviewer
    made = AuditEvent.objects.exclude(object_type="user")
    assert set(made.values_list("actor_name", flat=True)) == {"rita"}


def test_unknown_user_is_refused_before_anything_is_imported():
    with pytest.raises(CommandError, match="no user named “nobody”"):
        run(factories.SEED_ARTICLE, "--user", "nobody")

    assert not Article.objects.exists()


def test_user_without_permission_is_refused_per_file(viewer):
    _, stderr = run_failing(factories.SEED_ARTICLE, "--user", "vic")

    assert f"skipped {factories.SEED_ARTICLE}: You do not have permission" in stderr
    assert not Article.objects.exists()


# ---------------------------------------------------------------------------
# Annotation entries that do not fit the text


def test_annotation_entry_with_wrong_offsets_is_reported_and_writes_nothing(tmp_path):
    text = "Talks stall\n\nThe ministry said talks had stalled. Kirby said gaps remain.\n"
    article_path = write(tmp_path / "story.txt", text)
    good = {
        "claim": "talks had stalled",
        "claim_span": [text.index("talks had"), text.index("talks had") + 17],
        "source_type": "ministry",
        "quote": "paraphrase",
        "source": "The ministry",
        "source_span": [13, 25],
        "cue": "said",
        "cue_span": [26, 30],
        "canonical_source": "Health Ministry",
        "affiliation": "",
    }
    claim_start = text.index("gaps remain")
    bad = {
        **good,
        "claim": "gaps remain",
        "claim_span": [claim_start, claim_start + 11],
        "source_type": "named_spokesperson",
        "source": "Kirby",
        "source_span": [0, 5],
        "canonical_source": "John Kirby",
    }
    write(tmp_path / "story.annotations.json", json.dumps({"claims": [good, bad]}))

    stdout, stderr = run_failing(article_path, "--annotations")

    assert f"skipped {tmp_path / 'story.annotations.json'} claims[1]: " in stderr
    assert "The mention text does not match the article at 0–5" in stderr
    assert [claim.text for claim in Claim.objects.all()] == ["talks had stalled"]
    assert not Source.objects.filter(name="John Kirby").exists()
    assert AuditEvent.objects.filter(action="claim.created").count() == 1
    assert "1 claims (1 new), 1 attributions (1 new), 1 sources (1 new)" in stdout


def test_annotation_entries_with_a_bad_shape_are_reported_by_index(tmp_path):
    article_path = write(tmp_path / "story.txt", "Title\n\nThe ministry said so.\n")
    entries = [
        {"claim": "said so", "claim_span": "7-14", "source_type": "ministry"},
        {"claim": "so", "claim_span": [0, 2], "source_type": "no_such_type"},
        {"claim": "Title", "claim_span": [0, 5], "source_type": "unattributed", "quote": "none"},
    ]
    write(tmp_path / "story.annotations.json", json.dumps({"claims": entries}))

    _, stderr = run_failing(article_path, "--annotations")

    assert "claims[0]: “claim_span” must be [start, end]" in stderr
    assert "claims[1]: unknown source type “no_such_type”" in stderr
    assert [claim.text for claim in Claim.objects.all()] == ["Title"]


def test_invalid_annotation_file_is_reported_but_the_article_imports(tmp_path):
    article_path = write(tmp_path / "story.txt", "Title\n\nBody.\n")
    write(tmp_path / "story.annotations.json", "{oops")

    _, stderr = run_failing(article_path, "--annotations")

    assert f"skipped {tmp_path / 'story.annotations.json'}: invalid JSON" in stderr
    assert Article.objects.count() == 1


# ---------------------------------------------------------------------------
# Formats


def test_txt_title_is_the_first_line_and_text_the_whole_file(tmp_path):
    path = write(tmp_path / "story.txt", b"\xef\xbb\xbfFirst line\r\n\r\nThe body.  \r\n\r\n")

    stdout, stderr = run(path)

    article = Article.objects.get()
    assert stderr == ""
    assert article.title == "First line"
    assert article.text == "First line\n\nThe body."
    assert stdout.startswith(f"imported #{article.pk} “First line” from {path}\n")


def test_md_title_is_the_first_heading(tmp_path):
    text = "Intro line\n\n# Ceasefire talks stall #\n\nThe ministry said so.\n"
    path = write(tmp_path / "story.md", text)

    run(path)

    article = Article.objects.get()
    assert article.title == "Ceasefire talks stall"
    assert article.text == "Intro line\n\nCeasefire talks stall\n\nThe ministry said so."


def test_md_without_heading_takes_the_first_line(tmp_path):
    path = write(tmp_path / "story.md", "\nPlain start\n\nMore text.\n")

    run(path)

    assert Article.objects.get().title == "Plain start"


def test_html_keeps_the_article_and_drops_navigation(tmp_path):
    path = write(tmp_path / "page.html", HTML_PAGE)

    run(path)

    article = Article.objects.get()
    assert article.title == "Ceasefire talks stall"
    assert "talks had stalled after a week of meetings in Cairo" in article.text
    assert "navigation menu" not in article.text
    assert "Copyright footer" not in article.text
    assert article.outlet == "The Daily Example"
    assert article.url == "https://example.com/news/ceasefire"
    assert article.published_on.isoformat() == "2024-07-08"


def test_html_title_falls_back_to_the_title_element():
    html = (
        "<html><head><title>Only in head</title></head><body><div>"
        "<p>A paragraph of body text long enough for an article about ceasefire talks.</p>"
        "</div></body></html>"
    )

    [parsed] = importing.parse_upload("page.htm", html.encode(), max_bytes=10_000)

    assert parsed.title == "Only in head"
    assert "ceasefire talks" in parsed.text


def test_json_object_with_metadata(tmp_path):
    data = {
        "title": "Talks stall",
        "outlet": "Example Wire",
        "url": "https://example.com/a",
        "published_on": "2024-07-08",
        "language": "fr",
        "text": "Talks stall\n\nLe ministère a dit.",
    }
    path = write(tmp_path / "story.json", json.dumps(data))

    run(path)

    article = Article.objects.get()
    assert {
        "title": article.title,
        "outlet": article.outlet,
        "url": article.url,
        "published_on": article.published_on.isoformat(),
        "language": article.language,
        "text": article.text,
    } == data


def test_json_list_imports_each_article_and_accepts_date(tmp_path):
    items = [
        {"title": "One", "text": "First body.", "date": "2024-07-08T09:30:00Z"},
        {"text": "Second title\nSecond body."},
    ]
    path = write(tmp_path / "batch.json", json.dumps(items))

    stdout, stderr = run(path)

    one, two = Article.objects.order_by("id")
    assert stderr == ""
    assert (one.title, one.published_on.isoformat()) == ("One", "2024-07-08")
    assert (two.title, two.published_on) == ("Second title", None)
    assert f"from {path}[0]" in stdout
    assert f"from {path}[1]" in stdout


def test_same_text_again_is_reported_not_duplicated(tmp_path):
    first = write(tmp_path / "a.txt", "Title\n\nSame body.\n")
    second = write(tmp_path / "b.md", "Title\r\n\r\nSame body.")

    stdout, stderr = run(first, second)

    article = Article.objects.get()
    assert f"unchanged {second}: already imported as #{article.pk}" in stdout
    assert "1 imported, 1 unchanged, 0 skipped" in stdout
    assert stderr == ""


def test_folder_is_walked_recursively_in_sorted_order(tmp_path):
    write(tmp_path / "b.md", "# Bee\n\nBody b.")
    write(tmp_path / "a.txt", "Ay\n\nBody a.")
    write(tmp_path / "nested" / "c.json", json.dumps({"title": "Sea", "text": "Body c."}))
    write(tmp_path / "nested" / "c.annotations.json", json.dumps({"claims": []}))
    write(tmp_path / ".hidden" / "d.txt", "Hidden\n\nBody d.")
    write(tmp_path / ".DS_Store", b"\x00\x01")

    stdout, stderr = run(tmp_path)

    titles = [line.split("“")[1].split("”")[0] for line in stdout.splitlines()[:3]]
    assert titles == ["Ay", "Bee", "Sea"]
    assert Article.objects.count() == 3
    assert stderr == ""


def test_folder_with_annotations_loads_the_sibling_file(tmp_path):
    copy_seed(tmp_path)

    run(tmp_path, "--annotations")

    assert (Article.objects.count(), Claim.objects.count(), Source.objects.count()) == (1, 18, 10)


# ---------------------------------------------------------------------------
# Bad files


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("binary.txt", b"GIF89a\x00\x01\x02", "binary file (it contains NUL bytes)"),
        ("latin.txt", "Café au lait\n".encode("latin-1"), "not UTF-8: byte 0xE9 at offset 3"),
        ("utf16.txt", "Title".encode("utf-16"), "UTF-16 text"),
        ("empty.txt", b"", "the file is empty"),
        ("blank.md", b"  \n\t\n", "the file is empty (only whitespace)"),
        ("bad.json", b'{"text": "Body",', "invalid JSON: Expecting property name"),
        ("notext.json", b'{"title": "No body"}', "the JSON has no article “text”"),
        ("list.json", b'[{"text": "ok"}, {"text": 3}]', "item 1: the JSON has no article"),
        ("baddate.json", b'{"text": "Body", "date": "8 July"}', "bad date “8 July”"),
        ("badurl.json", b'{"text": "Body", "url": "not a url"}', "Enter a valid URL."),
        ("empty.html", b"<html><body></body></html>", "no article text found"),
        ("report.pdf", b"%PDF-1.4", "unsupported file type “.pdf”"),
        ("README", b"text", "unsupported file type “README”"),
    ],
)
def test_bad_file_is_reported_and_the_good_ones_still_import(tmp_path, name, content, message):
    bad = write(tmp_path / name, content)
    good = write(tmp_path / "good.txt", "Good title\n\nGood body.\n")

    stdout, stderr = run_failing(bad, good)

    [line] = stderr.splitlines()
    assert line.startswith(f"skipped {bad}: ")
    assert message in line
    assert [article.title for article in Article.objects.all()] == ["Good title"]
    assert "1 imported, 0 unchanged, 1 skipped" in stdout


def test_file_over_max_bytes_is_refused(tmp_path):
    big = write(tmp_path / "big.txt", "Big\n\n" + "x" * 2000)
    good = write(tmp_path / "small.txt", "Small\n\nBody.")

    _, stderr = run_failing(big, good, "--max-bytes", 1000)

    assert f"skipped {big}: too large: 2,005 bytes, over the limit of 1,000 bytes" in stderr
    assert [article.title for article in Article.objects.all()] == ["Small"]


def test_size_is_checked_before_the_file_is_read(tmp_path, monkeypatch):
    big = write(tmp_path / "big.txt", "x" * 5000)

    def refuse(*args, **kwargs):
        raise AssertionError("an oversized file was opened")

    monkeypatch.setattr(Path, "open", refuse)

    with pytest.raises(importing.ImportRejected, match="too large"):
        importing.read_article_file(big, max_bytes=1000)


def test_default_limit_comes_from_settings(tmp_path, settings):
    settings.FACTCHECK_IMPORT_MAX_BYTES = 10
    path = write(tmp_path / "story.txt", "Title\n\nA body longer than ten bytes.")

    _, stderr = run_failing(path)

    assert "over the limit of 10 bytes" in stderr


def test_missing_path_is_reported(tmp_path):
    missing = tmp_path / "nope.txt"
    good = write(tmp_path / "good.txt", "Good\n\nBody.")

    _, stderr = run_failing(missing, good)

    assert f"skipped {missing}: no such file or folder" in stderr
    assert Article.objects.count() == 1


def test_annotation_file_named_directly_is_ignored_not_imported():
    stdout, stderr = run(factories.SEED_ANNOTATIONS)

    assert f"ignored {factories.SEED_ANNOTATIONS}" in stdout
    assert stderr == ""
    assert not Article.objects.exists()


# ---------------------------------------------------------------------------
# Helpers


@pytest.mark.parametrize(
    ("mention", "expected"),
    [
        ("Kirby", True),
        ("Gaza's health ministry", True),
        ("he", False),
        ("They", False),
        ("The group", False),
        ("a Hamas source", False),
        ("An official", False),
        ("officials", False),
    ],
)
def test_is_proper_name(mention, expected):
    assert importing.is_proper_name(mention) is expected


MARKDOWN_STORY = """# Ceasefire *talks* stall

The **ministry** said on _Monday_ that [talks](https://example.com/talks) had stalled.
It gave no figure.

## What was agreed

- a pause of `48` hours
- an exchange of **prisoners**

1. First round
2. Second round

![Delegates in Cairo](photo.jpg)
"""


def test_md_imports_as_the_text_a_reader_sees(tmp_path):
    path = write(tmp_path / "story.md", MARKDOWN_STORY)

    run(path)

    article = Article.objects.get()
    assert article.title == "Ceasefire talks stall"
    assert article.text == (
        "Ceasefire talks stall\n\n"
        "The ministry said on Monday that talks had stalled.\nIt gave no figure.\n\n"
        "What was agreed\n\n"
        "a pause of 48 hours\nan exchange of prisoners\n\n"
        "First round\nSecond round\n\n"
        "Delegates in Cairo"
    )


def test_md_claim_offsets_point_into_the_rendered_text(tmp_path):
    path = write(tmp_path / "story.md", "# Title\n\nThe **ministry** said so.\n")

    run(path)

    article = Article.objects.get()
    start = article.text.index("ministry said")
    assert article.text[start - 4 : start + len("ministry said")] == "The ministry said"
    assert "*" not in article.text and "#" not in article.text


def test_md_of_only_markup_is_refused(tmp_path):
    path = write(tmp_path / "story.md", "---\n\n***\n")

    stdout, stderr = run_failing(path)

    assert Article.objects.count() == 0
    assert "no text once Markdown is removed" in stdout + stderr
