"""Benchmark the attribution suggester: alone on one core, and behind an import with real workers.

    python manage.py benchmark suggest [--articles 1000] [--db PATH]
    python manage.py benchmark suggest --database-url postgres://postgres@127.0.0.1:5432/fc_bench

The corpus is the repository's realistic articles (seeds/*.txt and the development set
tests/data/*.txt), repeated to reach `--articles`; every repeat has some of its figures
changed, so that no two texts are the same (the import would not take a text it already has).

Each measurement runs in its own process, which loads the pipeline itself:

- pipeline: a process pinned to one CPU loads the pipeline (timed apart), then suggests for
  up to 200 corpus articles one at a time, each timed in CPU time, and for articles of about
  1,000 words (three or four corpus articles joined);
- import: the new database is migrated and the corpus imported with `import_articles`,
  which queues one suggestion run per article in django-tasks-db's table;
- workers: 1, then 2 real `manage.py db_worker --batch` processes work through that queue,
  each worker count on its own copy of the freshly imported database, timed until they exit;
  every run must then be done.

The children run the workbench's own settings (`factcheck.settings`: DEBUG off, the database
task backend), whatever settings the command itself runs under, so that the worker measured is
the one production runs. The database is one of:

- SQLite: the file `--db` names (refused if it exists or is the configured database; the
  two-worker copy goes beside it, made with SQLite's backup API) or a temporary one;
- PostgreSQL: the database `--database-url` names, under the rules of the other subjects
  (`runner.check`: created if missing, refused if it has tables or is the configured
  database). The two-worker copy is `CREATE DATABASE <name>_2_workers TEMPLATE <name>` once
  the import has finished (a copy of the files, not a second import, so both worker counts
  start from the same rows), dropped at the end; the imported database is kept, as the
  `--db` file is. `benchmark all --database-url` runs this subject on `<name>_suggest` on
  the same server (the shared data set already fills `<name>`), dropped at the end like the
  temporary SQLite file.
"""

import io
import json
import os
import random
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import CommandError

from factcheck.benchmarks.runner import Target, check, on_target, run_child, target_args

# The target of issue 9 on this 2-core machine, after the pipeline has loaded.
TARGET_SECONDS_PER_1000_WORDS = 0.3
CORPUS_PATTERNS = ("seeds/*.txt", "tests/data/*.txt")
WORKER_COUNTS = (1, 2)
TIMED_ARTICLES = 200
LONG_ARTICLES = 20
LONG_WORDS = 1000
# One paragraph of this many characters (a transcript pasted without a break), read in
# bounded pieces: its time and the process's peak memory are measured. A small
# corpus (the suite's) gets a paragraph of HUGE_CHARS_PER_ARTICLE a article.
HUGE_CHARS = 990_000
HUGE_CHARS_PER_ARTICLE = 2_500
MARKER_TABLE = "benchmark_suggest_marker"
RESULT_PREFIX = "BENCHMARK-RESULT "
WORKER_TIMEOUT_SECONDS = 3 * 3600
STEPS = ("pipeline", "import")

Write = Callable[[str], None]
# Why a second worker does not double the rate, on each database.
WRITES_IN_TURN = {
    "SQLite": "On SQLite the workers' writes (runs, suggestions, audit events) take turns on "
    "the one database lock, so a second worker adds only the parsing it does meanwhile.",
    "PostgreSQL": "On PostgreSQL every service takes the audit chain's advisory lock when its "
    "transaction begins (factcheck/services/_base.py), so the workers' writes (runs, "
    "suggestions, audit events) still take turns; the parsing runs side by side.",
}


# -- The corpus ---------------------------------------------------------------------


def base_texts(base_dir: Path) -> list[tuple[str, str]]:
    """The realistic articles of the repository, as (name, text)."""
    paths = sorted(path for pattern in CORPUS_PATTERNS for path in base_dir.glob(pattern))
    if not paths:
        raise CommandError(f"No articles found for the corpus ({', '.join(CORPUS_PATTERNS)}).")
    return [(path.stem, path.read_text(encoding="utf-8")) for path in paths]


