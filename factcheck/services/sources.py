"""The source registry and the managed list of source types."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify

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


def _refuse_retired(source_type: SourceType) -> None:
    # Read from the database: the caller's copy may predate the type's retirement.
    if SourceType.objects.filter(pk=source_type.pk, retired=True).exists():
        raise DomainError(
            f"The source type “{source_type}” is retired: it stays on the sources that have it "
            "but is no longer given to others. Pick another type.",
            field="source_type",
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
    _refuse_retired(source_type)
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
    new_type = fields.get("source_type")
    if new_type is not None and new_type.pk != source.source_type_id:
        _refuse_retired(new_type)
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


@dataclass(frozen=True)
class MergeStep:
    """One attribution a merge changes: the fields it sets, or its removal as a duplicate."""

    attribution: Attribution
    values: dict[str, Source | None]
    duplicate: bool


@dataclass(frozen=True)
class MergePreview:
    """What folding `source` into `into` would change, read without changing anything.

    `source_merge` and `source_replace` carry out exactly these steps, so the
    page that shows the preview never disagrees with the change it confirms.
    """

    source: Source
    into: Source
    steps: list[MergeStep]
    aliases: list[str]
    locked: list[Claim]

    @property
    def allowed(self) -> bool:
        return not self.locked

    @property
    def moved(self) -> list[Attribution]:
        """Attributions to `source` that become attributions to `into`."""
        return [s.attribution for s in self.steps if "source" in s.values and not s.duplicate]

    @property
    def dropped(self) -> list[Attribution]:
        """Attributions to `source` on claims already attributed to `into`: they go."""
        return [s.attribution for s in self.steps if s.duplicate]

    @property
    def relayed(self) -> list[Attribution]:
        """Attributions `source` relayed, whose relay changes (to `into`, or to none)."""
        return [s.attribution for s in self.steps if "source" not in s.values]

    @property
    def unlinked(self) -> list[Attribution]:
        """Attributions whose relay is cleared: `into` would relay itself."""
        return [
            s.attribution
            for s in self.steps
            if not s.duplicate and "intermediary" in s.values and s.values["intermediary"] is None
        ]

    @property
    def new_aliases(self) -> list[str]:
        return [alias for alias in self.aliases if alias not in self.into.aliases]

    @property
    def claim_count(self) -> int:
        return len({s.attribution.claim_id for s in self.steps})


def source_merge_preview(*, source: Source, into: Source, keep_names: bool = True) -> MergePreview:
    """Tell what merging `source` into `into` would move, and which signed-off claims refuse it.

    Read-only. `keep_names` adds the merged source's name and aliases to `into`'s
    aliases, as a merge does; a replacement (`source_replace`) keeps none.
    """
    if source.pk == into.pk:
        raise DomainError("A source cannot be merged into itself.")
    affected = list(
        Attribution.objects.filter(models.Q(source=source) | models.Q(intermediary=source))
        .select_related("claim__article", "source", "intermediary")
        .defer("claim__article__text")
        .order_by("id")
    )
    already = set(
        Attribution.objects.filter(
            source=into, claim_id__in={a.claim_id for a in affected}
        ).values_list("claim_id", flat=True)
    )
    steps = []
    for attribution in affected:
        values: dict[str, Source | None] = {}
        if attribution.source_id == source.pk:
            values["source"] = into
        if attribution.intermediary_id == source.pk:
            values["intermediary"] = into
        if values.get("source", attribution.source) == values.get(
            "intermediary", attribution.intermediary
        ):
            values["intermediary"] = None  # a source does not relay itself
        # A claim has one attribution per source (attribution_unique_source).
        duplicate = "source" in values and attribution.claim_id in already
        steps.append(MergeStep(attribution=attribution, values=values, duplicate=duplicate))
    locked = {a.claim_id: a.claim for a in affected if a.claim.is_locked}
    aliases = list(into.aliases)
    if keep_names:
        aliases = _clean_aliases([*into.aliases, source.name, *source.aliases], into.name)
    return MergePreview(
        source=source,
        into=into,
        steps=steps,
        aliases=aliases,
        locked=[locked[pk] for pk in sorted(locked)],
    )


def _lock_pair(source: Source, other: Source) -> tuple[Source, Source]:
    """Re-read both sources under row locks, in ascending id (lock order 5)."""
    if source.pk == other.pk:
        raise DomainError("A source cannot be merged into itself.")
    locked = Source.objects.select_for_update().order_by("pk").in_bulk([source.pk, other.pk])
    if source.pk not in locked or other.pk not in locked:
        raise DomainError("One of the two sources no longer exists; reload the page.")
    return locked[source.pk], locked[other.pk]


def _carry_out(actor, preview: MergePreview, reason: str, *, what: str) -> dict[str, list[Any]]:
    """Apply a preview's steps, each audited on its claim; return what moved, for the record."""
    if preview.locked:
        numbers = ", ".join(f"#{claim.pk}" for claim in preview.locked)
        raise DomainError(
            f"“{preview.source}” is attributed on signed-off claims ({numbers}); an editor must "
            f"reopen them before {what}."
        )
    # Read before the duplicates are deleted, which clears their ids.
    changes: dict[str, list[Any]] = {
        "attributions_moved": [None, [a.pk for a in preview.moved]],
        "relays_moved": [None, [a.pk for a in preview.relayed]],
    }
    if preview.dropped:
        changes["duplicate_attributions_removed"] = [None, [a.pk for a in preview.dropped]]
    for step in preview.steps:
        attribution = step.attribution
        if step.duplicate:
            _record_attribution(
                actor,
                "attribution.removed",
                attribution,
                {"source": [_audit_value(preview.source), None]},
                f"{reason}, already attributed",
            )
            attribution.delete()
        else:
            changed = _apply(attribution, step.values)
            attribution.save(update_fields=[*changed, "updated_at"])
            _record_attribution(actor, "attribution.changed", attribution, changed, reason)
    claim_ids = sorted({step.attribution.claim_id for step in preview.steps})
    Claim.objects.filter(pk__in=claim_ids).update(
        version=models.F("version") + 1, updated_at=timezone.now()
    )
    return changes


