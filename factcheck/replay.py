"""Rebuild the claims from the audit history and report every row that disagrees.

The history is the truth: every change goes through a service that records it
as `{field: [old, new]}`. Replaying the events in order therefore gives each
claim's span, status, rationale, assignee, proposer, signer and lock, its
attributions and its evidence links; a row of the domain tables that says
otherwise was written behind the history's back (raw SQL, a shell, a restore
gone wrong), and `manage.py verify_audit --replay` names it.

Claim events are applied generically: every field of the Claim model named in
an event's changes takes the event's new value, so new fields carried by
events (a sign-off snapshot, a proposer recorded on an evidence change) are
followed without changing this module. Attribution events carry the
attribution's id as object_id; `evidence.*` events carry the link as
`{"evidence": [old, new]}` with `{"url", "title"}`.
"""

import datetime
import importlib
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

from factcheck.audit import to_jsonable
from factcheck.models import (
    Article,
    Attribution,
    AuditEvent,
    Claim,
    EvidenceLink,
    Note,
    Source,
    SourceType,
    Suggestion,
    SuggestionState,
    text_hash,
)
from factcheck.services.accounts import ACCOUNT_FIELDS, password_digest, permission_name

# Columns that are the database's bookkeeping rather than the claim's content.
NOT_REPLAYED = {"id", "article", "version", "created_by", "created_at", "updated_at"}
# Always compared, even when no event ever named them: a claim signed off by raw
# SQL must be found in a history that never saw a sign-off.
CORE_CLAIM_FIELDS = (
    "start",
    "end",
    "text",
    "status",
    "rationale",
    "assigned_to",
    "proposed_by",
    "proposed_at",
    "signed_off_by",
    "signed_off_at",
    "published_by",
    "published_at",
)


def _fields(model: type[models.Model], skip: set[str]) -> dict[str, models.Field]:
    return {
        f.name: f for f in model._meta.concrete_fields if f.name not in skip and not f.primary_key
    }


CLAIM_FIELDS = _fields(Claim, NOT_REPLAYED)
ATTRIBUTION_FIELDS = _fields(Attribution, {"claim", "created_at", "updated_at"})


@dataclass(frozen=True)
class Disagreement:
    """One row of the domain tables that the history does not account for."""

    model: str
    pk: int
    problem: str
    claim_id: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        return f"{self.model.capitalize()} #{self.pk}: {self.problem}"


@dataclass
class _Claim:
    created_by_event: int
    article_id: int | None
    values: dict[str, Any]
    evidence: set[str]


@dataclass
class _Attribution:
    claim_id: int
    event_id: int
    values: dict[str, Any]


def _default(field: models.Field) -> Any:
    # A text field with no default starts as "", as Django saves it.
    return to_jsonable(field.get_default())


def _new_values(changes: Any) -> dict[str, Any]:
    """{field: new} from an event's {field: [old, new]}, skipping anything of another shape."""
    if not isinstance(changes, dict):
        return {}
    return {
        name: pair[1]
        for name, pair in changes.items()
        if isinstance(pair, list | tuple) and len(pair) == 2
    }


def _url(value: Any) -> str | None:
    return value.get("url") if isinstance(value, dict) else None


