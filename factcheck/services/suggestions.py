"""Attribution suggestions: store a run's proposals, accept, edit or reject them, ask for more.

A suggestion is data the suggester produced, never a change to the domain:
accepting one makes its claim and attribution through `claim_create` and
`attribution_add` (finding or creating the registry sources through
`source_create`), audited as the reviewer who accepted it. Lock order (see
`_base`): the chain, the article row, then the article's suggestion rows,
then what the claim services lock after the article.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from factcheck import audit
from factcheck.models import (
    Article,
    Attribution,
    Claim,
    GroundRule,
    QuoteMode,
    Source,
    SourceType,
    Suggestion,
    SuggestionRun,
    SuggestionRunState,
    SuggestionState,
)
from factcheck.services._base import (
    DomainError,
    NotAllowed,
    _audit_value,
    _check_span,
    _lock_article,
    service,
)
from factcheck.services.attributions import attribution_add
from factcheck.services.claims import claim_create
from factcheck.services.sources import source_create

# What a reviewer may change before accepting (`suggestion_accept(edits=...)`),
# besides `source` and `intermediary`, which name registry sources directly.
EDITABLE_FIELDS = (
    "claim_start",
    "claim_end",
    "source_text",
    "source_start",
    "source_end",
    "cue",
    "cue_start",
    "cue_end",
    "source_type_slug",
    "named",
    "quote_mode",
    "via_text",
    "ground_rule",
    "anonymity_reason",
    "canonical_source",
)
UNATTRIBUTED = "unattributed"
AGENCY_TYPE = "news_agency"
# Mentions that refer to a source without naming it: never a registry name.
PRONOUNS = frozenset(
    {"he", "she", "they", "it", "him", "her", "them", "we", "us", "i", "you", "this", "that"}
)


def _authorize_decision(actor) -> None:
    """Accepting, editing or rejecting a suggestion is marking claims: it needs add_claim."""
    if actor is None:
        return
    if not actor.is_authenticated or not actor.has_perm("factcheck.add_claim"):
        raise NotAllowed("You do not have permission to do this.")


def _record_suggestion(
    actor, action: str, suggestion: Suggestion, changes: dict, reason: str = ""
) -> None:
    # No claim_id: the claim's own events (claim.created, attribution.added)
    # carry it, and undo on the claim must keep seeing those as its latest.
    audit.record(
        actor=actor,
        action=action,
        object_type="suggestion",
        object_id=suggestion.pk,
        object_repr=str(suggestion),
        article_id=suggestion.article_id,
        changes=changes,
        reason=reason,
    )


def _record_run(actor, action: str, run: SuggestionRun, changes: dict, reason: str = "") -> None:
    audit.record(
        actor=actor,
        action=action,
        object_type="suggestion_run",
        object_id=run.pk,
        object_repr=str(run),
        article_id=run.article_id,
        changes=changes,
        reason=reason,
    )


# ---------------------------------------------------------------------------
# Runs: requested by a person or an import, run by the background task


def _enqueue(run: SuggestionRun) -> None:
    """Queue the task once the run is committed (a worker must find the run it is given)."""
    from factcheck.tasks import suggest_article

    def send() -> None:
        result = suggest_article.enqueue(run.article_id, run_id=run.pk)
        # The immediate backend has already run the task (and saved the run) by now.
        SuggestionRun.objects.filter(pk=run.pk).update(task_id=str(result.id)[:64])

    transaction.on_commit(send)


@service
def suggestions_request(*, actor, article: Article, enqueue: bool = True) -> SuggestionRun:
    """Queue a suggestion run for the article ("Suggest again", and every import).

    Whoever may import articles or mark claims may ask; a run already queued
    for the article is returned rather than queued twice. `enqueue=False` makes
    the run without sending the task, for a caller that runs it in-process
    (`manage.py suggest --now`).
    """
    if actor is not None and not (
        actor.is_authenticated
        and (actor.has_perm("factcheck.add_claim") or actor.has_perm("factcheck.add_article"))
    ):
        raise NotAllowed("You do not have permission to do this.")
    article = _lock_article(article)
    queued = SuggestionRun.objects.filter(article=article, state=SuggestionRunState.QUEUED).first()
    if queued is not None:
        return queued
    # The run is bookkeeping, not a change to the article: its audit event is
    # `suggestions.generated` (or `.failed`) when it ends, naming who asked.
    run = SuggestionRun.objects.create(
        article=article, requested_by=actor if actor is not None else None
    )
    if enqueue:
        _enqueue(run)
    return run


def suggestion_run_start(*, run: SuggestionRun, model_name: str = "") -> SuggestionRun | None:
    """Take a queued run for this process and mark it running; None if it is not queued.

    Bookkeeping of the task, not a domain change: not audited. The update is
    conditional, so a run is never carried out twice (a task queued twice, or
    `suggest --now` racing a worker).
    """
    taken = SuggestionRun.objects.filter(pk=run.pk, state=SuggestionRunState.QUEUED).update(
        state=SuggestionRunState.RUNNING,
        started_at=timezone.now(),
        model_name=model_name,
        error="",
    )
    if not taken:
        return None
    run.refresh_from_db()
    return run


@dataclass(frozen=True)
class ProposedSuggestion:
    """The fields of one suggestion as the task hands them over (from a suggester record)."""

    claim_start: int
    claim_end: int
    claim_text: str
    source_type_slug: str
    confidence: float
    source_text: str = ""
    source_start: int | None = None
    source_end: int | None = None
    cue: str = ""
    cue_start: int | None = None
    cue_end: int | None = None
    named: bool = True
    quote_mode: str = QuoteMode.PARAPHRASE
    via_text: str = ""
    via_start: int | None = None
    via_end: int | None = None
    ground_rule: str = GroundRule.UNSPECIFIED
    anonymity_reason: str = ""
    canonical_source: str = ""

    @classmethod
    def from_record(cls, record: Any) -> "ProposedSuggestion":
        """Read a `factcheck.suggest.records.Suggestion` (duck-typed: no import of the core)."""
        source_span = record.source_span or (None, None)
        cue_span = record.cue_span or (None, None)
        via_span = getattr(record, "via_span", None) or (None, None)
        return cls(
            claim_start=record.claim_span[0],
            claim_end=record.claim_span[1],
            claim_text=record.claim,
            source_text=record.source or "",
            source_start=source_span[0],
            source_end=source_span[1],
            cue=record.cue or "",
            cue_start=cue_span[0],
            cue_end=cue_span[1],
            source_type_slug=record.source_type,
            named=bool(record.named),
            quote_mode=record.quote if record.quote in QuoteMode.values else QuoteMode.NONE,
            via_text=getattr(record, "via", None) or "",
            via_start=via_span[0],
            via_end=via_span[1],
            ground_rule=getattr(record, "ground_rule", "") or "",
            anonymity_reason=getattr(record, "anonymity_reason", "") or "",
            canonical_source=getattr(record, "canonical_source", None) or "",
            confidence=float(record.confidence),
        )

    @property
    def span_key(self) -> tuple[int, int, int | None, int | None]:
        return (self.claim_start, self.claim_end, self.source_start, self.source_end)


@dataclass
class RunOutcome:
    """What storing a run's proposals did: the run, and the proposals it skipped and why."""

    run: SuggestionRun
    stored: list[Suggestion] = field(default_factory=list)
    skipped: list[tuple[ProposedSuggestion, str]] = field(default_factory=list)