def vary(text: str, rng: random.Random) -> str:
    """Change about half of the figures of a text, keeping their length and the years."""

    def change(match: re.Match) -> str:
        digits = match.group()
        if rng.random() < 0.5 or (len(digits) == 4 and digits[:2] in ("19", "20")):
            return digits
        first = str(rng.randint(1, 9) if len(digits) > 1 else rng.randint(0, 9))
        return first + "".join(str(rng.randint(0, 9)) for _ in digits[1:])

    return re.sub(r"\d+", change, text)


def corpus(bases: list[tuple[str, str]], count: int, seed: int) -> list[tuple[str, str]]:
    """`count` articles: the bases once as they are, then varied repeats, no two alike."""
    rng = random.Random(seed)
    seen: set[str] = set()
    articles = []
    for index in range(count):
        name, text = bases[index % len(bases)]
        copy, attempts = text, 0
        if index >= len(bases):
            copy = vary(text, rng)
        while copy in seen:
            attempts += 1
            copy = vary(text, rng) if attempts < 20 else f"{text.rstrip()}\n\n({index})\n"
        seen.add(copy)
        articles.append((name, copy))
    return articles


def long_articles(bases: list[tuple[str, str]], count: int) -> list[tuple[str, str]]:
    """Articles of about 1,000 words, each a run of consecutive corpus articles joined."""
    articles = []
    for first in range(count):
        parts, words, index = [], 0, first
        while words < LONG_WORDS * 0.9:
            _, text = bases[index % len(bases)]
            parts.append(text.strip())
            words += len(text.split())
            index += 1
        articles.append(
            (f"{len(parts)} joined from {bases[first % len(bases)][0]}", "\n\n".join(parts) + "\n")
        )
    return articles


def write_corpus(articles: list[tuple[str, str]], folder: Path) -> None:
    for index, (name, text) in enumerate(articles):
        (folder / f"{index:05d}-{name}.txt").write_text(text, encoding="utf-8")


def read_corpus(folder: Path, limit: int | None = None) -> list[tuple[str, str]]:
    paths = sorted(folder.glob("*.txt"))[:limit]
    return [(path.stem.split("-", 1)[1], path.read_text(encoding="utf-8")) for path in paths]


# -- The steps, each in a child process ------------------------------------------------


def run_step(
    step: str, target: Target, corpus_dir: Path, env: dict[str, str], write: Write
) -> dict:
    """Run a step of `benchmark suggest` in a child process; return what it reports."""
    command = [sys.executable, "-m", "django", "benchmark", "suggest", *target_args(target)]
    return (
        run_child([*command, "--step", step, "--corpus", str(corpus_dir)], env, write, step) or {}
    )


def child(step: str, target: Target, corpus_dir: Path, write: Write) -> None:
    """Carry out one step in this (child) process and print its result as one JSON line."""
    on_target(target)
    if step == "pipeline":
        result = pipeline_step(corpus_dir)
    else:
        result = import_step(target.label, corpus_dir)
    write(RESULT_PREFIX + json.dumps(result))


