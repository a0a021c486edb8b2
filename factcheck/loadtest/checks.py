"""After the run: latency by action, and whether every acknowledged write was kept."""

import io
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError

from factcheck.loadtest.scenario import LOGIN, REFUSALS, Expected, Sample
from factcheck.models import AuditEvent, Claim


@dataclass
class ActionStats:
    action: str
    requests: int
    ok: int
    refused: int
    errors: int
    p50: float
    p95: float
    p99: float


def percentile(sorted_values: list[float], p: float) -> float:
    """The nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def is_error(status: int) -> bool:
    """A 5xx, no answer at all, or a 4xx that the page would not show as a refusal."""
    return status == 0 or status >= 500 or (status >= 400 and status not in REFUSALS)


def by_action(samples: Iterable[Sample]) -> list[ActionStats]:
    grouped: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        grouped[sample.action].append(sample)
    # Logging in happens before the clock starts: it is not part of the throughput.
    grouped["all"] = [
        sample for action, group in list(grouped.items()) if action != LOGIN for sample in group
    ]
    rows = []
    for action, group in grouped.items():
        seconds = sorted(sample.seconds for sample in group)
        refused = sum(sample.status in REFUSALS for sample in group)
        errors = sum(is_error(sample.status) for sample in group)
        rows.append(
            ActionStats(
                action=action,
                requests=len(group),
                ok=len(group) - refused - errors,
                refused=refused,
                errors=errors,
                p50=percentile(seconds, 50),
                p95=percentile(seconds, 95),
                p99=percentile(seconds, 99),
            )
        )
    return rows


def markdown_table(rows: list[ActionStats], elapsed: float) -> str:
    lines = [
        "| Action | Requests | Req/s | OK | Refused (409/422) | Errors "
        "| p50 ms | p95 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        name = f"**{row.action}**" if row.action == "all" else row.action
        rate = "—" if row.action == LOGIN else f"{row.requests / elapsed:.1f}"
        lines.append(
            f"| {name} | {row.requests} | {rate} | {row.ok} | "
            f"{row.refused} | {row.errors} | {row.p50 * 1000:.0f} | {row.p95 * 1000:.0f} | "
            f"{row.p99 * 1000:.0f} |"
        )
    return "\n".join(lines)


def _matches(actual: Any, expected: Any) -> bool:
    """Does an audit value hold what was written (a dict may hold more keys)?"""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            _matches(actual.get(key), value) for key, value in expected.items()
        )
    return actual == expected


def missing_events(expected: list[Expected], after_id: int) -> list[Expected]:
    """The acknowledged writes with no audit event (of that action, actor, claim and values)."""
    pool: dict[tuple, list[AuditEvent]] = defaultdict(list)
    for event in AuditEvent.objects.filter(id__gt=after_id).order_by("id"):
        pool[(event.action, event.actor_name, event.claim_id)].append(event)
    missing = []
    for wanted in expected:
        candidates = pool[(wanted.action, wanted.actor, wanted.claim_id)]
        for index, event in enumerate(candidates):
            if all(
                isinstance(event.changes.get(name), list)
                and _matches(event.changes[name][-1], value)
                for name, value in wanted.changes.items()
            ):
                del candidates[index]
                break
        else:
            missing.append(wanted)
    return missing


def state_mismatches(
    created: dict[int, tuple[int, int, int]], signed_off: dict[int, tuple[str, str]]
) -> list[str]:
    """Claims the server acknowledged that the database does not hold as acknowledged."""
    rows = {
        row["pk"]: row
        for row in Claim.objects.filter(pk__in=created).values(
            "pk", "article_id", "start", "end", "status", "signed_off_by__username"
        )
    }
    problems = []
    for pk, (article_id, start, end) in created.items():
        row = rows.get(pk)
        if row is None:
            problems.append(f"claim #{pk} was created but is gone")
        elif (row["article_id"], row["start"], row["end"]) != (article_id, start, end):
            problems.append(f"claim #{pk} does not cover {start}–{end} of article #{article_id}")
    for pk, (editor, verdict) in signed_off.items():
        row = rows.get(pk)
        if row and (row["signed_off_by__username"], row["status"]) != (editor, verdict):
            problems.append(
                f"claim #{pk}: signed off by {editor} as {verdict}, but the database says "
                f"{row['signed_off_by__username']} / {row['status']}"
            )
    return problems


def verify_audit() -> tuple[bool, str]:
    """Run `manage.py verify_audit`, with `--replay` when the command offers it."""
    command = load_command_class("factcheck", "verify_audit")
    parser = command.create_parser("manage.py", "verify_audit")
    options = {"replay": True} if "--replay" in parser._option_string_actions else {}
    out, err = io.StringIO(), io.StringIO()
    label = "verify_audit" + (" --replay" if options else "")
    try:
        call_command(command, stdout=out, stderr=err, **options)
    except CommandError as error:
        return False, f"{label} failed: {error}"
    return True, f"{label}: {out.getvalue().strip()}"
