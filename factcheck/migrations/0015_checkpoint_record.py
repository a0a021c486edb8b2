from django.db import migrations, models


def install(apps, schema_editor):
    from factcheck.audit import install_triggers

    install_triggers(schema_editor.connection, tables=["factcheck_checkpointrecord"])


def remove(apps, schema_editor):
    from factcheck.audit import remove_triggers

    remove_triggers(schema_editor.connection, tables=["factcheck_checkpointrecord"])


class Migration(migrations.Migration):
    dependencies = [("factcheck", "0014_claim_search_vector")]

    operations = [
        migrations.CreateModel(
            name="CheckpointRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "number",
                    models.PositiveIntegerField(
                        help_text="1 for the first checkpoint.", unique=True
                    ),
                ),
                ("written_at", models.DateTimeField()),
                (
                    "last_id",
                    models.BigIntegerField(
                        help_text="The audit event that was the chain's head, none for an "
                        "empty chain.",
                        null=True,
                    ),
                ),
                (
                    "count",
                    models.PositiveBigIntegerField(help_text="How many events the chain held."),
                ),
                (
                    "mac",
                    models.CharField(
                        help_text="The checkpoint's signature, as in the store.",
                        max_length=64,
                        unique=True,
                    ),
                ),
            ],
            options={"ordering": ["number"]},
        ),
        migrations.RunPython(install, remove),
    ]
