"""Exporters: the claims CSV, the audit CSV and schema.org ClaimReview JSON-LD.

Each exporter is a generator that yields the header row, then the rows
(pretix's pattern, see `pretix/base/exporter.py`); `csv_chunks` turns rows into
CSV text, and `Audited` writes the export's audit event once the rows are out.

The claims CSV is built for a million rows: one query, read in chunks as the
database produces them (`_streaming`), so the first bytes go out at once and
the number of queries and the memory used stay the same whatever the row
count (`manage.py benchmark export` measures it). The database does the
per-cell work, formula neutralisation and ISO 8601 times included, and joins
each row into its CSV line (`CsvLine`), so that Python only passes chunks of
finished lines on.

Cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`,
`@`, tab or carriage return) get a leading `'`, as OWASP recommends:
https://owasp.org/www-community/attacks/CSV_Injection. Numbers (ids, offsets)
are written as numbers and never prefixed.
"""

import csv
import datetime
import io
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from typing import Any, NamedTuple, TextIO

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import F, Func, OuterRef, QuerySet, StringAgg, Subquery, Value
from django.db.models.fields import TextField
from django.db.models.sql.constants import MULTI
from django.http import QueryDict
from django.utils import timezone

from factcheck import audit
from factcheck.models import AuditEvent, Claim, EvidenceLink, VerificationStatus

# Rows fetched from the database per round trip.
CHUNK_SIZE = 2_000
# Rows written to the CSV buffer between two yields: about 80 kB. Larger
# chunks cross glibc's mmap threshold (128 kB), and every chunk then costs a
# fresh mapping and its page faults: measured at 1,000 rows, 16 µs a row
# instead of 14.
ROWS_PER_CHUNK = 100
# Several values in one cell (evidence links) are separated by a space, which a
# URL cannot contain.
LINK_SEPARATOR = " "
BOM = "\ufeff"

# The first characters that make a spreadsheet evaluate a cell (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class Defused(Func):
    """A text expression with a leading `'` when its first character starts a formula."""

    output_field = TextField()
    arity = 1

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        # The code point of the first character: SQLite's unicode(), PostgreSQL's
        # ascii() (which, despite its name, gives the code point in UTF-8).
        first = "unicode" if connection.vendor == "sqlite" else "ascii"
        triggers = ", ".join(str(ord(character)) for character in FORMULA_TRIGGERS)
        # The expression appears three times: a column costs nothing to repeat, and
        # both databases compute a repeated aggregate (the evidence links) once.
        return (
            f"(CASE WHEN {first}({sql}) IN ({triggers}) THEN '''' || {sql} ELSE {sql} END)",
            (*params, *params, *params),
        )


class IsoDateTime(Func):
    """A timestamp as ISO 8601 text in UTC with its offset: 2025-03-01T09:30:00.250000+00:00."""

    output_field = TextField()
    arity = 1

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django stores SQLite timestamps as UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]".
        return self.as_sql(
            compiler, connection, template="(replace(%(expressions)s, ' ', 'T') || '+00:00')"
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template=(
                "to_char(%(expressions)s AT TIME ZONE 'UTC', "
                '\'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"\')'
            ),
        )


class NamedOrAnonymous(Func):
    """A source's `is_anonymous` as the words "anonymous" or "named" (nothing without one)."""

    output_field = TextField()
    arity = 1
    template = "(CASE %(expressions)s WHEN TRUE THEN 'anonymous' WHEN FALSE THEN 'named' END)"


def _evidence_links() -> Subquery:
    """A claim's evidence URLs in one cell, ordered by URL."""
    # PostgreSQL and SQLite 3.44+ take the order in the aggregate; older SQLite
    # reads the links through the (claim, url) unique index, in URL order too.
    ordering = {"order_by": "url"} if connection.features.supports_aggregate_order_by_clause else {}
    links = (
        EvidenceLink.objects.filter(claim=OuterRef("pk"))
        .order_by()
        .values("claim")
        .annotate(links=Defused(StringAgg("url", Value(LINK_SEPARATOR), **ordering)))
        .values("links")
    )
    return Subquery(links, output_field=TextField())


class Column(NamedTuple):
    """One column of an export: its header, what it holds, and how the database computes it."""

    name: str
    meaning: str
    value: Any  # an expression, or a callable returning one when it depends on the database
    # True when the value can never hold a comma, quote or line break (numbers,
    # slugs, timestamps), so a CSV line built by the database writes it unquoted.
    bare: bool = False

    def expression(self) -> Any:
        return self.value() if callable(self.value) else self.value


