"""The tamper-evident audit chain: writing events, the triggers that freeze them, verification.

Each event stores `hash = sha256(prev_hash + canonical JSON of its content)`.
Writers serialise on the chain's tail (an advisory lock on PostgreSQL; SQLite's
IMMEDIATE transactions already allow one writer at a time), and the unique
`prev_hash` column makes a fork impossible even if that were bypassed.
"""

import datetime
import hashlib
import json
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from factcheck.models import AuditEvent

GENESIS_HASH = "0" * 64
# An arbitrary constant naming the chain's advisory lock on PostgreSQL.
CHAIN_LOCK_KEY = 704_851_233

TRIGGER_NAMES = ("factcheck_auditevent_no_update", "factcheck_auditevent_no_delete")
REFUSAL = "audit events are append-only"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS factcheck_auditevent_no_update
        BEFORE UPDATE ON factcheck_auditevent
        BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS factcheck_auditevent_no_delete
        BEFORE DELETE ON factcheck_auditevent
        BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
]
POSTGRES_TRIGGERS = [
    f"""CREATE OR REPLACE FUNCTION factcheck_auditevent_refuse() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION '{REFUSAL}'; END;
        $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE TRIGGER factcheck_auditevent_no_update
        BEFORE UPDATE ON factcheck_auditevent
        FOR EACH ROW EXECUTE FUNCTION factcheck_auditevent_refuse()""",
    """CREATE OR REPLACE TRIGGER factcheck_auditevent_no_delete
        BEFORE DELETE OR TRUNCATE ON factcheck_auditevent
        FOR EACH STATEMENT EXECUTE FUNCTION factcheck_auditevent_refuse()""",
]


def install_triggers(conn=connection) -> None:
    """Create the triggers that refuse UPDATE and DELETE on the audit table."""
    statements = POSTGRES_TRIGGERS if conn.vendor == "postgresql" else SQLITE_TRIGGERS
    with conn.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def remove_triggers(conn=connection) -> None:
    """Drop the append-only triggers (only `flush` in tests and migrations reversal do this)."""
    on_table = " ON factcheck_auditevent" if conn.vendor == "postgresql" else ""
    with conn.cursor() as cursor:
        for name in TRIGGER_NAMES:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}{on_table}")


def to_jsonable(value: Any) -> Any:
    """Turn a field value into what the audit record stores (and hashes)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def canonical_content(event: AuditEvent) -> str:
    content = {
        "created_at": event.created_at.astimezone(datetime.UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": str(event.object_id),
        "object_repr": event.object_repr,
        "article_id": event.article_id,
        "claim_id": event.claim_id,
        "changes": event.changes,
        "reason": event.reason,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical_content(event).encode("utf-8")).hexdigest()


def lock_chain() -> None:
    """Take the chain's lock until the transaction ends (PostgreSQL; SQLite has one writer).

    Services that lock a claim row take this first, so every writer takes the
    two in the same order (chain, then claim) and none can deadlock another.
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def record(
    *,
    actor,
    action: str,
    object_type: str,
    object_id: Any,
    object_repr: str,
    article_id: int | None = None,
    claim_id: int | None = None,
    changes: dict[str, list[Any]] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event to the chain; call inside the transaction of the change it records."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record() must run inside the change's transaction")
    lock_chain()
    tail = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    event = AuditEvent(
        created_at=timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=actor.get_username() if actor is not None else "system",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=str(object_repr)[:300],
        article_id=article_id,
        claim_id=claim_id,
        changes=to_jsonable(changes or {}),
        reason=reason,
        prev_hash=tail or GENESIS_HASH,
    )
    event.hash = compute_hash(event)
    event.save(force_insert=True)
    return event


@dataclass
class ChainBreak:
    event_id: int
    problem: str


def verify_chain(batch_size: int = 2000) -> Iterator[int | ChainBreak]:
    """Walk the chain in order, yielding each verified event id, or the first break and stop."""
    expected_prev = GENESIS_HASH
    # One SELECT reads a consistent snapshot on both databases. On SQLite an
    # atomic block would be an IMMEDIATE transaction, holding the write lock
    # (and every reviewer's save) for the whole walk, so only PostgreSQL gets one.
    snapshot = transaction.atomic() if connection.vendor == "postgresql" else nullcontext()
    with snapshot:
        for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
            if event.prev_hash != expected_prev:
                yield ChainBreak(
                    event.id,
                    "its link to the previous event is broken (an event was removed or inserted)",
                )
                return
            if compute_hash(event) != event.hash:
                yield ChainBreak(event.id, "its content does not match its hash (it was altered)")
                return
            expected_prev = event.hash
            yield event.id
