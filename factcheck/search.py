"""Full-text search over claims: their text and rationale, notes, sources and article titles.

`Claim.objects.search("…")` is the one way in (the queue's `q`, and so the
exports that share its filters); `sources()` does the same for a list of
sources. What a reader types is read as:

- words, each of which must be found: `ceasefire talks`;
- a phrase in double quotes, its words side by side: `"death toll"`;
- a word ending in `*`, for every word that starts so: `negotiat*`.

A claim matches when one of its texts holds every word: the claim itself
(text and rationale), one of its notes, the name or an alias of one of its
sources, or its article's title. Words are compared whole, case aside, and
as typed: accents and Arabic letters are kept, not folded or stemmed, so
"café" finds "café" and not "cafe" (PRODUCT.md: search finds what was typed).

SQLite: an FTS5 table per searched table, with `content=` pointing at it (an
external-content table, https://sqlite.org/fts5.html#external_content_tables),
kept in step by triggers created in migration 0012, so a write that bypasses
Django still reaches the index. PostgreSQL: GIN indexes over the same
`to_tsvector('simple', …)` expressions this module queries, the claim's kept
in a stored generated column (migration 0014), so there is nothing to keep in
step.

How the matches are found depends on how many there are. A search that
matches a few thousand claims at most lists their ids from the index and the
page sorts them. One that matches more (a common word) would list and sort
tens of thousands for a page of 50: the database walks the page's own order
instead and tests each claim until the page is full
(`claim_matches_sql`). SQLite counts up to the limit straight off its index;
PostgreSQL's GIN index yields all its matches at once, so there the planner's
estimate, read off the index's statistics, first sets the commonest words
apart (`MANY`).
"""

import json
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

# Beyond this a search is cut: nobody types more, and each word costs a lookup.
MAX_TERMS = 16
MAX_WORD = 100
# A search whose words match fewer claims than this looks them up by id and
# sorts them; one that matches more lets the database walk the page's order
# and test each claim, which finds a page of common words sooner.
FEW = 5000
# PostgreSQL's GIN index hands over every match before the first, so counting
# up to FEW costs as much as listing them all (250 ms for a word in every
# other claim). Where the planner, from the index's statistics, expects more
# than this, the claims are tested one by one without counting. Its guess for
# a word it keeps no statistics on is small, so a rare word is still counted.
MANY = 100_000

WORD = re.compile(r"\w+")
TOKEN = re.compile(r'"([^"]*)"?|(\S+)')

# The searched texts of each table: its SQLite FTS5 table, and its PostgreSQL
# tsvector, spelled as its GIN index is (migrations 0012 and 0014).
SEARCHED = {
    "claim": ("factcheck_claim_fts", "factcheck_claim.search_vector"),
    "article": ("factcheck_article_fts", "to_tsvector('simple', factcheck_article.title)"),
    "note": ("factcheck_note_fts", "to_tsvector('simple', factcheck_note.body)"),
    "source": (
        "factcheck_source_fts",
        "to_tsvector('simple', factcheck_source.name || ' ' || factcheck_source.aliases::text)",
    ),
}


@dataclass(frozen=True)
class Term:
    """One thing asked for: a word, or words side by side; the last one may be a prefix."""

    words: tuple[str, ...]
    prefix: bool = False


def parse(text: str) -> list[Term]:
    """Read a search as typed into words, "phrases" and prefix* terms."""
    terms = []
    for phrase, bare in TOKEN.findall(text):
        raw = phrase if phrase else bare
        words = tuple(word[:MAX_WORD] for word in WORD.findall(raw))
        if words:
            terms.append(Term(words, prefix=raw.rstrip().endswith("*")))
    return terms[:MAX_TERMS]


def fts5_query(terms: list[Term]) -> str:
    """The terms in FTS5's query language: each a quoted string, so no word is an operator."""
    return " ".join(
        '"' + " ".join(term.words) + '"' + ("*" if term.prefix else "") for term in terms
    )


def tsquery(terms: list[Term]) -> str:
    """The terms as a PostgreSQL tsquery: `&` between terms, `<->` inside a phrase."""
    return " & ".join(
        "(" + " <-> ".join(term.words) + (":*" if term.prefix else "") + ")" for term in terms
    )


def _matching(kind: str) -> str:
    """SQL for the ids of `kind` rows whose text matches the query parameter."""
    fts, vector = SEARCHED[kind]
    if connection.vendor == "sqlite":
        return f"SELECT rowid AS id FROM {fts} WHERE {fts} MATCH %s"
    return f"SELECT id FROM factcheck_{kind} WHERE {vector} @@ to_tsquery('simple', %s)"


