"""Benchmark the claims CSV export against django-import-export and the database's own shell.

    python manage.py benchmark export --claims 1000000 --db /tmp/bench.sqlite3

Each contender runs in its own process on the shared data set (`data.build`),
so that its peak memory is its own, after one untimed run of ours has read the
tables into the page cache (otherwise whoever runs first reads them from disk):

- ours: `factcheck.exports`, the code behind `/export/claims.csv`, audit event
  included, written to a file;
- django-import-export: `ModelResource.export()` over the same rows and columns
  (install it with `pip install -e .[bench]`); it builds the whole dataset in
  memory, so `--import-export-rows` runs it on the first N rows and the table
  extrapolates its time to all of them;
- the floor, with no Python at all: the `sqlite3` command line running our
  export's own SQL with `-csv`, or on PostgreSQL `psql` running it in a
  `COPY … TO STDOUT (FORMAT csv)`, with JIT off as ours runs it.
"""

import importlib.util
import os
import resource
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.db.models import F
from django.http import QueryDict

from factcheck.benchmarks.timing import Write

# The targets of issues 5 and 12, at a million rows on a 2-core machine.
TARGET_SPEEDUP_OVER_IMPORT_EXPORT = 10
TARGET_RATIO_TO_FLOOR = 2
TARGET_FIRST_BYTE_SECONDS = 0.5
TARGET_PEAK_MEGABYTES = 150


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
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def count_lines(path: Path) -> int:
    lines = 0
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            lines += block.count(b"\n")
    return lines


def output_path(target, name: str) -> Path:
    stem = target.path.stem if target.path else "benchmark-postgresql"
    return target.output_dir / f"{stem}.{name}.csv"


# -- In the child processes ----------------------------------------------------------------


def child(step: str, target, options: dict[str, Any]) -> dict[str, Any]:
    if step == "export":
        return run_ours(target)
    return run_import_export(target, options["import_export_rows"])


def run_ours(target) -> dict[str, Any]:
    from factcheck import exports
    from factcheck.filters import ClaimFilter
    from factcheck.models import Claim

    output = output_path(target, "ours")
    baseline = peak_megabytes()
    started = time.perf_counter()
    first_byte = None
    claims = ClaimFilter(QueryDict(), queryset=Claim.objects.all()).qs
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


def run_import_export(target, limit: int) -> dict[str, Any]:
    from import_export.formats.base_formats import CSV

    from factcheck.filters import ClaimFilter
    from factcheck.models import Claim

    resource_class = import_export_resource()
    output = output_path(target, "import-export")
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


# -- In the parent --------------------------------------------------------------------------


def run(target, options: dict[str, Any], run_step: Callable[..., Any], write: Write) -> None:
    # Every contender reads a warm page cache: a million claims' tables are
    # gigabytes, and whoever ran first used to pay for reading them from disk.
    write("Reading the tables once, untimed, so that every contender finds them cached…")
    warm = run_step("export", [])
    # Gone before the timed run, which would otherwise pay for truncating it.
    Path(warm["output"]).unlink(missing_ok=True)
    write("Timing our CSV export…")
    ours = {"name": "ours (factcheck.exports)", **run_step("export", [])}
    results = [ours, import_export(options["import_export_rows"], ours["rows"], run_step, write)]
    results.append(floor(target, ours["sql"], write))
    report(target, results, write)
    if not options["keep_output"]:
        for result in results:
            if result.get("output"):
                Path(result["output"]).unlink(missing_ok=True)


def import_export(
    subset: int, total_rows: int, run_step: Callable[..., Any], write: Write
) -> dict[str, Any]:
    name = "django-import-export ModelResource.export()"
    if importlib.util.find_spec("import_export") is None:
        return {"name": name, "missing": "not installed: pip install -e .[bench]"}
    rows = subset if 0 < subset < total_rows else total_rows
    write(f"Timing django-import-export on {rows:,} rows…")
    result = run_step("import-export", ["--import-export-rows", str(rows)])
    if rows < total_rows:
        result["extrapolated_seconds"] = result["seconds"] * total_rows / result["rows"]
    return {"name": name, **result}