def _known_spans(article: Article) -> tuple[set, set, set]:
    """Spans the article already has: suggestions (any state), claims, claim+mention pairs."""
    suggested = {
        tuple(row)
        for row in Suggestion.objects.filter(article=article).values_list(
            "claim_start", "claim_end", "source_start", "source_end"
        )
    }
    claims = set(Claim.objects.filter(article=article).values_list("start", "end"))
    attributed = {
        tuple(row)
        for row in Attribution.objects.filter(claim__article=article).values_list(
            "claim__start", "claim__end", "mention_start", "mention_end"
        )
    }
    return suggested, claims, attributed


def _skip_reason(
    proposal: ProposedSuggestion, article: Article, known: tuple[set, set, set]
) -> str:
    suggested, claims, attributed = known
    key = proposal.span_key
    if key in suggested:
        return "already suggested (pending, accepted or rejected)"
    if key in attributed:
        return "an existing claim already has this attribution"
    if proposal.source_start is None and (key[0], key[1]) in claims:
        return "an existing claim already covers this span"
    text = article.text
    if not 0 <= proposal.claim_start < proposal.claim_end <= len(text):
        return "claim span outside the text"
    if text[proposal.claim_start : proposal.claim_end] != proposal.claim_text:
        return "claim text does not match the article"
    for start, end, what in (
        (proposal.source_start, proposal.source_end, "source"),
        (proposal.cue_start, proposal.cue_end, "cue"),
        (proposal.via_start, proposal.via_end, "intermediary"),
    ):
        if (start is None) != (end is None):
            return f"{what} span has one offset only"
        if start is not None and not 0 <= start < end <= len(text):
            return f"{what} span outside the text"
    return ""


