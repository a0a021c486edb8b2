"""The source registry and the managed list of source types."""

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from factcheck import audit
from factcheck.models import Attribution, Claim, Source, SourceType
from factcheck.services._base import (
    DomainError,
    _apply,
    _audit_value,
    _authorize,
    _created_changes,
    _full_clean,
    service,
)
from factcheck.services.attributions import _record_attribution

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


@service
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
    if source_type.slug == "unattributed":
        raise DomainError(
            "“Unattributed” marks a claim nobody is quoted for; it is not a type a source can "
            "have. Pick another type, or leave the claim without a source.",
            field="source_type",
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


@service
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


@service
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


@service
def source_merge(*, actor, source: Source, into: Source, reason: str = "") -> Source:
    """Fold a duplicate source into another: its attributions, relays and names move over."""
    _authorize(actor, "merge_source")
    if source.pk == into.pk:
        raise DomainError("A source cannot be merged into itself.")
    # Lock order 5: both sources, in ascending id.
    locked_sources = Source.objects.select_for_update().order_by("pk").in_bulk([source.pk, into.pk])
    source, into = locked_sources[source.pk], locked_sources[into.pk]
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


@service
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


@service
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


@service
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
