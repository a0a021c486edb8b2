"""Benchmark the claims CSV export against django-import-export and the sqlite3 command line.

    python manage.py benchmark export --claims 1000000 --db /tmp/bench.sqlite3

(`benchmark suggest` times the attribution suggester: see factcheck/benchmarks/suggest.py.)

The command creates the SQLite file named by `--db` (it refuses a path that
exists, so it can never touch a real database), migrates it and fills it with
synthetic claims: realistic text lengths, about three attributions per claim,
sources of every type, relays, evidence links. The rows are written with
`bulk_create`, not through the services: they are benchmark data, with no
audit history. `--reuse` times a file this command built before.

Each contender runs in its own process, pointed at that file through
`DATABASE_URL`, so that its peak memory is its own:

- ours: `factcheck.exports`, the code behind `/export/claims.csv`, audit event
  included, written to a file;
- django-import-export: `ModelResource.export()` over the same rows and columns
  (install it with `pip install -e .[bench]`); it builds the whole dataset in
  memory, so `--import-export-rows` runs it on the first N rows and the table
  extrapolates its time to all of them;
- the sqlite3 command line running our export's own SQL with `-csv`: the
  floor, with no Python at all.
"""

import argparse
import importlib.util
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.http import QueryDict
from django.utils import timezone

from factcheck.benchmarks import suggest as suggest_benchmark

# The targets of issue 5, at a million rows on a 2-core machine.
TARGET_SPEEDUP_OVER_IMPORT_EXPORT = 10
TARGET_RATIO_TO_SQLITE_CLI = 3
TARGET_FIRST_BYTE_SECONDS = 0.5
TARGET_PEAK_MEGABYTES = 150

MARKER_TABLE = "benchmark_export_marker"
RESULT_PREFIX = "BENCHMARK-RESULT "
CLAIMS_PER_ARTICLE = 12
SOURCES_PER_TYPE = 600
USERS = 12
# How many attributions a claim has, and how often: about three on average.
ATTRIBUTION_COUNTS = {0: 8, 1: 10, 2: 17, 3: 25, 4: 25, 5: 15}
STATUS_WEIGHTS = {
    "unverified": 40,
    "in_progress": 20,
    "verified": 15,
    "partly_verified": 7,
    "false": 7,
    "misleading": 6,
    "unverifiable": 5,
}
VERDICTS = {"verified", "partly_verified", "false", "misleading", "unverifiable"}
OUTLETS = [
    "Daily Ledger",
    "The Courier",
    "Wire Service",
    "Evening Post",
    "Al-Mirsad",
    "Le Veilleur",
]
# Words for synthetic sentences. About one article in seven is in Arabic.
ENGLISH_TEXT = (
    "the ministry said on monday that at least people were killed and wounded in strikes "
    "across the north overnight officials told reporters talks on a ceasefire had stalled "
    "according to a statement released by the office aid agencies warned that fuel supplies "
    "would run out within days unless crossings reopened prices of flour rose sharply "
    "residents described long queues outside bakeries as the death toll climbed again"
)
ARABIC_TEXT = (
    "قالت وزارة الصحة إن عدد القتلى ارتفع إلى أكثر من مئة شخص في الغارات الليلية وأضاف "
    "مسؤول طلب عدم الكشف عن هويته أن المفاوضات بشأن وقف إطلاق النار متوقفة"
)
ENGLISH, ARABIC = ENGLISH_TEXT.split(), ARABIC_TEXT.split()
ARABIC_SHARE = 0.15
CUES = ["said", "told", "said in a statement", "according to", "told reporters", "wrote"]
REASONS = [
    "speaking on condition of anonymity because they were not authorised to brief the media",
    "who asked not to be named because the talks are confidential",
    "speaking on condition of anonymity",
]


