"""Time the workbench on a synthetic data set: one subject, or all of them.

    python manage.py benchmark queue --claims 1000000 --db /tmp/bench.sqlite3
    python manage.py benchmark all --claims 1000000 \\
        --database-url postgres://postgres@127.0.0.1:5432/fc_bench
    python manage.py benchmark review --reuse --db /tmp/bench.sqlite3

The data set (`factcheck/benchmarks/data.py`) is built once in a new SQLite
file or a new or empty PostgreSQL database, and shared by every subject; each
subject prints a table with the target beside each figure. The code is in
`factcheck/benchmarks/`; this command only reads the arguments.
"""

import argparse
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from factcheck.benchmarks import runner
from factcheck.benchmarks import suggest as suggest_benchmark


class Command(BaseCommand):
    help = (
        "Time the claims CSV export, the queue, the review page, a status change, the Insights "
        "page or the attribution suggester on a synthetic data set in a database of its own."
    )

    def add_arguments(self, parser):
        parser.add_argument("subject", choices=[*runner.SUBJECTS, "all"], help="What to benchmark.")
        parser.add_argument(
            "--db",
            metavar="PATH",
            help="A new SQLite file for the data set; refused if it exists (see --reuse).",
        )
        parser.add_argument(
            "--database-url",
            metavar="URL",
            help="A PostgreSQL database for the data set instead: created if missing, refused "
            "if it already has tables (see --reuse).",
        )
        parser.add_argument(
            "--claims", type=int, default=1_000_000, help="How many claims to build."
        )
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="Time a database this command built before, instead of building one.",
        )
        parser.add_argument("--repeat", type=int, default=3, help="Runs per timing (median).")
        parser.add_argument("--seed", type=int, default=5)
        parser.add_argument(
            "--articles",
            type=int,
            default=1000,
            metavar="N",
            help="suggest: how many articles to import and suggest for (default 1000).",
        )
        parser.add_argument(
            "--import-export-rows",
            type=int,
            default=100_000,
            metavar="N",
            help="export: run django-import-export on the first N rows only and extrapolate "
            "(0: on all rows).",
        )
        parser.add_argument(
            "--keep-output", action="store_true", help="export: keep the CSV files written."
        )
        # The parent runs itself in child processes, one per step.
        parser.add_argument(
            "--step", choices=[*runner.STEPS, *suggest_benchmark.STEPS], help=argparse.SUPPRESS
        )
        parser.add_argument("--corpus", help=argparse.SUPPRESS)

    def handle(self, **options):
        subject = options["subject"]
        if options["claims"] < 1:
            raise CommandError("--claims must be at least 1.")
        if subject == "suggest":
            self.suggest(options)
            return
        if options["step"]:
            target = runner.target_of(options["db"], options["database_url"])
            runner.child(options["step"], target, options, self.write)
            return
        subjects = list(runner.DATA_SUBJECTS) if subject == "all" else [subject]
        runner.run(subjects, options, self.write)
        if subject == "all":
            self.suggest_in_all(options)

    def suggest(self, options):
        if options["step"]:
            target = runner.target_of(options["db"], options["database_url"])
            suggest_benchmark.child(options["step"], target, Path(options["corpus"]), self.write)
            return
        if options["database_url"]:
            runner.target_of(None, options["database_url"])  # a PostgreSQL URL, or refused
        suggest_benchmark.run(
            articles=options["articles"],
            seed=options["seed"],
            write=self.write,
            db=options["db"],
            database_url=options["database_url"],
        )

    def suggest_in_all(self, options):
        """The suggester's own corpus, on the database kind the other subjects ran on."""
        if options["database_url"]:
            database_url = suggest_benchmark.own_database(options["database_url"])
            self.write("\nThe suggester runs on its own corpus of real articles, in PostgreSQL:")
        else:
            database_url = None
            self.write("\nThe suggester runs on its own corpus of real articles, in SQLite:")
        suggest_benchmark.run(
            articles=options["articles"],
            seed=options["seed"],
            write=self.write,
            database_url=database_url,
            temporary=True,
        )

    def write(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
