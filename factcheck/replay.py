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
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

from factcheck.audit import to_jsonable
from factcheck.models import Attribution, AuditEvent, Claim, EvidenceLink

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

    def apply(self, event_id, action, object_type, object_id, claim_id, article_id, changes):
        new = _new_values(changes)
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
