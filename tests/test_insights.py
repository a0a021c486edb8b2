"""The Insights page: exact figures on a data set built here and on the seed article.

Every figure is checked against a count made by hand (or, for the seed, from
the annotation file); the CSV files against the page's tables; every bar's link
against the number of claims the queue lists; and the query count against the data.
"""

import csv
import datetime
import io
import json
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from factcheck import insights, services
from factcheck.models import Article, Claim, Source, SourceType
from tests import factories

INSIGHTS = reverse("insights")


# ---------------------------------------------------------------------------
# The data set


class Desk:
    """Six claims in three articles, sourced in every way the page counts.

    Outlet A, published Wed 4 March 2026:
      a1  Ministry M                               verified, signed off
      a2  anonymous X, reason stated, via AFP       in progress
      a3  anonymous X (no reason) and Ministry M     false, signed off
    Outlet B, published Tue 10 March 2026:
      b1  no source                                  unverified
      b2  spokesperson S                             misleading, proposed only
    Outlet C, no publication date (the claim's creation day counts):
      c1  anonymous X (no reason)                    unverified
    """

    def __init__(self, reviewer, editor):
        text = "Title\n\n" + " ".join(f"Sentence {n} is a claim." for n in range(1, 4))
        self.a = factories.make_article(
            text=text + " A.", outlet="Outlet A", published_on=datetime.date(2026, 3, 4)
        )
        self.b = factories.make_article(
            text=text + " B.", outlet="Outlet B", published_on=datetime.date(2026, 3, 10)
        )
        self.c = factories.make_article(text=text + " C.", outlet="Outlet C")
        self.ministry = factories.make_source("Ministry M", type_slug="ministry")
        self.spokesperson = factories.make_source("Spokesperson S", type_slug="named_spokesperson")
        self.anonymous = factories.make_source(
            "Unnamed official X", type_slug="anonymous_official", is_anonymous=True
        )
        self.afp = factories.make_source("AFP", type_slug="news_agency")

        def claim(article, n):
            return factories.make_claim(article=article, phrase=f"Sentence {n} is a claim")

        def cite(claim, source, **extra):
            services.attribution_add(actor=None, claim=claim, source=source, **extra)

        self.a1, self.a2, self.a3 = claim(self.a, 1), claim(self.a, 2), claim(self.a, 3)
        self.b1, self.b2 = claim(self.b, 1), claim(self.b, 2)
        self.c1 = claim(self.c, 1)
        cite(self.a1, self.ministry)
        cite(self.a2, self.anonymous, intermediary=self.afp, anonymity_reason="Not authorised")
        cite(self.a3, self.anonymous)
        cite(self.a3, self.ministry)
        cite(self.b2, self.spokesperson)
        cite(self.c1, self.anonymous)
        services.claim_set_status(actor=reviewer, claim=self.a2, status="in_progress")
        self.verdict(reviewer, self.a1, "verified")
        self.verdict(reviewer, self.a3, "false")
        self.verdict(reviewer, self.b2, "misleading")
        services.verdict_sign_off(actor=editor, claim=Claim.objects.get(pk=self.a1.pk))
        services.verdict_sign_off(actor=editor, claim=Claim.objects.get(pk=self.a3.pk))

    @staticmethod
    def verdict(reviewer, claim, status):
        claim = services.claim_update(actor=reviewer, claim=claim, rationale="Checked.")
        services.evidence_add(actor=reviewer, claim=claim, url="https://example.org/" + status)
        claim = services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
        services.claim_set_status(actor=reviewer, claim=claim, status=status)


@pytest.fixture(autouse=True)
def empty_memo():
    """Each test starts with the page's memo empty (the test database is reused)."""
    cache.clear()


@pytest.fixture
def desk(reviewer, editor):
    return Desk(reviewer, editor)


@pytest.fixture
def logged_in(client, viewer):
    client.force_login(viewer)
    return client


def counts_of(bars):
    return {bar.label: bar.count for bar in bars}


def segments_of(stacks):
    return {stack.label: [segment.count for segment in stack.segments] for stack in stacks}


# ---------------------------------------------------------------------------
# Exact figures on the data set