class _Replay:
    def __init__(self) -> None:
        self.claims: dict[int, _Claim] = {}
        self.deleted: dict[int, int] = {}  # claim id → the event that deleted it
        self.attributions: dict[int, _Attribution] = {}
        self.named_fields: set[str] = set(CORE_CLAIM_FIELDS)
        self.missing: set[int] = set()  # replayed claims not in the table
        self.rows: dict[str, dict[int, _Row]] = {kind: {} for kind in REGISTRIES}
        self.gone: dict[str, dict[int, int]] = {kind: {} for kind in REGISTRIES}
        self.decided: dict[int, tuple[int, str]] = {}  # suggestion → (event, state)
        self.accounts: dict[int, _Row] = {}
        self.accounts_gone: dict[int, int] = {}

    def apply(self, event_id, action, object_type, object_id, claim_id, article_id, changes):
        new = _new_values(changes)
        if object_type in REGISTRIES:
            self._apply_row(event_id, action, object_type, object_id, claim_id, new)
        elif action in DECISIONS:
            self.decided[int(object_id)] = (event_id, DECISIONS[action])
        elif object_type == "user":
            self._apply_account(event_id, action, int(object_id), new)
        if action == "claim.created" and claim_id is not None:
            values = {name: _default(field) for name, field in CLAIM_FIELDS.items()}
            self.claims[claim_id] = _Claim(event_id, article_id, values, set())
            self._apply_claim(claim_id, new)
        elif action == "claim.deleted" and claim_id is not None:
            self.claims.pop(claim_id, None)
            self.deleted[claim_id] = event_id
        elif object_type == "attribution" and claim_id is not None:
            self._apply_attribution(event_id, action, int(object_id), claim_id, new)
            self._apply_claim(claim_id, {k: v for k, v in new.items() if k in _CLAIM_ONLY})
        elif action.startswith("evidence.") and claim_id is not None:
            claim = self.claims.get(claim_id)
            if claim is not None and isinstance(changes, dict) and "evidence" in changes:
                old, added = changes["evidence"]
                if _url(old):
                    claim.evidence.discard(_url(old))
                if _url(added):
                    claim.evidence.add(_url(added))
            self._apply_claim(claim_id, new)
        elif object_type == "claim" and claim_id is not None:
            self._apply_claim(claim_id, new)

    def _apply_row(self, event_id, action, kind, object_id, claim_id, new) -> None:
        registry = REGISTRIES[kind]
        pk = int(object_id)
        rows = self.rows[kind]
        if action in registry.deleted:
            rows.pop(pk, None)
            self.gone[kind][pk] = event_id
            return
        if action in registry.created:
            fields = {f.name: f for f in registry.model._meta.concrete_fields}
            values = {name: _default(fields[name]) for name in registry.fields}
            rows[pk] = _Row(event_id, values, claim_id)
        row = rows.get(pk)
        if row is None:
            return  # made before the history began (the seeded source types)
        for name, value in new.items():
            if name in registry.fields:
                row.values[name] = value

    def _apply_account(self, event_id: int, action: str, pk: int, new: dict[str, Any]) -> None:
        if action == "user.deleted":
            self.accounts.pop(pk, None)
            self.accounts_gone[pk] = event_id
            return
        if action in ("user.created", "user.recorded"):
            self.accounts[pk] = _Row(event_id, {})
        account = self.accounts.get(pk)
        if account is not None:
            account.values.update({k: v for k, v in new.items() if k in ACCOUNT_FIELDS})

    def _apply_claim(self, claim_id: int, new: dict[str, Any]) -> None:
        claim = self.claims.get(claim_id)
        if claim is None:
            return
        for name, value in new.items():
            if name in CLAIM_FIELDS:
                claim.values[name] = value
                self.named_fields.add(name)

    def _apply_attribution(self, event_id, action, pk, claim_id, new) -> None:
        if action.endswith(".removed"):
            self.attributions.pop(pk, None)
            return
        attribution = self.attributions.get(pk)
        if attribution is None:
            values = {name: _default(field) for name, field in ATTRIBUTION_FIELDS.items()}
            attribution = self.attributions[pk] = _Attribution(claim_id, event_id, values)
        for name, value in new.items():
            if name in ATTRIBUTION_FIELDS:
                attribution.values[name] = value


_CLAIM_ONLY = set(CLAIM_FIELDS) - set(ATTRIBUTION_FIELDS)


def _same(field: models.Field, expected: Any, actual: Any, users: set[int]) -> bool:
    if field.is_relation:
        expected = expected.get("id") if isinstance(expected, dict) else expected
        if field.related_model is get_user_model() and expected not in users:
            expected = None  # the account was deleted since (SET_NULL)
        return expected == actual
    if isinstance(field, models.DateTimeField):
        if expected is None or actual is None:
            return expected is None and actual is None
        try:
            when = datetime.datetime.fromisoformat(str(expected))
        except ValueError:
            return False
        # Values serialised by DjangoJSONEncoder keep milliseconds only.
        return abs(when - actual) < datetime.timedelta(milliseconds=1)
    return to_jsonable(actual) == expected


def _show(value: Any) -> str:
    if isinstance(value, dict) and "id" in value:
        value = value["id"]
    text = "none" if value is None or value == "" else str(value)
    return text if len(text) <= 60 else text[:59] + "…"


@dataclass(frozen=True)
class Registry:
    """How the history makes and unmakes one kind of row that is not a claim's part."""

    model: type[models.Model]
    fields: tuple[str, ...]
    created: frozenset[str]
    deleted: frozenset[str]


