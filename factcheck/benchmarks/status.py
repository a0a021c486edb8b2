"""Time a status change through its service, audit record included (server time, no HTTP).

Each run moves its own unverified claim to in progress with
`services.claim_set_status`, which locks the claim, saves it and writes the
audit event on the hash chain in one transaction. The queries that touch the
audit table are what the audit adds to the same change without it.
"""

from django.db import connection

from factcheck import services
from factcheck.benchmarks import data
from factcheck.benchmarks.timing import Write, counted, row, timed
from factcheck.models import AuditEvent, Claim, VerificationStatus

TARGET_MS = 30
TARGET_AUDIT_QUERIES = 2


def measure(*, repeat: int, write: Write) -> tuple[str, list, list[str]]:
    actor = data.admin()
    runs = max(repeat, 1) * 3
    claims = iter(
        Claim.objects.filter(status=VerificationStatus.UNVERIFIED).order_by("-id")[: runs + 2]
    )

    def change():
        return services.claim_set_status(
            actor=actor, claim=next(claims), status=VerificationStatus.IN_PROGRESS
        )

    recorder = _Recorder()
    with connection.execute_wrapper(recorder):
        count, _ = counted(change)
    audit = sum(1 for sql in recorder.statements if AuditEvent._meta.db_table in sql)
    milliseconds, _ = timed(change, runs)
    rows = [
        row("status change with its audit event", milliseconds, TARGET_MS, f"{count} queries"),
        (
            "queries the audit adds",
            f"{audit} of {count}",
            f"≤ {TARGET_AUDIT_QUERIES}",
            audit <= TARGET_AUDIT_QUERIES,
        ),
    ]
    title = (
        f"Status change, {connection.vendor}: services.claim_set_status on "
        f"{Claim.objects.count():,} claims; median of {runs} changes."
    )
    return title, rows, []


class _Recorder:
    """Keep the SQL of every statement run (for telling the audit's queries from the rest)."""

    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        return execute(sql, params, many, context)
