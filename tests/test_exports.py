import csv
import datetime
import functools
import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.signals import request_finished
from django.db import close_old_connections, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from factcheck import audit, exports, services
from factcheck.models import (
    Article,
    Attribution,
    AuditEvent,
    Claim,
    EvidenceLink,
    Source,
    SourceType,
    VerificationStatus,
)
from factcheck.views import exports as export_views
from tests import factories

CLAIMS_CSV = reverse("export_claims")
AUDIT_CSV = reverse("export_audit")
REVIEWS = reverse("claim_reviews_jsonld")
HEADER = [
    "article_id",
    "article_title",
    "outlet",
    "article_url",
    "claim_id",
    "claim_text",
    "start",
    "end",
    "status",
    "rationale",
    "evidence_links",
    "source_id",
    "source_name",
    "source_type",
    "named_or_anonymous",
    "affiliation",
    "mention",
    "cue",
    "quote_mode",
    "intermediary",
    "ground_rule",
    "anonymity_reason",
    "proposer",
    "signer",
    "last_changed",
]


def parse(text: str) -> list[dict[str, str]]:
    """Read CSV text back with the csv module, as a spreadsheet or pandas would."""
    return list(csv.DictReader(io.StringIO(text, newline="")))


def consume(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def claims_csv(claims=None) -> str:
    claims = Claim.objects.all() if claims is None else claims
    return "".join(exports.csv_chunks(exports.claim_rows(claims)))


def claim_ids(rows: list[dict[str, str]]) -> set[int]:
    return {int(row["claim_id"]) for row in rows}


def sign_off(claim: Claim, reviewer, editor, status: str = "false") -> Claim:
    """Take a claim through research, a reviewer's verdict and another editor's sign-off."""
    services.claim_update(actor=reviewer, claim=claim, rationale="The ministry's own data differ.")
    if status != VerificationStatus.UNVERIFIABLE:
        services.evidence_add(actor=reviewer, claim=claim, url="https://data.example.org/hurt")
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_set_status(actor=reviewer, claim=claim, status=status)
    return services.verdict_sign_off(actor=editor, claim=claim)


@pytest.fixture
def logged_in(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def newsroom(reviewer, editor):
    """Two articles; claims attributed, relayed, anonymous, unattributed, signed off."""
    ministry = factories.make_source(
        "Health Ministry", type_slug="ministry", affiliation="Government"
    )
    official = factories.make_source("Unnamed senior official", type_slug="anonymous_official")
    afp = factories.make_source("AFP", type_slug="news_agency")
    desk = Source.objects.create(  # from before source_create refused the type
        name="Editorial desk", source_type=factories.source_type("unattributed")
    )
    daily = factories.make_article(
        title="Road report",
        outlet="Daily A",
        url="https://daily.example/road",
        text="Road report\n\nThe road is open, the ministry said. Talks stalled, an official "
        "told AFP, speaking on condition of anonymity. Fuel ran out.",
    )
    wire = factories.make_article(
        title="Prices report",
        outlet="Wire B",
        text="Prices report\n\nPrices rose again. The desk says so.",
    )
    road = factories.make_claim(article=daily, phrase="The road is open")
    talks = factories.make_claim(article=daily, phrase="Talks stalled")
    fuel = factories.make_claim(article=daily, phrase="Fuel ran out")
    prices = factories.make_claim(article=wire, phrase="Prices rose again")
    mention = daily.text.index("the ministry")
    services.attribution_add(
        actor=reviewer,
        claim=road,
        source=ministry,
        mention_start=mention,
        mention_end=mention + len("the ministry"),
        cue="said",
        quote_mode="paraphrase",
    )
    services.attribution_add(
        actor=reviewer,
        claim=talks,
        source=official,
        intermediary=afp,
        cue="told",
        ground_rule="background",
        anonymity_reason="speaking on condition of anonymity",
    )
    services.attribution_add(actor=reviewer, claim=talks, source=ministry, cue="said")
    services.attribution_add(actor=reviewer, claim=prices, source=desk)
    services.evidence_add(actor=reviewer, claim=road, url="https://z.example.org/second")
    sign_off(road, reviewer, editor)
    return {
        "road": Claim.objects.get(pk=road.pk),
        "talks": talks,
        "fuel": fuel,
        "prices": prices,
        "daily": daily,
        "wire": wire,
        "ministry": ministry,
        "official": official,
    }


# ---------------------------------------------------------------------------
# The claims CSV


def test_header_is_the_documented_columns_in_their_stable_order(db):
    text = claims_csv()

    assert text.splitlines()[0].split(",") == HEADER
    assert [column.name for column in exports.CLAIM_COLUMNS] == HEADER
    assert all(column.meaning for column in exports.CLAIM_COLUMNS)


def test_one_row_per_attribution_and_one_for_an_unattributed_claim(newsroom, reviewer, editor):
    rows = parse(claims_csv())

    by_claim: dict[int, list[dict[str, str]]] = {}
    for row in rows:
        by_claim.setdefault(int(row["claim_id"]), []).append(row)
    assert {pk: len(found) for pk, found in by_claim.items()} == {
        newsroom["road"].pk: 1,
        newsroom["talks"].pk: 2,
        newsroom["fuel"].pk: 1,
        newsroom["prices"].pk: 1,
    }
    fuel = by_claim[newsroom["fuel"].pk][0]
    assert fuel["claim_text"] == "Fuel ran out"
    assert [fuel[name] for name in HEADER[11:22]] == [""] * 11
    anonymous, named = by_claim[newsroom["talks"].pk]
    assert anonymous["source_id"] == str(newsroom["official"].pk)
    assert (anonymous["source_type"], anonymous["named_or_anonymous"]) == (
        "anonymous_official",
        "anonymous",
    )
    assert anonymous["intermediary"] == "AFP"
    assert anonymous["ground_rule"] == "background"
    assert anonymous["anonymity_reason"] == "speaking on condition of anonymity"
    assert (named["source_name"], named["named_or_anonymous"]) == ("Health Ministry", "named")


def test_row_values_of_a_signed_off_claim(newsroom, reviewer, editor):
    road = newsroom["road"]

    [row] = [row for row in parse(claims_csv()) if row["claim_id"] == str(road.pk)]

    assert row == {
        **row,
        "article_id": str(newsroom["daily"].pk),
        "article_title": "Road report",
        "outlet": "Daily A",
        "article_url": "https://daily.example/road",
        "start": str(road.start),
        "end": str(road.end),
        "status": "false",
        "rationale": "The ministry's own data differ.",
        "evidence_links": "https://data.example.org/hurt https://z.example.org/second",
        "source_name": "Health Ministry",
        "source_type": "ministry",
        "affiliation": "Government",
        "mention": "the ministry",
        "cue": "said",
        "quote_mode": "paraphrase",
        "proposer": reviewer.username,
        "signer": editor.username,
    }
    last_changed = datetime.datetime.fromisoformat(row["last_changed"])
    assert last_changed.utcoffset() == datetime.timedelta(0)
    assert last_changed == road.updated_at


def test_commas_quotes_newlines_and_arabic_survive_a_round_trip(reviewer):
    text = (
        'Title\n\nHe said, "we will not\nleave", twice. '
        "قال المتحدث باسم الوزارة، إن الطريق مفتوح. End."
    )
    article = factories.make_article(title='Quotes, "and" commas', text=text)
    quoted = factories.make_claim(article=article, phrase='He said, "we will not\nleave", twice')
    arabic = factories.make_claim(
        article=article, phrase="قال المتحدث باسم الوزارة، إن الطريق مفتوح"
    )
    source = factories.make_source("وزارة الصحة، غزة", type_slug="ministry")
    services.attribution_add(actor=reviewer, claim=arabic, source=source, cue="قال")

    rows = {int(row["claim_id"]): row for row in parse(claims_csv())}

    assert rows[quoted.pk]["claim_text"] == 'He said, "we will not\nleave", twice'
    assert rows[quoted.pk]["article_title"] == 'Quotes, "and" commas'
    assert rows[arabic.pk]["claim_text"] == "قال المتحدث باسم الوزارة، إن الطريق مفتوح"
    assert (rows[arabic.pk]["source_name"], rows[arabic.pk]["cue"]) == ("وزارة الصحة، غزة", "قال")


def expected_line(row: tuple) -> str:
    """A row of values as the export writes it: text cells quoted, numbers and codes bare."""
    cells = []
    for column, value in zip(exports.CLAIM_COLUMNS, row, strict=True):
        if value is None:
            cells.append("")
        elif column.bare:
            cells.append(str(value))
        else:
            cells.append('"' + value.replace('"', '""') + '"')
    return ",".join(cells)


def test_each_line_is_the_query_values_quoted_text_by_text(reviewer):
    # The database writes the lines (format() on SQLite, concat() elsewhere); what
    # it writes must stay what it wrote with `||`, byte for byte.
    text = 'Title\n\nPrices rose 100%s, "%d" of them.\nقال المتحدث. Nothing else.'
    article = factories.make_article(title="50% %s", outlet="", text=text)
    percent = factories.make_claim(article=article, phrase='Prices rose 100%s, "%d" of them.\nقال')
    bare = factories.make_claim(article=article, phrase="Nothing else")
    source = factories.make_source('The "%s" desk', type_slug="news_agency", affiliation="")
    services.attribution_add(actor=reviewer, claim=percent, source=source, cue="said %%")
    services.evidence_add(actor=reviewer, claim=percent, url="https://a.example/%25s")
    values = exports.claim_rows_queryset(Claim.objects.all())

    text = claims_csv()

    lines = [expected_line(row) for row in values]
    assert text == ",".join(HEADER) + "\r\n" + "".join(line + "\r\n" for line in lines)
    assert [row[4] for row in values] == [percent.pk, bare.pk]


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(trigger, reviewer):
    article = factories.make_article(text="Title\n\nThe figure rose. More text.")
    claim = factories.make_claim(article=article, phrase="The figure rose")
    source = factories.make_source("Harmless name", type_slug="ministry")
    services.attribution_add(actor=reviewer, claim=claim, source=source)
    payload = f'{trigger}HYPERLINK("https://evil.example","x")'
    # The services strip and validate what people type; write past them, as a
    # hostile import or a raw SQL edit might, to prove the export defuses anyway.
    Claim.objects.filter(pk=claim.pk).update(rationale=payload)
    Source.objects.filter(pk=source.pk).update(name=payload, affiliation="Plain")
    Attribution.objects.filter(claim=claim).update(
        mention_text=payload, cue=payload, ground_rule=f"{trigger}1+1"
    )
    EvidenceLink.objects.create(claim=claim, url=payload)

    [row] = parse(claims_csv())

    for name in ("rationale", "source_name", "mention", "cue", "evidence_links"):
        assert row[name] == "'" + payload, name
    assert row["ground_rule"] == f"'{trigger}1+1"
    assert row["affiliation"] == "Plain"
    assert row["claim_text"] == "The figure rose"
    assert row["start"] == str(claim.start)
    assert row["claim_id"] == str(claim.pk)


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_every_free_text_column_of_the_claims_csv_is_neutralised(db, trigger):
    # User names may start with +, - or @ (Django's validator allows them), and
    # the other cells are written past the services, as a hostile import might.
    proposer = factories.make_user("Reviewer", username=f"{trigger}proposer")
    signer = factories.make_user("Editor", username=f"{trigger}signer")
    article = factories.make_article(text="Title\n\nThe figure rose. More text.")
    claim = factories.make_claim(article=article, phrase="The figure rose")
    source = factories.make_source("Harmless source", type_slug="anonymous_official")
    relay = factories.make_source("Harmless relay", type_slug="news_agency")
    services.attribution_add(actor=proposer, claim=claim, source=source, intermediary=relay)
    sign_off(claim, proposer, signer)
    payload = f'{trigger}HYPERLINK("https://evil.example","x")'
    Article.objects.filter(pk=article.pk).update(title=payload, outlet=payload, url=payload)
    Source.objects.filter(pk=source.pk).update(affiliation=payload)
    Source.objects.filter(pk=relay.pk).update(name=payload)
    Attribution.objects.filter(claim=claim).update(anonymity_reason=payload)

    [row] = parse(claims_csv())

    for name in ("article_title", "outlet", "article_url", "intermediary", "affiliation"):
        assert row[name] == "'" + payload, name
    assert row["anonymity_reason"] == "'" + payload
    assert row["proposer"] == f"'{trigger}proposer"
    assert row["signer"] == f"'{trigger}signer"
    assert row["source_name"] == "Harmless source"


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_the_free_text_columns_of_the_audit_csv_are_neutralised(db, trigger):
    mallory = factories.make_user("Reviewer", username=f"{trigger}mallory")
    payload = f'{trigger}HYPERLINK("https://evil.example","x")'
    with transaction.atomic():
        audit.record(
            actor=mallory,
            action="source.changed",
            object_type="source",
            object_id=7,
            object_repr=payload,
            reason=payload,
        )

    events = AuditEvent.objects.filter(action="source.changed")
    [row] = parse("".join(exports.csv_chunks(exports.audit_rows(events))))

    assert row["actor"] == f"'{trigger}mallory"
    assert row["object"] == "'" + payload
    assert row["reason"] == "'" + payload
    assert (row["action"], row["object_id"]) == ("source.changed", "7")


TRIGGERS = ["=", "+", "-", "@", "\t", "\r"]

# Columns of the claims CSV that hold numbers, timestamps or a choice the database
# holds to its values: no text can reach them, so nothing to defuse.
CLAIM_COLUMNS_WITHOUT_TEXT = {
    "article_id",
    "claim_id",
    "start",
    "end",
    "status",
    "source_id",
    "named_or_anonymous",
    "quote_mode",
    "last_changed",
}


def hostile(trigger: str, column: str) -> str:
    # Short enough for the narrowest column (ground_rule, 20 characters).
    return f"{trigger}SUM(1)+{column}"


def test_the_claims_csv_columns_said_to_hold_no_text_are_its_columns():
    # Every other column must come out defused below, a new one included.
    assert {column.name for column in exports.CLAIM_COLUMNS} > CLAIM_COLUMNS_WITHOUT_TEXT


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_every_text_column_of_the_claims_csv_comes_out_defused(db, trigger):
    proposer = factories.make_user("Reviewer", username="proposer")
    signer = factories.make_user("Editor", username="signer")
    article = factories.make_article(text="Title\n\nThe figure rose. More text.")
    claim = factories.make_claim(article=article, phrase="The figure rose")
    source = factories.make_source("Harmless source", type_slug="anonymous_official")
    relay = factories.make_source("Harmless relay", type_slug="news_agency")
    services.attribution_add(actor=proposer, claim=claim, source=source, intermediary=relay)
    sign_off(claim, proposer, signer)
    value = functools.partial(hostile, trigger)
    # Written past the services, as a hostile import or a raw SQL edit might.
    Article.objects.filter(pk=article.pk).update(
        title=value("article_title"), outlet=value("outlet"), url=value("article_url")
    )
    Claim.objects.filter(pk=claim.pk).update(text=value("claim_text"), rationale=value("rationale"))
    EvidenceLink.objects.filter(claim=claim).update(url=value("evidence_links"))
    Source.objects.filter(pk=source.pk).update(
        name=value("source_name"), affiliation=value("affiliation")
    )
    SourceType.objects.filter(pk=source.source_type_id).update(slug=value("source_type"))
    Attribution.objects.filter(claim=claim).update(
        mention_text=value("mention"),
        cue=value("cue"),
        ground_rule=value("ground_rule"),
        anonymity_reason=value("anonymity_reason"),
    )
    Source.objects.filter(pk=relay.pk).update(name=value("intermediary"))
    User.objects.filter(pk=proposer.pk).update(username=value("proposer"))
    User.objects.filter(pk=signer.pk).update(username=value("signer"))

    [row] = parse(claims_csv())

    for name, cell in row.items():
        if name in CLAIM_COLUMNS_WITHOUT_TEXT:
            assert cell and not cell.startswith(tuple(TRIGGERS)), name
        else:
            assert cell == "'" + value(name), name


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_every_text_column_of_the_audit_csv_comes_out_defused(db, trigger):
    value = functools.partial(hostile, trigger)
    mallory = factories.make_user("Reviewer", username="mallory")
    User.objects.filter(pk=mallory.pk).update(username=value("actor"))
    mallory.refresh_from_db()
    with transaction.atomic():
        audit.record(
            actor=mallory,
            action=value("action"),
            object_type=value("object_type"),
            object_id=value("object_id"),
            object_repr=value("object"),
            article_id=1,
            claim_id=2,
            changes={"status": ["=1+1", "-2"]},
            reason=value("reason"),
        )

    events = AuditEvent.objects.filter(reason=value("reason"))
    [row] = parse("".join(exports.csv_chunks(exports.audit_rows(events))))

    assert set(row) == {column.name for column in exports.AUDIT_COLUMNS}
    for name in ("actor", "action", "object_type", "object_id", "object", "reason"):
        assert row[name] == "'" + value(name), name
    # The rest hold numbers, a timestamp, hashes or a JSON object: no leading trigger.
    for name in ("id", "time", "article_id", "claim_id", "changes", "hash", "prev_hash"):
        assert row[name] and not row[name].startswith(tuple(TRIGGERS)), name


def test_a_leading_tab_in_claim_text_is_neutralised(db):
    article = factories.make_article(text="Title\n\n\t-5 degrees overnight. More.")
    claim = factories.make_claim(article=article, phrase="\t-5 degrees overnight")

    [row] = parse(claims_csv())

    assert claim.text.startswith("\t")
    assert row["claim_text"] == "'\t-5 degrees overnight"


def test_the_bom_is_added_only_when_asked(logged_in, newsroom):
    plain = consume(logged_in.get(CLAIMS_CSV))
    with_bom = consume(logged_in.get(CLAIMS_CSV, {"bom": "1"}))

    assert not plain.startswith("\ufeff")
    assert with_bom == "\ufeff" + plain


# ---------------------------------------------------------------------------
# Filters


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"road", "talks", "fuel", "prices"}),
        ({"status": "false"}, {"road"}),
        ({"status": ["false", "unverified"]}, {"road", "talks", "fuel", "prices"}),
        ({"status": "unverified"}, {"talks", "fuel", "prices"}),
        ({"article": "daily"}, {"road", "talks", "fuel"}),
        ({"outlet": "Wire B"}, {"prices"}),
        ({"source_type": "ministry"}, {"road", "talks"}),
        ({"source_type": "anonymous_official"}, {"talks"}),
        ({"source_type": "unattributed"}, {"fuel", "prices"}),
        ({"anonymity": "anonymous"}, {"talks"}),
        ({"awaiting_sign_off": "on"}, set()),
    ],
)
def test_the_queue_filters_carry_over_to_the_export(logged_in, newsroom, params, expected):
    if params.get("article") == "daily":
        params = {**params, "article": str(newsroom["daily"].pk)}

    rows = parse(consume(logged_in.get(CLAIMS_CSV, params)))

    assert claim_ids(rows) == {newsroom[name].pk for name in expected}


