"""Run `manage.py benchmark`: build the shared data set once, then time each subject on it.

The benchmark database is never the configured one. It is either a new SQLite
file (`--db PATH`) or a PostgreSQL database (`--database-url`) that is new,
empty, or was built by this benchmark before; the command creates it if it does
not exist. `--reuse` times a database built before instead of building one.

Every step runs in a child process pointed at that database through
`DATABASE_URL`, with the settings the command runs under, so that the timings
and the peak memory of each are its own. A child prints its result as one JSON
line; the parent prints one table per subject, each figure beside its target.
"""

import importlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import override_settings

from factcheck.benchmarks import data, timing

Write = Callable[[str], None]
RESULT_PREFIX = "BENCHMARK-RESULT "
# The subjects that time the shared data set, in the order `all` runs them.
DATA_SUBJECTS = ("export", "queue", "review", "status", "insights", "api")
SUBJECTS = (*DATA_SUBJECTS, "suggest")
STEPS = ("build", *DATA_SUBJECTS, "import-export")


@dataclass
class Target:
    """The benchmark database: a SQLite file or a PostgreSQL database, and its URL."""

    url: str
    path: Path | None = None

    @property
    def vendor(self) -> str:
        return "sqlite" if self.path else "postgresql"

    @property
    def output_dir(self) -> Path:
        return self.path.parent if self.path else Path(tempfile.gettempdir())

    @property
    def label(self) -> str:
        return str(self.path) if self.path else self.url.rsplit("@", 1)[-1]


def target_of(db: str | None, database_url: str | None) -> Target:
    if bool(db) == bool(database_url):
        raise CommandError(
            "Name the benchmark database: --db PATH (a new SQLite file) or --database-url "
            "postgres://… (a new or empty PostgreSQL database), not both."
        )
    if db:
        path = Path(db).expanduser().resolve()
        return Target(url=f"sqlite:///{path}", path=path)
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise CommandError("--database-url takes a PostgreSQL URL; for SQLite give --db PATH.")
    return Target(url=database_url)


def check(target: Target, *, reuse: bool) -> None:
    """Refuse the configured database, and any database this benchmark did not build."""
    configured = settings.DATABASES["default"]
    if target.path:
        name = configured.get("NAME")
        sqlite = configured["ENGINE"].endswith("sqlite3")
        if sqlite and name and Path(str(name)).expanduser().resolve() == target.path:
            raise CommandError(
                f"{target.path} is the configured database; the benchmark needs its own."
            )
        if reuse:
            if not target.path.exists():
                raise CommandError(f"--reuse: there is no {target.path} to reuse.")
            if not sqlite_built_here(target.path):
                raise CommandError(
                    f"--reuse: {target.path} was not built by this benchmark; it is left alone."
                )
        elif target.path.exists():
            raise CommandError(
                f"{target.path} exists. The benchmark creates and fills its own database: give "
                "a new path, or --reuse one it built before."
            )
        if not target.path.parent.is_dir():
            raise CommandError(f"There is no folder {target.path.parent}.")
        return
    parsed = dj_database_url.parse(target.url)
    if configured["ENGINE"] == parsed["ENGINE"] and configured.get("NAME") == parsed["NAME"]:
        same_host = (configured.get("HOST") or "") == (parsed.get("HOST") or "")
        if same_host:
            raise CommandError(
                f"{parsed['NAME']} is the configured database; the benchmark needs its own."
            )
    tables = postgresql_tables(target)
    if reuse:
        if data.MARKER_TABLE not in (tables or ()):
            raise CommandError(
                f"--reuse: {parsed['NAME']} was not built by this benchmark; it is left alone."
            )
    elif tables:
        raise CommandError(
            f"{parsed['NAME']} already has tables. The benchmark fills only a new or empty "
            "database, or --reuse one it built before."
        )


def sqlite_built_here(path: Path) -> bool:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            db.execute(f"SELECT count(*) FROM {data.MARKER_TABLE}")
    except sqlite3.DatabaseError:
        return False
    return True


def postgresql_tables(target: Target) -> list[str] | None:
    """The tables of the PostgreSQL database; it is created first if it does not exist."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(target.url)
    name = parts.path.lstrip("/")
    try:
        with psycopg.connect(target.url, autocommit=True) as db:
            rows = db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
            return [table for (table,) in rows]
    except psycopg.OperationalError as error:
        if "does not exist" not in str(error):
            raise CommandError(f"Cannot reach the benchmark database: {error}") from error
    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as db:
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return []


# -- Child processes -----------------------------------------------------------------


def run_step(target: Target, subject: str, step: str, args: list[str], write: Write) -> Any:
    """Run one step of the benchmark in a child process on the benchmark database."""
    env = {
        **os.environ,
        "DATABASE_URL": target.url,
        "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
    }
    command = [sys.executable, "-m", "django", "benchmark", subject, "--step", step]
    return run_child([*command, *target_args(target), *args], env, write, step)


def run_child(command: list[str], env: dict[str, str], write: Write, step: str) -> Any:
    """Run a benchmark step's process: pass on what it prints, return the result it reports."""
    process = subprocess.Popen(
        command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, text=True
    )
    result = None
    for line in process.stdout:
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line.removeprefix(RESULT_PREFIX))
        else:
            write(line.rstrip("\n"))
    if process.wait() != 0:
        raise CommandError(f"The benchmark step {step!r} failed (exit {process.returncode}).")
    return result


def target_args(target: Target) -> list[str]:
    return ["--db", str(target.path)] if target.path else ["--database-url", target.url]


def on_target(target: Target) -> None:
    """In a child: refuse to run anywhere but on the benchmark database."""
    if target.path:
        here = Path(connection.settings_dict["NAME"]).resolve() == target.path
    else:
        here = connection.settings_dict["NAME"] == dj_database_url.parse(target.url)["NAME"]
    if not here:
        raise CommandError("A benchmark step must run on the benchmark database.")


def child(step: str, target: Target, options: dict[str, Any], write: Write) -> None:
    """Carry out one step in this (child) process and print its result as one JSON line."""
    on_target(target)
    if step == "build":
        call_command("migrate", verbosity=0)
        if data.built_here() is not None or data.holds_data():
            raise CommandError("The database already holds data; the benchmark fills only its own.")
        data.build(options["claims"], seed=options["seed"], write=write)
        return
    if data.built_here() is None:
        raise CommandError("The database was not built by this benchmark.")
    if step in ("export", "import-export"):
        from factcheck.benchmarks import export

        result = export.child(step, target, options)
    else:
        module = importlib.import_module(f"factcheck.benchmarks.{step}")
        # Pages name their static files; the plain storage needs no collectstatic first.
        plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
            result = module.measure(repeat=options["repeat"], write=write)
    write(RESULT_PREFIX + json.dumps(result, default=str))


# -- The whole run -------------------------------------------------------------------------


def run(subjects: list[str], options: dict[str, Any], write: Write) -> None:
    target = target_of(options["db"], options["database_url"])
    check(target, reuse=options["reuse"])
    if not options["reuse"]:
        write(f"Building {options['claims']:,} claims in {target.label}…")
        run_step(
            target,
            subjects[0],
            "build",
            ["--claims", str(options["claims"]), "--seed", str(options["seed"])],
            write,
        )
    for subject in subjects:
        if subject == "export":
            from factcheck.benchmarks import export

            export.run(target, options, lambda *a: run_step(target, "export", *a, write), write)
            continue
        title, rows, notes = run_step(
            target, subject, subject, ["--repeat", str(options["repeat"])], write
        )
        timing.table(title, rows, write)
        for note in notes:
            write(note)
