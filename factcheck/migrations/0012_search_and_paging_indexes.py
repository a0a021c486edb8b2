"""Full-text search (issue 12, point 1) and the indexes keyset paging reads (point 2).

Search (`factcheck.search`):

- SQLite: one FTS5 external-content table per searched table (claim text and
  rationale, article title, note body, source name and aliases), filled from
  the rows already there and kept in step by triggers, so that a write that
  bypasses Django (a raw INSERT, the shell) is found as well. The tokenizer
  keeps accents (`remove_diacritics 0`): text is found as typed.
  Caution: SQLite's schema editor remakes a table to alter one of its columns,
  which drops its triggers; a later migration that does so to one of these
  tables must run this one's SQL again (tests/test_search.py would fail).
- PostgreSQL: GIN indexes over the very `to_tsvector('simple', …)` expressions
  the search queries; the 'simple' configuration folds case only, no stemming
  and no accent folding, so Arabic and accented words are found as typed.

Paging. The queue's default order is the last change, newest first, with the
id breaking ties; a keyset page seeks to its cursor in an index in that order
and reads on until the page is full. Plans on a million claims (the benchmark
data set, `manage.py benchmark queue`), after ANALYZE:

- "Awaiting sign-off" (`signed_off_at IS NULL AND status IN (verdicts)`).
  Before: SQLite `SEARCH factcheck_claim USING INDEX claim_sign_off
  (signed_off_at=? AND status=?)` + `USE TEMP B-TREE FOR ORDER BY`, a sort of
  every claim awaiting sign-off (1.3 s): sqlite_stat1 keeps one average per
  column, so the NULLs of signed_off_at look as rare as its timestamps. Now the
  condition is marked `likely()` (factcheck.planner) and SQLite walks the page's
  order: `SCAN factcheck_claim USING INDEX factcheck_claim_updated_at_…`, or
  this partial index claim_awaiting_sign_off (updated_at, id) WHERE
  signed_off_at IS NULL where its statistics say so (`SCAN factcheck_claim
  USING INDEX claim_awaiting_sign_off`, 4 ms when forced). PostgreSQL: `Index
  Scan Backward using factcheck_claim_updated_at_…`, Filter on the two
  conditions, `Incremental Sort` on the ties: no full sort either way. The
  partial index is for a desk that signs off promptly, where few claims wait
  and walking the last-change index would read many rows per match.
- Assignee (`assigned_to_id = ?`). Before: claim_assignee_status
  (assigned_to, status) and a sort of all the person's claims. Now SQLite
  `SEARCH factcheck_claim USING INDEX claim_assignee_updated (assigned_to_id=?)`,
  in the page's order; PostgreSQL prefers `Index Scan Backward using
  factcheck_claim_updated_at_…` with `Filter: (assigned_to_id = …)` while one
  claim in 30 is the person's, and this index where fewer are.

The indexes are SQL here rather than `Meta.indexes` (one migration for the
search and the paging); tests/test_keyset_paging.py checks on both databases
that these pages are read in their order, never sorted.
"""

from django.db import migrations

# (FTS5 table, table, columns)
FTS_TABLES = [
    ("factcheck_claim_fts", "factcheck_claim", ["text", "rationale"]),
    ("factcheck_article_fts", "factcheck_article", ["title"]),
    ("factcheck_note_fts", "factcheck_note", ["body"]),
    ("factcheck_source_fts", "factcheck_source", ["name", "aliases"]),
]
# (index, table, expression): the expressions factcheck.search queries, to the letter.
GIN_INDEXES = [
    ("claim_search", "factcheck_claim", "coalesce(text, '') || ' ' || coalesce(rationale, '')"),
    ("article_search", "factcheck_article", "title"),
    ("note_search", "factcheck_note", "body"),
    ("source_search", "factcheck_source", "name || ' ' || aliases::text"),
]
EVENTS = ("insert", "delete", "update")
# (index, table, columns and condition). "Awaiting sign-off" is a partial index:
# PostgreSQL reads `signed_off_at IS NULL` as no equality, so an index led by
# that column would not give the rows in the page's order; the status is
# tested row by row (SQLite could not match a condition on the bound verdicts).
PAGING_INDEXES = [
    ("claim_awaiting_sign_off", "factcheck_claim", "(updated_at, id) WHERE signed_off_at IS NULL"),
    ("claim_assignee_updated", "factcheck_claim", "(assigned_to_id, updated_at, id)"),
]


def fts5_sql(fts: str, table: str, columns: list[str]) -> list[str]:
    names = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    old = ", ".join(f"old.{column}" for column in columns)
    forget = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
    index = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {index} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {forget} END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} "
        f"BEGIN {forget} {index} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def forwards(apps, schema_editor):
    statements = [
        f"CREATE INDEX {name} ON {table} {columns}" for name, table, columns in PAGING_INDEXES
    ]
    if schema_editor.connection.vendor == "sqlite":
        for fts, table, columns in FTS_TABLES:
            statements += fts5_sql(fts, table, columns)
    elif schema_editor.connection.vendor == "postgresql":
        statements += [
            f"CREATE INDEX {name} ON {table} USING gin (to_tsvector('simple', {expression}))"
            for name, table, expression in GIN_INDEXES
        ]
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = [f"DROP INDEX IF EXISTS {name}" for name, _, _ in PAGING_INDEXES]
    if schema_editor.connection.vendor == "sqlite":
        for fts, _, _ in FTS_TABLES:
            statements += [
                *(
                    f"DROP TRIGGER IF EXISTS {fts}_{event}"
                    for event in ("insert", "delete", "update")
                ),
                f"DROP TABLE IF EXISTS {fts}",
            ]
    elif schema_editor.connection.vendor == "postgresql":
        statements += [f"DROP INDEX IF EXISTS {name}" for name, _, _ in GIN_INDEXES]
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("factcheck", "0010_source_type_retired_workflow_index"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
