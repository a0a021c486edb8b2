"""Django's `flush`, taught about the append-only audit table and our seeded rows.

The audit triggers refuse DELETE and TRUNCATE, so a flush must lift them and
put them back. That is allowed only where FACTCHECK_ALLOW_AUDIT_FLUSH is on
(the test suite, which flushes between transactional tests). Afterwards the
rows our data migrations create (source types, role groups) are put back, so
the database is as `migrate` leaves it.
"""

import importlib

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections

from factcheck.audit import install_triggers, remove_triggers
from factcheck.models import SourceType
from factcheck.roles import sync_role_groups

default_source_types = importlib.import_module("factcheck.migrations.0002_default_source_types")


class Command(DjangoFlush):
    def handle(self, **options):
        if not settings.FACTCHECK_ALLOW_AUDIT_FLUSH:
            raise CommandError(
                "The audit history is append-only; flush is refused. "
                "Set FACTCHECK_ALLOW_AUDIT_FLUSH=true only on a throwaway database."
            )
        connection = connections[options["database"]]
        remove_triggers(connection)
        try:
            super().handle(**options)
        finally:
            install_triggers(connection)
        # The rows our data migrations create, in the flushed database.
        database = options["database"]
        for position, (slug, name, description) in enumerate(
            default_source_types.DEFAULT_SOURCE_TYPES
        ):
            SourceType.objects.using(database).get_or_create(
                slug=slug,
                defaults={"name": name, "description": description, "position": position},
            )
        sync_role_groups(Group, Permission, using=database)
