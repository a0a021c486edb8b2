"""Full-text search (issue 12, point 1): one QuerySet method, on SQLite FTS5 and PostgreSQL."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from factcheck import search, services
from factcheck.models import Claim, Source
from tests import factories

QUEUE = reverse("queue")

ENGLISH = (
    "Ceasefire talks\n\n"
    "Negotiators said the ceasefire talks had stalled again. "
    "The death toll rose to 74 overnight. "
    "A café owner said the toll was higher."
)
ARABIC = (
    "المفاوضات\n\n"
    "قالت وزارة الصحة إن عدد القتلى ارتفع. "
    "وأضاف مسؤول أن المفاوضات بشأن وقف إطلاق النار متوقفة."
)


@pytest.fixture(autouse=True, params=["few", "many"])
def strategy(request, monkeypatch):
    """Each test runs both ways: the matches listed by id, and tested claim by claim."""
    if request.param == "many":
        monkeypatch.setattr(search, "FEW", 0)
    return request.param


@pytest.fixture
def claims(reviewer):
    english = factories.make_article(text=ENGLISH, title="Desk notes stall", actor=reviewer)
    arabic = factories.make_article(text=ARABIC, title="تقرير", actor=reviewer)
    made = {
        "talks": "Negotiators said the ceasefire talks had stalled again",
        "toll": "The death toll rose to 74 overnight",
        "cafe": "A café owner said the toll was higher",
    }
    found = {
        key: factories.make_claim(article=english, phrase=phrase) for key, phrase in made.items()
    }
    found["health"] = factories.make_claim(
        article=arabic, phrase="قالت وزارة الصحة إن عدد القتلى ارتفع"
    )
    found["talks_ar"] = factories.make_claim(
        article=arabic, phrase="وأضاف مسؤول أن المفاوضات بشأن وقف إطلاق النار متوقفة"
    )
    return found


def ids(text: str) -> set[int]:
    return set(Claim.objects.search(text).values_list("pk", flat=True))


def test_words_are_each_found_in_any_order(claims):
    assert ids("talks") == {claims["talks"].pk}
    assert ids("stalled negotiators") == {claims["talks"].pk}
    assert ids("TOLL") == {claims["toll"].pk, claims["cafe"].pk}
    assert ids("toll nowhere") == set()


def test_a_phrase_in_quotes_needs_its_words_side_by_side(claims):
    assert ids('"death toll"') == {claims["toll"].pk}
    assert ids('"toll death"') == set()
    assert ids('"the toll" higher') == {claims["cafe"].pk}


def test_a_star_finds_every_word_that_starts_so(claims):
    assert ids("negotiat*") == {claims["talks"].pk}
    assert ids("overn*") == {claims["toll"].pk}
    assert ids("negotiat") == set()


def test_arabic_and_accented_words_are_found_as_typed(claims):
    assert ids("المفاوضات") == {claims["talks_ar"].pk}
    assert ids("وزارة الصحة") == {claims["health"].pk}
    assert ids('"وقف إطلاق النار"') == {claims["talks_ar"].pk}
    assert ids("المفاو*") == {claims["talks_ar"].pk}
    assert ids("café") == {claims["cafe"].pk}
    assert ids("Café") == {claims["cafe"].pk}


def test_titles_rationales_notes_and_sources_are_searched_too(claims, reviewer):
    services.claim_set_status(actor=reviewer, claim=claims["toll"], status="in_progress")
    services.claim_update(actor=reviewer, claim=claims["toll"], rationale="Matches the morgue log.")
    services.note_add(actor=reviewer, claim=claims["health"], body="Ask the hospital spokesperson.")
    source = factories.make_source("Gaza Health Ministry", aliases=["MoH Gaza"], actor=reviewer)
    services.attribution_add(actor=reviewer, claim=claims["cafe"], source=source)

    assert ids("morgue") == {claims["toll"].pk}
    assert ids("spokesperson") == {claims["health"].pk}
    assert ids("MoH") == {claims["cafe"].pk}
    assert ids('"health ministry"') == {claims["cafe"].pk}
    assert ids("stall") == {claims[key].pk for key in ("talks", "toll", "cafe")}


def test_punctuation_and_operators_are_words_not_syntax(claims):
    assert ids('toll OR NEAR( "unclosed') == set()
    assert ids("toll AND") == set()
    assert ids("74") == {claims["toll"].pk}
    assert ids("!!!") == set()
    assert ids("-toll") == {claims["toll"].pk, claims["cafe"].pk}


def test_a_raw_sql_insert_update_and_delete_reach_the_index(claims):
    article = claims["toll"].article
    now = timezone.now()
    columns = (
        '"article_id", "start", "end", "text", "status", "rationale", "version", '
        '"created_at", "updated_at"'
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO factcheck_claim ({columns}) "
            "VALUES (%s, 0, 5, %s, 'unverified', %s, 1, %s, %s)",
            [article.pk, "Zebra crossing", "Seen by the quagga", now, now],
        )
    raw = Claim.objects.get(text="Zebra crossing")

    found_after_insert = ids("zebra"), ids("quagga")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE factcheck_claim SET text = %s WHERE id = %s", ["Okapi", raw.pk])
    found_after_update = ids("zebra"), ids("okapi")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM factcheck_claim WHERE id = %s", [raw.pk])

    assert found_after_insert == ({raw.pk}, {raw.pk})
    assert found_after_update == (set(), {raw.pk})
    assert ids("okapi") == set()


def test_a_source_renamed_by_raw_sql_is_found_by_its_new_name(reviewer):
    source = factories.make_source("Port authority", actor=reviewer)

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE factcheck_source SET name = %s WHERE id = %s", ["Harbour board", source.pk]
        )

    found = search.sources(Source.objects.all(), "harbour")
    assert list(found) == [source]
    assert not search.sources(Source.objects.all(), "port").exists()


def test_the_queue_search_box_uses_it(client, reviewer, claims):
    client.force_login(reviewer)

    response = client.get(QUEUE, {"q": '"death toll"'})

    assert [claim.pk for claim in response.context["page"].items] == [claims["toll"].pk]
    assert "every word" in response.content.decode()


def test_the_export_shares_the_search(client, editor, claims):
    client.force_login(editor)

    response = client.get(reverse("export_claims"), {"q": "المفاوضات"})

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "المفاوضات بشأن" in body
    assert "death toll" not in body


def test_many_matches_are_paged_in_the_queue_order(client, reviewer, monkeypatch):
    monkeypatch.setattr(search, "FEW", 2)
    article = factories.make_article(
        text="Title\n\n" + " ".join(f"Alpha report {n}." for n in range(6)), actor=reviewer
    )
    made = [factories.make_claim(article=article, phrase=f"Alpha report {n}") for n in range(6)]
    client.force_login(reviewer)

    response = client.get(QUEUE, {"q": "alpha"})

    assert [claim.pk for claim in response.context["page"].items] == [c.pk for c in made[::-1]]


def test_optimize_search_merges_the_indexes_and_the_search_still_finds(claims, reviewer):
    services.note_add(actor=reviewer, claim=claims["health"], body="Ask the hospital first.")
    out = io.StringIO()

    call_command("optimize_search", stdout=out)

    if connection.vendor == "sqlite":
        assert "Merged 4 search indexes: factcheck_claim_fts" in out.getvalue()
    else:
        assert "Nothing to merge" in out.getvalue()
    assert ids("hospital") == {claims["health"].pk}
    assert ids('"death toll"') == {claims["toll"].pk}
