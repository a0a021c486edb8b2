"""What every service shares: the errors, the guards, the locks and the audit helpers.

Lock order
==========

Every service takes its locks in this order, and only these:

1. the audit chain: an advisory transaction lock on PostgreSQL (SQLite's
   IMMEDIATE transactions already admit one writer at a time), taken by
   `service` when the outermost transaction begins, before any row is read
   for update;
2. the article row (`claim_create`, `article_update`, `article_delete`,
   and every suggestion service), then that article's suggestion and
   suggestion-run rows (`services.suggestions`);
3. claim rows, in ascending id;
4. attribution, evidence and note rows of those claims;
5. source and source-type rows, in ascending id.

Every service writes an audit event, so every service needs the chain; taking
it first means that two services never hold one row each while waiting for
the other's, which is how PostgreSQL deadlocked when `claim_create` locked the
article before the chain while a status change locked the chain before the
claim (and, through `select_related`, the claim's article). Row locks name
only the rows a service changes (`select_for_update(of=("self",))`), never
the rows a join merely reads.

A transaction the database aborts anyway (a deadlock or a serialization
failure, say against a writer outside the services) is retried from the
start a bounded number of times; then `Busy` is raised, which the web answers
with 503 and a message (`factcheck.middleware`). One that waited for a lock
until its timeout ran out is not retried (it has waited long enough): `Busy`
at once.
"""

import datetime
import functools
import logging
import random
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, OperationalError, connection, models, transaction
from django.utils import timezone
from django.utils.text import capfirst

from factcheck import audit
from factcheck.models import Article, Claim, VerificationStatus

logger = logging.getLogger(__name__)

# How often a transaction aborted by the database is tried again, and the
# longest pause between tries (seconds; each pause is random up to it).
RETRIES = 5
RETRY_PAUSE = 0.05


class DomainError(Exception):
    """A change was refused; `message` says why in words a reviewer understands."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The person may not make this change."""


class Conflict(DomainError):
    """Someone else changed the object since the person loaded it."""

    def __init__(self, message: str, *, current: models.Model):
        super().__init__(message)
        self.current = current


class Busy(Exception):
    """The database kept aborting the change (deadlock, serialization); nothing was saved."""

    message = (
        "The workbench is very busy and could not save this change; nothing was saved. "
        "Please try again in a moment."
    )


class DuplicateArticle(DomainError):
    def __init__(self, existing: Article):
        super().__init__(f"This text was already imported as article #{existing.pk} “{existing}”.")
        self.existing = existing


def _authorize(actor, permission: str) -> None:
    """Refuse unless the actor holds the permission; `None` is the system (commands)."""
    if actor is None:
        return
    if not actor.is_authenticated or not actor.has_perm(f"factcheck.{permission}"):
        raise NotAllowed("You do not have permission to do this.")


def _audit_value(value: Any) -> Any:
    if isinstance(value, models.Model):
        return {"id": value.pk, "name": str(value)}
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def _apply(instance: models.Model, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the given fields on the instance; return {field: [old, new]} for those that changed."""
    changes = {}
    for name, new in values.items():
        field = instance._meta.get_field(name)
        if field.is_relation:
            old_id = getattr(instance, field.attname)
            new_id = new.pk if new is not None else None
            if old_id == new_id:
                continue
            old = getattr(instance, name)
        else:
            old = getattr(instance, name)
            if old == new:
                continue
        changes[name] = [_audit_value(old), _audit_value(new)]
        setattr(instance, name, new)
    return changes


def _full_clean(instance: models.Model, **kwargs: Any) -> None:
    """Validate with the model's own rules and turn the errors into one DomainError."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        label = (
            capfirst(instance._meta.get_field(field).verbose_name) if field != "__all__" else None
        )
        message = " ".join(messages)
        raise DomainError(f"{label}: {message}" if label else message, field=field) from error


def _created_changes(instance: models.Model, fields: Iterable[str]) -> dict[str, list[Any]]:
    return {name: [None, _audit_value(getattr(instance, name))] for name in fields}