def test_claims_by_source_type_count_each_type_once_per_claim(desk):
    bars = Claim.objects.by_source_type()

    assert counts_of(bars) == {
        "Ministry": 2,
        "Government office": 0,
        "Named spokesperson": 1,
        "Anonymous official": 3,
        "Organisation": 0,
        "News agency": 0,
        "Named individual": 0,
        "Document": 0,
        "Unattributed": 1,
    }
    shares = {bar.label: bar.percent for bar in bars}
    assert shares["Anonymous official"] == 50.0
    assert shares["Ministry"] == 33.3


def test_anonymous_attributions_and_those_without_a_reason(desk):
    profile = Claim.objects.sourcing_profile()
    bars = insights.anonymity(profile)

    assert profile["attributions"] == 6
    assert profile["anonymous_attributions"] == 3
    assert profile["unexplained_attributions"] == 2
    # Claims citing a source, each counted once: named only (a1, b2), anonymous
    # ones all with a reason (a2), one anonymous with no reason (a3, c1).
    assert [(bar.label, bar.count, bar.percent) for bar in bars] == [
        ("Named sources only", 2, 40.0),
        ("Anonymous, reason stated", 1, 20.0),
        ("Anonymous, no reason stated", 2, 40.0),
    ]
    assert [bar.listed for bar in bars] == [2, 1, 2]


def test_single_source_claims_against_two_or_more_and_none(desk):
    bars = insights.by_source_count(Claim.objects.sourcing_profile())

    assert [(bar.label, bar.count, bar.percent) for bar in bars] == [
        ("No source", 1, 16.7),
        ("One source", 4, 66.7),
        ("Two or more", 1, 16.7),
    ]


def test_verdicts_by_source_type(desk):
    stacks = {stack.label: stack for stack in Claim.objects.verdicts_by_source_type()}

    # Verified, partly verified, false, misleading, unverifiable.
    assert [s.count for s in stacks["Ministry"].segments] == [1, 0, 1, 0, 0]
    assert [s.count for s in stacks["Anonymous official"].segments] == [0, 0, 1, 0, 0]
    assert [s.count for s in stacks["Named spokesperson"].segments] == [0, 0, 0, 1, 0]
    assert stacks["Unattributed"].total == 0
    assert stacks["Ministry"].segments[0].percent == 50.0


def test_intermediaries_and_most_cited_sources(desk):
    relays = Claim.objects.by_intermediary()
    top = Claim.objects.top_sources()

    assert counts_of(relays) == {"AFP": 1}
    assert Claim.objects.sourcing_profile()["relayed"] == 1
    assert [(b.label, b.count, b.signed, b.bad, b.bad_percent) for b in top] == [
        ("Unnamed official X", 3, 1, 1, 100.0),
        ("Ministry M", 2, 2, 1, 50.0),
        ("Spokesperson S", 1, 0, 0, None),
    ]


def test_named_and_anonymous_by_outlet(desk):
    # Anonymous source, named only, no source.
    assert segments_of(Claim.objects.by_outlet()) == {
        "Outlet A": [2, 1, 0],
        "Outlet B": [0, 1, 1],
        "Outlet C": [1, 0, 0],
    }


def test_weekly_trend_dates_by_publication_else_by_creation(desk):
    today = timezone.now().date()
    this_monday = today - datetime.timedelta(days=today.weekday())

    weeks = Claim.objects.anonymous_trend()

    assert [(w.extra["monday"], [s.count for s in w.segments]) for w in weeks] == [
        (datetime.date(2026, 3, 2), [2, 1, 0]),
        (datetime.date(2026, 3, 9), [0, 1, 1]),
        (this_monday, [1, 0, 0]),
    ]
    assert [w.segments[0].percent for w in weeks] == [66.7, 0.0, 100.0]


def test_figures_follow_the_selection(desk):
    outlet_a = Claim.objects.filter(article__outlet="Outlet A")

    assert outlet_a.sourcing_profile()["claims"] == 3
    assert counts_of(outlet_a.by_source_type())["Anonymous official"] == 2
    assert counts_of(outlet_a.by_source_type())["Unattributed"] == 0
    assert list(segments_of(outlet_a.by_outlet())) == ["Outlet A"]


def test_no_claims_gives_zeros_not_errors(db):
    data = Claim.objects.all().insights()

    assert data.counts["claims"] == 0
    assert all(bar.count == 0 and bar.percent == 0 for bar in data.types)
    assert data.weeks == [] and data.outlets == [] and data.top_sources == []


# ---------------------------------------------------------------------------
# The page, its tables and CSV files, and its links