@service
def suggestion_run_record(
    *, run: SuggestionRun, proposals: Iterable[ProposedSuggestion]
) -> RunOutcome:
    """Store a finished run's proposals, skipping what was suggested or marked before.

    A proposal whose claim and source spans match an earlier suggestion of the
    article (whatever its state: a rejected one stays rejected) or an existing
    claim's attribution is not stored again. Written by the system: one
    `suggestions.generated` event with the count.
    """
    article = _lock_article(run.article)
    run = SuggestionRun.objects.select_for_update().get(pk=run.pk)
    outcome = RunOutcome(run=run)
    known = _known_spans(article)
    for proposal in proposals:
        reason = _skip_reason(proposal, article, known)
        if reason:
            outcome.skipped.append((proposal, reason))
            continue
        known[0].add(proposal.span_key)
        outcome.stored.append(Suggestion(article=article, run=run, **_proposal_fields(proposal)))
    Suggestion.objects.bulk_create(outcome.stored)
    run.state = SuggestionRunState.DONE
    run.count = len(outcome.stored)
    run.error = ""
    run.finished_at = timezone.now()
    run.save(update_fields=["state", "count", "error", "finished_at"])
    _record_run(
        None,
        "suggestions.generated",
        run,
        {
            "count": [None, run.count],
            "skipped": [None, len(outcome.skipped)],
            "requested_by": [None, _audit_value(run.requested_by)],
        },
        f"Suggester pipeline {run.model_name}" if run.model_name else "",
    )
    return outcome


def _proposal_fields(proposal: ProposedSuggestion) -> dict[str, Any]:
    values = dict(proposal.__dict__)
    values["ground_rule"] = (
        values["ground_rule"] if values["ground_rule"] in GroundRule.values else ""
    )
    for name, limit in (("source_text", 1000), ("cue", 200), ("via_text", 255)):
        values[name] = values[name][:limit]
    values["canonical_source"] = values["canonical_source"][:255]
    return values


@service
def suggestion_run_fail(*, run: SuggestionRun, error: str) -> SuggestionRun | None:
    """Mark a run failed with the reason, for the articles list; audited as the system."""
    run = SuggestionRun.objects.select_for_update().filter(pk=run.pk).first()
    if run is None:  # its article was deleted meanwhile
        return None
    run.state = SuggestionRunState.FAILED
    run.error = error[:2000]
    run.finished_at = timezone.now()
    run.save(update_fields=["state", "error", "finished_at"])
    _record_run(None, "suggestions.failed", run, {"state": [None, run.state]}, run.error)
    return run


# ---------------------------------------------------------------------------
# Decisions: accept (as proposed or edited), reject


def _lock_suggestion(suggestion: Suggestion) -> tuple[Article, Suggestion]:
    """Lock the article (lock order 2), then the suggestion, and refuse a decided one."""
    article = _lock_article(suggestion.article)
    current = Suggestion.objects.select_for_update(of=("self",)).get(pk=suggestion.pk)
    if current.state != SuggestionState.PENDING:
        raise DomainError(
            f"Suggestion #{current.pk} was already {SuggestionState(current.state).label.lower()}."
        )
    return article, current


def find_source(name: str) -> Source | None:
    """Find a registry source by its name or one of its aliases, ignoring case."""
    name = " ".join(name.split())
    if not name:
        return None
    by_name = (
        Source.objects.annotate(lower_name=Lower("name")).filter(lower_name=name.lower()).first()
    )
    if by_name is not None:
        return by_name
    folded = name.casefold()
    return next(
        (
            source
            for source in Source.objects.exclude(aliases=[]).order_by("pk")
            if folded in {alias.casefold() for alias in source.aliases}
        ),
        None,
    )


def _is_proper_name(mention: str) -> bool:
    words = mention.split()
    if not words or mention[0].islower():
        return False
    return mention.casefold() not in PRONOUNS and words[0].casefold() not in {"a", "an", "the"}


def _source_type(slug: str) -> SourceType:
    source_type = SourceType.objects.filter(slug=slug).first()
    if source_type is None:
        raise DomainError(f"There is no source type “{slug}”.", field="source_type_slug")
    return source_type