def claim_ids_sql(terms: list[Term]) -> tuple[str, list[str]]:
    """SQL (and its parameters) for the ids of the claims one of whose texts matches.

    A claim may be listed more than once (UNION ALL, not UNION): the database
    can then stop as soon as it has read as many as it was asked for.
    """
    query = fts5_query(terms) if connection.vendor == "sqlite" else tsquery(terms)
    sql = " UNION ALL ".join(
        [
            _matching("claim"),
            f"SELECT id FROM factcheck_claim WHERE article_id IN ({_matching('article')})",
            f"SELECT claim_id AS id FROM factcheck_note WHERE id IN ({_matching('note')})",
            f"SELECT claim_id AS id FROM factcheck_attribution WHERE source_id IN "
            f"({_matching('source')})",
        ]
    )
    return sql, [query] * 4


def claim_matches_sql(terms: list[Term]) -> tuple[str, list[str]]:
    """SQL true for the claim of the outer query (`factcheck_claim`) when one of its texts matches.

    Tested claim by claim, so the database can walk the page's own order and
    stop at a page of matches, instead of listing every match and sorting them.
    The claim's own text is looked up for each claim; the articles, notes and
    sources that match, far fewer than the claims, are listed once.
    """
    if connection.vendor == "sqlite":
        query = fts5_query(terms)
        # One lookup in the claim's row of the index (FTS5 seeks to a rowid).
        own = (
            "EXISTS (SELECT 1 FROM factcheck_claim_fts WHERE factcheck_claim_fts MATCH %s "
            "AND factcheck_claim_fts.rowid = factcheck_claim.id)"
        )
    else:
        query = tsquery(terms)
        own = f"{SEARCHED['claim'][1]} @@ to_tsquery('simple', %s)"
    tests = [
        own,
        f"factcheck_claim.article_id IN ({_matching('article')})",
        "EXISTS (SELECT 1 FROM factcheck_note WHERE factcheck_note.claim_id = factcheck_claim.id "
        f"AND factcheck_note.id IN ({_matching('note')}))",
        "EXISTS (SELECT 1 FROM factcheck_attribution "
        "WHERE factcheck_attribution.claim_id = factcheck_claim.id "
        f"AND factcheck_attribution.source_id IN ({_matching('source')}))",
    ]
    return "(" + " OR ".join(tests) + ")", [query] * 4


def claims(queryset: QuerySet, text: str) -> QuerySet:
    """Narrow `queryset` (claims) to those matching `text`; see the module's docstring."""
    terms = parse(text)
    if not terms:
        # Nothing but punctuation: look for it as it is in the claim's text.
        return queryset.filter(text__icontains=text.strip()) if text.strip() else queryset
    sql, params = claim_ids_sql(terms)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and _estimate(cursor, sql, params) > MANY:
            found = None
        else:
            found = _first(cursor, f"SELECT id FROM ({sql}) AS found LIMIT {FEW + 1}", params)
    if found is not None and len(found) <= FEW:
        return queryset.filter(pk__in=sorted({claim_id for (claim_id,) in found}))
    sql, params = claim_matches_sql(terms)
    return queryset.filter(RawSQL(sql, params, output_field=BooleanField()))


def _first(cursor, sql: str, params: list[str]) -> list[tuple]:
    """Run a small query. On PostgreSQL without parallel workers: starting them takes
    longer (15 ms) than reading a few thousand ids off the indexes."""
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return cursor.fetchall()
    cursor.execute("SET max_parallel_workers_per_gather = 0")
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.execute("RESET max_parallel_workers_per_gather")


def _estimate(cursor, sql: str, params: list[str]) -> float:
    """How many rows PostgreSQL's planner expects `sql` to return (no rows are read)."""
    cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
    plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"]["Plan Rows"]


def sources(queryset: QuerySet, text: str) -> QuerySet:
    """Narrow `queryset` (sources) to those whose name or an alias holds every word of `text`."""
    terms = parse(text)
    if not terms:
        return queryset.filter(name__icontains=text.strip()) if text.strip() else queryset
    query = fts5_query(terms) if connection.vendor == "sqlite" else tsquery(terms)
    return queryset.filter(pk__in=RawSQL(_matching("source"), [query]))


def optimize() -> list[str]:
    """Merge each SQLite search index into one piece; the names of the indexes merged.

    FTS5 adds a piece to an index at every write and merges them a few at a
    time, so a busy index ends up in dozens of pieces, each read by every
    lookup: testing one claim took 380 µs on a million claims built one batch
    at a time, 30 µs after this (https://sqlite.org/fts5.html#the_optimize_command).
    Run it after a large import and from time to time (`manage.py
    optimize_search`). PostgreSQL's GIN indexes need nothing (autovacuum).
    """
    if connection.vendor != "sqlite":
        return []
    names = [fts for fts, _ in SEARCHED.values()]
    with connection.cursor() as cursor:
        for fts in names:
            cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")
    return names
