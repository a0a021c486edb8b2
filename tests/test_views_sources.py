"""The Sources page (search, filters, sorts, paging) and a source's track record, in numbers."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from factcheck import services, source_filters
from factcheck.models import Claim, Source
from factcheck.views import sources as source_views
from tests import factories

SOURCES = reverse("sources")
HTMX = {"HTTP_HX_REQUEST": "true"}


def give_verdict(claim: Claim, actor, status: str) -> Claim:
    services.claim_set_status(actor=actor, claim=claim, status="in_progress")
    services.claim_update(actor=actor, claim=claim, rationale="Checked against the record.")
    if status != "unverifiable":
        services.evidence_add(actor=actor, claim=claim, url=f"https://example.org/{claim.pk}")
    return services.claim_set_status(actor=actor, claim=claim, status=status)


def listed(response) -> list[str]:
    return [source.name for source in response.context["page"].items]


@pytest.fixture
def logged_in(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def record(reviewer, editor):
    """John Kirby on five claims of two articles, with mentions, relays and verdicts."""
    kirby = factories.make_source(
        "John Kirby",
        type_slug="named_spokesperson",
        affiliation="White House",
        role="National security spokesperson",
        aliases=["Kirby"],
    )
    afp = factories.make_source("AFP", type_slug="news_agency", affiliation="Agence France-Presse")
    anonymous = factories.make_source("Unnamed Israeli official", type_slug="anonymous_official")
    first = factories.make_article(
        title="Talks in Cairo",
        outlet="Daily",
        published_on=datetime.date(2024, 7, 1),
        text="Talks in Cairo\n\nOne. Two. Three. Four.",
    )
    second = factories.make_article(
        title="Talks in Doha",
        outlet="Wire",
        published_on=datetime.date(2024, 7, 10),
        text="Talks in Doha\n\nFive. Six.",
    )
    claims = {
        name: factories.make_claim(article=article, phrase=name)
        for article, names in ((first, ["One", "Two", "Three", "Four"]), (second, ["Five", "Six"]))
        for name in names
    }

    def cite(claim_name, source, mention="", intermediary=None):
        services.attribution_add(
            actor=reviewer,
            claim=claims[claim_name],
            source=source,
            mention_text=mention,
            intermediary=intermediary,
        )

    cite("One", kirby, "Kirby", afp)
    cite("Two", kirby, "he")
    cite("Three", kirby, "Kirby")
    cite("Four", anonymous, "an official", afp)
    cite("Five", kirby, "White House national security spokesperson John Kirby", afp)
    cite("Six", kirby)
    give_verdict(claims["One"], reviewer, "false")
    services.verdict_sign_off(actor=editor, claim=claims["One"])
    give_verdict(claims["Two"], reviewer, "misleading")
    give_verdict(claims["Three"], reviewer, "verified")
    services.verdict_sign_off(actor=editor, claim=claims["Three"])
    give_verdict(claims["Five"], reviewer, "verified")
    services.verdict_sign_off(actor=editor, claim=claims["Five"])
    return {"kirby": kirby, "afp": afp, "anonymous": anonymous, "claims": claims}


# --- The registry -----------------------------------------------------------------


def test_the_sources_page_is_in_the_navigation(logged_in, db):
    response = logged_in.get(reverse("home"))

    assert f'href="{SOURCES}"' in response.content.decode()


def test_the_list_shows_each_source_with_its_figures(logged_in, record):
    response = logged_in.get(SOURCES)

    body = response.content.decode()
    assert response.status_code == 200
    assert listed(response) == ["John Kirby", "Unnamed Israeli official", "AFP"]
    kirby = response.context["page"].items[0]
    assert kirby.figures == {
        "claims": 5,
        "articles": 2,
        "first_seen": datetime.date(2024, 7, 1),
        "last_seen": datetime.date(2024, 7, 10),
        "relays": 0,
    }
    afp = response.context["page"].items[2]
    assert (afp.figures["claims"], afp.figures["relays"]) == (0, 3)
    assert f'href="{reverse("source_detail", args=[record["kirby"].pk])}"' in body
    assert f'href="{reverse("queue")}?source={record["kirby"].pk}"' in body


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "kirby"}, ["John Kirby"]),
        ({"q": "KIRBY"}, ["John Kirby"]),
        ({"q": "France-Presse"}, ["AFP"]),
        ({"source_type": "news_agency"}, ["AFP"]),
        ({"anonymity": "anonymous"}, ["Unnamed Israeli official"]),
        ({"anonymity": "named"}, ["John Kirby", "AFP"]),
        ({"affiliation": "White House"}, ["John Kirby"]),
        ({"seen_after": "2024-07-05"}, ["John Kirby"]),
        ({"seen_before": "2024-07-05"}, ["John Kirby", "Unnamed Israeli official"]),
        ({"seen_after": "2024-07-11"}, []),
        ({"sort": "name"}, ["AFP", "John Kirby", "Unnamed Israeli official"]),
        ({"sort": "last_seen"}, ["John Kirby", "Unnamed Israeli official", "AFP"]),
        ({"sort": "nonsense"}, ["John Kirby", "Unnamed Israeli official", "AFP"]),
    ],
)
def test_search_filters_and_sorts(logged_in, record, params, expected):
    response = logged_in.get(SOURCES, params)

    assert response.status_code == 200
    assert listed(response) == expected


def test_an_alias_is_found(logged_in, record):
    services.source_update(actor=None, source=record["afp"], aliases=["Agence"])

    response = logged_in.get(SOURCES, {"q": "agence"})

    assert listed(response) == ["AFP"]


def test_an_unreadable_filter_lists_nothing_and_says_why(logged_in, record):
    response = logged_in.get(SOURCES, {"seen_after": "yesterday", "source_type": "nope"})

    body = response.content.decode()
    assert response.status_code == 400
    assert listed(response) == []
    assert "Has claims from" in body
    assert "Type" in body
    assert "could not be read" in body


def test_htmx_gets_the_results_alone_and_the_address(logged_in, record):
    response = logged_in.get(SOURCES, {"q": "kirby", "anonymity": ""}, **HTMX)

    body = response.content.decode()
    assert body.lstrip().startswith('<section id="results"')
    assert response.headers["HX-Push-Url"] == f"{SOURCES}?q=kirby"


def test_pages_without_a_count(logged_in, record, monkeypatch):
    monkeypatch.setattr(source_views, "PAGE_SIZE", 2)

    first = logged_in.get(SOURCES, {"sort": "name"})
    second = logged_in.get(SOURCES, {"sort": "name", "page": "2"})

    assert listed(first) == ["AFP", "John Kirby"]
    assert first.context["page"].has_next
    assert listed(second) == ["Unnamed Israeli official"]
    assert not second.context["page"].has_next
    assert "page=2" in first.content.decode()


def test_the_list_reads_no_count_and_a_fixed_number_of_queries(logged_in, record):
    with CaptureQueriesContext(connection) as few:
        logged_in.get(SOURCES)
    for n in range(8):
        factories.make_source(f"Extra source {n}", affiliation=f"Org {n}")
    with CaptureQueriesContext(connection) as many:
        response = logged_in.get(SOURCES)

    assert len(listed(response)) == 11
    assert len(many.captured_queries) == len(few.captured_queries)
    assert not any("COUNT(*)" in q["sql"].upper() for q in many.captured_queries)


def test_the_list_page_stays_within_its_queries(logged_in, record, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        logged_in.get(SOURCES)


# --- The track record ---------------------------------------------------------------


def test_the_track_record_in_numbers(logged_in, record):
    response = logged_in.get(reverse("source_detail", args=[record["kirby"].pk]))

    numbers = response.context["record"]
    assert response.status_code == 200
    assert (numbers["claims"], numbers["articles"]) == (5, 2)
    assert [(v["status"], v["count"], v["signed"]) for v in numbers["verdicts"]] == [
        ("verified", 2, 2),
        ("partly_verified", 0, 0),
        ("false", 1, 1),
        ("misleading", 1, 0),
        ("unverifiable", 0, 0),
    ]
    assert numbers["open"] == 1
    assert (numbers["signed_false"], numbers["signed"], numbers["false_share"]) == (1, 3, 33)
    assert numbers["first_seen"] == datetime.date(2024, 7, 1)
    assert numbers["last_seen"] == datetime.date(2024, 7, 10)
    assert [(r["intermediary__name"], r["n"]) for r in numbers["relayed_by"]] == [("AFP", 2)]
    assert numbers["relayed"] == []
    assert [(r["mention_text"], r["n"]) for r in numbers["mentions"]] == [
        ("Kirby", 2),
        ("White House national security spokesperson John Kirby", 1),
        ("he", 1),
    ]
    assert {claim.text for claim in numbers["claim_list"]} == {"One", "Two", "Three", "Five", "Six"}
    assert [(a.title, a.n) for a in numbers["article_list"]] == [
        ("Talks in Doha", 2),
        ("Talks in Cairo", 3),
    ]


def test_the_track_record_page_says_it_in_words(logged_in, record):
    response = logged_in.get(reverse("source_detail", args=[record["kirby"].pk]))

    body = response.content.decode()
    assert '<span class="figure-n" id="claim-total">5</span>' in body
    assert '<span class="figure-n" id="false-share">33%</span>' in body
    assert "1 of its 3 signed-off claims" in body
    assert "1 Jul 2024" in body and "10 Jul 2024" in body
    assert f'href="{reverse("queue")}?source={record["kirby"].pk}"' in body
    assert "White House national security spokesperson John Kirby" in body
    assert "Also named: " in body


def test_a_relay_shows_whom_it_relayed(logged_in, record):
    response = logged_in.get(reverse("source_detail", args=[record["afp"].pk]))

    relayed = [(r["source__name"], r["n"]) for r in response.context["record"]["relayed"]]
    assert relayed == [("John Kirby", 2), ("Unnamed Israeli official", 1)]
    assert response.context["record"]["claims"] == 0
    assert response.context["record"]["false_share"] is None
    assert "no signed-off claims yet" in response.content.decode()


def test_the_track_record_reads_a_fixed_number_of_queries(logged_in, record, reviewer):
    lone = factories.make_source("Lone voice")
    services.attribution_add(actor=reviewer, claim=record["claims"]["Four"], source=lone)
    with CaptureQueriesContext(connection) as one_claim:
        logged_in.get(reverse("source_detail", args=[lone.pk]))

    with CaptureQueriesContext(connection) as five_claims:
        logged_in.get(reverse("source_detail", args=[record["kirby"].pk]))

    assert len(five_claims.captured_queries) == len(one_claim.captured_queries)


def test_the_track_record_stays_within_its_queries(
    logged_in, record, django_assert_max_num_queries
):
    with django_assert_max_num_queries(13):
        logged_in.get(reverse("source_detail", args=[record["kirby"].pk]))


def test_an_unknown_source_is_a_404(logged_in, db):
    response = logged_in.get("/sources/999999/")

    assert response.status_code == 404


def test_a_viewer_sees_no_editing_buttons(logged_in, record):
    body = logged_in.get(reverse("source_detail", args=[record["kirby"].pk])).content.decode()

    assert reverse("source_merge", args=[record["kirby"].pk]) not in body
    assert reverse("source_delete", args=[record["kirby"].pk]) not in body
    assert reverse("source_edit", args=[record["kirby"].pk]) not in body


def test_an_editor_sees_the_tools(client, editor, record):
    client.force_login(editor)

    body = client.get(reverse("source_detail", args=[record["kirby"].pk])).content.decode()

    assert reverse("source_merge", args=[record["kirby"].pk]) in body
    assert reverse("source_delete", args=[record["kirby"].pk]) in body
    assert reverse("source_edit", args=[record["kirby"].pk]) in body


def test_the_source_search_picker_still_answers(logged_in, record):
    response = logged_in.get(reverse("source_search"), {"q": "kirb"})

    assert response.status_code == 200
    assert "John Kirby" in response.content.decode()


def test_a_source_name_is_escaped(logged_in, db):
    source = factories.make_source("<script>alert(1)</script>")

    body = logged_in.get(reverse("source_detail", args=[source.pk])).content.decode()
    listing = logged_in.get(SOURCES).content.decode()

    assert "<script>alert(1)</script>" not in body
    assert "<script>alert(1)</script>" not in listing
    assert Source.objects.filter(pk=source.pk).exists()


def test_last_seen_pages_walk_the_articles_by_date(logged_in, record, monkeypatch):
    monkeypatch.setattr(source_views, "PAGE_SIZE", 1)
    monkeypatch.setattr(source_filters, "WALK_STEP", 1)
    names = []

    for number in (1, 2, 3):
        response = logged_in.get(SOURCES, {"sort": "last_seen", "page": str(number)})
        names += listed(response)

    assert names == ["John Kirby", "Unnamed Israeli official", "AFP"]
    assert not response.context["page"].has_next


def test_last_seen_keeps_to_the_filters(logged_in, record):
    response = logged_in.get(SOURCES, {"sort": "last_seen", "anonymity": "named"})

    assert listed(response) == ["John Kirby", "AFP"]