def floor(target, sql: str, write: Write) -> dict[str, Any]:
    """The database's own shell running our SQL: the time no Python can beat."""
    if target.path:
        name, program = "sqlite3 -csv (same SQL; the floor)", "sqlite3"
        arguments = ["-csv", "-header", str(target.path), sql]
        environment = None
    else:
        name, program = "psql COPY … (FORMAT csv) (same SQL; the floor)", "psql"
        arguments = [target.url, "-c", f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)"]
        # Without JIT, as our export reads (`exports.streamed`): it is faster so.
        environment = {**os.environ, "PGOPTIONS": "-c jit=off"}
    executable = shutil.which(program)
    if executable is None:
        return {"name": name, "missing": f"no {program} command (apt-get install {program})"}
    write(f"Timing the {program} command line…")
    output = output_path(target, program)
    peak = 0.0
    with output.open("wb") as stream:
        started = time.perf_counter()
        process = subprocess.Popen([executable, *arguments], stdout=stream, env=environment)
        # Sample the peak while it runs: its memory is gone once it has exited.
        while process.poll() is None:
            peak = max(peak, high_water_megabytes(process.pid) or 0.0)
            time.sleep(0.01)
        seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise CommandError(f"{program} failed (exit {process.returncode}).")
    return {
        "name": name,
        "rows": count_lines(output) - 1,
        "seconds": seconds,
        "first_byte": None,
        "peak_mb": peak,
        "bytes": output.stat().st_size,
        "output": str(output),
    }


def report(target, results: list[dict[str, Any]], write: Write) -> None:
    ours, import_export, cli = results
    write("")
    write(
        f"Claims CSV export, {ours['rows']:,} rows (one per attribution), {target.vendor}, "
        f"{os.cpu_count()} CPU(s)."
    )
    header = (
        f"| {'contender':<46} | {'rows':>10} | {'seconds':>8} | {'rows/s':>10} "
        f"| {'first byte':>10} | {'peak RSS':>9} | {'output':>9} |"
    )
    write(header)
    write("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    for result in results:
        if "missing" in result:
            write(f"| {result['name']:<46} | {result['missing']} |")
            continue
        first = f"{result['first_byte']:.3f} s" if result.get("first_byte") else "—"
        write(
            f"| {result['name']:<46} | {result['rows']:>10,} | {result['seconds']:>8.2f} "
            f"| {result['rows'] / result['seconds']:>10,.0f} | {first:>10} "
            f"| {result['peak_mb']:>6.0f} MB | {result['bytes'] / 1e6:>6.0f} MB |"
        )
    write("")
    write(
        f"Ours: Python and Django loaded, {ours['baseline_mb']:.0f} MB before the export "
        "started; the peak includes them."
    )
    if "extrapolated_seconds" in import_export:
        write(
            f"django-import-export ran on the first {import_export['rows']:,} rows only "
            f"(--import-export-rows); at {ours['rows']:,} rows it would take about "
            f"{import_export['extrapolated_seconds']:,.0f} s, extrapolated linearly, and its "
            "in-memory dataset would grow with the rows."
        )
    write("")
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
                f"within {TARGET_RATIO_TO_FLOOR}× the database's command line",
                ratio <= TARGET_RATIO_TO_FLOOR,
                f"{ratio:.2f}×",
            )
        )
    if "missing" not in import_export:
        rate = ours["rows"] / ours["seconds"]
        their_rate = import_export["rows"] / import_export["seconds"]
        checks.append(
            (
                f"at least {TARGET_SPEEDUP_OVER_IMPORT_EXPORT}× faster than django-import-export",
                rate / their_rate >= TARGET_SPEEDUP_OVER_IMPORT_EXPORT,
                f"{rate / their_rate:.1f}× (rows per second)",
            )
        )
    for label, met, measured in checks:
        write(f"  {'met' if met else 'MISSED':<6}  {label}: {measured}")


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
