"""Every change to the workbench's data, each one atomic and audited.

Views, admin, management commands and imports call these functions; nothing
else writes the domain models. Each function checks its guard (permission,
input, offsets, version), saves only what changed, and appends its audit event
in the same transaction. A call that changes nothing writes nothing.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import capfirst

from factcheck import audit
from factcheck.models import (
    Article,
    Attribution,
    AuditEvent,
    Claim,
    EvidenceLink,
    GroundRule,
    Note,
    QuoteMode,
    Source,
    SourceType,
    VerificationStatus,
    text_hash,
)


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


class DuplicateArticle(DomainError):
    def __init__(self, existing: Article):
        super().__init__(f"This text was already imported as article #{existing.pk} “{existing}”.")
        self.existing = existing


# ---------------------------------------------------------------------------
# Shared guards and helpers


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


def _lock_claim(claim: Claim, expected_version: int | None) -> Claim:
    """Re-read the claim under a row lock and refuse if it changed since `expected_version`."""
    audit.lock_chain()
    current = Claim.objects.select_for_update().select_related("article").get(pk=claim.pk)
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


# ---------------------------------------------------------------------------
# Articles

ARTICLE_FIELDS = ("title", "outlet", "url", "published_on", "language")


@transaction.atomic
def article_create(
    *,
    actor,
    title: str,
    text: str,
    outlet: str = "",
    url: str = "",
    published_on: datetime.date | None = None,
    language: str = "en",
) -> Article:
    """Create an article; refuse a text that was imported before."""
    _authorize(actor, "add_article")
    text = normalize_text(text)
    if not text:
        raise DomainError("The article text is empty.", field="text")
    existing = Article.objects.with_text(text).first()
    if existing is not None:
        raise DuplicateArticle(existing)
    article = Article(
        title=(title or text.split("\n", 1)[0]).strip()[:500],
        outlet=outlet.strip(),
        url=url.strip(),
        published_on=published_on,
        language=(language or "en").strip(),
        text=text,
        content_hash=text_hash(text),
        created_by=actor,
    )
    _full_clean(article, validate_unique=False)
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError as error:
        # The same text, imported by someone else at the same moment.
        raise DuplicateArticle(Article.objects.with_text(text).get()) from error
    changes = {
        name: value
        for name, value in _created_changes(article, ARTICLE_FIELDS).items()
        if value[1] not in (None, "")
    }
    changes["content_hash"] = [None, article.content_hash]
    changes["text_length"] = [None, len(text)]
    audit.record(
        actor=actor,
        action="article.created",
        object_type="article",
        object_id=article.pk,
        object_repr=article.title,
        article_id=article.pk,
        changes=changes,
    )
    return article


@transaction.atomic
def article_update(*, actor, article: Article, reason: str = "", **fields: Any) -> Article:
    """Change an article's metadata, or its text while no claim points into it."""
    _authorize(actor, "change_article")
    unknown = set(fields) - {*ARTICLE_FIELDS, "text"}
    if unknown:
        raise DomainError(f"Articles have no field {', '.join(sorted(unknown))}.")
    article = Article.objects.select_for_update().get(pk=article.pk)
    old_hash = article.content_hash
    if "text" in fields:
        fields["text"] = normalize_text(fields["text"])
        if fields["text"] != article.text:
            if not fields["text"]:
                raise DomainError("The article text is empty.", field="text")
            if article.claims.exists():
                raise DomainError(
                    "The text of an article with claims cannot be edited: the claims point "
                    "into it.",
                    field="text",
                )
            if Article.objects.with_text(fields["text"]).exclude(pk=article.pk).exists():
                raise DuplicateArticle(Article.objects.with_text(fields["text"]).get())
    for name in ("title", "outlet", "url", "language"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    changes = _apply(article, fields)
    if not changes:
        return article
    if "text" in changes:
        article.content_hash = text_hash(article.text)
        del changes["text"]
        changes["content_hash"] = [old_hash, article.content_hash]
    _full_clean(article)
    article.save()
    audit.record(
        actor=actor,
        action="article.changed",
        object_type="article",
        object_id=article.pk,
        object_repr=article.title,
        article_id=article.pk,
        changes=changes,
        reason=reason,
    )
    return article


@transaction.atomic
def article_delete(*, actor, article: Article, reason: str = "") -> None:
    """Delete an article with its claims, recording what went."""
    _authorize(actor, "delete_article")
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.claims.signed_off().exists():
        raise DomainError("This article has signed-off claims; reopen them before deleting it.")
    changes = _created_changes(article, ARTICLE_FIELDS)
    changes = {name: [new, None] for name, (_, new) in changes.items()}
    claims = list(article.claims.annotate(n_attributions=models.Count("attributions")))
    # Each claim goes with its own event, so its timeline ends where it ended.
    for claim in claims:
        _record_claim(
            actor,
            "claim.deleted",
            claim,
            {
                "text": [claim.text, None],
                "status": [claim.status, None],
                "attributions": [claim.n_attributions, 0],
            },
            reason or "The article was deleted",
        )
    changes["claims"] = [len(claims), 0]
    audit.record(
        actor=actor,
        action="article.deleted",
        object_type="article",
        object_id=article.pk,
        object_repr=article.title,
        article_id=article.pk,
        changes=changes,
        reason=reason,
    )
    article.delete()


# ---------------------------------------------------------------------------
# Claims

# Statuses a claim may move to from each status (a verdict may be revised
# until it is signed off).
TRANSITIONS: dict[str, set[str]] = {
    VerificationStatus.UNVERIFIED: {VerificationStatus.IN_PROGRESS},
    VerificationStatus.IN_PROGRESS: {VerificationStatus.UNVERIFIED, *VerificationStatus.verdicts()},
    **{
        verdict: {VerificationStatus.IN_PROGRESS, *(VerificationStatus.verdicts() - {verdict})}
        for verdict in VerificationStatus.verdicts()
    },
}


@transaction.atomic
def claim_create(
    *, actor, article: Article, start: int, end: int, text: str | None = None, reason: str = ""
) -> Claim:
    """Mark the span [start, end) of the article as a claim."""
    _authorize(actor, "add_claim")
    # The text the span is checked against must be the one committed with it.
    article = Article.objects.select_for_update().get(pk=article.pk)
    text = _check_span(article, start, end, text, what="claim", field="text")
    duplicate = Claim.objects.filter(article=article, start=start, end=end).first()
    if duplicate is not None:
        raise DomainError(f"Claim #{duplicate.pk} already covers exactly this span.")
    claim = Claim(article=article, start=start, end=end, text=text, created_by=actor)
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError as error:
        raise DomainError("Another claim covering exactly this span was just created.") from error
    _record_claim(
        actor,
        "claim.created",
        claim,
        _created_changes(claim, ("start", "end", "text", "status")),
        reason,
    )
    return claim


@transaction.atomic
def claim_update(
    *,
    actor,
    claim: Claim,
    expected_version: int | None = None,
    reason: str = "",
    **fields: Any,
) -> Claim:
    """Change a claim's span, rationale or assignee."""
    _authorize(actor, "change_claim")
    unknown = set(fields) - {"start", "end", "text", "rationale", "assigned_to"}
    if unknown:
        raise DomainError(f"Claims have no editable field {', '.join(sorted(unknown))}.")
    claim = _lock_claim(claim, expected_version)
    if {"start", "end", "text"} & fields.keys():
        start = fields.setdefault("start", claim.start)
        end = fields.setdefault("end", claim.end)
        if (start, end) != (claim.start, claim.end):
            _ensure_unlocked(claim)
        fields["text"] = _check_span(
            claim.article, start, end, fields.get("text"), what="claim", field="text"
        )
        if (
            Claim.objects.filter(article=claim.article, start=start, end=end)
            .exclude(pk=claim.pk)
            .exists()
        ):
            raise DomainError("Another claim already covers exactly this span.")
    if "rationale" in fields:
        fields["rationale"] = (fields["rationale"] or "").strip()
        if claim.is_locked and fields["rationale"] != claim.rationale:
            _ensure_unlocked(claim)
    changes = _apply(claim, fields)
    if not changes:
        return claim
    _bump(claim, changes)
    _record_claim(actor, "claim.changed", claim, changes, reason)
    return claim


@transaction.atomic
def claim_set_status(
    *,
    actor,
    claim: Claim,
    status: str,
    expected_version: int | None = None,
    reason: str = "",
) -> Claim:
    """Move a claim to another verification status; a verdict is proposed by the actor."""
    _authorize(actor, "change_claim")
    if status not in VerificationStatus.values:
        raise DomainError(f"“{status}” is not a verification status.", field="status")
    claim = _lock_claim(claim, expected_version)
    if status == claim.status:
        return claim
    _ensure_unlocked(claim)
    if status not in TRANSITIONS[claim.status]:
        raise DomainError(
            f"A claim cannot go from {VerificationStatus(claim.status).label.lower()} "
            f"to {VerificationStatus(status).label.lower()}.",
            field="status",
        )
    is_verdict = status in VerificationStatus.verdicts()
    if is_verdict:
        _check_verdict_support(claim, status)
    values: dict[str, Any] = {"status": status}
    if is_verdict:
        values.update(proposed_by=actor, proposed_at=timezone.now())
    else:
        values.update(proposed_by=None, proposed_at=None)
    changes = _apply(claim, values)
    _bump(claim, changes)
    action = "verdict.proposed" if is_verdict else "claim.status_changed"
    _record_claim(actor, action, claim, changes, reason)
    return claim


@transaction.atomic
def claim_delete(
    *, actor, claim: Claim, expected_version: int | None = None, reason: str = ""
) -> None:
    """Delete a claim with its attributions, evidence and notes."""
    _authorize(actor, "delete_claim")
    claim = _lock_claim(claim, expected_version)
    _ensure_unlocked(claim)
    changes = {
        name: [value, None]
        for name, (_, value) in _created_changes(
            claim, ("start", "end", "text", "status", "rationale")
        ).items()
    }
    changes["attributions"] = [claim.attributions.count(), 0]
    _record_claim(actor, "claim.deleted", claim, changes, reason)
    claim.delete()


def _check_verdict_support(claim: Claim, status: str) -> None:
    """A verdict needs a rationale, and evidence unless it is `unverifiable`."""
    if not claim.rationale.strip():
        raise DomainError("A verdict needs a rationale.", field="rationale")
    if status != VerificationStatus.UNVERIFIABLE and not claim.evidence.exists():
        raise DomainError("This verdict needs at least one evidence link.", field="evidence")


@transaction.atomic
def verdict_sign_off(
    *, actor, claim: Claim, expected_version: int | None = None, reason: str = ""
) -> Claim:
    """Sign off a proposed verdict; the signer must not be its proposer. Locks the claim."""
    _authorize(actor, "sign_off_claim")
    claim = _lock_claim(claim, expected_version)
    if claim.is_locked:
        raise DomainError("This verdict is already signed off.")
    if claim.status not in VerificationStatus.verdicts():
        raise DomainError("Only a proposed verdict can be signed off; this claim has none yet.")
    if actor is not None and claim.proposed_by_id == actor.pk:
        raise DomainError(
            "You proposed this verdict; another editor must sign it off.", field="sign_off"
        )
    _check_verdict_support(claim, claim.status)
    changes = _apply(claim, {"signed_off_by": actor, "signed_off_at": timezone.now()})
    _bump(claim, ("signed_off_by", "signed_off_at"))
    _record_claim(actor, "verdict.signed_off", claim, changes, reason)
    return claim


@transaction.atomic
def claim_reopen(*, actor, claim: Claim, reason: str, expected_version: int | None = None) -> Claim:
    """Unlock a signed-off claim for more work; the reason is required and kept."""
    _authorize(actor, "reopen_claim")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the claim is reopened.", field="reason")
    claim = _lock_claim(claim, expected_version)
    if not claim.is_locked:
        raise DomainError("This claim is not signed off, so there is nothing to reopen.")
    changes = _apply(
        claim,
        {
            "status": VerificationStatus.IN_PROGRESS,
            "signed_off_by": None,
            "signed_off_at": None,
            "proposed_by": None,
            "proposed_at": None,
        },
    )
    _bump(claim, changes)
    _record_claim(actor, "claim.reopened", claim, changes, reason)
    return claim


# ---------------------------------------------------------------------------
# Attributions

ATTRIBUTION_FIELDS = (
    "source",
    "mention_start",
    "mention_end",
    "mention_text",
    "cue",
    "cue_start",
    "cue_end",
    "quote_mode",
    "intermediary",
    "ground_rule",
    "anonymity_reason",
)


def _clean_attribution(attribution: Attribution, article: Article) -> None:
    """Check an attribution's spans against the text and its links against each other."""
    for what, prefix, text_field in (
        ("mention", "mention", "mention_text"),
        ("cue", "cue", "cue"),
    ):
        start = getattr(attribution, f"{prefix}_start")
        end = getattr(attribution, f"{prefix}_end")
        if start is None and end is None:
            continue
        if start is None or end is None:
            raise DomainError(f"Give both {what} offsets, or neither.", field=text_field)
        given = getattr(attribution, text_field) or None
        setattr(
            attribution,
            text_field,
            _check_span(article, start, end, given, what=what, field=text_field),
        )
    if attribution.quote_mode not in QuoteMode.values:
        raise DomainError(f"“{attribution.quote_mode}” is not a quote mode.", field="quote_mode")
    if attribution.ground_rule not in GroundRule.values:
        raise DomainError(f"“{attribution.ground_rule}” is not a ground rule.", field="ground_rule")
    if attribution.intermediary_id is not None and (
        attribution.intermediary_id == attribution.source_id
    ):
        raise DomainError("A source cannot relay its own claim.", field="intermediary")
    attribution.mention_text = attribution.mention_text.strip()
    attribution.cue = attribution.cue.strip()
    attribution.anonymity_reason = attribution.anonymity_reason.strip()
    _full_clean(attribution, exclude=["claim", "source", "intermediary"], validate_unique=False)


def _record_attribution(actor, action: str, attribution: Attribution, changes, reason="") -> None:
    audit.record(
        actor=actor,
        action=action,
        object_type="attribution",
        object_id=attribution.pk,
        object_repr=f"{attribution.source} → claim #{attribution.claim_id}",
        article_id=attribution.claim.article_id,
        claim_id=attribution.claim_id,
        changes=changes,
        reason=reason,
    )


@transaction.atomic
def attribution_add(
    *,
    actor,
    claim: Claim,
    source: Source,
    mention_start: int | None = None,
    mention_end: int | None = None,
    mention_text: str = "",
    cue: str = "",
    cue_start: int | None = None,
    cue_end: int | None = None,
    quote_mode: str = QuoteMode.PARAPHRASE,
    intermediary: Source | None = None,
    ground_rule: str = GroundRule.UNSPECIFIED,
    anonymity_reason: str = "",
    expected_version: int | None = None,
    reason: str = "",
) -> Attribution:
    """Attribute a claim to a source, with its mention, cue, quote mode and relay."""
    _authorize(actor, "add_attribution")
    claim = _lock_claim(claim, expected_version)
    _ensure_unlocked(claim)
    if claim.attributions.filter(source=source).exists():
        raise DomainError(f"This claim is already attributed to {source}.", field="source")
    attribution = Attribution(
        claim=claim,
        source=source,
        mention_start=mention_start,
        mention_end=mention_end,
        mention_text=mention_text or "",
        cue=cue or "",
        cue_start=cue_start,
        cue_end=cue_end,
        quote_mode=quote_mode,
        intermediary=intermediary,
        ground_rule=ground_rule or "",
        anonymity_reason=anonymity_reason or "",
    )
    _clean_attribution(attribution, claim.article)
    attribution.save()
    _bump(claim)
    changes = {
        name: value
        for name, value in _created_changes(attribution, ATTRIBUTION_FIELDS).items()
        if value[1] not in (None, "")
    }
    _record_attribution(actor, "attribution.added", attribution, changes, reason)
    return attribution


@transaction.atomic
def attribution_update(
    *,
    actor,
    attribution: Attribution,
    expected_version: int | None = None,
    reason: str = "",
    **fields: Any,
) -> Attribution:
    """Change an attribution's source, mention, cue, quote mode, relay or anonymity details."""
    _authorize(actor, "change_attribution")
    unknown = set(fields) - set(ATTRIBUTION_FIELDS)
    if unknown:
        raise DomainError(f"Attributions have no field {', '.join(sorted(unknown))}.")
    claim = _lock_claim(attribution.claim, expected_version)
    attribution = Attribution.objects.select_related("source", "intermediary").get(
        pk=attribution.pk
    )
    for name in ("mention_text", "cue", "anonymity_reason", "ground_rule"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    # A mention or cue typed anew no longer points at the text it was taken from.
    for text_field, prefix in (("mention_text", "mention"), ("cue", "cue")):
        typed = fields.get(text_field)
        if (
            typed is not None
            and typed != getattr(attribution, text_field)
            and f"{prefix}_start" not in fields
        ):
            fields.update({f"{prefix}_start": None, f"{prefix}_end": None})
    before = Attribution.objects.select_related("source", "intermediary").get(pk=attribution.pk)
    if not _apply(attribution, fields):
        return attribution
    _ensure_unlocked(claim)
    if (
        attribution.source_id != before.source_id
        and claim.attributions.filter(source=attribution.source).exclude(pk=attribution.pk).exists()
    ):
        raise DomainError(
            f"This claim is already attributed to {attribution.source}.", field="source"
        )
    _clean_attribution(attribution, claim.article)
    # Recorded after cleaning, so the event holds the values actually saved.
    changes = _apply(before, {name: getattr(attribution, name) for name in ATTRIBUTION_FIELDS})
    if not changes:
        return attribution
    attribution.save()
    _bump(claim)
    _record_attribution(actor, "attribution.changed", attribution, changes, reason)
    return attribution


@transaction.atomic
def attribution_remove(
    *,
    actor,
    attribution: Attribution,
    expected_version: int | None = None,
    reason: str = "",
) -> None:
    """Remove an attribution from its claim."""
    _authorize(actor, "delete_attribution")
    claim = _lock_claim(attribution.claim, expected_version)
    _ensure_unlocked(claim)
    attribution = Attribution.objects.select_related("source", "intermediary").get(
        pk=attribution.pk
    )
    changes = {
        name: [value, None]
        for name, (_, value) in _created_changes(attribution, ATTRIBUTION_FIELDS).items()
        if value not in (None, "")
    }
    _record_attribution(actor, "attribution.removed", attribution, changes, reason)
    attribution.delete()
    _bump(claim)


# ---------------------------------------------------------------------------
# Sources and source types

SOURCE_FIELDS = ("name", "source_type", "affiliation", "role", "is_anonymous", "aliases")


def _clean_aliases(aliases: Iterable[str], name: str) -> list[str]:
    seen = {name.casefold()}
    cleaned = []
    for alias in aliases:
        alias = " ".join(str(alias).split())
        if alias and alias.casefold() not in seen:
            seen.add(alias.casefold())
            cleaned.append(alias)
    return cleaned


def _name_taken(name: str, exclude_pk: int | None = None) -> Source | None:
    return (
        Source.objects.annotate(lower_name=Lower("name"))
        .filter(lower_name=name.lower())
        .exclude(pk=exclude_pk)
        .first()
    )


def _record_source(actor, action: str, source: Source, changes, reason="") -> None:
    audit.record(
        actor=actor,
        action=action,
        object_type="source",
        object_id=source.pk,
        object_repr=source.name,
        changes=changes,
        reason=reason,
    )


@transaction.atomic
def source_create(
    *,
    actor,
    name: str,
    source_type: SourceType,
    affiliation: str = "",
    role: str = "",
    is_anonymous: bool | None = None,
    aliases: Iterable[str] = (),
) -> Source:
    """Add a source to the registry; anonymity defaults from the type."""
    _authorize(actor, "add_source")
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(
            "A source needs a name or, for an anonymous one, a descriptor.", field="name"
        )
    taken = _name_taken(name)
    if taken is not None:
        raise DomainError(f"The registry already has a source named “{taken}”.", field="name")
    if is_anonymous is None:
        is_anonymous = source_type.slug == "anonymous_official"
    source = Source(
        name=name,
        source_type=source_type,
        affiliation=affiliation.strip(),
        role=role.strip(),
        is_anonymous=is_anonymous,
        aliases=_clean_aliases(aliases, name),
    )
    _full_clean(source, validate_constraints=False)
    try:
        with transaction.atomic():
            source.save()
    except IntegrityError as error:
        raise DomainError(
            f"The registry already has a source named “{name}”.", field="name"
        ) from error
    _record_source(
        actor,
        "source.created",
        source,
        {k: v for k, v in _created_changes(source, SOURCE_FIELDS).items() if v[1] not in ("", [])},
    )
    return source


@transaction.atomic
def source_update(*, actor, source: Source, reason: str = "", **fields: Any) -> Source:
    """Change a source's name, type, affiliation, role, anonymity or aliases."""
    _authorize(actor, "change_source")
    unknown = set(fields) - set(SOURCE_FIELDS)
    if unknown:
        raise DomainError(f"Sources have no field {', '.join(sorted(unknown))}.")
    source = Source.objects.select_for_update().get(pk=source.pk)
    if "name" in fields:
        fields["name"] = " ".join((fields["name"] or "").split())
        if not fields["name"]:
            raise DomainError("A source needs a name.", field="name")
        taken = _name_taken(fields["name"], exclude_pk=source.pk)
        if taken is not None:
            raise DomainError(f"The registry already has a source named “{taken}”.", field="name")
    for name in ("affiliation", "role"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    if "aliases" in fields:
        fields["aliases"] = _clean_aliases(fields["aliases"] or [], fields.get("name", source.name))
    changes = _apply(source, fields)
    if not changes:
        return source
    _full_clean(source, validate_constraints=False)
    source.save()
    _record_source(actor, "source.changed", source, changes, reason)
    return source


@transaction.atomic
def source_delete(*, actor, source: Source, reason: str = "") -> None:
    """Delete a source that no attribution uses."""
    _authorize(actor, "delete_source")
    uses = Attribution.objects.filter(models.Q(source=source) | models.Q(intermediary=source))
    if uses.exists():
        raise DomainError(
            f"“{source}” is used by {uses.count()} attribution(s); merge it into another "
            "source instead of deleting it."
        )
    changes = {k: [v, None] for k, (_, v) in _created_changes(source, SOURCE_FIELDS).items()}
    _record_source(actor, "source.deleted", source, changes, reason)
    source.delete()


@transaction.atomic
def source_merge(*, actor, source: Source, into: Source, reason: str = "") -> Source:
    """Fold a duplicate source into another: its attributions, relays and names move over."""
    _authorize(actor, "merge_source")
    if source.pk == into.pk:
        raise DomainError("A source cannot be merged into itself.")
    audit.lock_chain()
    source = Source.objects.select_for_update().get(pk=source.pk)
    into = Source.objects.select_for_update().get(pk=into.pk)
    affected = list(
        Attribution.objects.filter(models.Q(source=source) | models.Q(intermediary=source))
        .select_related("claim", "source", "intermediary")
        .order_by("id")
    )
    locked = sorted({a.claim_id for a in affected if a.claim.is_locked})
    if locked:
        numbers = ", ".join(f"#{pk}" for pk in locked)
        raise DomainError(
            f"“{source}” is attributed on signed-off claims ({numbers}); an editor must "
            "reopen them before the sources are merged."
        )
    moved, dropped, relayed = [], [], []
    for attribution in affected:
        values = {}
        if attribution.source_id == source.pk:
            values["source"] = into
        if attribution.intermediary_id == source.pk:
            values["intermediary"] = into
        if values.get("source", attribution.source) == values.get(
            "intermediary", attribution.intermediary
        ):
            values["intermediary"] = None  # a source does not relay itself
        duplicate = (
            "source" in values
            and Attribution.objects.filter(claim=attribution.claim_id, source=into).exists()
        )
        if duplicate:
            dropped.append(attribution.pk)
            _record_attribution(
                actor,
                "attribution.removed",
                attribution,
                {"source": [_audit_value(source), None]},
                f"Merged into “{into}”, already attributed",
            )
            attribution.delete()
        else:
            (moved if "source" in values else relayed).append(attribution.pk)
            changes = _apply(attribution, values)
            attribution.save(update_fields=[*changes, "updated_at"])
            _record_attribution(
                actor, "attribution.changed", attribution, changes, f"Merged into “{into}”"
            )
        Claim.objects.filter(pk=attribution.claim_id).update(
            version=models.F("version") + 1, updated_at=timezone.now()
        )
    old_aliases = list(into.aliases)
    into.aliases = _clean_aliases([*into.aliases, source.name, *source.aliases], into.name)
    into.save(update_fields=["aliases", "updated_at"])
    changes: dict[str, list[Any]] = {
        "merged_from": [None, _audit_value(source)],
        "attributions_moved": [None, moved],
        "relays_moved": [None, relayed],
    }
    if dropped:
        changes["duplicate_attributions_removed"] = [None, dropped]
    if into.aliases != old_aliases:
        changes["aliases"] = [old_aliases, into.aliases]
    _record_source(actor, "source.merged", into, changes, reason)
    _record_source(
        actor,
        "source.deleted",
        source,
        {"merged_into": [None, _audit_value(into)]},
        reason,
    )
    source.delete()
    return into


SOURCE_TYPE_FIELDS = ("slug", "name", "description", "position")


def _record_source_type(actor, action: str, source_type: SourceType, changes, reason="") -> None:
    audit.record(
        actor=actor,
        action=action,
        object_type="source_type",
        object_id=source_type.pk,
        object_repr=source_type.slug,
        changes=changes,
        reason=reason,
    )


@transaction.atomic
def source_type_create(
    *, actor, slug: str, name: str, description: str = "", position: int = 0
) -> SourceType:
    """Add a source type to the managed list."""
    _authorize(actor, "add_sourcetype")
    source_type = SourceType(
        slug=slug.strip(), name=name.strip(), description=description.strip(), position=position
    )
    _full_clean(source_type)
    source_type.save()
    _record_source_type(
        actor,
        "source_type.created",
        source_type,
        _created_changes(source_type, SOURCE_TYPE_FIELDS),
    )
    return source_type


@transaction.atomic
def source_type_update(
    *, actor, source_type: SourceType, reason: str = "", **fields: Any
) -> SourceType:
    """Rename, describe or reorder a source type."""
    _authorize(actor, "change_sourcetype")
    unknown = set(fields) - set(SOURCE_TYPE_FIELDS)
    if unknown:
        raise DomainError(f"Source types have no field {', '.join(sorted(unknown))}.")
    source_type = SourceType.objects.select_for_update().get(pk=source_type.pk)
    changes = _apply(source_type, fields)
    if not changes:
        return source_type
    _full_clean(source_type)
    source_type.save()
    _record_source_type(actor, "source_type.changed", source_type, changes, reason)
    return source_type


@transaction.atomic
def source_type_delete(*, actor, source_type: SourceType, reason: str = "") -> None:
    """Delete a source type that no source uses."""
    _authorize(actor, "delete_sourcetype")
    if source_type.sources.exists():
        raise DomainError(
            f"{source_type.sources.count()} source(s) have the type “{source_type}”; "
            "give them another type first."
        )
    changes = {
        k: [v, None] for k, (_, v) in _created_changes(source_type, SOURCE_TYPE_FIELDS).items()
    }
    _record_source_type(actor, "source_type.deleted", source_type, changes, reason)
    source_type.delete()


# ---------------------------------------------------------------------------
# Evidence and notes

_http_url = URLValidator(schemes=["http", "https"])


@transaction.atomic
def evidence_add(
    *,
    actor,
    claim: Claim,
    url: str,
    title: str = "",
    expected_version: int | None = None,
    reason: str = "",
) -> EvidenceLink:
    """Attach an evidence link (http or https) to a claim."""
    _authorize(actor, "add_evidencelink")
    url = (url or "").strip()
    try:
        _http_url(url)
    except ValidationError as error:
        raise DomainError(
            "Evidence must be a web address starting with http:// or https://.", field="url"
        ) from error
    claim = _lock_claim(claim, expected_version)
    _ensure_unlocked(claim)
    if claim.evidence.filter(url=url).exists():
        raise DomainError("This link is already among the claim's evidence.", field="url")
    link = EvidenceLink(claim=claim, url=url, title=title.strip(), added_by=actor)
    _full_clean(link, exclude=["claim"])
    link.save()
    _bump(claim)
    _record_claim(
        actor,
        "evidence.added",
        claim,
        {"evidence": [None, {"url": url, "title": link.title}]},
        reason,
    )
    return link


@transaction.atomic
def evidence_remove(
    *, actor, link: EvidenceLink, expected_version: int | None = None, reason: str = ""
) -> None:
    """Remove an evidence link from its claim."""
    _authorize(actor, "delete_evidencelink")
    claim = _lock_claim(link.claim, expected_version)
    _ensure_unlocked(claim)
    _record_claim(
        actor,
        "evidence.removed",
        claim,
        {"evidence": [{"url": link.url, "title": link.title}, None]},
        reason,
    )
    link.delete()
    _bump(claim)


@transaction.atomic
def note_add(*, actor, claim: Claim, body: str) -> Note:
    """Add a comment to a claim's notes thread."""
    _authorize(actor, "add_note")
    body = (body or "").strip()
    if not body:
        raise DomainError("A note cannot be empty.", field="body")
    note = Note.objects.create(claim=claim, author=actor, body=body)
    audit.record(
        actor=actor,
        action="note.added",
        object_type="note",
        object_id=note.pk,
        object_repr=f"note on claim #{claim.pk}",
        article_id=claim.article_id,
        claim_id=claim.pk,
        changes={"body": [None, body]},
    )
    return note


@transaction.atomic
def note_delete(*, actor, note: Note, reason: str = "") -> None:
    """Delete a note: its author may, and so may whoever can delete any note."""
    if actor is not None and note.author_id != actor.pk:
        _authorize(actor, "delete_note")
    audit.record(
        actor=actor,
        action="note.deleted",
        object_type="note",
        object_id=note.pk,
        object_repr=f"note on claim #{note.claim_id}",
        article_id=note.claim.article_id,
        claim_id=note.claim_id,
        changes={"body": [note.body, None]},
        reason=reason,
    )
    note.delete()


# ---------------------------------------------------------------------------
# Undo

UNDOABLE = {
    "claim.created",
    "claim.changed",
    "claim.status_changed",
    "verdict.proposed",
    "attribution.added",
    "attribution.changed",
    "attribution.removed",
    "evidence.added",
    "evidence.removed",
    "note.added",
}


def undoable_event(*, actor, claim: Claim) -> AuditEvent | None:
    """Return the actor's change that undo would revert: the claim's latest event, if theirs."""
    latest = AuditEvent.objects.filter(claim_id=claim.pk).order_by("-id").first()
    if latest is None or actor is None or latest.actor_id != actor.pk:
        return None
    if latest.action not in UNDOABLE:
        return None
    return latest


def _old_values(event: AuditEvent, fields: Iterable[str]) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    lookups = {"source": Source, "intermediary": Source, "assigned_to": get_user_model()}
    values = {}
    for name in fields:
        if name not in event.changes:
            continue
        old = event.changes[name][0]
        if name in lookups:
            old = lookups[name].objects.filter(pk=old["id"]).first() if old else None
            if event.changes[name][0] and old is None:
                raise DomainError(f"The earlier {name.replace('_', ' ')} no longer exists.")
        values[name] = old
    return values


@transaction.atomic
def claim_undo(*, actor, claim: Claim, expected_version: int | None = None) -> Claim | None:
    """Revert the actor's own last change to a claim; the revert is audited like any change.

    Returns the claim, or None when the undone change was the claim's creation.
    """
    _authorize(actor, "change_claim")
    claim = _lock_claim(claim, expected_version)
    event = undoable_event(actor=actor, claim=claim)
    if event is None:
        raise DomainError(
            "There is nothing of yours to undo here: undo reverts your own last change, "
            "and only while nobody has changed the claim since."
        )
    reason = f"Undo of event #{event.pk}"
    version = claim.version
    match event.action:
        case "claim.created":
            claim_delete(actor=actor, claim=claim, reason=reason)
            return None
        case "claim.changed":
            claim_update(
                actor=actor,
                claim=claim,
                expected_version=version,
                reason=reason,
                **_old_values(event, ("start", "end", "text", "rationale", "assigned_to")),
            )
        case "claim.status_changed" | "verdict.proposed":
            claim_set_status(
                actor=actor,
                claim=claim,
                status=event.changes["status"][0],
                expected_version=version,
                reason=reason,
            )
        case "attribution.added":
            attribution = Attribution.objects.get(pk=event.object_id)
            attribution_remove(
                actor=actor, attribution=attribution, expected_version=version, reason=reason
            )
        case "attribution.changed":
            attribution = Attribution.objects.get(pk=event.object_id)
            attribution_update(
                actor=actor,
                attribution=attribution,
                expected_version=version,
                reason=reason,
                **_old_values(event, ATTRIBUTION_FIELDS),
            )
        case "attribution.removed":
            attribution_add(
                actor=actor,
                claim=claim,
                expected_version=version,
                reason=reason,
                **_old_values(event, ATTRIBUTION_FIELDS),
            )
        case "evidence.added":
            link = claim.evidence.get(url=event.changes["evidence"][1]["url"])
            evidence_remove(actor=actor, link=link, expected_version=version, reason=reason)
        case "evidence.removed":
            old = event.changes["evidence"][0]
            evidence_add(
                actor=actor,
                claim=claim,
                url=old["url"],
                title=old.get("title", ""),
                expected_version=version,
                reason=reason,
            )
        case "note.added":
            note_delete(actor=actor, note=Note.objects.get(pk=event.object_id), reason=reason)
    return Claim.objects.get(pk=claim.pk)