class CsvLine(Func):
    """The columns of one row joined into an RFC 4180 CSV line, by the database.

    Python's C `csv` writer costs about 10 µs for a row of this export (25
    cells, ~800 characters): more than the query itself. The database joins
    the cells instead, quoting each text cell and doubling its quotes, so that
    Python only passes finished lines on. `benchmark export` measures both.

    The line is one function call, `format()` on SQLite and `concat()`
    elsewhere: a chain of `||` copies the growing line at every step, which
    doubled what the database spent on a row (measured on 50,000 claims:
    SQLite 2.6 s of CPU instead of 1.3 s, PostgreSQL 2.5 s instead of 1.75 s).
    """

    output_field = TextField()

    def __init__(self, columns: Sequence[Column]):
        super().__init__(*[column.expression() for column in columns])
        self.bare = [column.bare for column in columns]

    def _cells(self, compiler) -> tuple[list[str], list[Any]]:
        """Each cell's SQL, NULL where the cell is empty."""
        cells, params = [], []
        for bare, expression in zip(self.bare, self.source_expressions, strict=True):
            sql, cell_params = compiler.compile(expression)
            params.extend(cell_params)
            cells.append(sql if bare else f"""('"' || REPLACE({sql}, '"', '""') || '"')""")
        return cells, params

    def as_sql(self, compiler, connection, **extra_context):
        # concat() reads NULL as empty text, and any value as its text.
        cells, params = self._cells(compiler)
        return "concat(" + ", ',', ".join(cells) + ")", params

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite has concat() only from 3.44; format()'s %s writes NULL as nothing.
        # The format travels as a parameter: Django reads "%s" in SQL as a placeholder.
        cells, params = self._cells(compiler)
        line_format = ",".join(["%s"] * len(cells))
        return "format(%s, " + ", ".join(cells) + ")", [line_format, *params]


def _text(path: str) -> Defused:
    return Defused(F(path))


_ATTRIBUTION = "attributions__"
_SOURCE = "attributions__source__"

# The claims CSV, one row per attribution; a claim without attribution has one
# row with the source columns empty. The order is stable: add columns at the end.
CLAIM_COLUMNS: list[Column] = [
    Column("article_id", "Article id in the workbench.", F("article_id"), bare=True),
    Column("article_title", "Article title.", _text("article__title")),
    Column("outlet", "The outlet that published the article.", _text("article__outlet")),
    Column("article_url", "The article's web address, if known.", _text("article__url")),
    Column("claim_id", "Claim id in the workbench.", F("id"), bare=True),
    Column("claim_text", "The claim, exactly as the article words it.", _text("text")),
    Column(
        "start",
        "Where the claim starts in the article text (code points, from 0).",
        F("start"),
        bare=True,
    ),
    Column("end", "Where the claim ends in the article text (exclusive).", F("end"), bare=True),
    Column(
        "status",
        "Verification status: " + ", ".join(VerificationStatus.values) + ".",
        F("status"),
        bare=True,
    ),
    Column("rationale", "Why the verdict is what it is.", _text("rationale")),
    Column(
        "evidence_links",
        "The claim's evidence URLs, separated by a space, in URL order.",
        _evidence_links,
    ),
    Column(
        "source_id",
        "Id of the source the claim is attributed to.",
        F(_ATTRIBUTION + "source_id"),
        bare=True,
    ),
    Column(
        "source_name",
        "The source's name, or the descriptor of an anonymous one.",
        _text(_SOURCE + "name"),
    ),
    Column(
        "source_type",
        "The source type's slug (ministry, anonymous_official…).",
        _text(_SOURCE + "source_type__slug"),
    ),
    Column(
        "named_or_anonymous",
        "“named” or “anonymous”: whether the text names the source.",
        NamedOrAnonymous(F(_SOURCE + "is_anonymous")),
        bare=True,
    ),
    Column("affiliation", "The source's affiliation.", _text(_SOURCE + "affiliation")),
    Column(
        "mention",
        "How the text names the source, as written.",
        _text(_ATTRIBUTION + "mention_text"),
    ),
    Column("cue", "The reporting verb: told, said, according to.", _text(_ATTRIBUTION + "cue")),
    Column(
        "quote_mode",
        "direct, paraphrase, mixed or none.",
        F(_ATTRIBUTION + "quote_mode"),
        bare=True,
    ),
    Column(
        "intermediary",
        "The source that relayed the claim, such as a wire agency.",
        _text(_ATTRIBUTION + "intermediary__name"),
    ),
    Column(
        "ground_rule",
        "For an anonymous source: background, deep_background, off_the_record, or empty.",
        # No database constraint holds it to its choices, unlike status and quote mode.
        _text(_ATTRIBUTION + "ground_rule"),
    ),
    Column(
        "anonymity_reason",
        "Why anonymity was granted, as the text states it.",
        _text(_ATTRIBUTION + "anonymity_reason"),
    ),
    Column("proposer", "User name of who proposed the verdict.", _text("proposed_by__username")),
    Column(
        "signer", "User name of the editor who signed it off.", _text("signed_off_by__username")
    ),
    Column(
        "last_changed",
        "When the claim (or its attributions or evidence) last changed: ISO 8601, UTC.",
        IsoDateTime(F("updated_at")),
        bare=True,
    ),
]