# The columns the data set fills, in the order of the tuples `build` makes.
ARTICLE_COLUMNS = [
    *("id", "title", "outlet", "url", "published_on", "language", "text"),
    *("content_hash", "created_at", "updated_at"),
]
CLAIM_COLUMNS = [
    *("id", "article", "start", "end", "text", "status", "rationale", "version"),
    *("proposed_by", "proposed_at", "signed_off_by", "signed_off_at", "created_at", "updated_at"),
]
ATTRIBUTION_COLUMNS = [
    *("claim", "source", "mention_text", "cue", "quote_mode", "intermediary"),
    *("ground_rule", "anonymity_reason", "created_at", "updated_at"),
]


class Sentences:
    """Sentences of given lengths, drawn from pools made once (making each anew is too slow)."""

    def __init__(self, rng: random.Random, words: list[str], size: int = 3000):
        self.rng, self.words, self.size = rng, words, size
        self.pools: dict[tuple[int, int], list[str]] = {}

    def make(self, low: int, high: int) -> str:
        target = self.rng.randint(low, high)
        words: list[str] = []
        while sum(map(len, words)) + len(words) < target:
            words.append(self.rng.choice(self.words))
        return " ".join(words).capitalize()

    def __call__(self, low: int, high: int) -> str:
        pool = self.pools.get((low, high))
        if pool is None:
            pool = self.pools[low, high] = [self.make(low, high) for _ in range(self.size)]
        return self.rng.choice(pool)


def stamp(moment) -> str:
    """A timestamp as Django stores it in SQLite: UTC, "YYYY-MM-DD HH:MM:SS.ffffff"."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def insert(cursor, model, columns: list[str], rows: list[tuple]) -> None:
    """Insert rows in one executemany: bulk_create's per-object work costs minutes here."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    marks = ", ".join(["%s"] * len(columns))
    cursor.executemany(
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})", rows
    )


def high_water_megabytes(pid: int | str = "self") -> float | None:
    """A process's peak resident memory so far (Linux's VmHWM), or None where unknown."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def peak_megabytes() -> float:
    """This process's peak resident memory.

    VmHWM starts afresh at exec; getrusage's ru_maxrss would carry over the
    parent's peak into a child spawned with vfork, so it is only the fallback.
    """
    peak = high_water_megabytes()
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sql_literal(value: Any) -> str:
    if isinstance(value, bool | int | float):
        return str(int(value) if isinstance(value, bool) else value)
    return "'" + str(value).replace("'", "''") + "'"


def built_by_us(path: Path) -> bool:
    """Whether the SQLite file carries the table this command marks its databases with."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            db.execute(f"SELECT count(*) FROM {MARKER_TABLE}")
    except sqlite3.DatabaseError:
        return False
    return True


def count_lines(path: Path) -> int:
    lines = 0
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            lines += block.count(b"\n")
    return lines


