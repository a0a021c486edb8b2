from django.db import migrations

# The nine defaults of PRODUCT.md; editors may edit the list afterwards.
DEFAULT_SOURCE_TYPES = [
    ("ministry", "Ministry", "Ministry or government agency"),
    ("government_office", "Government office", "Head of government's office, White House"),
    ("named_spokesperson", "Named spokesperson", "Named spokesperson or official"),
    ("anonymous_official", "Anonymous official", "Anonymous official or source"),
    ("organization", "Organisation", "Organisation or group statement"),
    ("news_agency", "News agency", "News agency or other media"),
    ("named_individual", "Named individual", "Witness, expert"),
    ("document", "Document", "Report, filing, dataset"),
    ("unattributed", "Unattributed", "The outlet's own assertion"),
]


def add_defaults(apps, schema_editor):
    SourceType = apps.get_model("factcheck", "SourceType")
    for position, (slug, name, description) in enumerate(DEFAULT_SOURCE_TYPES):
        SourceType.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )


def remove_defaults(apps, schema_editor):
    SourceType = apps.get_model("factcheck", "SourceType")
    SourceType.objects.filter(
        slug__in=[slug for slug, _, _ in DEFAULT_SOURCE_TYPES], sources__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("factcheck", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, remove_defaults)]