# The audit CSV, one row per event, oldest first (the order of the hash chain).
AUDIT_COLUMNS: list[Column] = [
    Column("id", "Event id; ids grow with time.", F("id")),
    Column("time", "When it happened: ISO 8601, UTC.", IsoDateTime(F("created_at"))),
    Column("actor", "User name of who did it (“system” for commands).", _text("actor_name")),
    Column("action", "What happened, a dotted verb: claim.status_changed.", _text("action")),
    Column("object_type", "The kind of object: claim, source, export…", _text("object_type")),
    Column("object_id", "The object's id.", _text("object_id")),
    Column("object", "The object as it read then.", _text("object_repr")),
    Column("article_id", "The article it belongs to, if any.", F("article_id")),
    Column("claim_id", "The claim it belongs to, if any.", F("claim_id")),
    Column("changes", "JSON: {field: [old, new]}.", F("changes")),
    Column("reason", "Why, as the person typed it.", _text("reason")),
    Column("via", "Where it came from when not from the pages: “API token fcp_…”.", _text("via")),
    Column("hash", "SHA-256 of the event's content and the previous hash.", F("hash")),
    Column("prev_hash", "The previous event's hash.", F("prev_hash")),
]


def columns_markdown(columns: Sequence[Column]) -> str:
    """Render the columns as a Markdown table, for the README."""
    lines = ["| column | meaning |", "| --- | --- |"]
    lines += [f"| `{column.name}` | {column.meaning} |" for column in columns]
    return "\n".join(lines)


def _select(queryset: QuerySet, columns: Sequence[Column]) -> QuerySet:
    """Select exactly the columns' values, as tuples in the columns' order."""
    names = [f"export_{index}" for index in range(len(columns))]
    expressions = {
        name: column.value() if callable(column.value) else column.value
        for name, column in zip(names, columns, strict=True)
    }
    # values_list gives tuples: no dict per row, and no Python conversion for
    # text and integers.
    return queryset.annotate(**expressions).values_list(*names)


def _ordered_by_attribution(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """The claims in their own order (by position when they have none), attributions by id."""
    ordering = claims.query.order_by or ("article_id", "start", "end")
    return claims.prefetch_related(None).order_by(*ordering, "attributions__id")


@contextmanager
def _streaming(using: str) -> Iterator[None]:
    """Let a query read inside this block send its first rows as soon as the database has them.

    On PostgreSQL a chunked read goes through a server-side cursor. Outside a
    transaction Django declares it WITH HOLD, and PostgreSQL then computes the
    whole result before the first row comes (129 s at a million claims): inside
    one, the rows stream. SQLite streams as it is, and a transaction there would
    take the write lock (IMMEDIATE) for the whole download.
    https://docs.djangoproject.com/en/6.1/ref/models/querysets/#with-server-side-cursors
    """
    if connections[using].vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=using):
        with connections[using].cursor() as cursor:
            # A big export's estimated cost sets off JIT compilation, which held the
            # first rows back 2.5 s at 50,000 claims and slowed the whole read.
            cursor.execute("SET LOCAL jit = off")
        yield


def streamed(queryset: QuerySet) -> Iterator[Any]:
    """Yield a query's results read in chunks, the first as soon as the database has it."""
    with _streaming(queryset.db):
        yield from queryset.iterator(chunk_size=CHUNK_SIZE)


