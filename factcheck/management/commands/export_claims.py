"""Write the claims CSV (one row per attribution) to standard output or a file.

    python manage.py export_claims --status false --status misleading -o claims.csv

The options are the claims queue's filters: they go through the same
`ClaimFilter`, so the command exports what the queue would list.
"""

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from factcheck import exports
from factcheck.filters import CLAIM_SORTS, ClaimFilter
from factcheck.models import Claim, SourceType, VerificationStatus

# The command's options that are the queue's query parameters of the same name.
FILTER_OPTIONS = ("status", "article", "outlet", "source_type", "source", "anonymity", "sort")


def query_of(values: dict[str, object]) -> QueryDict:
    """Build the query string a page would send, from option values (a list for several)."""
    query = QueryDict(mutable=True)
    for name, value in values.items():
        if value is not None and value != []:
            query.setlist(
                name, [str(item) for item in value] if isinstance(value, list) else [str(value)]
            )
    return query


def refusal(errors: dict[str, str], hints: dict[str, str]) -> CommandError:
    """A CommandError naming each bad option, its problem and what it accepts."""
    problems = [
        f"--{name.replace('_', '-')}: {message}" + (f" ({hints[name]})" if name in hints else "")
        for name, message in errors.items()
    ]
    return CommandError("Nothing was exported. " + " ".join(problems))


def write(command: BaseCommand, rows: exports.Audited, *, output: str | None, bom: bool) -> None:
    """Write the rows as CSV to the file `output`, or to standard output."""
    if output is None:
        exports.write_csv(rows, command.stdout, bom=bom)
        return
    with open(output, "w", encoding="utf-8", newline="") as stream:
        exports.write_csv(rows, stream, bom=bom)
    command.stderr.write(f"{rows.count} row(s) written to {output}.")


class Command(BaseCommand):
    help = "Export claims as CSV, one row per attribution, filtered like the claims queue."

    def add_arguments(self, parser):
        parser.add_argument(
            "--status",
            action="append",
            metavar="STATUS",
            help="Only claims with this status; repeat for several.",
        )
        parser.add_argument("--article", metavar="ID", help="Only the claims of this article.")
        parser.add_argument("--outlet", help="Only claims in articles of this outlet (exact name).")
        parser.add_argument(
            "--source-type",
            metavar="SLUG",
            help="Only claims with a source of this type; “unattributed” also matches claims "
            "with no attribution.",
        )
        parser.add_argument("--source", metavar="ID", help="Only claims attributed to this source.")
        parser.add_argument("--anonymity", choices=["anonymous", "named"])
        parser.add_argument(
            "--sort", choices=list(CLAIM_SORTS), help="Row order (default: last change first)."
        )
        parser.add_argument(
            "--bom", action="store_true", help="Start with the byte order mark that Excel wants."
        )
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="Write to FILE instead of standard output."
        )

    def handle(self, **options):
        query = query_of({name: options[name] for name in FILTER_OPTIONS})
        claim_filter = ClaimFilter(query, queryset=Claim.objects.all())
        errors = exports.filter_errors(claim_filter, ignore=())
        if errors:
            raise refusal(
                errors,
                {
                    "status": "one of " + ", ".join(VerificationStatus.values),
                    "source_type": "one of "
                    + ", ".join(SourceType.objects.values_list("slug", flat=True)),
                },
            )
        rows = exports.Audited(
            exports.claim_rows(claim_filter.qs),
            actor=None,
            action="export.claims",
            object_id="claims",
            object_repr="claims CSV (command line)",
            filters=exports.filters_of(query),
        )
        write(self, rows, output=options["output"], bom=options["bom"])