# The fields each event of these kinds records, as the services write them.
REGISTRIES = {
    "article": Registry(
        Article,
        ("title", "outlet", "url", "published_on", "language", "content_hash"),
        frozenset({"article.created"}),
        frozenset({"article.deleted"}),
    ),
    "source": Registry(
        Source,
        ("name", "source_type", "affiliation", "role", "is_anonymous", "aliases"),
        frozenset({"source.created"}),
        frozenset({"source.deleted", "source.replaced"}),
    ),
    "source_type": Registry(
        SourceType,
        ("slug", "name", "description", "position", "retired"),
        frozenset({"source_type.created"}),
        frozenset({"source_type.deleted"}),
    ),
    "note": Registry(Note, ("body",), frozenset({"note.added"}), frozenset({"note.deleted"})),
}
SEEDED_TYPES = {
    slug: {
        "slug": slug,
        "name": name,
        "description": description,
        "position": position,
        "retired": False,
    }
    for position, (slug, name, description) in enumerate(
        importlib.import_module(
            "factcheck.migrations.0002_default_source_types"
        ).DEFAULT_SOURCE_TYPES
    )
}
DECISIONS = {
    "suggestion.accepted": SuggestionState.ACCEPTED,
    "suggestion.edited": SuggestionState.EDITED,
    "suggestion.rejected": SuggestionState.REJECTED,
}


@dataclass
class _Row:
    event_id: int
    values: dict[str, Any]
    claim_id: int | None = None


EVENT_COLUMNS = ("id", "action", "object_type", "object_id", "claim_id", "article_id", "changes")


def replay(batch_size: int = 5000) -> list[Disagreement]:
    """Replay the whole history and compare it with the claims, attributions and evidence."""
    state = _Replay()
    events = (
        AuditEvent.objects.order_by("id")
        .values_list(
            "id", "action", "object_type", "object_id", "claim_id", "article_id", "changes"
        )
        .iterator(chunk_size=batch_size)
    )
    for event in events:
        state.apply(*event)
    users = set(get_user_model().objects.values_list("pk", flat=True))
    found: list[Disagreement] = []
    found += _compare_claims(state, users)
    found += _compare_attributions(state, users)
    found += _compare_evidence(state)
    for kind in REGISTRIES:
        found += _compare_rows(state, kind, users)
    found += _compare_article_texts(state)
    found += _compare_suggestions(state)
    found += _compare_accounts(state)
    return found


def _compare_claims(state: _Replay, users: set[int]) -> list[Disagreement]:
    found = []
    names = [name for name in CLAIM_FIELDS if name in state.named_fields]
    expected = dict(state.claims)
    rows = Claim.objects.order_by("id").values("id", "article_id", *names).iterator(chunk_size=5000)
    for row in rows:
        pk = row["id"]
        claim = expected.pop(pk, None)
        if claim is None:
            if pk in state.deleted:
                problem = (
                    f"deleted by audit event #{state.deleted[pk]}, yet still in the table "
                    "(restored behind the history's back)"
                )
            else:
                problem = "no audit event created it (it was inserted behind the history's back)"
            found.append(Disagreement("claim", pk, problem, claim_id=pk))
            continue
        if claim.article_id is not None and row["article_id"] != claim.article_id:
            found.append(
                Disagreement(
                    "claim",
                    pk,
                    f"belongs to article #{row['article_id']} in the table, but the history "
                    f"created it in article #{claim.article_id}",
                    claim_id=pk,
                    field="article",
                )
            )
        for name in names:
            field = CLAIM_FIELDS[name]
            if not _same(field, claim.values[name], row[name], users):
                found.append(
                    Disagreement(
                        "claim",
                        pk,
                        f"{name} is {_show(row[name])} in the table, but the history says "
                        f"{_show(claim.values[name])} (changed behind the history's back)",
                        claim_id=pk,
                        field=name,
                    )
                )
    for pk, claim in expected.items():
        state.missing.add(pk)  # its attributions and evidence went with it: one report
        found.append(
            Disagreement(
                "claim",
                pk,
                f"created by audit event #{claim.created_by_event} and never deleted in the "
                "history, but missing from the table (deleted behind the history's back)",
                claim_id=pk,
            )
        )
    return found