@service
def source_merge(*, actor, source: Source, into: Source, reason: str = "") -> Source:
    """Fold a duplicate source into another: its attributions, relays and names move over."""
    _authorize(actor, "merge_source")
    source, into = _lock_pair(source, into)
    preview = source_merge_preview(source=source, into=into)
    moved = _carry_out(actor, preview, f"Merged into “{into}”", what="the sources are merged")
    old_aliases = list(into.aliases)
    into.aliases = preview.aliases
    into.save(update_fields=["aliases", "updated_at"])
    changes: dict[str, list[Any]] = {"merged_from": [None, _audit_value(source)], **moved}
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


@service
def source_replace(*, actor, source: Source, by: Source, reason: str = "") -> Source:
    """Move a source's attributions and relays to another source, then delete it.

    Unlike a merge, the deleted source's names do not become aliases of the
    other: a replacement corrects a source that was wrong, not a duplicate.
    """
    _authorize(actor, "delete_source")
    if source.pk == by.pk:
        raise DomainError("A source cannot be replaced by itself.")
    source, by = _lock_pair(source, by)
    preview = source_merge_preview(source=source, into=by, keep_names=False)
    moved = _carry_out(actor, preview, f"Replaced by “{by}”", what="it is replaced")
    changes = {k: [v, None] for k, (_, v) in _created_changes(source, SOURCE_FIELDS).items()}
    changes.update({"replaced_by": [None, _audit_value(by)], **moved})
    _record_source(actor, "source.replaced", source, changes, reason)
    source.delete()
    return by


