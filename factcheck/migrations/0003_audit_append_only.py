from django.db import migrations


def install(apps, schema_editor):
    from factcheck.audit import install_triggers

    install_triggers(schema_editor.connection, tables=["factcheck_auditevent"])


def remove(apps, schema_editor):
    from factcheck.audit import remove_triggers

    remove_triggers(schema_editor.connection, tables=["factcheck_auditevent"])


class Migration(migrations.Migration):
    dependencies = [("factcheck", "0002_default_source_types")]
    operations = [migrations.RunPython(install, remove)]
