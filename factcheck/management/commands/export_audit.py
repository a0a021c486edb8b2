"""Write the audit history as CSV, oldest event first, to standard output or a file.

    python manage.py export_audit --since 2025-01-01 --until 2025-01-31 --user rita -o jan.csv

The options are the activity feed's filters, applied by the same `AuditEventFilter`.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from factcheck import exports
from factcheck.filters import AuditEventFilter
from factcheck.management.commands.export_claims import query_of, refusal, write
from factcheck.models import AuditEvent

FILTER_OPTIONS = ("since", "until", "user", "article")


def day(option: str, value: str | None) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"Nothing was exported. --{option}: “{value}” is not a date; write it YYYY-MM-DD."
        ) from None


class Command(BaseCommand):
    help = "Export the audit history as CSV, filtered by date range, person and article."

    def add_arguments(self, parser):
        parser.add_argument("--since", metavar="DATE", help="From this day on (YYYY-MM-DD).")
        parser.add_argument("--until", metavar="DATE", help="Up to and including this day.")
        parser.add_argument("--user", metavar="NAME", help="Only what this user name did.")
        parser.add_argument("--article", metavar="ID", help="Only events about this article.")
        parser.add_argument(
            "--bom", action="store_true", help="Start with the byte order mark that Excel wants."
        )
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="Write to FILE instead of standard output."
        )

    def handle(self, **options):
        since, until = day("since", options["since"]), day("until", options["until"])
        if since and until and since > until:
            raise CommandError(f"Nothing was exported. --since {since} is after --until {until}.")
        actor = None
        if options["user"] is not None:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(
                    f"Nothing was exported. --user: nobody is called “{options['user']}”."
                )
        query = query_of(
            {
                "created_after": since,
                "created_before": until,
                "actor": actor.pk if actor else None,
                "article": options["article"],
            }
        )
        event_filter = AuditEventFilter(query, queryset=AuditEvent.objects.all())
        errors = exports.filter_errors(event_filter, ignore=())
        if errors:
            raise refusal(errors, {})
        rows = exports.Audited(
            exports.audit_rows(event_filter.qs),
            actor=None,
            action="export.audit",
            object_id="audit",
            object_repr="audit CSV (command line)",
            filters={name: options[name] for name in FILTER_OPTIONS if options[name] is not None},
        )
        write(self, rows, output=options["output"], bom=options["bom"])