def test_the_export_keeps_the_queue_order(logged_in, newsroom):
    rows = parse(consume(logged_in.get(CLAIMS_CSV, {"sort": "start"})))

    order = list(dict.fromkeys(int(row["claim_id"]) for row in rows))
    expected = Claim.objects.order_by("article_id", "start", "end").values_list("pk", flat=True)
    assert order == list(expected)


def test_a_bad_filter_exports_nothing_and_says_why(logged_in, newsroom):
    response = logged_in.get(CLAIMS_CSV, {"status": "bogus"})

    assert response.status_code == 400
    assert "status" in response.content.decode()
    assert not AuditEvent.objects.filter(action="export.claims").exists()


# ---------------------------------------------------------------------------
# Streaming and queries


def bulk_claims(count: int, *, start_at: int = 0) -> None:
    """Add claims with three attributions and a link each, fast (no audit: test data only)."""
    article = factories.make_article(text="Title\n\n" + "x" * (count + 10) + f" {start_at}")
    sources = [factories.make_source(type_slug=slug) for slug in ("ministry", "news_agency")]
    sources.append(factories.make_source(type_slug="anonymous_official"))
    claims = Claim.objects.bulk_create(
        Claim(article=article, start=7 + n, end=12 + n, text="xxxxx") for n in range(count)
    )
    Attribution.objects.bulk_create(
        Attribution(claim=claim, source=source, cue="said")
        for claim in claims
        for source in sources
    )
    EvidenceLink.objects.bulk_create(
        EvidenceLink(claim=claim, url=f"https://example.org/{claim.pk}") for claim in claims
    )


