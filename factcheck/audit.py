"""The tamper-evident audit chain: writing events, the triggers that freeze them, verification.

Each event stores `hash = HMAC-SHA256(AUDIT_KEY, canonical JSON of its content
and prev_hash)` and the id of the key (`key_id`). The key lives in the
environment, not the database, so whoever can write the database but lacks the
key cannot append a forged event or rehash an edited chain: `verify_audit`
reports both. Events written before the chain was keyed carry an empty
`key_id` and a plain SHA-256; they are accepted only as a prefix of the chain
covered by a signed checkpoint (see `factcheck.checkpoints`).

Writers serialise on the chain's tail (an advisory lock on PostgreSQL; SQLite's
IMMEDIATE transactions already allow one writer at a time), and the unique
`prev_hash` column makes a fork impossible even if that were bypassed.
"""

import datetime
import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import closing, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from factcheck.models import AuditEvent

GENESIS_HASH = "0" * 64
# An arbitrary constant naming the chain's advisory lock on PostgreSQL.
CHAIN_LOCK_KEY = 704_851_233
# Set while a service's transaction holds that lock (`chain_locked`): the
# services it calls and the events they record need not ask for it again.
_chain_held: ContextVar[bool] = ContextVar("audit_chain_held", default=False)
# Where the changes being made come from, when not from the pages ("API token fcp_…").
_via: ContextVar[str] = ContextVar("audit_via", default="")
# Called with each event once it is written, inside its transaction (webhooks, registered by
# the app's ready()): what they write is kept or rolled back with the change itself.
RECORDED: list = []

# Tables whose rows are never changed nor removed, each with the columns that make
# a row itself: the audit events, and the record of the checkpoints written of
# them (so that a checkpoint store that goes missing is noticed).
APPEND_ONLY_TABLES = {
    "factcheck_auditevent": ("id", "hash", "prev_hash"),
    "factcheck_checkpointrecord": ("id", "number", "mac"),
}
TRIGGER_NAMES = tuple(
    f"{table}_{kind}"
    for table in APPEND_ONLY_TABLES
    for kind in ("no_update", "no_delete", "no_replace")
)
REFUSAL = "audit events are append-only"


def _sqlite_triggers(table: str, own_columns: tuple[str, ...]) -> list[str]:
    collides = " OR ".join(f"{column} = NEW.{column}" for column in own_columns)
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update
            BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete
            BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
        # `INSERT OR REPLACE` deletes the row it collides with without firing the
        # delete trigger (unless PRAGMA recursive_triggers is on, which a raw
        # connection need not set), so an insert that would collide is refused here.
        # https://sqlite.org/lang_conflict.html
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_replace
            BEFORE INSERT ON {table}
            WHEN EXISTS (SELECT 1 FROM {table} WHERE {collides})
            BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
    ]


def _postgres_triggers(table: str) -> list[str]:
    return [
        f"""CREATE OR REPLACE FUNCTION factcheck_auditevent_refuse() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{REFUSAL}'; END;
            $$ LANGUAGE plpgsql""",
        f"""CREATE OR REPLACE TRIGGER {table}_no_update
            BEFORE UPDATE ON {table}
            FOR EACH ROW EXECUTE FUNCTION factcheck_auditevent_refuse()""",
        f"""CREATE OR REPLACE TRIGGER {table}_no_delete
            BEFORE DELETE OR TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION factcheck_auditevent_refuse()""",
    ]


def install_triggers(conn=connection, tables=tuple(APPEND_ONLY_TABLES)) -> None:
    """Create the triggers that refuse UPDATE and DELETE on the append-only tables."""
    with conn.cursor() as cursor:
        for table in tables:
            if conn.vendor == "postgresql":
                statements = _postgres_triggers(table)
            else:
                statements = _sqlite_triggers(table, APPEND_ONLY_TABLES[table])
            for sql in statements:
                cursor.execute(sql)


