"""Fill the configured, throwaway database with the benchmark's data set and time the queue.

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python manage.py migrate
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python manage.py benchmark_queue \\
        --claims 1000000 --yes-throwaway-db

Kept for the scripts that call it: it is `manage.py benchmark queue` on the
database DATABASE_URL names (which must hold no data yet) rather than on one
the benchmark makes. The data set and the timings are those of
`factcheck/benchmarks/` (`data.build`, `queue.measure`).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from factcheck.benchmarks import data, queue, timing
from factcheck.models import AuditEvent


class Command(BaseCommand):
    help = "Fill an empty, throwaway database with N claims and time the claims queue on it."

    def add_arguments(self, parser):
        parser.add_argument("--claims", type=int, default=1_000_000)
        parser.add_argument("--repeat", type=int, default=3, help="Runs per timing (median).")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--yes-throwaway-db",
            action="store_true",
            help="Confirm that the database (DATABASE_URL) is a scratch one this may fill.",
        )
        parser.add_argument(
            "--time-only",
            action="store_true",
            help="Skip loading; time a database this command filled before.",
        )

    def handle(self, **options):
        if not options["yes_throwaway_db"]:
            raise CommandError(
                "This fills the database with benchmark rows. Point DATABASE_URL at a scratch "
                "database, run migrate, and pass --yes-throwaway-db."
            )
        built = data.built_here()
        if options["time_only"]:
            if built is None:
                raise CommandError("--time-only needs a database this command filled before.")
        elif built is not None or data.holds_data() or AuditEvent.objects.exists():
            raise CommandError(
                f"The database {connection.settings_dict['NAME']} is not empty; "
                "the benchmark only fills an empty, throwaway one."
            )
        else:
            data.build(options["claims"], seed=options["seed"], write=self.write)
        title, rows, notes = queue.measure(repeat=options["repeat"], write=self.write)
        timing.table(title, rows, self.write)
        for note in notes:
            self.write(note)

    def write(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
