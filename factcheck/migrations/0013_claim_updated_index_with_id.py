"""The queue's default order, last change newest first with the id breaking ties, read off one index.

The last-change index held `updated_at` alone. SQLite's indexes end with the
rowid, so it served the whole order there; PostgreSQL's did not, and every
page sorted the claims that share a last-change time, which a bulk import
makes many of (on the benchmark's million claims, `Incremental Sort` over
7,336 rows for a page of 50 of one source type: 184 ms). Now both read
(updated_at, id): `Index Scan Backward using claim_updated`, no sort.

Done in SQL rather than by altering the field: SQLite's schema editor would
remake the claim table to drop the field's index, and with it the search
triggers of migration 0012. Dropping and creating an index touches no table.
"""

from django.db import migrations, models

OLD = "factcheck_claim_updated_at_5dc1dddd"


class Migration(migrations.Migration):
    dependencies = [
        ("factcheck", "0012_search_and_paging_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="claim",
                    name="updated_at",
                    field=models.DateTimeField(auto_now=True),
                ),
                migrations.AddIndex(
                    model_name="claim",
                    index=models.Index(fields=["updated_at", "id"], name="claim_updated"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=[
                        f'DROP INDEX "{OLD}"',
                        'CREATE INDEX "claim_updated" ON "factcheck_claim" ("updated_at", "id")',
                    ],
                    reverse_sql=[
                        'DROP INDEX "claim_updated"',
                        f'CREATE INDEX "{OLD}" ON "factcheck_claim" ("updated_at")',
                    ],
                ),
            ],
        ),
    ]
