"""PostgreSQL: each claim's searched words kept in a stored column, not worked out per search.

A search for a common word walks the queue's order and tests each claim
(factcheck.search.claim_matches_sql). Working out `to_tsvector` of a claim's
text and rationale then costs about 45 µs a claim: 67 ms for a page of an
Arabic word on the benchmark's million claims, where one claim in 25 matches.
A stored generated column holds that vector, kept by PostgreSQL itself on
every write (raw SQL included), and the GIN index of migration 0012 is now
built on it. SQLite is untouched: its FTS5 tables already hold the words.

The column is not on the Django model (it has no SQLite twin); Django neither
reads nor writes it. Caution: PostgreSQL refuses to change the type of `text`
or `rationale` while this column depends on them; a migration that does must
drop it first and make it again.
"""

from django.db import migrations

VECTOR = "to_tsvector('simple', coalesce(text, '') || ' ' || coalesce(rationale, ''))"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in (
        f"ALTER TABLE factcheck_claim ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS ({VECTOR}) STORED",
        "DROP INDEX claim_search",
        "CREATE INDEX claim_search ON factcheck_claim USING gin (search_vector)",
    ):
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in (
        "DROP INDEX claim_search",
        "ALTER TABLE factcheck_claim DROP COLUMN search_vector",
        f"CREATE INDEX claim_search ON factcheck_claim USING gin ({VECTOR})",
    ):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("factcheck", "0013_claim_updated_index_with_id"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