class Command(BaseCommand):
    help = (
        "Time the claims CSV export (export) or the attribution suggester (suggest) on a "
        "throwaway SQLite database it creates and fills."
    )

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["export", "suggest"], help="What to benchmark.")
        parser.add_argument(
            "--db",
            metavar="PATH",
            help="A new SQLite file for the benchmark data; refused if it exists (see --reuse). "
            "Required for export; suggest uses a temporary one without it.",
        )
        parser.add_argument("--claims", type=int, default=1_000_000)
        parser.add_argument(
            "--articles",
            type=int,
            default=1000,
            metavar="N",
            help="suggest: how many articles to import and suggest for (default 1000).",
        )
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="Time a database this command built before, instead of building one.",
        )
        parser.add_argument(
            "--import-export-rows",
            type=int,
            default=100_000,
            metavar="N",
            help="Run django-import-export on the first N rows only and extrapolate "
            "(0: on all rows).",
        )
        parser.add_argument("--seed", type=int, default=5)
        parser.add_argument(
            "--keep-output", action="store_true", help="Keep the CSV files each contender wrote."
        )
        # The parent runs itself in child processes, one per step.
        parser.add_argument(
            "--step",
            choices=["build", "ours", "import-export", *suggest_benchmark.STEPS],
            help=argparse.SUPPRESS,
        )
        parser.add_argument("--corpus", help=argparse.SUPPRESS)

    def handle(self, **options):
        if options["what"] == "suggest":
            self.suggest(options)
            return
        if not options["db"]:
            raise CommandError("benchmark export needs --db PATH, a new SQLite file.")
        path = Path(options["db"]).expanduser().resolve()
        if options["step"]:
            self.child(options["step"], path, options)
            return
        self.check_target(path, reuse=options["reuse"])
        if not options["reuse"]:
            self.run_step(
                "build", path, ["--claims", str(options["claims"]), "--seed", str(options["seed"])]
            )
        results = [self.ours(path)]
        results.append(self.import_export(path, options["import_export_rows"], results[0]["rows"]))
        results.append(self.sqlite_cli(path, results[0]["sql"]))
        self.report(results)
        if not options["keep_output"]:
            for result in results:
                if result.get("output"):
                    Path(result["output"]).unlink(missing_ok=True)

    def suggest(self, options: dict[str, Any]) -> None:
        if options["step"]:
            path = Path(options["db"]).expanduser().resolve()
            suggest_benchmark.child(options["step"], path, Path(options["corpus"]), self.write)
            return
        suggest_benchmark.run(
            articles=options["articles"], db=options["db"], seed=options["seed"], write=self.write
        )

    def write(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    # -- Safety -------------------------------------------------------------

    def check_target(self, path: Path, *, reuse: bool) -> None:
        configured = settings.DATABASES["default"].get("NAME")
        if configured and Path(str(configured)).expanduser().resolve() == path:
            raise CommandError(f"{path} is the configured database; the benchmark needs its own.")
        if reuse:
            if not path.exists():
                raise CommandError(f"--reuse: there is no {path} to reuse.")
            if not built_by_us(path):
                raise CommandError(
                    f"--reuse: {path} was not built by this benchmark; it is left alone."
                )
        elif path.exists():
            raise CommandError(
                f"{path} exists. The benchmark creates and fills its own database: give a new "
                "path, or --reuse one it built before."
            )
        if not path.parent.is_dir():
            raise CommandError(f"There is no folder {path.parent}.")

    # -- Running the steps in child processes ----------------------------------

    def run_step(self, step: str, path: Path, args: list[str]) -> dict[str, Any]:
        """Run a step of this command in a child process on the benchmark database."""
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{path}",
            "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
        }
        command = [sys.executable, "-m", "django", "benchmark", "export", "--db", str(path)]
        process = subprocess.Popen(
            [*command, "--step", step, *args],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        result = None
        for line in process.stdout:
            if line.startswith(RESULT_PREFIX):
                result = json.loads(line.removeprefix(RESULT_PREFIX))
            else:
                self.stdout.write(line, ending="")
        if process.wait() != 0:
            raise CommandError(f"The benchmark step {step!r} failed (exit {process.returncode}).")
        return result or {}

    def child(self, step: str, path: Path, options: dict[str, Any]) -> None:
        if Path(connection.settings_dict["NAME"]).resolve() != path:
            raise CommandError("A benchmark step must run on the benchmark database.")
        if step == "build":
            self.build(path, options["claims"], random.Random(options["seed"]))
            return
        result = self.run_ours(path) if step == "ours" else self.run_import_export(path, options)
        self.stdout.write(RESULT_PREFIX + json.dumps(result))

    # -- Building the data set ----------------------------------------------------

    def build(self, path: Path, total: int, rng: random.Random) -> None:
        from django.contrib.auth import get_user_model

        from factcheck.models import (
            Article,
            Attribution,
            Claim,
            EvidenceLink,
            Source,
            SourceType,
            text_hash,
        )

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        if Article.objects.exists() or Claim.objects.exists():
            raise CommandError(f"{path} already holds data; the benchmark fills only its own.")
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {MARKER_TABLE} (claims integer, built_at text)")
            cursor.execute(
                f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s)", [total, timezone.now().isoformat()]
            )
        english, arabic = Sentences(rng, ENGLISH), Sentences(rng, ARABIC)
        User = get_user_model()
        users = [
            user.pk
            for user in User.objects.bulk_create(
                User(username=f"bench-reviewer-{n}", password="!") for n in range(USERS)
            )
        ]
        sources = []
        for source_type in SourceType.objects.all():
            anonymous = source_type.slug == "anonymous_official"
            for n in range(SOURCES_PER_TYPE):
                if anonymous:
                    kind = rng.choice(["senior", "security", "health", "diplomatic"])
                    name = f"Unnamed {kind} official {n}"
                else:
                    name = f"{source_type.name} {english(8, 30)} {n}"
                sources.append(
                    Source(
                        name=name,
                        source_type=source_type,
                        affiliation=english(10, 40),
                        role=english(5, 25),
                        is_anonymous=anonymous,
                    )
                )
        by_type: dict[str, list[int]] = {}
        for source in Source.objects.bulk_create(sources, batch_size=5000):
            by_type.setdefault(source.source_type.slug, []).append(source.pk)
        all_sources = [pk for pks in by_type.values() for pk in pks]
        anonymous_sources = set(by_type["anonymous_official"])
        statuses, status_weights = zip(*STATUS_WEIGHTS.items(), strict=True)
        counts, count_weights = zip(*ATTRIBUTION_COUNTS.items(), strict=True)
        # Claims are made over three years up to now, a few at a time, each
        # changed within a month of its making.
        first_day = timezone.now() - timedelta(days=3 * 365)
        step = timedelta(days=3 * 365) / max(total, 1)

        made = article_id = 0
        while made < total:
            articles, claims, attributions, links = [], [], [], []
            for _ in range(1000):
                if made >= total:
                    break
                article_id += 1
                language = "ar" if rng.random() < ARABIC_SHARE else "en"
                words = arabic if language == "ar" else english
                created = first_day + step * made
                title = words(40, 110)
                body = [words(80, 260) + "." for _ in range(CLAIMS_PER_ARTICLE)]
                head = f"{title}\n\n"
                text = head + " ".join(body) + f" ({article_id})"
                articles.append(
                    (
                        article_id,
                        title,
                        rng.choice(OUTLETS),
                        f"https://news.example/{created:%Y/%m/%d}/{article_id}",
                        created.date(),
                        language,
                        text,
                        text_hash(text),
                        stamp(created),
                        stamp(created),
                    )
                )
                offset = len(head)
                for claim_text in body:
                    if made >= total:
                        break
                    made += 1
                    status = rng.choices(statuses, status_weights)[0]
                    verdict = status in VERDICTS
                    updated = stamp(created + timedelta(minutes=rng.randrange(30 * 24 * 60)))
                    claims.append(
                        (
                            made,
                            article_id,
                            offset,
                            offset + len(claim_text),
                            claim_text,
                            status,
                            english(150, 600) if verdict else "",
                            1,
                            rng.choice(users) if verdict else None,
                            updated if verdict else None,
                            rng.choice(users) if verdict and made % 2 else None,
                            updated if verdict and made % 2 else None,
                            stamp(created),
                            updated,
                        )
                    )
                    offset += len(claim_text) + 1
                    count = rng.choices(counts, count_weights)[0]
                    for source_id in rng.sample(all_sources, count):
                        anonymous = source_id in anonymous_sources
                        relay = rng.choice(by_type["news_agency"]) if rng.random() < 0.2 else None
                        attributions.append(
                            (
                                made,
                                source_id,
                                words(15, 80),
                                rng.choice(CUES),
                                rng.choice(["direct", "paraphrase", "mixed", "none"]),
                                relay if relay != source_id else None,
                                "background" if anonymous else "",
                                rng.choice(REASONS) if anonymous else "",
                                updated,
                                updated,
                            )
                        )
                    if verdict or status == "in_progress":
                        for n in range(rng.randint(1, 3)):
                            slug = english(20, 60).replace(" ", "-").lower()
                            url = f"https://evidence.example/{made}/{n}/{slug}"
                            links.append((made, url, english(20, 80), updated))
            with transaction.atomic(), connection.cursor() as cursor:
                insert(
                    cursor,
                    Article,
                    ARTICLE_COLUMNS,
                    articles,
                )
                insert(
                    cursor,
                    Claim,
                    CLAIM_COLUMNS,
                    claims,
                )
                insert(
                    cursor,
                    Attribution,
                    ATTRIBUTION_COLUMNS,
                    attributions,
                )
                insert(cursor, EvidenceLink, ["claim", "url", "title", "created_at"], links)
            self.stdout.write(f"\r  {made:,} claims built", ending="")
            self.stdout.flush()
        with connection.cursor() as cursor:
            # Fresh statistics, as a database in use would have.
            cursor.execute("ANALYZE")
        self.stdout.write(
            f"\nBuilt {made:,} claims in {article_id:,} articles, "
            f"{Attribution.objects.count():,} attributions, "
            f"{EvidenceLink.objects.count():,} evidence links and {len(all_sources):,} sources "
            f"in {time.perf_counter() - started:.0f} s: {path.stat().st_size / 1e6:,.0f} MB."
        )

    # -- The contenders --------------------------------------------------------------

    def ours(self, path: Path) -> dict[str, Any]:
        self.stdout.write("Timing our CSV export…")
        return {"name": "ours (factcheck.exports)", **self.run_step("ours", path, [])}

    def run_ours(self, path: Path) -> dict[str, Any]:
        from factcheck import exports
        from factcheck.filters import ClaimFilter
        from factcheck.models import Claim

        output = path.with_suffix(".ours.csv")
        baseline = peak_megabytes()
        started = time.perf_counter()
        first_byte = None
        claim_filter = ClaimFilter(QueryDict(), queryset=Claim.objects.all())
        claims = claim_filter.qs
        rows = exports.Audited(
            exports.claim_rows(claims),
            actor=None,
            action="export.claims",
            object_id="claims",
            object_repr="claims CSV (benchmark)",
            filters={},
        )
        with output.open("wb") as stream:
            for chunk in exports.csv_chunks(rows):
                if first_byte is None:
                    first_byte = time.perf_counter() - started
                # As StreamingHttpResponse does with each chunk.
                stream.write(chunk.encode("utf-8"))
        seconds = time.perf_counter() - started
        sql, params = exports.claim_rows_queryset(claims).query.sql_with_params()
        return {
            "rows": rows.count,
            "seconds": seconds,
            "first_byte": first_byte,
            "peak_mb": peak_megabytes(),
            "baseline_mb": baseline,
            "bytes": output.stat().st_size,
            "output": str(output),
            "sql": sql % tuple(sql_literal(param) for param in params),
        }

    def import_export(self, path: Path, subset: int, total_rows: int) -> dict[str, Any]:
        name = "django-import-export ModelResource.export()"
        if importlib.util.find_spec("import_export") is None:
            return {"name": name, "missing": "not installed: pip install -e .[bench]"}
        rows = subset if 0 < subset < total_rows else total_rows
        self.stdout.write(f"Timing django-import-export on {rows:,} rows…")
        result = self.run_step("import-export", path, ["--import-export-rows", str(rows)])
        if rows < total_rows:
            result["extrapolated_seconds"] = result["seconds"] * total_rows / result["rows"]
        return {"name": name, **result}

    def run_import_export(self, path: Path, options: dict[str, Any]) -> dict[str, Any]:
        from import_export.formats.base_formats import CSV

        from factcheck.filters import ClaimFilter
        from factcheck.models import Claim

        resource_class = import_export_resource()
        limit = options["import_export_rows"]
        output = path.with_suffix(".import-export.csv")
        baseline = peak_megabytes()
        started = time.perf_counter()
        claims = ClaimFilter(QueryDict(), queryset=Claim.objects.all()).qs
        queryset = import_export_queryset(claims)[:limit]
        dataset = resource_class().export(queryset=queryset)
        text = CSV().export_data(dataset)
        with output.open("wb") as stream:
            first_byte = time.perf_counter() - started
            stream.write(text.encode("utf-8"))
        seconds = time.perf_counter() - started
        return {
            "rows": len(dataset),
            "seconds": seconds,
            "first_byte": first_byte,
            "peak_mb": peak_megabytes(),
            "baseline_mb": baseline,
            "bytes": output.stat().st_size,
            "output": str(output),
        }

    def sqlite_cli(self, path: Path, sql: str) -> dict[str, Any]:
        name = "sqlite3 -csv (same SQL; the floor)"
        executable = shutil.which("sqlite3")
        if executable is None:
            return {"name": name, "missing": "no sqlite3 command (apt-get install sqlite3)"}
        self.stdout.write("Timing the sqlite3 command line…")
        output = path.with_suffix(".sqlite3-cli.csv")
        peak = 0.0
        with output.open("wb") as stream:
            started = time.perf_counter()
            process = subprocess.Popen(
                [executable, "-csv", "-header", str(path), sql], stdout=stream
            )
            # Sample the peak while it runs: its memory is gone once it has exited.
            while process.poll() is None:
                peak = max(peak, high_water_megabytes(process.pid) or 0.0)
                time.sleep(0.01)
            seconds = time.perf_counter() - started
        if process.returncode != 0:
            raise CommandError(f"sqlite3 failed (exit {process.returncode}).")
        return {
            "name": name,
            "rows": count_lines(output) - 1,
            "seconds": seconds,
            "first_byte": None,
            "peak_mb": peak,
            "bytes": output.stat().st_size,
            "output": str(output),
        }

    # -- The table ---------------------------------------------------------------------

    def report(self, results: list[dict[str, Any]]) -> None:
        ours, import_export, cli = results
        self.stdout.write(
            f"\nClaims CSV export, {ours['rows']:,} rows (one per attribution), SQLite, "
            f"{os.cpu_count()} CPU(s)."
        )
        header = (
            f"| {'contender':<46} | {'rows':>10} | {'seconds':>8} | {'rows/s':>10} "
            f"| {'first byte':>10} | {'peak RSS':>9} | {'output':>9} |"
        )
        self.stdout.write(header)
        self.stdout.write(
            "|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|"
        )
        for result in results:
            if "missing" in result:
                self.stdout.write(f"| {result['name']:<46} | {result['missing']} |")
                continue
            first = f"{result['first_byte']:.3f} s" if result.get("first_byte") else "—"
            self.stdout.write(
                f"| {result['name']:<46} | {result['rows']:>10,} | {result['seconds']:>8.2f} "
                f"| {result['rows'] / result['seconds']:>10,.0f} | {first:>10} "
                f"| {result['peak_mb']:>6.0f} MB | {result['bytes'] / 1e6:>6.0f} MB |"
            )
        self.stdout.write("")
        self.stdout.write(
            f"Ours: Python and Django loaded, {ours['baseline_mb']:.0f} MB before the export "
            "started; the peak includes them."
        )
        if "extrapolated_seconds" in import_export:
            self.stdout.write(
                f"django-import-export ran on the first {import_export['rows']:,} rows only "
                f"(--import-export-rows); at {ours['rows']:,} rows it would take about "
                f"{import_export['extrapolated_seconds']:,.0f} s, extrapolated linearly, and its "
                "in-memory dataset would grow with the rows."
            )
        self.stdout.write("")
        checks = [
            (
                "first byte within 0.5 s",
                ours["first_byte"] <= TARGET_FIRST_BYTE_SECONDS,
                f"{ours['first_byte']:.3f} s",
            ),
            (
                f"peak memory under {TARGET_PEAK_MEGABYTES} MB",
                ours["peak_mb"] < TARGET_PEAK_MEGABYTES,
                f"{ours['peak_mb']:.0f} MB",
            ),
        ]
        if "missing" not in cli:
            ratio = ours["seconds"] / cli["seconds"]
            checks.append(
                (
                    f"within {TARGET_RATIO_TO_SQLITE_CLI}× the sqlite3 command line",
                    ratio <= TARGET_RATIO_TO_SQLITE_CLI,
                    f"{ratio:.2f}×",
                )
            )
        if "missing" not in import_export:
            rate = ours["rows"] / ours["seconds"]
            their_rate = import_export["rows"] / import_export["seconds"]
            checks.append(
                (
                    f"at least {TARGET_SPEEDUP_OVER_IMPORT_EXPORT}× faster than "
                    "django-import-export",
                    rate / their_rate >= TARGET_SPEEDUP_OVER_IMPORT_EXPORT,
                    f"{rate / their_rate:.1f}× (rows per second)",
                )
            )
        for label, met, measured in checks:
            self.stdout.write(f"  {'met' if met else 'MISSED':<6}  {label}: {measured}")


