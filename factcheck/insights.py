"""The Insights figures: how a selection of claims is sourced, counted by the database.

Every figure takes a claim queryset (all claims, or the queue's filters applied)
and answers with a fixed number of GROUP BY queries, however many claims there
are; `ClaimQuerySet` exposes them (`Claim.objects.filter(...).by_source_type()`),
and the page, its CSV files and the tests all call the same functions.

What each share is a share of (the page's help says the same in words):

- Claims by source type: of the claims in the selection, those citing at least one
  source of the type. A claim citing two types counts under both, so the shares
  can add up to more than 100%. A claim with no attribution counts as
  "unattributed" (the outlet's own assertion), as the queue's filter does.
- Anonymous sources: of the attributions (claim–source links), those to anonymous
  sources; of those, the ones that state no reason for the anonymity.
- Relayed claims: of the claims, those with at least one attribution relayed by an
  intermediary (a wire agency: "told AFP"), and per intermediary the claims it relayed.
- Sources per claim: of the claims, those citing no source, one, or two or more.
- Verdicts by source type: the claims with a verdict (proposed or signed off), per
  type as in the first figure, split by verdict.
- Most cited sources: per source the claims citing it; the false-or-misleading share
  is of its signed-off claims only (a proposal can still change).
- Named and anonymous by outlet, and the weekly trend: of the claims, those citing
  an anonymous source, those citing named sources only, those citing none.

A claim's week is its article's publication date, or, for an article without one,
the day the claim was created (UTC); weeks start on Monday.

Each bar carries `filters`: the queue's query parameters that list the claims
behind it, so a bar's count is the number of claims its link shows.

With a million claims, counting everything takes seconds (`manage.py benchmark
insights` times it); the page keeps each selection's figures in Django's cache,
keyed by the selection's SQL and `data_version()`, so it counts again only
after something changed.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet

from factcheck.models import (
    Attribution,
    AuditEvent,
    Claim,
    Source,
    SourceType,
    VerificationStatus,
    claim_date,
)

UNATTRIBUTED = "unattributed"
VERDICTS = VerificationStatus.verdicts_in_order()
BAD_VERDICTS = [VerificationStatus.FALSE, VerificationStatus.MISLEADING]
TOP_SOURCES = 10
TOP_INTERMEDIARIES = 10
TOP_OUTLETS = 25
NO_OUTLET = "No outlet"


@dataclass
class Bar:
    """One bar, or one segment of a stacked bar: a count out of a total, and its claims."""

    label: str
    count: int
    total: int
    filters: dict[str, Any] | None = field(default_factory=dict)
    key: str = ""
    # The claims its link lists, where the bar counts something else (attributions).
    claims: int | None = None
    # What those claims are, in words ("citing named sources only").
    link_label: str = ""

    is_bar = True  # for templates, which cannot ask isinstance()

    @property
    def listed(self) -> int:
        """How many claims the queue shows behind this bar."""
        return self.count if self.claims is None else self.claims

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else 0.0

    @property
    def percent(self) -> float:
        return round(100 * self.share, 1)


@dataclass
class Stack:
    """A stacked bar: segments that add up to `total` (the bar's own claims)."""

    label: str
    segments: list[Bar]
    filters: dict[str, Any] | None = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(segment.count for segment in self.segments)

    @property
    def placed(self) -> list[tuple[Bar, int]]:
        """Each segment with the count before it, where a chart starts drawing it."""
        before, placed = 0, []
        for segment in self.segments:
            placed.append((segment, before))
            before += segment.count
        return placed


def attributions_of(claims: QuerySet) -> QuerySet:
    """The attributions of the selected claims (all of them when nothing is filtered)."""
    if claims.query.has_filters():
        return Attribution.objects.filter(claim__in=claims.order_by().values("pk"))
    return Attribution.objects.all()


def _plain(claims: QuerySet) -> QuerySet:
    """The claims without the ordering and joins a list adds, for counting."""
    return claims.order_by().select_related(None).prefetch_related(None)


def _grouped(inner: QuerySet, keys: list[str], columns: dict[str, str]) -> list[dict[str, Any]]:
    """Group the rows of `inner` (one per claim) again by `keys`, adding up `columns`.

    `columns` maps a name to an SQL aggregate over the inner columns, such as
    'SUM(CASE WHEN "n" = 1 THEN 1 ELSE 0 END)'. Django cannot GROUP BY over an
    aggregated subquery, so the outer query is written here around the ORM's
    own SQL for the inner one.
    """
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # the selection is known to be empty: `claim IN ()`
        return []
    qn = connections[inner.db].ops.quote_name
    grouping = ", ".join(qn(key) for key in keys)
    selected = ", ".join(f"{expression} AS {qn(name)}" for name, expression in columns.items())
    query = (
        f"SELECT {grouping}, COUNT(*) AS {qn('claims')}, {selected} "
        f"FROM ({sql}) profile GROUP BY {grouping}"
    )
    with connections[inner.db].cursor() as cursor:
        cursor.execute(query, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _per_claim(attributions: QuerySet, **keys: Any) -> QuerySet:
    """Group attributions by their claim, carrying `keys`, which have one value per claim.

    MAX() carries the keys so that the GROUP BY is on the claim alone, which
    SQLite reads off the claim-and-source index without sorting (grouping by
    the keys as well sorts every row); PostgreSQL hashes the groups either way.
    """
    return attributions.values("claim").annotate(
        **{name: Max(expression) for name, expression in keys.items()}
    )


def _count_where(test: str) -> str:
    return f"SUM(CASE WHEN {test} THEN 1 ELSE 0 END)"


# ---------------------------------------------------------------------------
# One pass over the attributions: each claim's sources, counted by claim status

PROFILE_KEYS = [
    "attributed",
    "one",
    "several",
    "anonymous",
    "unexplained",
    "relayed",
    "attributions",
    "anonymous_attributions",
    "unexplained_attributions",
]


@dataclass
class Sourcing:
    """What one pass counted: per claim status, the profile's counts and each type's claims."""

    by_status: dict[str, dict[str, int]]  # {status: {"attributed": n, ..., "type_3": n}}
    claims_by_status: dict[str, int]  # every claim of the selection, with a source or not
    types: list[SourceType]


def sourcing(claims: QuerySet) -> Sourcing:
    """Count the selection's claims by how they are sourced, in three queries.

    The attributions are read once, grouped by claim (in the order of the
    claim-and-source index, so without sorting them), and the claims' rows
    grouped again by status: every figure about types, anonymity and the
    number of sources comes from that one pass.
    """
    types = list(SourceType.objects.all())
    per_type = {f"type_{t.pk}": Count("pk", filter=Q(source__source_type_id=t.pk)) for t in types}
    attributions = attributions_of(claims).order_by()
    per_claim = _per_claim(attributions, status=F("claim__status")).annotate(
        n=Count("pk"),
        anon=Count("pk", filter=Q(source__is_anonymous=True)),
        unexpl=Count("pk", filter=Q(source__is_anonymous=True, anonymity_reason="")),
        relay=Count("pk", filter=Q(intermediary__isnull=False)),
        **per_type,
    )
    columns = {
        "one": _count_where('"n" = 1'),
        "several": _count_where('"n" >= 2'),
        "anonymous": _count_where('"anon" > 0'),
        "unexplained": _count_where('"unexpl" > 0'),
        "relayed": _count_where('"relay" > 0'),
        "attributions": 'SUM("n")',
        "anonymous_attributions": 'SUM("anon")',
        "unexplained_attributions": 'SUM("unexpl")',
        **{name: _count_where(f'"{name}" > 0') for name in per_type},
    }
    by_status = {}
    for row in _grouped(per_claim, ["status"], columns):
        row["attributed"] = row.pop("claims")
        status = row.pop("status")
        by_status[status] = {key: int(value or 0) for key, value in row.items()}
    claims_by_status = dict(
        _plain(claims).values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return Sourcing(by_status, claims_by_status, types)


def profile(claims: QuerySet, counted: Sourcing | None = None) -> dict[str, int]:
    """Count claims and attributions by how they are sourced.

    Keys: claims, attributed (claims citing a source), none, one, several (two or
    more sources), anonymous (claims citing an anonymous source), unexplained
    (claims citing one that states no reason), relayed (claims with a relayed
    attribution), attributions, anonymous_attributions, unexplained_attributions.
    """
    counted = counted or sourcing(claims)
    counts = {key: sum(row[key] for row in counted.by_status.values()) for key in PROFILE_KEYS}
    counts["claims"] = sum(counted.claims_by_status.values())
    counts["none"] = counts["claims"] - counts["attributed"]
    return counts


def anonymity(counts: dict[str, int]) -> list[Bar]:
    """Claims citing a source: named sources only, anonymous ones all giving a reason, or not.

    Each bar counts claims, the three add up to the claims citing a source, and
    each opens exactly its claims in the queue. The share of attributions that go
    to anonymous sources is the figure's headline (`anonymous_attributions`).
    """
    total = counts["attributed"]
    unexplained = counts["unexplained"]
    return [
        Bar(
            "Named sources only",
            total - counts["anonymous"],
            total,
            {"anonymity": "named"},
            "named",
        ),
        Bar(
            "Anonymous, reason stated",
            counts["anonymous"] - unexplained,
            total,
            {"anonymity": "explained"},
            "explained",
        ),
        Bar(
            "Anonymous, no reason stated",
            unexplained,
            total,
            {"anonymity": "unexplained"},
            "unexplained",
        ),
    ]


def by_source_count(counts: dict[str, int]) -> list[Bar]:
    """Claims citing no source, one source, and two or more."""
    total = counts["claims"]
    return [
        Bar("No source", counts["none"], total, {"sources": "0"}, key="none"),
        Bar("One source", counts["one"], total, {"sources": "1"}, key="one"),
        Bar("Two or more", counts["several"], total, {"sources": "2"}, key="several"),
    ]


# ---------------------------------------------------------------------------
# Source types, and the verdicts under each


def _types_by_status(counted: Sourcing) -> dict[int | None, dict[str, int]]:
    """{source type id: {status: claims}}; None holds the claims with no attribution."""
    table: dict[int | None, dict[str, int]] = {}
    for t in counted.types:
        table[t.pk] = {status: row[f"type_{t.pk}"] for status, row in counted.by_status.items()}
    table[None] = {
        status: n - counted.by_status.get(status, {}).get("attributed", 0)
        for status, n in counted.claims_by_status.items()
    }
    return table


def _types(table: dict[int | None, dict[str, int]], types: list[SourceType]) -> list[SourceType]:
    """Every current type, and retired ones still in use, in the list's order."""
    return [t for t in types if not t.retired or any(table.get(t.pk, {}).values())]


def _merge_unattributed(
    table: dict[int | None, dict[str, int]], types: list[SourceType]
) -> dict[int, dict[str, int]]:
    """Add the claims with no attribution to the "unattributed" type, as the queue does."""
    merged = {t.pk: dict(table.get(t.pk, {})) for t in types}
    unattributed = next((t for t in types if t.slug == UNATTRIBUTED), None)
    if unattributed is not None:
        for status, n in table.get(None, {}).items():
            merged[unattributed.pk][status] = merged[unattributed.pk].get(status, 0) + n
    return merged


def source_types(
    claims: QuerySet, total: int, counted: Sourcing | None = None
) -> tuple[list[Bar], list[Stack]]:
    """Claims by source type, and the verdicts of each type's claims."""
    counted = counted or sourcing(claims)
    table = _types_by_status(counted)
    types = _types(table, counted.types)
    merged = _merge_unattributed(table, types)
    bars = [
        Bar(t.name, sum(merged[t.pk].values()), total, {"source_type": t.slug}, key=t.slug)
        for t in types
    ]
    stacks = []
    for t in types:
        segments = [
            Bar(
                status.label,
                merged[t.pk].get(status.value, 0),
                0,
                {"source_type": t.slug, "status": status.value},
                key=status.value,
            )
            for status in VERDICTS
        ]
        stack = Stack(t.name, segments, {"source_type": t.slug, "status": list(VERDICTS)})
        for segment in segments:
            segment.total = stack.total
        stacks.append(stack)
    return bars, stacks


# ---------------------------------------------------------------------------
# Sources and intermediaries


def top_sources(claims: QuerySet, total: int, limit: int = TOP_SOURCES) -> list[Bar]:
    """The most cited sources, with their false-or-misleading share of signed-off claims.

    Two queries: the most cited sources off the attributions' source index
    alone, then the verdicts of those few sources' claims.
    """
    # A claim cites a source once (attribution_unique_source): rows are claims.
    ranked = list(
        attributions_of(claims)
        .order_by()
        .values("source")
        .annotate(n=Count("pk"))
        .order_by("-n", "source")[:limit]
    )
    signed = Q(claim__signed_off_at__isnull=False)
    details = {
        row["source"]: row
        for row in attributions_of(claims)
        .order_by()
        .filter(source__in=[row["source"] for row in ranked])
        .values("source", "source__name", "source__is_anonymous")
        .annotate(
            signed=Count("pk", filter=signed),
            bad=Count("pk", filter=signed & Q(claim__status__in=BAD_VERDICTS)),
        )
    }
    bars = []
    for row in ranked:
        found = details[row["source"]]
        bar = Bar(found["source__name"], row["n"], total, {"source": row["source"]})
        bar.anonymous = found["source__is_anonymous"]
        bar.signed = found["signed"]
        bar.bad = found["bad"]
        bar.bad_percent = round(100 * bar.bad / bar.signed, 1) if bar.signed else None
        bars.append(bar)
    return bars


def by_intermediary(claims: QuerySet, total: int, limit: int = TOP_INTERMEDIARIES) -> list[Bar]:
    """Claims relayed by each intermediary, the busiest first."""
    rows = (
        attributions_of(claims)
        .order_by()
        .filter(intermediary__isnull=False)
        .values("intermediary", "intermediary__name")
        .annotate(n=Count("claim", distinct=True))
        .order_by("-n", "intermediary__name", "intermediary")[:limit]
    )
    return [
        Bar(row["intermediary__name"], row["n"], total, {"intermediary": row["intermediary"]})
        for row in rows
    ]


# ---------------------------------------------------------------------------
# Named and anonymous, by outlet and by week


def _anonymity_stacks(
    label: str, claims: int, anonymous: int, attributed: int, filters: dict[str, Any] | None
) -> Stack:
    def link(extra: dict[str, str]) -> dict[str, Any] | None:
        return None if filters is None else {**filters, **extra}

    segments = [
        Bar("Anonymous source", anonymous, claims, link({"anonymity": "anonymous"}), "anon"),
        Bar("Named only", attributed - anonymous, claims, link({"anonymity": "named"}), "named"),
        Bar("No source", claims - attributed, claims, link({"sources": "0"}), "none"),
    ]
    return Stack(label, segments, filters)


def _anonymous_per_claim(claims: QuerySet, **keys: Any) -> QuerySet:
    """One row per attributed claim: its `keys`, and how many of its sources are anonymous."""
    return _per_claim(attributions_of(claims).order_by(), **keys).annotate(
        anon=Count("pk", filter=Q(source__is_anonymous=True))
    )


def by_outlet(claims: QuerySet, limit: int = TOP_OUTLETS) -> list[Stack]:
    """Claims citing anonymous sources, named only, or none, for the outlets with most claims."""
    totals = list(
        _plain(claims)
        .values("article__outlet")
        .annotate(n=Count("pk"))
        .order_by("-n", "article__outlet")[:limit]
    )
    outlets = [row["article__outlet"] for row in totals]
    inner = _anonymous_per_claim(
        claims.filter(article__outlet__in=outlets), outlet=F("claim__article__outlet")
    )
    counts = {
        row["outlet"]: row
        for row in _grouped(inner, ["outlet"], {"anonymous": _count_where('"anon" > 0')})
    }
    stacks = []
    for row in totals:
        outlet = row["article__outlet"]
        found = counts.get(outlet, {"claims": 0, "anonymous": 0})
        stacks.append(
            _anonymity_stacks(
                outlet or NO_OUTLET,
                row["n"],
                found["anonymous"] or 0,
                found["claims"],
                # The queue cannot ask for "no outlet": that bar has no link.
                {"outlet": outlet} if outlet else None,
            )
        )
    return stacks


def _monday(day: date | str) -> date:
    if isinstance(day, str):  # SQLite hands back the raw text of an expression
        day = date.fromisoformat(day[:10])
    return day - timedelta(days=day.weekday())


def anonymous_trend(claims: QuerySet) -> list[Stack]:
    """Per week, the claims citing an anonymous source, named ones only, or none."""
    by_day = (
        _plain(claims).annotate(day=claim_date()).values("day").annotate(n=Count("pk")).order_by()
    )
    inner = _anonymous_per_claim(
        claims,
        day=claim_date("claim__"),
    )
    weeks: dict[date, list[int]] = {}
    # Days fold into weeks here: a few hundred groups, whatever the number of claims.
    for row in by_day:
        if row["day"] is not None:
            weeks.setdefault(_monday(row["day"]), [0, 0, 0])[0] += row["n"]
    for row in _grouped(inner, ["day"], {"anonymous": _count_where('"anon" > 0')}):
        if row["day"] is not None:
            week = weeks.setdefault(_monday(row["day"]), [0, 0, 0])
            week[1] += row["anonymous"] or 0
            week[2] += row["claims"]
    stacks = []
    for monday in sorted(weeks):
        claims_n, anonymous, attributed = weeks[monday]
        sunday = monday + timedelta(days=6)
        stack = _anonymity_stacks(
            f"{monday:%-d %b %Y}",
            claims_n,
            anonymous,
            attributed,
            {"dated_after": monday.isoformat(), "dated_before": sunday.isoformat()},
        )
        stack.extra = {"monday": monday, "sunday": sunday}
        stacks.append(stack)
    return stacks


# ---------------------------------------------------------------------------
# Everything the page shows


@dataclass
class Insights:
    """Every figure of the Insights page for one selection of claims."""

    counts: dict[str, int]
    types: list[Bar]
    verdicts: list[Stack]
    anonymity: list[Bar]
    sources_per_claim: list[Bar]
    intermediaries: list[Bar]
    top_sources: list[Bar]
    outlets: list[Stack]
    weeks: list[Stack]


def insights(claims: QuerySet) -> Insights:
    """Compute every figure of the page: a fixed number of queries, whatever the data."""
    counted = sourcing(claims)
    counts = profile(claims, counted)
    types, verdicts = source_types(claims, counts["claims"], counted)
    return Insights(
        counts=counts,
        types=types,
        verdicts=verdicts,
        anonymity=anonymity(counts),
        sources_per_claim=by_source_count(counts),
        intermediaries=by_intermediary(claims, counts["claims"]),
        top_sources=top_sources(claims, counts["claims"]),
        outlets=by_outlet(claims),
        weeks=anonymous_trend(claims),
    )


# ---------------------------------------------------------------------------
# The page's memo: figures kept until anything they count changes

# How long the page keeps the figures of one selection, at most (0: count every time).
CACHE_SECONDS = 600


def data_version() -> tuple:
    """What changes whenever the counted data does, read in one query off primary keys.

    Every change goes through a service that writes an audit record in the same
    transaction, so the newest record (its id and its hash, unique to its
    content) moves on with each one; the newest claim, attribution and source
    ids also catch rows loaded in bulk without a record (benchmark data).
    """
    tables = [model._meta.db_table for model in (Claim, Attribution, Source)]
    audit = AuditEvent._meta.db_table
    connection = connections[Claim.objects.db]
    qn = connection.ops.quote_name
    newest = [f"(SELECT MAX({qn('id')}) FROM {qn(table)})" for table in tables]
    last_hash = f"(SELECT {qn('hash')} FROM {qn(audit)} ORDER BY {qn('id')} DESC LIMIT 1)"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join([*newest, last_hash])}")
        return tuple(cursor.fetchone())


def cache_key(claims: QuerySet) -> str | None:
    """The cache key of the figures of `claims` as the data stands now (None: nothing to count).

    It names the selection's SQL and the data's version, so every app server sharing the
    cache computes the same key for the same figures, and a change makes a new one.
    """
    try:
        sql, params = claims.order_by().query.sql_with_params()
    except EmptyResultSet:
        return None
    selection = repr((connections[claims.db].vendor, sql, params, data_version()))
    return "factcheck:insights:" + hashlib.sha256(selection.encode()).hexdigest()


def cached_insights(claims: QuerySet) -> Insights:
    """The figures of `claims`, from the cache when nothing has changed since they were counted."""
    key = cache_key(claims) if CACHE_SECONDS else None
    if key is None:
        return insights(claims)
    data = cache.get(key)
    if data is None:
        data = insights(claims)
        cache.set(key, data, CACHE_SECONDS)
    return data


# ---------------------------------------------------------------------------
# Tables: the numbers under each chart, and its CSV file


@dataclass
class Figure:
    slug: str
    title: str
    header: list[str]
    rows: list[list[Any]]  # cells: a number or text, or a Bar (its count, linked to the queue)


def _pct(value: float | None) -> float | str:
    return "" if value is None else value


def figures(data: Insights) -> dict[str, Figure]:
    """Every chart's numbers as a table, in the page's order, keyed by the CSV's name."""
    verdict_names = [status.label for status in VERDICTS]
    stack_header = ["Claims", "Anonymous source", "Named only", "No source", "Anonymous share (%)"]

    def stack_row(stack: Stack) -> list[Any]:
        anonymous = stack.segments[0]
        return [stack.total, *stack.segments, anonymous.percent]

    tables = [
        Figure(
            "types",
            "Claims by source type",
            ["Source type", "Claims", "Share of claims (%)"],
            [[bar.label, bar, bar.percent] for bar in data.types],
        ),
        Figure(
            "anonymity",
            "Anonymous sources",
            ["Attributions", "Count", "Share of attributions (%)", "Claims in the queue"],
            [[bar.label, bar.count, bar.percent, bar] for bar in data.anonymity],
        ),
        Figure(
            "sources-per-claim",
            "Sources per claim",
            ["Sources cited", "Claims", "Share of claims (%)"],
            [[bar.label, bar, bar.percent] for bar in data.sources_per_claim],
        ),
        Figure(
            "intermediaries",
            "Relayed through an intermediary",
            ["Intermediary", "Claims relayed", "Share of claims (%)"],
            [[bar.label, bar, bar.percent] for bar in data.intermediaries],
        ),
        Figure(
            "verdicts",
            "Verdicts by source type",
            ["Source type", *verdict_names, "Claims with a verdict"],
            [[stack.label, *stack.segments, stack.total] for stack in data.verdicts],
        ),
        Figure(
            "top-sources",
            "Most cited sources",
            [
                "Source",
                "Named or anonymous",
                "Claims",
                "Share of claims (%)",
                "Signed off",
                "False or misleading",
                "False or misleading, of signed off (%)",
            ],
            [
                [
                    bar.label,
                    "anonymous" if bar.anonymous else "named",
                    bar,
                    bar.percent,
                    bar.signed,
                    bar.bad,
                    _pct(bar.bad_percent),
                ]
                for bar in data.top_sources
            ],
        ),
        Figure(
            "outlets",
            "Named and anonymous sources by outlet",
            ["Outlet", *stack_header],
            [[stack.label, *stack_row(stack)] for stack in data.outlets],
        ),
        Figure(
            "weeks",
            "Anonymous sources by week",
            ["Week of (Monday)", *stack_header],
            [[stack.extra["monday"].isoformat(), *stack_row(stack)] for stack in data.weeks],
        ),
    ]
    return {table.slug: table for table in tables}


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_rows(figure: Figure) -> list[list[Any]]:
    """The figure's table as CSV rows; text a spreadsheet would run as a formula is defused."""

    def cell(value: Any) -> Any:
        if isinstance(value, Bar):
            return value.listed
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            return "'" + value
        return value

    return [figure.header, *([cell(value) for value in row] for row in figure.rows)]


def sourcing_strip(claims: QuerySet) -> dict[str, Any]:
    """The review page's summary of one article: its types, anonymous share, unsourced claims.

    Counted apart from the Insights figures, which split every count by claim
    status: a panel action that adds or removes a source counts the strip again,
    so it is two small GROUP BY queries (and the list of types), one over the
    attributions by source type and one over the claims, a few milliseconds for
    an article with 3,000 attributions where `sourcing()` takes fifteen.
    """
    types = list(SourceType.objects.all())
    by_type = {
        type_id: (claims_of_type, n, anonymous, unexplained)
        for type_id, claims_of_type, n, anonymous, unexplained in attributions_of(claims)
        .order_by()
        .values("source__source_type")
        .annotate(
            claims=Count("claim", distinct=True),
            n=Count("pk"),
            anonymous=Count("pk", filter=Q(source__is_anonymous=True)),
            unexplained=Count("pk", filter=Q(source__is_anonymous=True, anonymity_reason="")),
        )
        .values_list("source__source_type", "claims", "n", "anonymous", "unexplained")
    }
    counts = _plain(claims).aggregate(
        claims=Count("pk"),
        attributed=Count("pk", filter=Exists(Attribution.objects.filter(claim=OuterRef("pk")))),
    )
    counts["none"] = counts["claims"] - counts["attributed"]
    for key, column in (
        ("attributions", 1),
        ("anonymous_attributions", 2),
        ("unexplained_attributions", 3),
    ):
        counts[key] = sum(row[column] for row in by_type.values())
    bars = []
    for t in types:
        count = by_type.get(t.pk, (0,))[0]
        if t.retired and not count:
            continue  # as on the Insights page: a retired type shows only while in use
        if t.slug == UNATTRIBUTED:
            count += counts["none"]  # a claim with no attribution counts here
        if count:
            bars.append(Bar(t.name, count, counts["claims"], {"source_type": t.slug}, key=t.slug))
    return {
        "counts": counts,
        "types": bars,
        "anonymous": Bar("Anonymous", counts["anonymous_attributions"], counts["attributions"]),
    }
