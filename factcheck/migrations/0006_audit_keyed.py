"""Key the audit chain: a key id per event, and a trigger that refuses REPLACE on SQLite.

Events already in the table were hashed with plain SHA-256; they keep an empty
key_id, and a signed checkpoint of the chain's head as it stands now is
appended outside the database (FACTCHECK_AUDIT_CHECKPOINTS), so that
verification accepts them, and no unkeyed event written after this point.
"""

from django.db import migrations, models


def install(apps, schema_editor):
    from factcheck.audit import install_triggers
    from factcheck.checkpoints import record_upgrade

    # On SQLite, adding the column rebuilt the table and dropped its triggers.
    install_triggers(schema_editor.connection, tables=["factcheck_auditevent"])
    record_upgrade(using=schema_editor.connection.alias)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS factcheck_auditevent_no_replace")


class Migration(migrations.Migration):
    dependencies = [("factcheck", "0005_indexes_for_queue")]
    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(
                blank=True,
                default="",
                help_text="Which AUDIT_KEY made the hash (an HMAC); empty for events hashed "
                "with plain SHA-256 before the chain was keyed.",
                max_length=16,
            ),
        ),
        migrations.RunPython(install, remove),
    ]