def pin_to_one_cpu() -> int | None:
    """Keep this process (and any thread spaCy starts) on one CPU, where Linux allows it."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def pipeline_step(corpus_dir: Path) -> dict[str, Any]:
    """Load the pipeline once, then time the suggester article by article, in CPU time."""
    cpu = pin_to_one_cpu()
    model = settings.FACTCHECK_SPACY_MODEL
    wall, process = time.perf_counter(), time.process_time()
    from factcheck.suggest import pipeline, suggest
    from factcheck.suggest.segment import paragraphs

    nlp = pipeline.load(model)
    load = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - process}
    articles = read_corpus(corpus_dir, TIMED_ARTICLES)
    joined = long_articles(base_texts(Path(settings.BASE_DIR)), min(LONG_ARTICLES, len(articles)))
    # The first call fills lazily built caches (lexicon matchers, vectors); not counted.
    suggest(articles[0][1], model=model)

    def timed(text: str) -> dict[str, Any]:
        wall, process = time.perf_counter(), time.process_time()
        found = suggest(text, model=model)
        return {
            "cpu": time.process_time() - process,
            "wall": time.perf_counter() - wall,
            "suggestions": len(found),
            "words": len(text.split()),
        }

    corpus_timings = [timed(text) for _, text in articles]
    long_timings = [timed(text) for _, text in joined]
    total = len(list(corpus_dir.glob("*.txt")))
    huge = huge_paragraph(articles, min(HUGE_CHARS, HUGE_CHARS_PER_ARTICLE * total))
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    huge_timing = timed(huge) | {
        "chars": len(huge),
        "peak_mb_before": peak_before / 1024,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    # Sentences as the suggester sees them (paragraphs first), counted after the clock.
    sentences: dict[str, int] = {}
    for (name, text), timing in zip(articles, corpus_timings, strict=True):
        if name not in sentences:
            docs = nlp.pipe(p.text for p in paragraphs(text))
            sentences[name] = sum(len(list(doc.sents)) for doc in docs)
        timing["sentences"] = sentences[name]
    return {
        "model": model,
        "cpu": cpu,
        "load": load,
        "corpus": corpus_timings,
        "long": long_timings,
        "huge": huge_timing,
    }


def huge_paragraph(articles: list[tuple[str, str]], size: int) -> str:
    """The corpus's sentences run together into one paragraph of `size` characters."""
    words = " ".join(" ".join(text.split()) for _, text in articles)
    text = (words + " ") * (size // max(len(words) + 1, 1) + 1)
    return text[:size].rstrip()


def import_step(label: str, corpus_dir: Path) -> dict[str, Any]:
    """Migrate a new database and import the corpus, which queues a suggestion run per article."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from factcheck.models import Article, SuggestionRun

    call_command("migrate", verbosity=0)
    if Article.objects.exists():
        raise CommandError(f"{label} already holds articles; the benchmark fills only its own.")
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {MARKER_TABLE} (built_at text)")
        cursor.execute(f"INSERT INTO {MARKER_TABLE} VALUES (%s)", [timezone.now().isoformat()])
    started = time.perf_counter()
    call_command("import_articles", str(corpus_dir), stdout=io.StringIO())
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "articles": Article.objects.count(),
        "runs": SuggestionRun.objects.count(),
        "tasks": DBTaskResult.objects.count(),
    }


# -- The workers ------------------------------------------------------------------------


def copy_database(source: Target, target: Target) -> None:
    """Copy the freshly imported database: SQLite's backup API, or PostgreSQL's template."""
    if source.path and target.path:
        original, copy = sqlite3.connect(source.path), sqlite3.connect(target.path)
        with closing(original), closing(copy):
            original.backup(copy)
        return
    from psycopg import sql

    # The import's process has exited; PostgreSQL waits a few seconds for its
    # sessions to end before it refuses a template that is still in use.
    with maintenance(source) as db:
        db.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(database_name(target)), sql.Identifier(database_name(source))
            )
        )


def run_workers(target: Target, count: int, env: dict[str, str], log: Path) -> dict[str, Any]:
    """Start `count` real workers on the queue and time them until the last has exited."""
    command = [sys.executable, "-m", "django", "db_worker", "--batch", "--no-reload"]
    command += ["--no-startup-delay", "--verbosity", "0"]
    with log.open("w") as stream:
        started = time.perf_counter()
        workers = [
            subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=env, stdout=stream, stderr=subprocess.STDOUT
            )
            for _ in range(count)
        ]
        codes = [worker.wait(timeout=WORKER_TIMEOUT_SECONDS) for worker in workers]
        seconds = time.perf_counter() - started
    if any(codes):
        tail = log.read_text(errors="replace")[-2000:]
        raise CommandError(f"A worker failed (exit codes {codes}):\n{tail}")
    return {"workers": count, "seconds": seconds, **tally(target)}


def tally(target: Target) -> dict[str, Any]:
    """Read the runs' outcome from the benchmark database, without Django's connection."""
    from factcheck.models import Suggestion, SuggestionRun

    runs, suggestions = SuggestionRun._meta.db_table, Suggestion._meta.db_table
    if target.path:
        connect = closing(sqlite3.connect(f"file:{target.path}?mode=ro", uri=True))
    else:
        import psycopg

        connect = psycopg.connect(target.url, autocommit=True)
    with connect as db:
        states = dict(db.execute(f"SELECT state, count(*) FROM {runs} GROUP BY state").fetchall())
        first, last = db.execute(f"SELECT min(started_at), max(finished_at) FROM {runs}").fetchone()
        stored = db.execute(f"SELECT count(*) FROM {suggestions}").fetchone()[0]
        errors = [
            row[0]
            for row in db.execute(f"SELECT DISTINCT error FROM {runs} WHERE error != '' LIMIT 3")
        ]
    busy = None
    if first and last:
        # SQLite gives the ISO text Django stored; PostgreSQL gives datetimes.
        first, last = (
            moment if isinstance(moment, datetime) else datetime.fromisoformat(moment)
            for moment in (first, last)
        )
        busy = (last - first).total_seconds()
    return {"states": states, "busy": busy, "suggestions": stored, "errors": errors}


# -- PostgreSQL: the databases the benchmark makes and drops ------------------------------


def database_name(target: Target) -> str:
    return urlsplit(target.url).path.lstrip("/")


def renamed(target: Target, name: str) -> Target:
    """The database `name` on the same server, with the same user and options."""
    return Target(url=urlsplit(target.url)._replace(path=f"/{name}").geturl())


def maintenance(target: Target):
    """A connection to the server's `postgres` database, to create and drop others."""
    import psycopg

    return psycopg.connect(renamed(target, "postgres").url, autocommit=True)


def database_exists(target: Target) -> bool:
    with maintenance(target) as db:
        found = db.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database_name(target)]
        ).fetchone()
    return found is not None