# django-import-export's contender: the same columns, from the same rows, each
# cell read from an instance attribute. It gets the best queryset we can give it
# (one joined query, the evidence links aggregated by the database), so that
# what is timed is its own export, not N+1 queries.
ATTRIBUTION = "attributions__"
IMPORT_EXPORT_ANNOTATIONS = {
    "source_id_": ATTRIBUTION + "source_id",
    "source_name": ATTRIBUTION + "source__name",
    "source_type_slug": ATTRIBUTION + "source__source_type__slug",
    "source_is_anonymous": ATTRIBUTION + "source__is_anonymous",
    "source_affiliation": ATTRIBUTION + "source__affiliation",
    "mention": ATTRIBUTION + "mention_text",
    "cue": ATTRIBUTION + "cue",
    "quote_mode_": ATTRIBUTION + "quote_mode",
    "intermediary_name": ATTRIBUTION + "intermediary__name",
    "ground_rule": ATTRIBUTION + "ground_rule",
    "anonymity_reason": ATTRIBUTION + "anonymity_reason",
}
# CSV column → the attribute of the (annotated) claim that holds it.
IMPORT_EXPORT_COLUMNS = {
    "article_id": "article_id",
    "article_title": "article__title",
    "outlet": "article__outlet",
    "article_url": "article__url",
    "claim_id": "id",
    "claim_text": "text",
    "start": "start",
    "end": "end",
    "status": "status",
    "rationale": "rationale",
    "evidence_links": "evidence_links",
    "source_id": "source_id_",
    "source_name": "source_name",
    "source_type": "source_type_slug",
    "named_or_anonymous": None,
    "affiliation": "source_affiliation",
    "mention": "mention",
    "cue": "cue",
    "quote_mode": "quote_mode_",
    "intermediary": "intermediary_name",
    "ground_rule": "ground_rule",
    "anonymity_reason": "anonymity_reason",
    "proposer": "proposed_by__username",
    "signer": "signed_off_by__username",
    "last_changed": "updated_at",
}