def normalize_text(text: str) -> str:
    """Give article text one line-ending convention and no BOM or trailing blank space."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").rstrip()


def _check_span(
    article: Article, start: Any, end: Any, text: str | None, *, what: str, field: str
) -> str:
    """Check that [start, end) lies inside the article and quotes `text`; return the span text."""
    if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool):
        raise DomainError(f"The {what} offsets must be whole numbers.", field=field)
    length = len(article.text)
    if not 0 <= start < end <= length:
        raise DomainError(
            f"The {what} offsets {start}–{end} fall outside the article text "
            f"(0–{length}), or the span is empty.",
            field=field,
        )
    actual = article.text[start:end]
    if text is not None and text != actual:
        raise DomainError(
            f"The {what} text does not match the article at {start}–{end}: the article "
            f"reads “{_clip(actual)}”, not “{_clip(text)}”.",
            field=field,
        )
    return actual


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_retryable(error: DatabaseError) -> bool:
    """Tell whether the database aborted the transaction for a retry to fix.

    PostgreSQL: 40P01 deadlock_detected and 40001 serialization_failure, which
    end a transaction at once and usually pass on a second try.
    """
    return getattr(error.__cause__, "sqlstate", None) in {"40P01", "40001"}


def _is_lock_timeout(error: DatabaseError) -> bool:
    """Tell whether the change waited for a lock as long as it may (no point in waiting again).

    PostgreSQL: 55P03 lock_not_available, when a `lock_timeout` ran out;
    SQLite: "database is locked" once the busy timeout (30 s) ran out.
    """
    if getattr(error.__cause__, "sqlstate", None) == "55P03":
        return True
    return isinstance(error, OperationalError) and "database is locked" in str(error)


def service[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    """Run a service in one transaction that holds the chain lock, retried if the DB aborts it.

    Called inside another transaction (a service calling a service, the admin's
    atomic views), it joins that transaction: only the outermost one can be
    retried, because only it can be run again from its start.
    """

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if connection.in_atomic_block:
            with transaction.atomic(), audit.chain_locked():
                return func(*args, **kwargs)
        for attempt in range(1, RETRIES + 1):
            try:
                with transaction.atomic(), audit.chain_locked():
                    return func(*args, **kwargs)
            except DatabaseError as error:
                if _is_lock_timeout(error):
                    logger.warning("%s gave up waiting for a lock: %s", func.__name__, error)
                    raise Busy() from error
                if not _is_retryable(error):
                    raise
                logger.warning(
                    "%s aborted by the database (try %d): %s", func.__name__, attempt, error
                )
                if attempt == RETRIES:
                    raise Busy() from error
                time.sleep(random.uniform(0, RETRY_PAUSE * attempt))
        raise AssertionError("unreachable")

    return run


def run_atomically[**P, R](func: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Run several services as one change: one transaction, the chain locked first, retried."""
    return service(func)(*args, **kwargs)


def _lock_article(article: Article) -> Article:
    """Re-read the article under a row lock (lock order 2)."""
    return Article.objects.select_for_update().get(pk=article.pk)


def _lock_claim(claim: Claim, expected_version: int | None) -> Claim:
    """Re-read the claim under a row lock and refuse if it changed since `expected_version`."""
    current = (
        Claim.objects.select_for_update(of=("self",)).select_related("article").get(pk=claim.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise Conflict(
            "Someone else changed this claim while you were editing it. "
            "Its current state is shown; your changes were not saved.",
            current=current,
        )
    return current


def _ensure_unlocked(claim: Claim) -> None:
    if claim.is_locked:
        raise DomainError(
            "This claim is signed off and locked; an editor must reopen it before it can change."
        )


# Who proposed a verdict, and when: what a change to a verdict makes of it.
Proposer = tuple[Any, datetime.datetime | None]


def _proposer_values(claim: Claim, actor, restore: Proposer | None = None) -> dict[str, Any]:
    """Make whoever changes a proposed verdict its proposer; undo restores the one it had.

    Call after the change is applied to `claim`: a claim that is not (or no
    longer) a verdict has no proposer to change.
    """
    if claim.status not in VerificationStatus.verdicts():
        return {}
    if restore is not None:
        return {"proposed_by": restore[0], "proposed_at": restore[1]}
    if actor is not None and claim.proposed_by_id == actor.pk:
        return {}
    return {"proposed_by": actor, "proposed_at": timezone.now()}


def _bump(claim: Claim, fields: Iterable[str] = ()) -> None:
    """Save the changed fields and raise the version, so stale forms are refused."""
    claim.version += 1
    claim.save(update_fields=[*fields, "version", "updated_at"])


def _record_claim(actor, action: str, claim: Claim, changes: dict, reason: str = "") -> None:
    audit.record(
        actor=actor,
        action=action,
        object_type="claim",
        object_id=claim.pk,
        object_repr=str(claim),
        article_id=claim.article_id,
        claim_id=claim.pk,
        changes=changes,
        reason=reason,
    )