def _compare_attributions(state: _Replay, users: set[int]) -> list[Disagreement]:
    found = []
    expected = {
        pk: attribution
        for pk, attribution in state.attributions.items()
        if attribution.claim_id in state.claims and attribution.claim_id not in state.missing
    }
    names = list(ATTRIBUTION_FIELDS)
    rows = (
        Attribution.objects.order_by("id")
        .values("id", "claim_id", *names)
        .iterator(chunk_size=5000)
    )
    for row in rows:
        pk, claim_id = row["id"], row["claim_id"]
        attribution = expected.pop(pk, None)
        if attribution is None:
            if claim_id in state.claims:
                found.append(
                    Disagreement(
                        "attribution",
                        pk,
                        f"on claim #{claim_id}, source #{row['source']}: no audit event added "
                        "it (it was inserted behind the history's back)",
                        claim_id=claim_id,
                    )
                )
            continue  # its claim is reported already
        if claim_id != attribution.claim_id:
            found.append(
                Disagreement(
                    "attribution",
                    pk,
                    f"is on claim #{claim_id} in the table, but the history put it on claim "
                    f"#{attribution.claim_id}",
                    claim_id=claim_id,
                    field="claim",
                )
            )
        for name in names:
            if not _same(ATTRIBUTION_FIELDS[name], attribution.values[name], row[name], users):
                found.append(
                    Disagreement(
                        "attribution",
                        pk,
                        f"on claim #{claim_id}: {name} is {_show(row[name])} in the table, but "
                        f"the history says {_show(attribution.values[name])} (changed behind "
                        "the history's back)",
                        claim_id=claim_id,
                        field=name,
                    )
                )
    for pk, attribution in expected.items():
        found.append(
            Disagreement(
                "attribution",
                pk,
                f"on claim #{attribution.claim_id}, added by audit event "
                f"#{attribution.event_id} and never removed in the history, is missing from "
                "the table (deleted behind the history's back)",
                claim_id=attribution.claim_id,
            )
        )
    return found


def _compare_evidence(state: _Replay) -> list[Disagreement]:
    found = []
    seen: dict[int, set[str]] = {}
    rows = (
        EvidenceLink.objects.order_by("id")
        .values_list("id", "claim_id", "url")
        .iterator(chunk_size=5000)
    )
    for pk, claim_id, url in rows:
        claim = state.claims.get(claim_id)
        if claim is None:
            continue  # its claim is reported already
        seen.setdefault(claim_id, set()).add(url)
        if url not in claim.evidence:
            found.append(
                Disagreement(
                    "evidence",
                    pk,
                    f"{url} on claim #{claim_id}: no audit event added it (it was inserted "
                    "behind the history's back)",
                    claim_id=claim_id,
                )
            )
    for claim_id, claim in state.claims.items():
        if claim_id in state.missing:
            continue
        for url in sorted(claim.evidence - seen.get(claim_id, set())):
            found.append(
                Disagreement(
                    "claim",
                    claim_id,
                    f"its evidence {url}, added in the history and never removed, is missing "
                    "from the table (deleted behind the history's back)",
                    claim_id=claim_id,
                    field="evidence",
                )
            )
    return found


def _seeded_source_types(state: _Replay) -> None:
    """Start the source types the migrations seeded (no event made them) from their seed values."""
    rows = state.rows["source_type"]
    for pk, slug in SourceType.objects.values_list("id", "slug"):
        if pk not in rows and pk not in state.gone["source_type"] and slug in SEEDED_TYPES:
            rows[pk] = _Row(0, dict(SEEDED_TYPES[slug]))


