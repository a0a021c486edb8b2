"""Load-test the workbench: simulated reviewers and editors against gunicorn, then checks.

    DATABASE_URL=postgres://…/factcheck_load python manage.py loadtest --users 20 --duration 120

It writes to the configured database (users, articles, claims named after the
run): point DATABASE_URL at a scratch one. See `factcheck.loadtest`.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Run simulated reviewers and editors against gunicorn on 127.0.0.1 for a while, print "
        "throughput and latency by action, then check the audit trail; exit non-zero on any "
        "5xx, lost write or broken chain. Writes to the configured database: use a scratch one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=20, help="Simulated reviewers.")
        parser.add_argument("--editors", type=int, default=4, help="Simulated editors.")
        parser.add_argument("--duration", type=float, default=120, help="Seconds of work.")
        parser.add_argument("--articles", type=int, default=5, help="Shared articles.")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn workers.")
        parser.add_argument("--seed", type=int, help="Seed of the run's choices.")
        parser.add_argument(
            "--no-migrate", action="store_true", help="Do not migrate the database first."
        )

    def handle(self, **options):
        if options["users"] < 1 or options["editors"] < 1 or options["articles"] < 1:
            raise CommandError("The run needs at least one reviewer, editor and article.")
        from factcheck.loadtest import LoadTestConfig, run

        if not options["no_migrate"]:
            call_command("migrate", verbosity=0, interactive=False)
        result = run(
            LoadTestConfig(
                users=options["users"],
                editors=options["editors"],
                duration=options["duration"],
                articles=options["articles"],
                workers=options["workers"],
                seed=options["seed"],
            )
        )
        self.stdout.write(result.report())
        if not result.passed:
            raise CommandError("The load test failed; see above.")