def registry_match(suggestion: Suggestion) -> tuple[Source | None, str | None]:
    """The registry source accepting would attribute the suggestion to, or the name it would add.

    Returns (source, None) when the registry has it, (None, name) when accepting
    would create it, and (None, None) when the mention names no one ("he" with
    no antecedent): the reviewer must give a name first.
    """
    names = [
        " ".join((name or "").split())
        for name in (suggestion.canonical_source, suggestion.source_text)
    ]
    names = [name for name in names if name and name.casefold() not in PRONOUNS]
    for name in names:
        found = find_source(name)
        if found is not None:
            return found, None
    return None, (names[0] if names else None)


def _registry_source(
    *, actor, names: Iterable[str], mention: str, source_type: SourceType, named: bool
) -> Source:
    """Find the source by any of its names, or create it under the first one."""
    names = [" ".join(name.split()) for name in names if name and name.strip()]
    names = [name for name in names if name.casefold() not in PRONOUNS]
    for name in names:
        found = find_source(name)
        if found is not None:
            return found
    if not names:
        raise DomainError(
            f"“{mention}” does not name a source: give its name before accepting.",
            field="canonical_source",
        )
    aliases = [mention] if _is_proper_name(mention) and mention != names[0] else []
    return source_create(
        actor=actor,
        name=names[0],
        source_type=source_type,
        is_anonymous=not named,
        aliases=aliases,
    )


def _proposed_values(suggestion: Suggestion) -> dict[str, Any]:
    return {name: getattr(suggestion, name) for name in EDITABLE_FIELDS}


def _apply_edits(
    suggestion: Suggestion, edits: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, list[Any]], Source | None, Source | None, bool]:
    """Merge a reviewer's edits into the proposal; return the values and what changed."""
    values = _proposed_values(suggestion)
    edits = dict(edits or {})
    source = edits.pop("source", None)
    intermediary_given = "intermediary" in edits
    intermediary = edits.pop("intermediary", None)
    unknown = set(edits) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"Suggestions have no editable field {', '.join(sorted(unknown))}.")
    changes: dict[str, list[Any]] = {}
    for name, new in edits.items():
        if isinstance(new, str):
            new = new.strip() if name not in {"source_text", "cue", "via_text"} else new
        if new != values[name]:
            changes[name] = [values[name], new]
            values[name] = new
    # Text typed anew no longer points at the span it was proposed at.
    for text_field, prefix in (("source_text", "source"), ("cue", "cue")):
        if text_field in changes and f"{prefix}_start" not in edits:
            values[f"{prefix}_start"] = values[f"{prefix}_end"] = None
    if source is not None:
        changes["source"] = [None, {"id": source.pk, "name": str(source)}]
    if intermediary_given:
        changes["intermediary"] = [
            values["via_text"] or None,
            {"id": intermediary.pk, "name": str(intermediary)} if intermediary else None,
        ]
    return values, changes, source, intermediary, intermediary_given


def _refuse_named_unattributed(values: dict[str, Any], edits: dict[str, Any], source) -> None:
    """Refuse an edit that names a source yet calls the claim the outlet's own assertion.

    Accepting it would drop the name without a word. The name is the one the edit
    form shows: the reviewer's if they typed one, else the proposal's.
    """
    if "canonical_source" in edits:
        name = values["canonical_source"] or ""
    else:
        name = values["canonical_source"] or values["source_text"] or ""
    name = str(source) if source is not None else " ".join(name.split())
    if name:
        raise DomainError(
            f"“Unattributed” means nobody is quoted, yet the source is “{name}”: "
            "clear the source name, or give the source's type.",
            field="canonical_source",
        )