def remove_triggers(conn=connection, tables=tuple(APPEND_ONLY_TABLES)) -> None:
    """Drop the append-only triggers (only `flush` in tests and migrations reversal do this)."""
    existing = set(conn.introspection.table_names())
    with conn.cursor() as cursor:
        for table in tables:
            if table not in existing:
                continue
            on_table = f" ON {table}" if conn.vendor == "postgresql" else ""
            for kind in ("no_update", "no_delete", "no_replace"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_{kind}{on_table}")


# ---------------------------------------------------------------------------
# The key

LEGACY_KEY_ID = ""  # events hashed with plain SHA-256, before the chain was keyed


def audit_key() -> bytes:
    return settings.AUDIT_KEY.encode("utf-8")


def key_id(key: bytes | None = None) -> str:
    """Name a key without revealing it; events and checkpoints record which key made them.

    Rotation is not implemented; when it is, verification will look the key up
    by this id among the current and retired keys.
    """
    key = audit_key() if key is None else key
    return hmac.new(key, b"factcheck audit key id", hashlib.sha256).hexdigest()[:16]


class WrongAuditKey(ImproperlyConfigured):
    """AUDIT_KEY is not the key that signed the audit history so far."""


def _wrong_key_message(chain_key_id: str, event_id: int | None = None) -> str:
    event = f"its last event, #{event_id}," if event_id is not None else "its last event"
    return (
        f"AUDIT_KEY (key id {key_id()!r}) is not the key that signed the audit history: "
        f"{event} was signed with key id {chain_key_id!r}. Set AUDIT_KEY to that key (from "
        "the secret store or the demo's .env); nothing was written under the wrong key."
    )


def check_key() -> None:
    """Refuse to start with an AUDIT_KEY other than the one the chain's last event was made with.

    A database without the audit table yet (before `migrate`) or without a keyed
    event has nothing to check against.
    """
    if AuditEvent._meta.db_table not in connection.introspection.table_names():
        return
    last = (
        AuditEvent.objects.exclude(key_id=LEGACY_KEY_ID)
        .order_by("-id")
        .values_list("id", "key_id")
        .first()
    )
    if last is not None and last[1] != key_id():
        raise WrongAuditKey(_wrong_key_message(last[1], last[0]))


def mac(message: str, key: bytes | None = None) -> str:
    """HMAC-SHA256 of a text under the audit key, in hex."""
    key = audit_key() if key is None else key
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


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
    if event.key_id != LEGACY_KEY_ID:
        # Legacy events keep the content they were hashed with.
        content["key_id"] = event.key_id
    if event.via:
        # Only when set: events made before it was recorded keep their content.
        content["via"] = event.via
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def compute_hash(event: AuditEvent) -> str:
    """The hash the event should carry: an HMAC under the audit key, or legacy plain SHA-256.

    A keyed event whose key_id is not the current key's gets no valid hash here;
    verification reports it as made with an unknown key.
    """
    content = canonical_content(event)
    if event.key_id == LEGACY_KEY_ID:
        return hashlib.sha256(content.encode("utf-8")).hexdigest()
    return mac(content)


def lock_chain() -> None:
    """Take the chain's lock until the transaction ends (PostgreSQL; SQLite has one writer).

    Services that lock a claim row take this first, so every writer takes the
    two in the same order (chain, then claim) and none can deadlock another.
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block and not _chain_held.get():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


@contextmanager
def chain_locked() -> Iterator[None]:
    """Take the chain's lock (`lock_chain`) and hold it for the rest of the block.

    Call it as the first thing inside the block's transaction. Within the
    block, further `lock_chain` calls (a service calling another, the event
    each records) cost no round trip: a transaction-level lock lasts until
    the transaction ends, and the block ends before its transaction does.
    """
    lock_chain()
    token = _chain_held.set(True)
    try:
        yield
    finally:
        _chain_held.reset(token)


@contextmanager
def changes_via(label: str) -> Iterator[None]:
    """Record every event made inside the block as coming `via` this channel."""
    token = _via.set(label[:64])
    try:
        yield
    finally:
        _via.reset(token)


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
    head = AuditEvent.objects.order_by("-id").values_list("hash", "key_id").first()
    tail, tail_key_id = head or (None, LEGACY_KEY_ID)
    if tail_key_id not in (LEGACY_KEY_ID, key_id()):
        # Events made under another key would never verify under the right one.
        raise WrongAuditKey(_wrong_key_message(tail_key_id))
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
        via=_via.get(),
        prev_hash=tail or GENESIS_HASH,
        key_id=key_id(),
    )
    event.hash = compute_hash(event)
    event.save(force_insert=True)
    for listener in RECORDED:
        listener(event)
    return event


@dataclass
class ChainBreak:
    event_id: int
    problem: str


@dataclass
class Link:
    """One event as the walk saw it: where it stands and whether it verified."""

    id: int
    position: int  # 1-based
    hash: str
    key_id: str
    broken: ChainBreak | None = None


def walk_chain(batch_size: int = 2000) -> Iterator[Link]:
    """Walk the whole chain in order, checking each event's link and MAC.

    Every event is yielded (checkpoints are compared against all of them);
    `broken` is set on each one that fails. A legacy (unkeyed) event is accepted
    here only before the first keyed one; whether a checkpoint covers it is
    `factcheck.checkpoints`' concern.
    """
    expected_prev = GENESIS_HASH
    current_key_id = key_id()
    keyed_seen = False
    # One SELECT reads a consistent snapshot on both databases. On SQLite an
    # atomic block would be an IMMEDIATE transaction, holding the write lock
    # (and every reviewer's save) for the whole walk, so only PostgreSQL gets one.
    snapshot = transaction.atomic() if connection.vendor == "postgresql" else nullcontext()
    events = AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size)
    # The rows' cursor is closed before the snapshot ends, also when the walk is stopped early
    # (PostgreSQL's server-side cursor lives only as long as its transaction).
    with snapshot, closing(events):
        for position, event in enumerate(events, start=1):
            link = Link(event.id, position, event.hash, event.key_id)
            problem = None
            if event.prev_hash != expected_prev:
                problem = (
                    "its link to the previous event is broken (an event was removed or inserted)"
                )
            elif event.key_id == LEGACY_KEY_ID and keyed_seen:
                problem = (
                    "it carries an unkeyed (plain SHA-256) hash after the chain was keyed "
                    "(it was forged or rehashed without the key)"
                )
            elif event.key_id not in (LEGACY_KEY_ID, current_key_id):
                problem = (
                    f"it was made with an unknown key (id {event.key_id!r}, the current "
                    f"AUDIT_KEY is {current_key_id!r})"
                )
            elif not hmac.compare_digest(compute_hash(event), event.hash):
                problem = (
                    "its content does not match its hash (it was altered, or forged without "
                    "the key)"
                )
            if problem is not None:
                link.broken = ChainBreak(event.id, problem)
            keyed_seen = keyed_seen or event.key_id != LEGACY_KEY_ID
            expected_prev = event.hash
            yield link


def verify_chain(batch_size: int = 2000) -> Iterator[int | ChainBreak]:
    """Walk the chain in order, yielding each verified event id, or the first break and stop."""
    # Closed when it stops early: PostgreSQL's cursor is then closed inside its transaction.
    with closing(walk_chain(batch_size)) as walk:
        for link in walk:
            if link.broken is not None:
                yield link.broken
                return
            yield link.id