def _fetched(queryset: QuerySet) -> Iterator[list[tuple]]:
    """Yield a query's rows as the cursor fetches them, CHUNK_SIZE at a time.

    The raw rows, with no Python step per row: only for values that need no
    conversion from the database (text and integers).
    """
    with _streaming(queryset.db):
        compiler = queryset.query.get_compiler(using=queryset.db)
        yield from compiler.execute_sql(MULTI, chunked_fetch=True, chunk_size=CHUNK_SIZE)


def claim_rows_queryset(claims: QuerySet[Claim]) -> QuerySet:
    """The one query behind the claims CSV."""
    # The values and the ordering reuse one LEFT JOIN to attributions, so a
    # claim without attribution still gets its row.
    return _select(_ordered_by_attribution(claims), CLAIM_COLUMNS)


class Lines(list):
    """Rows the database already wrote as CSV lines (without line ends), passed on together."""


def claim_rows(claims: QuerySet[Claim]) -> Iterator[Sequence[Any] | Lines]:
    """Yield the claims CSV's header, then its lines, one per attribution of each claim.

    The lines come in `Lines` of ROWS_PER_CHUNK: a million rows then take
    10,000 steps through the generators between the cursor and the response,
    not a million.
    """
    yield [column.name for column in CLAIM_COLUMNS]
    lines = (
        _ordered_by_attribution(claims)
        .annotate(export_line=CsvLine(CLAIM_COLUMNS))
        .values_list("export_line")
    )
    with closing(_fetched(lines)) as fetched:
        for rows in fetched:
            for start in range(0, len(rows), ROWS_PER_CHUNK):
                yield Lines([row[0] for row in rows[start : start + ROWS_PER_CHUNK]])


def audit_rows(events: QuerySet[AuditEvent]) -> Iterator[Sequence[Any]]:
    """Yield the audit CSV's header, then one row per event, oldest first."""
    yield [column.name for column in AUDIT_COLUMNS]
    changes = [column.name for column in AUDIT_COLUMNS].index("changes")
    # Closed with this generator, so that the transaction ends before `Audited` writes.
    with closing(streamed(_select(events.order_by("id"), AUDIT_COLUMNS))) as rows:
        for row in rows:
            # One JSON text on both databases (PostgreSQL would print jsonb its own way).
            cells = list(row)
            cells[changes] = json.dumps(cells[changes], ensure_ascii=False, sort_keys=True)
            yield cells


def _close(iterator: Iterator[Any]) -> None:
    """Close a generator (and the database cursor it holds) as soon as it is no longer read."""
    close = getattr(iterator, "close", None)
    if close is not None:
        close()


def csv_chunks(rows: Iterable[Sequence[Any] | Lines], *, bom: bool = False) -> Iterator[str]:
    """Turn rows into RFC 4180 CSV text, yielded in chunks of whole lines.

    A row is a sequence of cells; `Lines` are rows already written as CSV, and
    make one chunk each (with any rows before them).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # the excel dialect: RFC 4180 quoting and CRLF line ends
    buffered = 0
    rows = iter(rows)
    if bom:
        # Excel reads a CSV as UTF-8 only when it starts with the byte order mark.
        buffer.write(BOM)
    try:
        for row in rows:
            if isinstance(row, Lines):
                if row:
                    # The trailing "" ends the last line too, in the same join.
                    lines = "\r\n".join([*row, ""])
                    yield buffer.getvalue() + lines if buffer.tell() else lines
                    buffer.seek(0)
                    buffer.truncate()
                    buffered = 0
                continue
            writer.writerow(row)
            buffered += 1
            if buffered >= ROWS_PER_CHUNK:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
                buffered = 0
        if buffer.tell():
            yield buffer.getvalue()
    finally:
        # Close the rows now, so that `Audited` records the export even when the
        # client went away part way.
        _close(rows)


class Audited:
    """Pass rows through, then record the export in the audit history with the row count.

    The event is written when the rows run out, in its own transaction, rather
    than before streaming starts: the count is then the number of rows that
    actually went out, and the first byte does not wait for a COUNT(*) over a
    million-row join. An export broken off part way (the client went away) is
    recorded too, with the rows sent so far and `complete` false.
    """

    def __init__(
        self,
        rows: Iterable[Any],
        *,
        actor,
        action: str,
        object_id: str,
        object_repr: str,
        filters: dict[str, Any],
        header: bool = True,
        claim_id: int | None = None,
        article_id: int | None = None,
    ):
        self.rows = rows
        self.header = header
        self.count = 0
        self.event: dict[str, Any] = {
            "actor": actor,
            "action": action,
            "object_type": "export",
            "object_id": object_id,
            "object_repr": object_repr,
            "claim_id": claim_id,
            "article_id": article_id,
        }
        self.filters = filters

    def __iter__(self) -> Iterator[Any]:
        complete = False
        rows = iter(self.rows)
        try:
            header = next(rows, None) if self.header else None
            if header is not None:
                yield header
            for row in rows:
                self.count += len(row) if isinstance(row, Lines) else 1
                yield row
            complete = True
        finally:
            _close(rows)
            with transaction.atomic():
                audit.record(
                    **self.event,
                    changes={
                        "filters": [None, self.filters],
                        "rows": [None, self.count],
                        "complete": [None, complete],
                    },
                )


def filters_of(query: QueryDict, *, ignore: Iterable[str] = ("page", "bom")) -> dict[str, Any]:
    """The filters a query string asks for, as the audit event records them."""
    ignored = set(ignore)
    filters: dict[str, Any] = {}
    for key, values in query.lists():
        values = [value for value in values if value != ""]
        if key not in ignored and values:
            filters[key] = values[0] if len(values) == 1 else values
    return filters


def filter_errors(filterset, *, ignore: Iterable[str] = ("sort",)) -> dict[str, str]:
    """The filter form's errors by field (a bad sort falls back to the default order)."""
    ignored = set(ignore)
    return {
        name: " ".join(problems)
        for name, problems in filterset.errors.items()
        if name not in ignored
    }


