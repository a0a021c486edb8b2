from django.db import migrations


def record(apps, schema_editor):
    # The accounts that exist before their changes are audited: the baseline that
    # `verify_audit --replay` compares every later account change against.
    from factcheck.services.accounts import accounts_record_existing

    accounts_record_existing(reason="Accounts as they stood when their changes began to be audited")


class Migration(migrations.Migration):
    dependencies = [("factcheck", "0015_checkpoint_record"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(record, migrations.RunPython.noop)]