class Tables(HTMLParser):
    """Collect the text of every `<table id="table-…">` cell, row by row."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current = None
        self.cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and (attrs.get("id") or "").startswith("table-"):
            self.current = self.tables.setdefault(attrs["id"][6:], [])
        elif self.current is not None and tag == "tr":
            self.current.append([])
        elif self.current is not None and tag in {"td", "th"}:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self.current = None
        elif tag in {"td", "th"} and self.cell is not None:
            self.current[-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def tables_of(response) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(response.content.decode())
    return parser.tables


def csv_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def listed_in_queue(client, link: str) -> int:
    parts = urlsplit(link)
    assert parts.path == reverse("queue")
    response = client.get(link)
    assert response.status_code == 200, response.content[:300]
    page = response.context["page"]
    assert not page.has_next
    return len(page.items)


def every_bar(data: insights.Insights):
    yield from data.types
    yield from data.anonymity
    yield from data.sources_per_claim
    yield from data.intermediaries
    yield from data.top_sources
    for stack in [*data.verdicts, *data.outlets, *data.weeks]:
        yield from stack.segments


def test_a_viewer_sees_the_page_in_the_navigation(logged_in, desk):
    home = logged_in.get(reverse("home"))
    response = logged_in.get(INSIGHTS)

    assert f'href="{INSIGHTS}"' in home.content.decode()
    assert response.status_code == 200
    assert "Claims by source type" in response.content.decode()
    assert "<svg" in response.content.decode()
    assert 'style="' not in response.content.decode()


def test_nobody_logged_out_sees_it(client, desk):
    response = client.get(INSIGHTS)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("query", [{}, {"outlet": "Outlet A"}, {"anonymity": "anonymous"}])
def test_every_csv_matches_the_table_on_the_page(logged_in, desk, query):
    page = tables_of(logged_in.get(INSIGHTS, query))

    for slug in insights.figures(Claim.objects.all().insights()):
        response = logged_in.get(reverse("insights_csv", args=[slug]), query)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert csv_of(response) == page[slug], slug


@pytest.mark.parametrize(
    "query",
    [{}, {"outlet": "Outlet A"}, {"status": ["false", "misleading"]}, {"source_type": "ministry"}],
)
def test_every_link_lists_as_many_claims_as_its_bar_counts(logged_in, desk, query):
    response = logged_in.get(INSIGHTS, query)
    data = response.context["data"]

    links = [(bar.label, bar.link, bar.listed) for bar in every_bar(data) if bar.link]
    assert len(links) > 10
    for label, link, listed in links:
        assert listed_in_queue(logged_in, link) == listed, (label, link)
    assert all(bar.link is None for bar in every_bar(data) if not bar.listed)


def test_the_page_links_to_its_links_and_the_queue_back(logged_in, desk):
    response = logged_in.get(INSIGHTS, {"outlet": "Outlet B"})
    html = response.content.decode()

    assert f'href="{reverse("queue")}?outlet=Outlet+B"' in html
    for bar in every_bar(response.context["data"]):
        if bar.link:
            assert f'href="{bar.link.replace("&", "&amp;")}"' in html


def test_query_count_does_not_grow_with_the_data(logged_in, desk, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as few:
        logged_in.get(INSIGHTS)
    bound = len(few.captured_queries)  # read now: the next request empties the log
    assert bound <= 25
    article = factories.make_article(
        text="Title\n\n" + " ".join(f"More {n} here." for n in range(30)), outlet="Outlet D"
    )
    for n in range(30):
        claim = factories.make_claim(article=article, phrase=f"More {n} here")
        services.attribution_add(actor=None, claim=claim, source=desk.anonymous)

    with django_assert_max_num_queries(bound):
        response = logged_in.get(INSIGHTS)

    assert response.context["data"].counts["claims"] == 36
    with django_assert_max_num_queries(bound):
        logged_in.get(INSIGHTS, {"outlet": "Outlet D"})


def test_a_second_load_reads_the_memo_and_a_change_counts_again(logged_in, desk, reviewer):
    # Each request empties the query log, so each count is read before the next request.
    with CaptureQueriesContext(connection) as first:
        logged_in.get(INSIGHTS)
    counting = len(first.captured_queries)
    with CaptureQueriesContext(connection) as second:
        again = logged_in.get(INSIGHTS)
    remembering = len(second.captured_queries)
    services.attribution_add(actor=reviewer, claim=desk.b1, source=desk.anonymous)

    changed = logged_in.get(INSIGHTS)

    assert remembering <= counting - 10
    assert again.context["data"].counts["anonymous_attributions"] == 3
    assert changed.context["data"].counts["anonymous_attributions"] == 4
    assert changed.context["data"].counts["none"] == 0


def test_an_unreadable_filter_is_refused_with_its_name(logged_in, desk):
    page = logged_in.get(INSIGHTS, {"dated_after": "yesterday"})
    download = logged_in.get(reverse("insights_csv", args=["types"]), {"article": "x"})

    assert page.status_code == 400
    assert "Dated from" in page.content.decode()
    assert download.status_code == 400
    assert "Article" in download.content.decode()


def test_an_unknown_figure_is_not_found(logged_in, desk):
    assert logged_in.get("/insights/nothing.csv").status_code == 404


def test_csv_cells_cannot_run_as_formulas(logged_in, db):
    article = factories.make_article()
    claim = factories.make_claim(article=article)
    source = factories.make_source("=HYPERLINK(1)")
    services.attribution_add(actor=None, claim=claim, source=source)

    rows = csv_of(logged_in.get(reverse("insights_csv", args=["top-sources"])))

    assert rows[1][0] == "'=HYPERLINK(1)"


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_every_cell_of_every_csv_comes_out_defused(logged_in, desk, trigger):
    # Every text a figure labels a row with, written past the services as a
    # hostile import or a raw SQL edit might: outlets, source names, type names.
    hostile = {}
    for article in (desk.a, desk.b, desk.c):
        hostile[article.outlet] = f"{trigger}SUM(1)+{article.outlet}"
        Article.objects.filter(pk=article.pk).update(outlet=hostile[article.outlet])
    for source in (desk.ministry, desk.spokesperson, desk.anonymous, desk.afp):
        hostile[source.name] = f"{trigger}SUM(1)+{source.name}"
        Source.objects.filter(pk=source.pk).update(name=hostile[source.name])
    for source_type in SourceType.objects.all():
        hostile[source_type.name] = f"{trigger}SUM(1)+{source_type.name}"
        SourceType.objects.filter(pk=source_type.pk).update(name=hostile[source_type.name])
    cache.clear()

    cells = set()
    for slug in insights.figures(Claim.objects.all().insights()):
        response = logged_in.get(reverse("insights_csv", args=[slug]))
        assert response.status_code == 200
        for row in csv_of(response):
            for cell in row:
                assert not cell.startswith(insights.FORMULA_STARTS), (slug, cell)
                cells.add(cell)

    assert {"'" + value for value in hostile.values()} <= cells


def test_queue_filters_behind_the_bars(logged_in, desk):
    def listed(**query):
        return {claim.pk for claim in logged_in.get(reverse("queue"), query).context["page"].items}

    assert listed(intermediary=desk.afp.pk) == {desk.a2.pk}
    assert listed(sources="0") == {desk.b1.pk}
    assert listed(sources="1") == {desk.a1.pk, desk.a2.pk, desk.b2.pk, desk.c1.pk}
    assert listed(sources="2") == {desk.a3.pk}
    assert listed(anonymity="unexplained") == {desk.a3.pk, desk.c1.pk}
    assert listed(dated_after="2026-03-02", dated_before="2026-03-08") == {
        desk.a1.pk,
        desk.a2.pk,
        desk.a3.pk,
    }


# ---------------------------------------------------------------------------
# The seed article, counted from its annotation file


def seed_entries() -> list[dict]:
    return json.loads(factories.SEED_ANNOTATIONS.read_text(encoding="utf-8"))["claims"]


def test_seed_figures_equal_a_count_of_the_annotation_file(db):
    entries = seed_entries()
    call_command(
        "import_articles", str(factories.SEED_ARTICLE), "--annotations", stdout=io.StringIO()
    )
    article = Article.objects.get()
    # By hand, from the file: one claim per span; its sources are the entries naming one.
    claims: dict[tuple, list[dict]] = {}
    for entry in entries:
        claims.setdefault(tuple(entry["claim_span"]), [])
        if entry["source"]:
            claims[tuple(entry["claim_span"])].append(entry)
    cited = [entry for entry in entries if entry["source"]]
    anonymous = [entry for entry in cited if entry["source_type"] == "anonymous_official"]
    without_reason = [entry for entry in anonymous if not entry.get("anonymity_reason")]
    types: Counter = Counter()
    for sources in claims.values():
        for slug in {entry["source_type"] for entry in sources} or {"unattributed"}:
            types[slug] += 1
    relayed: Counter = Counter()
    for sources in claims.values():
        for via in {entry["via"] for entry in sources if entry["via"]}:
            relayed[via] += 1
    by_source = Counter(entry["canonical_source"] for entry in cited)
    anonymous_claims = {span for span, s in claims.items() if any(e in anonymous for e in s)}
    named_only = {span for span, s in claims.items() if s and span not in anonymous_claims}
    day = article.published_on or Claim.objects.first().created_at.date()

    data = Claim.objects.all().insights()

    assert data.counts["claims"] == len(claims)
    assert data.counts["attributions"] == len(cited)
    assert data.counts["anonymous_attributions"] == len(anonymous)
    assert data.counts["unexplained_attributions"] == len(without_reason)
    assert {b.key: b.count for b in data.types if b.count} == dict(types)
    assert [b.count for b in data.sources_per_claim] == [
        sum(1 for s in claims.values() if not s),
        sum(1 for s in claims.values() if len(s) == 1),
        sum(1 for s in claims.values() if len(s) >= 2),
    ]
    assert counts_of(data.intermediaries) == dict(relayed)
    assert counts_of(data.top_sources) == dict(by_source.most_common(insights.TOP_SOURCES))
    assert [s.count for s in data.outlets[0].segments] == [
        len(anonymous_claims),
        len(named_only),
        sum(1 for s in claims.values() if not s),
    ]
    assert [w.extra["monday"] for w in data.weeks] == [day - datetime.timedelta(day.weekday())]
    assert data.weeks[0].segments[0].count == len(anonymous_claims)


# ---------------------------------------------------------------------------
# The review page's strip


def test_review_page_shows_the_article_sourcing_profile(logged_in, desk):
    outlet_a = logged_in.get(reverse("review", args=[desk.a.pk])).content.decode()
    outlet_b = logged_in.get(reverse("review", args=[desk.b.pk])).content.decode()

    assert 'id="sourcing-strip"' in outlet_a
    assert "Ministry <strong>2</strong>" in outlet_a
    assert "Anonymous official <strong>2</strong>" in outlet_a
    assert "Anonymous: <strong>50.0%</strong> of 4 attributions, 1 giving no reason" in outlet_a
    assert "Without a source: <strong>0</strong> of 3 claims" in outlet_a
    assert "Unattributed <strong>1</strong>" in outlet_b
    assert "Without a source: <strong>1</strong> of 2 claims" in outlet_b
    assert f'href="{INSIGHTS}?article={desk.b.pk}"' in outlet_b


def test_review_strip_is_true_after_a_reload_following_a_change(logged_in, client, desk, reviewer):
    services.attribution_add(actor=reviewer, claim=desk.b1, source=desk.anonymous)

    page = logged_in.get(reverse("review", args=[desk.b.pk])).content.decode()

    assert "Without a source: <strong>0</strong> of 2 claims" in page
    assert "Anonymous: <strong>50.0%</strong> of 2 attributions, 1 giving no reason" in page


def test_filters_the_form_has_no_control_for_are_shown_as_removable_chips(logged_in, desk):
    afp = Source.objects.get(name="AFP")

    page = logged_in.get(reverse("insights"), {"intermediary": afp.pk, "q": "hospital"})

    text = page.content.decode()
    assert 'Relayed by: <span dir="auto">AFP</span>' in text
    assert 'Search: <span dir="auto">hospital</span>' in text
    assert f'<input type="hidden" name="intermediary" value="{afp.pk}">' in text
    assert f'href="/insights/?intermediary={afp.pk}"' in text  # drops the search, keeps the rest


def test_each_anonymity_bar_opens_exactly_the_claims_it_counts(logged_in, desk):
    page = logged_in.get(reverse("insights"))
    bars = page.context["data"].anonymity

    listed = [
        len(
            logged_in.get(urlsplit(bar.link).path, dict(parse_qsl(urlsplit(bar.link).query)))
            .context["page"]
            .items
        )
        for bar in bars
    ]

    assert listed == [bar.count for bar in bars] == [2, 1, 2]
    assert "Of the 6 attributions, 3 go to anonymous sources." in page.content.decode()