@service
def suggestion_accept(
    *, actor, suggestion: Suggestion, edits: dict[str, Any] | None = None
) -> Suggestion:
    """Make the suggestion's claim and attribution, as proposed or with the reviewer's edits.

    The claim with the same span is reused if there is one; the source is the
    registry's (by name, alias or canonical name, ignoring case) or a new one of
    the proposed type, the intermediary likewise (a news agency). `edits` takes
    the suggestion's own field names, plus `source` and `intermediary` to name
    registry sources directly.
    """
    _authorize_decision(actor)
    article, suggestion = _lock_suggestion(suggestion)
    values, changes, source, intermediary, intermediary_given = _apply_edits(suggestion, edits)
    if edits is not None and values["source_type_slug"] == UNATTRIBUTED:
        _refuse_named_unattributed(values, edits, source)
    reason = f"Accepted suggestion #{suggestion.pk}"
    start, end = values["claim_start"], values["claim_end"]
    text = _check_span(article, start, end, None, what="claim", field="claim_text")
    claim = Claim.objects.filter(article=article, start=start, end=end).first()
    if claim is None:
        claim = claim_create(
            actor=actor, article=article, start=start, end=end, text=text, reason=reason
        )
    attribution = None
    slug = values["source_type_slug"]
    attributed = source is not None or (slug != UNATTRIBUTED and values["source_text"].strip())
    if attributed:
        if source is None:
            source = _registry_source(
                actor=actor,
                names=[values["canonical_source"], values["source_text"]],
                mention=values["source_text"].strip(),
                source_type=_source_type(slug),
                named=values["named"],
            )
        if not intermediary_given and values["via_text"].strip():
            intermediary = _registry_source(
                actor=actor,
                names=[values["via_text"]],
                mention=values["via_text"].strip(),
                source_type=_source_type(AGENCY_TYPE),
                named=True,
            )
        if intermediary is not None and intermediary.pk == source.pk:
            intermediary = None
        attribution = claim.attributions.filter(source=source).first()
        if attribution is None:
            attribution = attribution_add(
                actor=actor,
                claim=claim,
                source=source,
                mention_start=values["source_start"],
                mention_end=values["source_end"],
                # A mention or cue typed by the reviewer is kept, with no offsets.
                mention_text=values["source_text"].strip(),
                cue=(values["cue"] or "").strip(),
                cue_start=values["cue_start"],
                cue_end=values["cue_end"],
                quote_mode=values["quote_mode"],
                intermediary=intermediary,
                ground_rule=values["ground_rule"],
                anonymity_reason=values["anonymity_reason"],
                reason=reason,
            )
    state = SuggestionState.EDITED if changes else SuggestionState.ACCEPTED
    suggestion.state = state
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.claim = claim
    suggestion.save(update_fields=["state", "decided_by", "decided_at", "claim"])
    changes = {
        "state": [SuggestionState.PENDING.value, state.value],
        "claim": [None, {"id": claim.pk, "name": str(claim)}],
        **(
            {"attribution": [None, {"id": attribution.pk, "name": str(attribution)}]}
            if attribution is not None
            else {}
        ),
        **changes,
    }
    action = "suggestion.edited" if state == SuggestionState.EDITED else "suggestion.accepted"
    _record_suggestion(actor, action, suggestion, changes, reason)
    return suggestion


@service
def suggestion_reject(*, actor, suggestion: Suggestion, reason: str = "") -> Suggestion:
    """Turn a suggestion down; it is remembered, so a later run does not propose it again."""
    _authorize_decision(actor)
    _, suggestion = _lock_suggestion(suggestion)
    suggestion.state = SuggestionState.REJECTED
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["state", "decided_by", "decided_at"])
    _record_suggestion(
        actor,
        "suggestion.rejected",
        suggestion,
        {"state": [SuggestionState.PENDING.value, SuggestionState.REJECTED.value]},
        (reason or "").strip(),
    )
    return suggestion


@dataclass
class BulkOutcome:
    """What "Accept all above" did: the accepted suggestions and the refused ones, with why."""

    accepted: list[Suggestion] = field(default_factory=list)
    skipped: list[tuple[Suggestion, str]] = field(default_factory=list)


@service
def suggestions_accept_above(*, actor, article: Article, threshold: float = 0.8) -> BulkOutcome:
    """Accept every pending suggestion of the article whose confidence is above the threshold.

    One that conflicts (its claim is signed off, its source name is taken, its
    text no longer matches) is skipped and reported; the others are accepted,
    each with its own events, and one `suggestions.accepted_above` event
    records the count.
    """
    _authorize_decision(actor)
    article = _lock_article(article)
    outcome = BulkOutcome()
    pending = Suggestion.objects.filter(article=article).pending().above(threshold)
    for suggestion in pending.order_by("claim_start", "claim_end", "id"):
        try:
            with transaction.atomic():
                outcome.accepted.append(suggestion_accept(actor=actor, suggestion=suggestion))
        except DomainError as refusal:
            outcome.skipped.append((suggestion, refusal.message))
    audit.record(
        actor=actor,
        action="suggestions.accepted_above",
        object_type="article",
        object_id=article.pk,
        object_repr=str(article),
        article_id=article.pk,
        changes={
            "threshold": [None, threshold],
            "accepted": [None, len(outcome.accepted)],
            "skipped": [None, len(outcome.skipped)],
        },
        reason=f"Accepted {len(outcome.accepted)} suggestion(s) above {threshold:g}",
    )
    return outcome
