"""Signed checkpoints of the audit chain's head, kept outside the database.

The keyed chain (`factcheck.audit`) stops anyone without AUDIT_KEY from forging
or rehashing events, but not from cutting the tail or emptying the table: what
is left still verifies. So `verify_audit` and the periodic task append the head
they verified (last id, hash, count, time), signed with the key, to a file
named by FACTCHECK_AUDIT_CHECKPOINTS. The file is opened in append mode and
never rewritten; every later verification compares the chain against every
line, so a missing or rewritten head, a shorter chain, an emptied table or an
edited line is reported.

The store vouches for the chain, and the database for the store: each
checkpoint written is also recorded in the append-only table of
`CheckpointRecord` (its number and MAC), which a cut of the audit table leaves
standing. Once the chain has been checkpointed, a store that is missing,
emptied, shortened or put back from an older copy lacks a checkpoint recorded
there, and verification fails.

One line per checkpoint, JSON:
`{"at": …, "count": …, "hash": …, "key_id": …, "kind": "verify"|"upgrade", "last_id": …,
"mac": …, "v": 1}`. `kind` is "upgrade" for the checkpoint the 0006 migration
takes of a database whose events were hashed before the chain was keyed.
"""

import datetime
import hmac
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from factcheck import audit
from factcheck.models import AuditEvent, CheckpointRecord

FORMAT_VERSION = 1
FIELDS = ("v", "kind", "last_id", "hash", "count", "at", "key_id")
# What a report lists before it summarises the rest.
MAX_PROBLEMS = 20


@dataclass(frozen=True)
class Checkpoint:
    line: int
    kind: str
    last_id: int | None
    hash: str
    count: int
    at: str
    key_id: str
    mac: str = ""

    def __str__(self) -> str:
        return f"checkpoint line {self.line} ({self.at})"

    def capitalized(self) -> str:
        """Its name at the start of a sentence: `capitalize()` would lower the time's "T"."""
        return f"Checkpoint line {self.line} ({self.at})"


@dataclass
class Verification:
    """What a verification found: the head it saw, and each problem in a sentence."""

    count: int = 0
    head_id: int | None = None
    head_hash: str = audit.GENESIS_HASH
    checkpoints: int = 0
    legacy: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def checkpoint_path() -> Path:
    return Path(settings.FACTCHECK_AUDIT_CHECKPOINTS)


def _signed_text(record: dict[str, Any]) -> str:
    body = {name: record.get(name) for name in FIELDS}
    # A prefix of its own, so a checkpoint's MAC can never pass for an event's.
    return "factcheck audit checkpoint\n" + json.dumps(
        body, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def append(
    *, last_id: int | None, hash: str, count: int, kind: str = "verify", path: Path | None = None
) -> dict[str, Any]:
    """Append one signed checkpoint line; the file is created if need be, never rewritten."""
    record: dict[str, Any] = {
        "v": FORMAT_VERSION,
        "kind": kind,
        "last_id": last_id,
        "hash": hash,
        "count": count,
        "at": timezone.now().astimezone(datetime.UTC).isoformat(),
        "key_id": audit.key_id(),
    }
    record["mac"] = audit.mac(_signed_text(record))
    line = json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n"
    path = checkpoint_path() if path is None else Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # One write of one short line with O_APPEND: concurrent writers cannot interleave.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return record


def read(path: Path | None = None) -> tuple[list[Checkpoint], list[str]]:
    """Return the checkpoints whose signature verifies, and a problem for every other line."""
    path = checkpoint_path() if path is None else Path(path)
    checkpoints: list[Checkpoint] = []
    problems: list[str] = []
    if not path.exists():
        return checkpoints, problems
    current_key_id = audit.key_id()
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                checkpoint = Checkpoint(
                    line=number,
                    kind=str(record["kind"]),
                    last_id=None if record["last_id"] is None else int(record["last_id"]),
                    hash=str(record["hash"]),
                    count=int(record["count"]),
                    at=str(record["at"]),
                    key_id=str(record["key_id"]),
                    mac=str(record["mac"]),
                )
                signature = checkpoint.mac
            except (ValueError, KeyError, TypeError):
                problems.append(
                    f"Checkpoint line {number} of {path} is not a checkpoint (it was altered)."
                )
                continue
            if checkpoint.key_id != current_key_id:
                problems.append(
                    f"{checkpoint.capitalized()} was signed with another key "
                    f"(id {checkpoint.key_id!r}, the current AUDIT_KEY is {current_key_id!r}); "
                    "it cannot be checked."
                )
                continue
            if not hmac.compare_digest(audit.mac(_signed_text(record)), signature):
                problems.append(
                    f"{checkpoint.capitalized()} of {path}: its signature does not verify "
                    "(the line was altered or forged)."
                )
                continue
            checkpoints.append(checkpoint)
    return checkpoints, problems


def verify(path: Path | None = None) -> Verification:
    """Walk the keyed chain and compare it against every checkpoint."""
    checkpoints, problems = read(path)
    result = Verification(checkpoints=len(checkpoints))
    by_head: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints:
        if checkpoint.last_id is not None:
            by_head.setdefault(checkpoint.last_id, []).append(checkpoint)
    matched: set[Checkpoint] = set()
    seen_heads: set[int] = set()
    first_legacy: int | None = None
    last_legacy: int | None = None
    chain_problem = None
    for link in audit.walk_chain():
        result.count = link.position
        result.head_id = link.id
        result.head_hash = link.hash
        if link.key_id == audit.LEGACY_KEY_ID:
            result.legacy += 1
            first_legacy = link.id if first_legacy is None else first_legacy
            last_legacy = link.id
        if link.broken is not None and chain_problem is None:
            chain_problem = (
                f"Audit event #{link.id} does not verify: {link.broken.problem}. "
                f"{link.position - 1} event(s) before it are intact."
            )
        if link.id in by_head:
            seen_heads.add(link.id)
        for checkpoint in by_head.get(link.id, ()):
            if link.hash != checkpoint.hash:
                problems.append(
                    f"Audit event #{link.id} differs from {checkpoint}: its hash is not the one "
                    "recorded then (it was rewritten)."
                )
            elif link.position != checkpoint.count:
                problems.append(
                    f"Audit event #{link.id} is event number {link.position} of the chain, but "
                    f"{checkpoint} recorded it as number {checkpoint.count} (events before it "
                    "were removed or inserted)."
                )
            else:
                matched.add(checkpoint)
    if chain_problem is not None:
        problems.insert(0, chain_problem)
    # A head that is gone: the latest checkpoint naming one tells the story.
    lost = [c for c in checkpoints if c.last_id is not None and c.last_id not in seen_heads]
    if lost:
        checkpoint = max(lost, key=lambda c: (c.count, c.line))
        if result.count == 0:
            problems.append(
                f"The audit table is empty, but {checkpoint} recorded {checkpoint.count} "
                f"event(s) up to #{checkpoint.last_id} (the table was emptied)."
            )
        elif result.count < checkpoint.count:
            problems.append(
                f"The audit chain has {result.count} event(s), fewer than the "
                f"{checkpoint.count} recorded at {checkpoint}, and its head then, event "
                f"#{checkpoint.last_id}, is missing (the history was cut)."
            )
        else:
            problems.append(
                f"Audit event #{checkpoint.last_id}, the head recorded at {checkpoint}, is "
                "missing (it was deleted)."
            )
        if len(lost) > 1:
            problems.append(
                f"{len(lost) - 1} earlier checkpoint(s) also name audit events that are missing."
            )
    if last_legacy is not None and not any(
        checkpoint.last_id is not None and checkpoint.last_id >= last_legacy
        for checkpoint in matched
    ):
        problems.append(
            f"Audit events #{first_legacy}–#{last_legacy} were hashed with plain SHA-256 before "
            "the chain was keyed, and no signed checkpoint covers them (anyone with database "
            "access could have rewritten them)."
        )
    problems += _store_problems(path, checkpoints)
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], f"…and {more} more problem(s) like these."]
    result.problems = problems
    return result