def drop_database(target: Target) -> None:
    from psycopg import sql

    with maintenance(target) as db:
        db.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(database_name(target))
            )
        )


def own_database(database_url: str) -> str:
    """For `benchmark all`: `<name>_suggest` beside the shared data set's database."""
    target = Target(url=database_url)
    return renamed(target, f"{database_name(target)}_suggest").url


# -- The whole benchmark ----------------------------------------------------------------


def child_environment(target: Target) -> dict[str, str]:
    """The workbench's production settings on the benchmark database, one thread per process."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "FACTCHECK_ENV_FILE": "",
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "AUDIT_KEY": settings.AUDIT_KEY,
        "DATABASE_URL": target.url,
        "FACTCHECK_SPACY_MODEL": settings.FACTCHECK_SPACY_MODEL,
        "OMP_NUM_THREADS": "1",
    }


def database_paths(db: str | None, scratch: Path) -> list[Path]:
    """One new SQLite file per worker count: `--db` and a sibling, or in the scratch folder."""
    first = Path(db).expanduser().resolve() if db else scratch / "suggest-benchmark.sqlite3"
    paths = [first] + [
        first.with_name(f"{first.stem}-{count}-workers{first.suffix}")
        for count in WORKER_COUNTS[1:]
    ]
    configured = settings.DATABASES["default"].get("NAME")
    for path in paths:
        if configured and Path(str(configured)).expanduser().resolve() == path:
            raise CommandError(f"{path} is the configured database; the benchmark needs its own.")
        if path.exists():
            raise CommandError(
                f"{path} exists. The benchmark creates its own database: give a new path."
            )
        if not path.parent.is_dir():
            raise CommandError(f"There is no folder {path.parent}.")
    return paths


def postgresql_databases(database_url: str) -> list[Target]:
    """The database `--database-url` names (new or empty) and one copy per further worker count."""
    first = Target(url=database_url)
    copies = [
        renamed(first, f"{database_name(first)}_{count}_workers") for count in WORKER_COUNTS[1:]
    ]
    for copy in copies:
        if database_exists(copy):
            raise CommandError(
                f"{database_name(copy)} exists. The benchmark makes that copy itself: drop it, "
                "or give another database."
            )
    check(first, reuse=False)
    return [first, *copies]


def run(
    *,
    articles: int,
    seed: int,
    write: Write,
    db: str | None = None,
    database_url: str | None = None,
    temporary: bool = False,
) -> dict[str, Any]:
    """Run the whole benchmark, print its table, and return the figures.

    On SQLite (`db`, or a temporary file); on PostgreSQL with `database_url`, which is dropped
    at the end when `temporary`.
    """
    if articles < 1:
        raise CommandError("--articles must be at least 1.")
    if db and database_url:
        raise CommandError("Name one database for the suggester: --db or --database-url.")
    with tempfile.TemporaryDirectory(prefix="suggest-benchmark-") as scratch_name:
        scratch = Path(scratch_name)
        if database_url:
            targets = postgresql_databases(database_url)
        else:
            targets = [
                Target(url=f"sqlite:///{path}", path=path) for path in database_paths(db, scratch)
            ]
        try:
            results = measure(targets, articles=articles, seed=seed, scratch=scratch, write=write)
        finally:
            if database_url:
                for target in targets if temporary else targets[1:]:
                    drop_database(target)
        # The scratch folder (the corpus, and the databases unless --db named them) goes now.
        report(results, write)
    return results


def measure(
    targets: list[Target], *, articles: int, seed: int, scratch: Path, write: Write
) -> dict[str, Any]:
    """The three steps on the databases of `run`: one per worker count, the first imported."""
    corpus_dir = scratch / "corpus"
    corpus_dir.mkdir()
    bases = base_texts(Path(settings.BASE_DIR))
    write_corpus(corpus(bases, articles, seed), corpus_dir)
    first = targets[0]
    env = child_environment(first)

    write(f"Timing the suggester on one CPU over {min(articles, TIMED_ARTICLES)} articles…")
    pipeline = run_step("pipeline", first, corpus_dir, env, write)
    write(f"Importing {articles:,} articles into {first.label} (each queues a suggestion run)…")
    imported = run_step("import", first, corpus_dir, env, write)
    for target in targets[1:]:
        copy_database(first, target)
    runs = []
    for count, target in zip(WORKER_COUNTS, targets, strict=True):
        write(f"Running the queue with {count} db_worker process{'es' if count > 1 else ''}…")
        log = scratch / f"workers-{count}.log"
        runs.append(run_workers(target, count, child_environment(target), log))
    return {
        "articles": articles,
        "texts": len(bases),
        "database": "SQLite" if first.path else "PostgreSQL",
        "pipeline": pipeline,
        "import": imported,
        "runs": runs,
    }


# -- The table ----------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (no interpolation; fine for a few hundred values)."""
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def per_thousand_words(timings: list[dict[str, Any]]) -> list[float]:
    return [timing["cpu"] * 1000 / timing["words"] for timing in timings if timing["words"]]


