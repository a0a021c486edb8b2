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
`to_tsvector('simple', …)` expressions this module queries, so there is
nothing to keep in step.
"""

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

# Beyond this a search is cut: nobody types more, and each word costs a lookup.
MAX_TERMS = 16
MAX_WORD = 100
# A search whose words match fewer claims than this looks them up by id and
# sorts them; one that matches more lets the database walk the page's order
# and test each claim, which finds a page of common words sooner.
FEW = 5000

WORD = re.compile(r"\w+")
TOKEN = re.compile(r'"([^"]*)"?|(\S+)')

# The searched texts, as (SQLite FTS5 table, PostgreSQL text expression, table, claim id).
SEARCHED = {
    "claim": ("factcheck_claim_fts", "coalesce(text, '') || ' ' || coalesce(rationale, '')"),
    "article": ("factcheck_article_fts", "title"),
    "note": ("factcheck_note_fts", "body"),
    "source": ("factcheck_source_fts", "name || ' ' || aliases::text"),
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
    fts, expression = SEARCHED[kind]
    if connection.vendor == "sqlite":
        return f"SELECT rowid AS id FROM {fts} WHERE {fts} MATCH %s"
    return (
        f"SELECT id FROM factcheck_{kind} "
        f"WHERE to_tsvector('simple', {expression}) @@ to_tsquery('simple', %s)"
    )


def claim_ids_sql(terms: list[Term]) -> tuple[str, list[str]]:
    """SQL (and its parameters) for the ids of the claims one of whose texts matches."""
    query = fts5_query(terms) if connection.vendor == "sqlite" else tsquery(terms)
    sql = " UNION ".join(
        [
            _matching("claim"),
            f"SELECT id FROM factcheck_claim WHERE article_id IN ({_matching('article')})",
            f"SELECT claim_id AS id FROM factcheck_note WHERE id IN ({_matching('note')})",
            f"SELECT claim_id AS id FROM factcheck_attribution WHERE source_id IN "
            f"({_matching('source')})",
        ]
    )
    return sql, [query] * 4


def claims(queryset: QuerySet, text: str) -> QuerySet:
    """Narrow `queryset` (claims) to those matching `text`; see the module's docstring."""
    terms = parse(text)
    if not terms:
        # Nothing but punctuation: look for it as it is in the claim's text.
        return queryset.filter(text__icontains=text.strip()) if text.strip() else queryset
    sql, params = claim_ids_sql(terms)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM ({sql}) AS found LIMIT {FEW + 1}", params)
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) <= FEW:
        return queryset.filter(pk__in=ids)
    return queryset.filter(pk__in=RawSQL(sql, params))


def sources(queryset: QuerySet, text: str) -> QuerySet:
    """Narrow `queryset` (sources) to those whose name or an alias holds every word of `text`."""
    terms = parse(text)
    if not terms:
        return queryset.filter(name__icontains=text.strip()) if text.strip() else queryset
    query = fts5_query(terms) if connection.vendor == "sqlite" else tsquery(terms)
    return queryset.filter(pk__in=RawSQL(_matching("source"), [query]))