def _compare_rows(state: _Replay, kind: str, users: set[int]) -> list[Disagreement]:
    """Every row of one registry as the history made it: none more, none less, none changed."""
    registry = REGISTRIES[kind]
    if kind == "source_type":
        _seeded_source_types(state)
    fields = {name: registry.model._meta.get_field(name) for name in registry.fields}
    expected = dict(state.rows[kind])
    if kind == "note":
        # A note goes with its claim; the claim's own deletion is its record.
        expected = {pk: row for pk, row in expected.items() if row.claim_id in state.claims}
    found = []
    columns = [field.attname for field in fields.values()]
    extra = ["claim_id"] if kind == "note" else []
    for row in (
        registry.model.objects.order_by("id")
        .values("id", *extra, *columns)
        .iterator(chunk_size=5000)
    ):
        pk = row["id"]
        history = expected.pop(pk, None)
        if history is None:
            if kind == "note" and row["claim_id"] not in state.claims:
                continue  # its claim is reported already
            problem = (
                f"deleted by audit event #{state.gone[kind][pk]}, yet still in the table "
                "(restored behind the history's back)"
                if pk in state.gone[kind]
                else "no audit event created it (it was inserted behind the history's back)"
            )
            found.append(Disagreement(kind.replace("_", " "), pk, problem))
            continue
        for name, field in fields.items():
            if not _same(field, history.values[name], row[field.attname], users):
                found.append(
                    Disagreement(
                        kind.replace("_", " "),
                        pk,
                        f"{name} is {_show(row[field.attname])} in the table, but the history "
                        f"says {_show(history.values[name])} (changed behind the history's back)",
                        field=name,
                    )
                )
    for pk, history in expected.items():
        found.append(
            Disagreement(
                kind.replace("_", " "),
                pk,
                f"created by audit event #{history.event_id} and never deleted in the history, "
                "but missing from the table (deleted behind the history's back)",
            )
        )
    return found


def _compare_article_texts(state: _Replay) -> list[Disagreement]:
    """An article's text is the one whose hash the history recorded: the claims point into it."""
    found = []
    rows = Article.objects.order_by("id").values_list("id", "text").iterator(chunk_size=200)
    for pk, text in rows:
        history = state.rows["article"].get(pk)
        if history is not None and text_hash(text) != history.values["content_hash"]:
            found.append(
                Disagreement(
                    "article",
                    pk,
                    "its text is not the text the history recorded (its hash differs: the text "
                    "was rewritten behind the history's back, and the claims' offsets with it)",
                    field="text",
                )
            )
    return found


def _compare_suggestions(state: _Replay) -> list[Disagreement]:
    """A suggestion is pending until an event decides it, and then as that event decided."""
    found = []
    rows = Suggestion.objects.order_by("id").values_list("id", "state").iterator(chunk_size=5000)
    for pk, current in rows:
        event_id, decided = state.decided.get(pk, (None, SuggestionState.PENDING))
        if current != decided:
            said = f"audit event #{event_id} made it {decided}" if event_id else "it is pending"
            found.append(
                Disagreement(
                    "suggestion",
                    pk,
                    f"is {current} in the table, but the history says {said} (changed behind "
                    "the history's back)",
                    field="state",
                )
            )
    return found


def _compare_accounts(state: _Replay) -> list[Disagreement]:
    """Every account, its flags, roles, direct permissions and password as the history says."""
    found = []
    expected = dict(state.accounts)
    users = (
        get_user_model()
        .objects.order_by("pk")
        .prefetch_related("groups", "user_permissions__content_type")
    )
    for user in users.iterator(chunk_size=500):
        history = expected.pop(user.pk, None)
        if history is None:
            problem = (
                f"deleted by audit event #{state.accounts_gone[user.pk]}, yet still in the "
                "table (restored behind the history's back)"
                if user.pk in state.accounts_gone
                else "no audit event created it (it was made behind the history's back, or by "
                "a command that bypasses the workbench, such as createsuperuser)"
            )
            found.append(Disagreement("account", user.pk, f"“{user.get_username()}”: {problem}"))
            continue
        current = {
            "username": user.get_username(),
            "is_active": user.is_active,
            "is_staff": user.is_staff,
            "is_superuser": user.is_superuser,
            "groups": sorted(group.name for group in user.groups.all()),
            "user_permissions": sorted(
                permission_name(permission) for permission in user.user_permissions.all()
            ),
            "password": password_digest(user.password),
        }
        for name, value in current.items():
            if name in history.values and history.values[name] != value:
                shown = "changed" if name == "password" else f"is {_show(value)}"
                said = "" if name == "password" else f" says {_show(history.values[name])}"
                found.append(
                    Disagreement(
                        "account",
                        user.pk,
                        f"“{user.get_username()}”: {name} {shown} in the table, but the history"
                        f"{said or ' recorded no such change'} (changed behind the history's back)",
                        field=name,
                    )
                )
    for pk, history in expected.items():
        found.append(
            Disagreement(
                "account",
                pk,
                f"created by audit event #{history.event_id} and never deleted in the history, "
                "but missing from the table (deleted behind the history's back)",
            )
        )
    return found
