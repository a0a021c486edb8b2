"""Django's `flush`, taught about the append-only audit table.

The audit triggers refuse DELETE and TRUNCATE, so a flush must lift them and
put them back. That is allowed only where FACTCHECK_ALLOW_AUDIT_FLUSH is on
(the test suite, which flushes between transactional tests).
"""

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections

from factcheck.audit import install_triggers, remove_triggers


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
            return super().handle(**options)
        finally:
            install_triggers(connection)