def verify_and_record(path: Path | None = None, *, record: bool = True) -> Verification:
    """Verify the chain against the checkpoints; if all is well, append a checkpoint of its head."""
    result = verify(path)
    if result.ok and record:
        written = append(
            last_id=result.head_id, hash=result.head_hash, count=result.count, path=path
        )
        _record_in_the_database(written)
    return result


def _record_in_the_database(written: dict[str, Any]) -> None:
    """Record that a checkpoint was written, so that the store cannot silently go."""
    with transaction.atomic():
        number = (CheckpointRecord.objects.aggregate(last=Max("number"))["last"] or 0) + 1
        CheckpointRecord.objects.create(
            number=number,
            written_at=datetime.datetime.fromisoformat(written["at"]),
            last_id=written["last_id"],
            count=written["count"],
            mac=written["mac"],
        )


def _store_problems(path: Path | None, found: list[Checkpoint]) -> list[str]:
    """Name the checkpoints the database says were written and the store no longer holds."""
    recorded = list(CheckpointRecord.objects.values("number", "written_at", "last_id", "mac"))
    in_store = {checkpoint.mac for checkpoint in found}
    lost = [entry for entry in recorded if entry["mac"] not in in_store]
    if not lost:
        return []
    path = checkpoint_path() if path is None else Path(path)
    last = lost[-1]
    written = (
        f"the database records {len(recorded)} checkpoint(s) written to it, the last on "
        f"{recorded[-1]['written_at']:%Y-%m-%d %H:%M:%S %Z}"
    )
    if not path.exists():
        return [
            f"The checkpoint store {path} is missing, but {written}: it was deleted or moved. "
            "Put it back from a copy; until then the history's tail cannot be vouched for."
        ]
    if not found:
        return [f"The checkpoint store {path} holds no checkpoint, but {written} (it was emptied)."]
    return [
        f"The checkpoint store {path} holds {len(found)} checkpoint(s), but {written}; "
        f"{len(lost)} of them, the last (number {last['number']}, of event #{last['last_id']}), "
        "are not in it (it was shortened, or an older copy was put back)."
    ]


def record_upgrade(using: str = "default", path: Path | None = None) -> dict[str, Any] | None:
    """Checkpoint the head of a chain hashed before it was keyed (the 0006 migration calls this).

    Taken when the keyed scheme is installed, it vouches for the unkeyed events
    then present, and for no later unkeyed event.
    """
    events = AuditEvent.objects.using(using)
    head = events.order_by("-id").values_list("id", "hash").first()
    if head is None:
        return None
    return append(last_id=head[0], hash=head[1], count=events.count(), kind="upgrade", path=path)