SOURCE_TYPE_FIELDS = ("slug", "name", "description", "position", "retired")

# Claims with no attribution count under this type (queue, insights, exports),
# so it must stay on the list under this slug.
UNATTRIBUTED = "unattributed"


def _type_name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _refuse_formula_slug(slug: str) -> None:
    # A leading "-" passes Django's slug validator, but the slug is a cell of the
    # claims CSV, where a spreadsheet would read "-cmd" as a formula.
    if slug and not slug[:1].isalnum():
        raise DomainError(
            f"A source type's code must start with a letter or a digit, not “{slug[:1]}”.",
            field="slug",
        )


def _refuse_type_name_taken(name: str, slug: str, exclude_pk: int | None = None) -> None:
    # Compared in Python: the list is short, and SQLite's LIKE folds ASCII case only.
    key = _type_name_key(name)
    for other in SourceType.objects.exclude(pk=exclude_pk):
        if other.slug == slug or _type_name_key(other.name) == key:
            raise DomainError(
                f"There is already a source type “{other}”: give this one another name, "
                "or retire one of the two.",
                field="name",
            )


def _refuse_unattributed_change(source_type: SourceType, what: str) -> None:
    if source_type.slug == UNATTRIBUTED:
        raise DomainError(
            f"The type “{source_type}” cannot be {what}: the claims with no source count "
            "under it in the queue, the insights and the exports."
        )


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
    *, actor, name: str, slug: str = "", description: str = "", position: int = 0
) -> SourceType:
    """Add a source type to the managed list."""
    _authorize(actor, "add_sourcetype")
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("A source type needs a name.", field="name")
    # The slug is the code exports and filters use; it follows the name unless given.
    slug = (slug or "").strip() or slugify(name).replace("-", "_")[:50]
    _refuse_formula_slug(slug)
    _refuse_type_name_taken(name, slug)
    source_type = SourceType(
        slug=slug, name=name, description=description.strip(), position=position
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
    """Rename, describe, reorder, retire or bring back a source type.

    A retired type stays on the sources that have it but is offered for no new one.
    """
    _authorize(actor, "change_sourcetype")
    unknown = set(fields) - set(SOURCE_TYPE_FIELDS)
    if unknown:
        raise DomainError(f"Source types have no field {', '.join(sorted(unknown))}.")
    source_type = SourceType.objects.select_for_update().get(pk=source_type.pk)
    if "name" in fields:
        fields["name"] = " ".join((fields["name"] or "").split())
        if not fields["name"]:
            raise DomainError("A source type needs a name.", field="name")
    if fields.get("retired"):
        _refuse_unattributed_change(source_type, "retired")
    if "slug" in fields and fields["slug"] != source_type.slug:
        _refuse_unattributed_change(source_type, "given another code")
        _refuse_formula_slug(fields["slug"] or "")
    changes = _apply(source_type, fields)
    if not changes:
        return source_type
    if "name" in changes or "slug" in changes:
        _refuse_type_name_taken(source_type.name, source_type.slug, exclude_pk=source_type.pk)
    _full_clean(source_type)
    source_type.save()
    _record_source_type(actor, "source_type.changed", source_type, changes, reason)
    return source_type


@service
def source_type_delete(*, actor, source_type: SourceType, reason: str = "") -> None:
    """Delete a source type that no source uses."""
    _authorize(actor, "delete_sourcetype")
    _refuse_unattributed_change(source_type, "deleted")
    if source_type.sources.exists():
        raise DomainError(
            f"{source_type.sources.count()} source(s) have the type “{source_type}”, so it "
            "cannot be deleted: retire it instead (it stays on those sources but is offered "
            "for no new one), or give them another type first."
        )
    changes = {
        k: [v, None] for k, (_, v) in _created_changes(source_type, SOURCE_TYPE_FIELDS).items()
    }
    _record_source_type(actor, "source_type.deleted", source_type, changes, reason)
    source_type.delete()