def import_export_queryset(claims):
    from django.db.models import F

    from factcheck import exports

    return (
        claims.select_related("article", "proposed_by", "signed_off_by")
        .annotate(
            evidence_links=exports._evidence_links(),
            **{name: F(path) for name, path in IMPORT_EXPORT_ANNOTATIONS.items()},
        )
        .order_by(*claims.query.order_by, ATTRIBUTION + "id")
    )


def import_export_resource():
    """A django-import-export ModelResource with the claims CSV's columns."""
    from import_export import fields, resources, widgets

    from factcheck.models import Claim

    iso = widgets.DateTimeWidget(format="%Y-%m-%dT%H:%M:%S.%f%:z")
    columns = {
        name: fields.Field(
            attribute=attribute,
            column_name=name,
            widget=iso if name == "last_changed" else None,
        )
        for name, attribute in IMPORT_EXPORT_COLUMNS.items()
    }

    def named_or_anonymous(claim) -> str:
        if claim.source_is_anonymous is None:
            return ""
        return "anonymous" if claim.source_is_anonymous else "named"

    return resources.modelresource_factory(
        Claim,
        meta_options={"fields": tuple(IMPORT_EXPORT_COLUMNS)},
        custom_fields=columns,
        dehydrate_methods={"named_or_anonymous": named_or_anonymous},
    )