def report(results: dict[str, Any], write: Write) -> None:
    pipeline, imported, runs = results["pipeline"], results["import"], results["runs"]
    n = results["articles"]
    corpus_timings, long_timings = pipeline["corpus"], pipeline["long"]
    load = pipeline["load"]
    cpu_seconds = sum(timing["cpu"] for timing in corpus_timings)
    sentences = sum(timing["sentences"] for timing in corpus_timings)
    counts = [timing["suggestions"] for timing in corpus_timings]
    words = sum(timing["words"] for timing in corpus_timings)
    rows: list[tuple[str, str, str, bool | None]] = []

    def target_row(label: str, seconds: float) -> None:
        rows.append(
            (
                label,
                f"{seconds:.3f} s",
                f"< {TARGET_SECONDS_PER_1000_WORDS} s",
                seconds < TARGET_SECONDS_PER_1000_WORDS,
            )
        )

    one_worker = runs[0]
    # Were the pipeline loaded per article, each article would take a worker longer than a load.
    per_article_in_worker = (one_worker["busy"] or one_worker["seconds"]) / n
    rows.append(
        (
            "pipeline load (once per process)",
            f"{load['wall']:.2f} s ({load['cpu']:.2f} s CPU)",
            "once per worker, not per article",
            per_article_in_worker < load["wall"],
        )
    )
    rows.append(
        (
            "suggestions per article",
            f"{sum(counts) / len(counts):.1f} (min {min(counts)}, max {max(counts)})",
            "—",
            None,
        )
    )
    rows.append(
        (
            "sentences per second, one core",
            f"{sentences / cpu_seconds:,.0f} ({words / cpu_seconds:,.0f} words/s)",
            "—",
            None,
        )
    )
    scaled = per_thousand_words(corpus_timings)
    mean_words = words / len(corpus_timings)
    target_row(
        f"1,000 words, median (corpus, ~{mean_words:.0f} words, scaled)", percentile(scaled, 0.5)
    )
    target_row(
        f"1,000 words, p95 (corpus, ~{mean_words:.0f} words, scaled)", percentile(scaled, 0.95)
    )
    if long_timings:
        long_words = sum(timing["words"] for timing in long_timings) / len(long_timings)
        joined = per_thousand_words(long_timings)
        label = f"~1,000-word articles ({len(long_timings)}, ~{long_words:.0f} words)"
        target_row(f"{label}, median", percentile(joined, 0.5))
        target_row(f"{label}, p95", percentile(joined, 0.95))
    huge = pipeline.get("huge")
    if huge:
        rows.append(
            (
                f"one paragraph of {huge['chars']:,} characters",
                f"{huge['cpu']:.1f} s CPU, peak {huge['peak_mb']:,.0f} MB "
                f"({huge['peak_mb_before']:,.0f} MB before)",
                "bounded pieces: no failure, memory bounded",
                huge["suggestions"] >= 0,
            )
        )
    rows.append(
        (
            f"import of {n:,} articles (queues {imported['tasks']:,} runs)",
            f"{imported['seconds']:.2f} s ({n / imported['seconds']:,.1f} articles/s)",
            "—",
            None,
        )
    )
    for run in runs:
        done = run["states"].get("done", 0)
        figure = f"{run['seconds']:.1f} s ({n / run['seconds']:,.1f} articles/s"
        if run["workers"] > 1:
            figure += f", {one_worker['seconds'] / run['seconds']:.2f}× one worker"
        figure += ")"
        workers = f"{run['workers']} worker{'s' if run['workers'] > 1 else ''}"
        rows.append((f"suggest {n:,} imported articles, {workers}", figure, "—", None))
        rows.append(
            (
                f"  runs done, {workers}",
                f"{done:,} of {imported['runs']:,} ({run['suggestions']:,} suggestions)",
                "all",
                done == imported["runs"],
            )
        )

    write("")
    write(
        f"Attribution suggester ({pipeline['model']}), {n:,} articles from "
        f"{min(n, results['texts'])} texts with their figures varied, {results['database']}, "
        f"{os.cpu_count()} CPU(s)."
    )
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    widths = [
        max(width, len(title))
        for width, title in zip(widths, ("measure", "figure", "target"), strict=True)
    ]
    header = ("measure", "figure", "target", "")
    write(
        "| "
        + " | ".join(f"{cell:<{width}}" for cell, width in zip(header, [*widths, 6], strict=True))
        + " |"
    )
    write("| " + " | ".join("-" * width for width in [*widths, 6]) + " |")
    for label, figure, target, met in rows:
        verdict = "" if met is None else ("met" if met else "MISSED")
        cells = (label, figure, target, verdict)
        write(
            "| "
            + " | ".join(
                f"{cell:<{width}}" for cell, width in zip(cells, [*widths, 6], strict=True)
            )
            + " |"
        )
    write("")
    write(
        f"Per article: {len(corpus_timings)} corpus articles timed one by one in one process "
        f"pinned to one CPU, in CPU time (other work on the machine does not count); the "
        f"1,000-word figures scale each article's time to 1,000 words, or time articles of "
        f"about 1,000 words (corpus articles joined)."
    )
    write(
        "Workers: wall time from starting the db_worker processes (Django and the pipeline "
        "load included) until the last exits with the queue empty; "
        + "; ".join(
            f"{run['workers']} worker{'s' if run['workers'] > 1 else ''} busy {run['busy']:.1f} s "
            "from the first run started to the last finished"
            for run in runs
            if run["busy"] is not None
        )
        + ". "
        + WRITES_IN_TURN[results["database"]]
    )
    for run in runs:
        if run["errors"]:
            write(f"Failed runs with {run['workers']} workers: {'; '.join(run['errors'])}")