def test_the_query_count_is_the_same_for_10_and_for_1000_claims(logged_in, db):
    def export_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            rows = parse(consume(logged_in.get(CLAIMS_CSV, {"status": "unverified"})))
        return len(queries), len(rows)

    bulk_claims(10)
    small, small_rows = export_queries()
    bulk_claims(990, start_at=1)
    large, large_rows = export_queries()

    assert (small_rows, large_rows) == (30, 3000)
    assert small == large


def postgresql_only(test):
    """Collect the test on PostgreSQL only (not a skip: CI fails on skipped tests)."""
    return test if connection.vendor == "postgresql" else None


def sqlite_only(test):
    return test if connection.vendor == "sqlite" else None


def open_cursors() -> list[tuple[bool, str]]:
    """This connection's server-side cursors (whether each is WITH HOLD) and its JIT setting."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT is_holdable, current_setting('jit') FROM pg_cursors")
        return cursor.fetchall()


@postgresql_only
def test_on_postgresql_the_rows_stream_from_a_cursor_not_held_past_its_transaction(
    transactional_db,
):
    # Outside a transaction (as a request runs) Django would declare the cursor
    # WITH HOLD, and PostgreSQL would compute every row before sending the first.
    bulk_claims(3)
    rows = exports.claim_rows(Claim.objects.all())

    header, first = next(rows), next(rows)
    streaming = open_cursors()
    rows.close()

    assert header == HEADER
    assert first[0].startswith(f"{Claim.objects.earliest('id').article_id},")
    assert streaming == [(False, "off")]
    assert open_cursors() == []
    assert not connection.in_atomic_block


@sqlite_only
def test_on_sqlite_the_rows_stream_outside_a_transaction(transactional_db):
    # An IMMEDIATE transaction would hold the write lock for the whole download.
    bulk_claims(3)
    rows = exports.claim_rows(Claim.objects.all())

    next(rows), next(rows)
    during = connection.in_atomic_block
    rows.close()

    assert not during


def test_the_response_is_streamed_as_a_download(logged_in, newsroom):
    response = logged_in.get(CLAIMS_CSV)

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="claims-')
    assert len(parse(consume(response))) == 5


def test_the_audit_event_is_written_once_the_rows_are_out(logged_in, newsroom, viewer):
    response = logged_in.get(CLAIMS_CSV, {"status": ["unverified", "false"], "page": "2"})
    before = AuditEvent.objects.filter(action="export.claims").count()

    rows = parse(consume(response))

    event = AuditEvent.objects.filter(action="export.claims").get()
    assert before == 0
    assert (event.actor, event.object_type, event.object_id) == (viewer, "export", "claims")
    assert event.changes == {
        "filters": [None, {"status": ["unverified", "false"]}],
        "rows": [None, len(rows)],
        "complete": [None, True],
    }


def test_a_download_broken_off_is_audited_with_the_rows_sent(rf, viewer, newsroom, monkeypatch):
    monkeypatch.setattr(exports, "ROWS_PER_CHUNK", 2)
    request = rf.get(CLAIMS_CSV)
    request.user = viewer
    response = export_views.export_claims(request)

    first = next(iter(response.streaming_content))
    # What the server does when the client goes away (the test's connection must
    # outlive the request_finished signal).
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)

    event = AuditEvent.objects.get(action="export.claims")
    assert len(parse(first.decode())) == 2  # the header and the first two lines of five
    assert event.changes["rows"] == [None, 2]
    assert event.changes["complete"] == [None, False]


# ---------------------------------------------------------------------------
# Who may export


@pytest.mark.parametrize("name", ["export_claims", "export_audit", "claim_reviews_jsonld"])
def test_not_logged_in_is_sent_to_the_login_page(client, db, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["Viewer", "Reviewer", "Editor"])
@pytest.mark.parametrize("name", ["export_claims", "export_audit", "claim_reviews_jsonld"])
def test_every_role_may_export(client, newsroom, role, name):
    client.force_login(factories.make_user(role))

    response = client.get(reverse(name))

    assert response.status_code == 200
    consume(response)


@pytest.mark.parametrize("name", ["export_claims", "export_audit", "claim_reviews_jsonld"])
def test_someone_without_the_export_permission_is_refused(client, newsroom, name):
    client.force_login(factories.make_user(None))

    response = client.get(reverse(name))
    single = client.get(reverse("claim_review_jsonld", args=[newsroom["road"].pk]))

    assert response.status_code == 403
    assert single.status_code == 403
    assert not AuditEvent.objects.filter(object_type="export").exists()


def test_the_admin_action_exports_the_selected_claims(admin_client, newsroom, admin_user):
    selected = [newsroom["talks"].pk, newsroom["fuel"].pk]

    response = admin_client.post(
        reverse("admin:factcheck_claim_changelist"),
        {"action": "export_csv", "_selected_action": selected},
    )
    rows = parse(consume(response))

    assert response.streaming
    assert claim_ids(rows) == set(selected)
    assert len(rows) == 3
    event = AuditEvent.objects.get(action="export.claims")
    assert event.actor == admin_user
    assert event.changes["filters"] == [None, {"admin_selected": 2}]
    assert event.changes["rows"] == [None, 3]


def test_the_admin_action_exports_the_selected_audit_events(admin_client, newsroom):
    selected = list(AuditEvent.objects.order_by("-id").values_list("pk", flat=True)[:3])

    response = admin_client.post(
        reverse("admin:factcheck_auditevent_changelist"),
        {"action": "export_csv", "_selected_action": selected},
    )
    rows = parse(consume(response))

    assert [int(row["id"]) for row in rows] == sorted(selected)


# ---------------------------------------------------------------------------
# The audit CSV


def test_the_audit_csv_lists_the_events_oldest_first_with_their_chain(logged_in, newsroom):
    rows = parse(consume(logged_in.get(AUDIT_CSV)))

    events = list(AuditEvent.objects.exclude(action="export.audit").order_by("id"))
    assert list(rows[0]) == [column.name for column in exports.AUDIT_COLUMNS]
    assert [int(row["id"]) for row in rows] == [event.pk for event in events]
    for row, event in zip(rows, events, strict=True):
        assert datetime.datetime.fromisoformat(row["time"]) == event.created_at
        assert (row["actor"], row["action"], row["object_type"]) == (
            event.actor_name,
            event.action,
            event.object_type,
        )
        assert (row["object_id"], row["object"]) == (event.object_id, event.object_repr)
        assert row["claim_id"] == ("" if event.claim_id is None else str(event.claim_id))
        assert json.loads(row["changes"]) == event.changes
        assert (row["hash"], row["prev_hash"]) == (event.hash, event.prev_hash)


def test_the_audit_csv_filters_by_person_article_and_date(logged_in, newsroom, editor):
    daily = newsroom["daily"]
    today = timezone.localdate().isoformat()
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    by_editor = parse(consume(logged_in.get(AUDIT_CSV, {"actor": editor.pk})))
    by_article = parse(consume(logged_in.get(AUDIT_CSV, {"article": daily.pk})))
    today_rows = parse(consume(logged_in.get(AUDIT_CSV, {"created_after": today})))
    tomorrow_rows = parse(consume(logged_in.get(AUDIT_CSV, {"created_after": tomorrow})))

    assert {row["actor"] for row in by_editor} == {editor.username}
    assert [row["action"] for row in by_editor] == ["verdict.signed_off"]
    assert {row["article_id"] for row in by_article} == {str(daily.pk)}
    assert len(by_article) == AuditEvent.objects.filter(article_id=daily.pk).count()
    assert today_rows
    assert tomorrow_rows == []
    event = AuditEvent.objects.filter(action="export.audit").first()
    assert event.changes["filters"] == [None, {"created_after": tomorrow}]
    assert event.changes["rows"] == [None, 0]


def test_a_bad_audit_date_exports_nothing(logged_in, db):
    response = logged_in.get(AUDIT_CSV, {"created_after": "31/02/2025"})

    assert response.status_code == 400
    assert "created" in response.content.decode()


# ---------------------------------------------------------------------------
# The commands


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_export_claims_writes_the_same_csv_to_stdout_and_to_a_file(newsroom, tmp_path):
    path = tmp_path / "claims.csv"

    printed = run("export_claims", "--status", "unverified", "--source-type", "ministry")
    run("export_claims", "--status", "unverified", "--source-type", "ministry", "-o", str(path))

    assert path.read_bytes().decode("utf-8") == printed
    assert printed.count("\r\n") == 3
    assert claim_ids(parse(printed)) == {newsroom["talks"].pk}
    events = AuditEvent.objects.filter(action="export.claims")
    assert [event.actor_name for event in events] == ["system", "system"]
    assert events[0].changes["filters"] == [
        None,
        {"status": "unverified", "source_type": "ministry"},
    ]
    assert events[0].changes["rows"] == [None, 2]


def test_export_claims_options_match_the_queue_filters(newsroom):
    by_article = run("export_claims", "--article", str(newsroom["wire"].pk))
    by_outlet = run("export_claims", "--outlet", "Daily A", "--status", "false")
    with_bom = run("export_claims", "--bom", "--source-type", "unattributed")

    assert claim_ids(parse(by_article)) == {newsroom["prices"].pk}
    assert claim_ids(parse(by_outlet)) == {newsroom["road"].pk}
    assert with_bom.startswith("\ufeff")
    assert claim_ids(parse(with_bom.removeprefix("\ufeff"))) == {
        newsroom["fuel"].pk,
        newsroom["prices"].pk,
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--status", "maybe"], "--status: Select a valid choice. maybe is not one"),
        (["--status", "maybe"], "verified, partly_verified"),
        (["--source-type", "gossip"], "--source-type: Select a valid choice"),
        (["--source-type", "gossip"], "anonymous_official"),
        (["--article", "first"], "--article: Enter a"),
    ],
)
def test_export_claims_refuses_bad_options_clearly(db, args, message):
    with pytest.raises(CommandError, match="Nothing was exported") as refusal:
        run("export_claims", *args)

    assert message in str(refusal.value)
    assert not AuditEvent.objects.filter(action="export.claims").exists()


def test_export_audit_writes_the_same_csv_to_stdout_and_to_a_file(newsroom, tmp_path, editor):
    path = tmp_path / "audit.csv"
    today = timezone.localdate().isoformat()

    printed = run("export_audit", "--user", editor.username, "--since", today, "--until", today)
    run("export_audit", "--user", editor.username, "--since", today, "-o", str(path))

    assert path.read_bytes().decode("utf-8") == printed
    assert [row["action"] for row in parse(printed)] == ["verdict.signed_off"]
    event = AuditEvent.objects.filter(action="export.audit").order_by("id").first()
    assert event.changes["filters"] == [
        None,
        {"since": today, "until": today, "user": editor.username},
    ]


def test_export_audit_by_article(newsroom):
    wire = newsroom["wire"]

    rows = parse(run("export_audit", "--article", str(wire.pk)))

    assert [int(row["id"]) for row in rows] == list(
        AuditEvent.objects.filter(article_id=wire.pk).order_by("id").values_list("pk", flat=True)
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2025-02-31"], "--since: “2025-02-31” is not a date; write it YYYY-MM-DD."),
        (["--until", "yesterday"], "--until: “yesterday” is not a date"),
        (["--since", "2025-03-02", "--until", "2025-03-01"], "is after --until"),
        (["--user", "nobody-here"], "--user: nobody is called “nobody-here”."),
        (["--article", "x"], "--article: Enter a"),
    ],
)
def test_export_audit_refuses_bad_options_clearly(db, args, message):
    with pytest.raises(CommandError, match="Nothing was exported") as refusal:
        run("export_audit", *args)

    assert message in str(refusal.value)


# ---------------------------------------------------------------------------
# ClaimReview JSON-LD


def review_of(client, claim: Claim):
    return client.get(reverse("claim_review_jsonld", args=[claim.pk]))


def test_a_signed_off_claim_is_published_as_a_claim_review(logged_in, newsroom, settings):
    settings.FACTCHECK_ORGANIZATION_NAME = "Desk Check"
    settings.FACTCHECK_ORGANIZATION_URL = "https://check.example"
    road = newsroom["road"]
    services.claim_reopen(actor=None, claim=road, reason="Add the publication date")
    services.article_update(
        actor=None, article=road.article, published_on=datetime.date(2025, 3, 1)
    )
    services.claim_set_status(actor=None, claim=road, status="false")
    road = services.verdict_sign_off(actor=None, claim=road)

    response = review_of(logged_in, road)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    review = json.loads(response.content)
    assert review["@context"] == "https://schema.org"
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == "The road is open"
    assert review["url"] == f"http://testserver/claims/{road.pk}/"
    assert review["datePublished"] == timezone.localtime(road.signed_off_at).date().isoformat()
    assert review["author"] == {
        "@type": "Organization",
        "name": "Desk Check",
        "url": "https://check.example",
    }
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating"
    assert rating["alternateName"] == "False"
    assert (rating["ratingValue"], rating["worstRating"], rating["bestRating"]) == (1, 1, 4)
    assert all(type(rating[key]) is int for key in ("ratingValue", "worstRating", "bestRating"))
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    assert item["author"] == {"@type": "Organization", "name": "Health Ministry"}
    assert item["datePublished"] == "2025-03-01"
    assert item["appearance"] == {
        "@type": "NewsArticle",
        "url": "https://daily.example/road",
        "headline": "Road report",
        "publisher": {"@type": "Organization", "name": "Daily A"},
        "datePublished": "2025-03-01",
    }
    assert isinstance(review["datePublished"], str)
    datetime.date.fromisoformat(review["datePublished"])
    event = AuditEvent.objects.get(action="export.claimreview")
    assert (event.claim_id, event.changes["rows"]) == (road.pk, [None, 1])


@pytest.mark.parametrize(
    ("status", "label", "value"),
    [
        ("false", "False", 1),
        ("misleading", "Misleading", 2),
        ("partly_verified", "Partly verified", 3),
        ("verified", "Verified", 4),
        ("unverifiable", "Unverifiable", None),
    ],
)
def test_each_verdict_has_its_rating(logged_in, reviewer, editor, status, label, value):
    claim = factories.make_claim()
    person = factories.make_source("Jane Doe", type_slug="named_spokesperson")
    services.attribution_add(actor=reviewer, claim=claim, source=person)
    sign_off(claim, reviewer, editor, status)

    review = json.loads(review_of(logged_in, claim).content)

    assert review["reviewRating"]["alternateName"] == label
    assert review["reviewRating"].get("ratingValue") == value
    assert ("bestRating" in review["reviewRating"]) == (value is not None)
    assert review["itemReviewed"]["author"] == {"@type": "Person", "name": "Jane Doe"}


def test_a_claim_with_several_sources_names_them_all_and_an_unattributed_one_the_outlet(
    logged_in, newsroom, reviewer, editor
):
    sign_off(newsroom["talks"], reviewer, editor)
    sign_off(newsroom["fuel"], reviewer, editor, "unverifiable")

    talks = json.loads(review_of(logged_in, newsroom["talks"]).content)
    fuel = json.loads(review_of(logged_in, newsroom["fuel"]).content)

    assert talks["itemReviewed"]["author"] == [
        {"@type": "Person", "name": "Unnamed senior official"},
        {"@type": "Organization", "name": "Health Ministry"},
    ]
    assert fuel["itemReviewed"]["author"] == {"@type": "Organization", "name": "Daily A"}


def test_an_unsigned_claim_has_no_claim_review(logged_in, newsroom, reviewer):
    proposed = services.claim_update(actor=reviewer, claim=newsroom["prices"], rationale="Checked.")
    services.evidence_add(actor=reviewer, claim=proposed, url="https://example.org/p")
    services.claim_set_status(actor=reviewer, claim=proposed, status="in_progress")
    services.claim_set_status(actor=reviewer, claim=proposed, status="verified")

    response = review_of(logged_in, proposed)
    missing = logged_in.get(reverse("claim_review_jsonld", args=[999_999]))

    assert response.status_code == 404
    assert json.loads(response.content) == {
        "error": f"Claim #{proposed.pk} has no signed-off verdict, so it has no ClaimReview."
    }
    assert missing.status_code == 404
    assert "There is no claim #999999." in missing.content.decode()
    assert not AuditEvent.objects.filter(action="export.claimreview").exists()


def test_a_claim_stays_published_when_its_signer_account_is_deleted(logged_in, newsroom, editor):
    road = newsroom["road"]

    editor.delete()
    response = review_of(logged_in, road)
    [row] = [row for row in parse(claims_csv()) if row["claim_id"] == str(road.pk)]

    assert response.status_code == 200
    assert json.loads(response.content)["claimReviewed"] == "The road is open"
    assert row["signer"] == ""


def test_the_bulk_export_holds_only_signed_off_claims_filtered_like_the_queue(
    logged_in, newsroom, reviewer, editor
):
    sign_off(newsroom["prices"], reviewer, editor, "verified")

    response = logged_in.get(REVIEWS)
    reviews = json.loads(consume(response))
    wire_only = json.loads(consume(logged_in.get(REVIEWS, {"outlet": "Wire B"})))
    none = json.loads(consume(logged_in.get(REVIEWS, {"status": "misleading"})))

    assert response.streaming
    assert response["Content-Type"] == "application/ld+json"
    assert response["Content-Disposition"].startswith('attachment; filename="claimreview-')
    assert {review["claimReviewed"] for review in reviews} == {
        "The road is open",
        "Prices rose again",
    }
    assert all(review["@type"] == "ClaimReview" for review in reviews)
    assert [review["claimReviewed"] for review in wire_only] == ["Prices rose again"]
    assert none == []
    events = AuditEvent.objects.filter(action="export.claimreview").order_by("id")
    assert [event.changes["rows"] for event in events] == [[None, 2], [None, 1], [None, 0]]
    assert events[1].changes["filters"] == [None, {"outlet": "Wire B"}]