def write_csv(rows: Iterable[Sequence[Any]], stream: TextIO, *, bom: bool = False) -> None:
    """Write rows as CSV to a text stream opened with newline="" (or a command's stdout)."""
    # Every chunk ends with a line break, so a command's OutputWrapper adds none.
    for chunk in csv_chunks(rows, bom=bom):
        stream.write(chunk)


# ---------------------------------------------------------------------------
# schema.org ClaimReview
#
# Our verdicts on a 1–4 scale, worst to best, for `reviewRating.ratingValue`
# (https://schema.org/Rating). `unverifiable` is not a point on that scale: its
# rating carries the verdict's name only, with no numeric value or bounds,
# which schema.org and Google's ClaimReview guidelines allow.
RATING_SCALE: dict[str, int] = {
    VerificationStatus.FALSE: 1,
    VerificationStatus.MISLEADING: 2,
    VerificationStatus.PARTLY_VERIFIED: 3,
    VerificationStatus.VERIFIED: 4,
}
WORST_RATING, BEST_RATING = 1, 4

# Source types whose sources are people; the others are organisations.
PERSON_SOURCE_TYPES = {"named_spokesperson", "named_individual", "anonymous_official"}


def organization() -> dict[str, Any]:
    """The fact-checking organisation that publishes the reviews, from the settings."""
    name = getattr(settings, "FACTCHECK_ORGANIZATION_NAME", "Factcheck desk")
    url = getattr(settings, "FACTCHECK_ORGANIZATION_URL", "")
    return {"@type": "Organization", "name": name, **({"url": url} if url else {})}


def review_rating(status: str) -> dict[str, Any]:
    rating: dict[str, Any] = {
        "@type": "Rating",
        "alternateName": VerificationStatus(status).label,
    }
    if status in RATING_SCALE:
        rating.update(
            ratingValue=RATING_SCALE[status], bestRating=BEST_RATING, worstRating=WORST_RATING
        )
    return rating


_REVIEW_FIELDS = (
    "id",
    "text",
    "status",
    "signed_off_at",
    "article__title",
    "article__outlet",
    "article__url",
    "article__published_on",
    "attributions__source__name",
    "attributions__source__source_type__slug",
    "published_at",
    "sign_off_snapshot",
)


def signed_off(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """Only the claims whose verdict is signed off: the others have no review to publish."""
    # The sign-off time marks it (`Claim.is_locked`): a signer's account may be deleted.
    return claims.signed_off().filter(status__in=VerificationStatus.verdicts())


def claim_reviews(
    claims: QuerySet[Claim], *, claim_url, public_url=None
) -> Iterator[dict[str, Any]]:
    """Yield a ClaimReview for each signed-off claim, in one query whatever the count.

    `claim_url(claim_id)` gives the absolute address of a claim on our site, and
    `public_url(claim_id)` that of a published verdict's public page, which is then its `url`.
    """
    rows = streamed(_ordered_by_attribution(signed_off(claims)).values_list(*_REVIEW_FIELDS))
    with closing(rows):
        yield from _claim_reviews(rows, claim_url=claim_url, public_url=public_url)


def _claim_reviews(rows: Iterator[tuple], *, claim_url, public_url) -> Iterator[dict[str, Any]]:
    author = organization()
    for _, group in itertools.groupby(rows, key=lambda row: row[0]):
        group = list(group)
        claim_id, text, status, signed_at, title, outlet, url, published_on = group[0][:8]
        published, frozen = group[0][-2], group[0][-1]
        address = (public_url if published and public_url else claim_url)(claim_id)
        if frozen:
            # What was signed off, not what the records say now (factcheck.signoff).
            article = dict(frozen["article"])
            if article["published_on"]:
                article["published_on"] = datetime.date.fromisoformat(article["published_on"])
            yield claim_review(
                claim_id=claim_id,
                text=frozen["claim"]["text"],
                status=frozen["verdict"],
                signed_off_at=signed_at,
                article=article,
                sources=[(source["name"], source["type"]) for source in frozen["sources"]],
                url=address,
                author=author,
                review_body=frozen.get("rationale", ""),
            )
            continue
        # Signed off before snapshots were kept: the live records are all there is.
        sources = [(row[8], row[9]) for row in group if row[8] is not None]
        yield claim_review(
            claim_id=claim_id,
            text=text,
            status=status,
            signed_off_at=signed_at,
            article={"title": title, "outlet": outlet, "url": url, "published_on": published_on},
            sources=sources,
            url=address,
            author=author,
        )


def published_review(claim_id: int, *, actor, claim_url, public_url=None) -> dict[str, Any] | None:
    """The ClaimReview of one signed-off verdict, its reading audited; None when not signed off."""
    reviews = claim_reviews(
        Claim.objects.filter(pk=claim_id), claim_url=claim_url, public_url=public_url
    )
    review = next(reviews, None)
    reviews.close()
    if review is None:
        return None
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="export.claimreview",
            object_type="export",
            object_id="claimreview",
            object_repr=f"ClaimReview of claim #{claim_id}",
            claim_id=claim_id,
            changes={"filters": [None, {"claim": claim_id}], "rows": [None, 1]},
        )
    return review


def claim_review(
    *,
    claim_id: int,
    text: str,
    status: str,
    signed_off_at: datetime.datetime,
    article: dict[str, Any],
    sources: list[tuple[str, str]],
    url: str,
    author: dict[str, Any],
    review_body: str = "",
) -> dict[str, Any]:
    """Build one ClaimReview: https://schema.org/ClaimReview."""
    appearance: dict[str, Any] = {"@type": "NewsArticle", "headline": article["title"]}
    if article["url"]:
        appearance["url"] = article["url"]
    if article["outlet"]:
        appearance["publisher"] = {"@type": "Organization", "name": article["outlet"]}
    if article["published_on"]:
        appearance["datePublished"] = article["published_on"].isoformat()

    item: dict[str, Any] = {"@type": "Claim"}
    authors = [
        {"@type": "Person" if slug in PERSON_SOURCE_TYPES else "Organization", "name": name}
        for name, slug in sources
    ]
    if not authors and article["outlet"]:
        # A claim with no attribution is the outlet's own assertion (PRODUCT.md).
        authors = [{"@type": "Organization", "name": article["outlet"]}]
    if authors:
        item["author"] = authors[0] if len(authors) == 1 else authors
    item["appearance"] = appearance
    if article["published_on"]:
        item["datePublished"] = article["published_on"].isoformat()

    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": text,
        "itemReviewed": item,
        "author": author,
        "datePublished": timezone.localtime(signed_off_at).date().isoformat(),
        "reviewRating": review_rating(status),
    }
    if review_body:
        review["reviewBody"] = review_body
    return review


def json_array(items: Iterable[Any]) -> Iterator[str]:
    """Stream items as one JSON array, an item per line."""
    items = iter(items)
    first = True
    try:
        for item in items:
            yield ("[\n" if first else ",\n") + json.dumps(item, ensure_ascii=False)
            first = False
        yield "[]\n" if first else "\n]\n"
    finally:
        _close(items)
