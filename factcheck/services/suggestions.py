"""Attribution suggestions: store a run's proposals, accept, edit or reject them, ask for more.

A suggestion is data the suggester produced, never a change to the domain:
accepting one makes its claim and attribution through `claim_create` and
`attribution_add` (finding or creating the registry sources through
`source_create`), audited as the reviewer who accepted it. Lock order (see
`_base`): the chain, the article row, then the article's suggestion rows,
then what the claim services lock after the article.
"""

import re
from collections.abc import Collection, Iterable
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
    _clip,
    _lock_article,
    service,
)
from factcheck.services.attributions import attribution_add
from factcheck.services.claims import claim_create
from factcheck.services.coverage import (
    brings_nothing_new,
    covering_claim,
    overlapping_claims,
    suggestions_settle_covered,
)
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
# "Many believe", "some said": people the text does not name, and no one named before.
INDEFINITE_PRONOUNS = frozenset(
    {"many", "some", "others", "most", "few", "several", "everyone", "everybody", "all", "both"}
)
# "The newspaper", "this official": a definite descriptor refers back to a source named before.
DEFINITE = frozenset({"the", "this", "that", "these", "those"})
OUTLET_NOUNS = frozenset(
    {
        "newspaper", "paper", "daily", "weekly", "tabloid", "magazine", "agency", "network",
        "broadcaster", "channel", "station", "outlet", "publication", "website", "site", "wire",
    }
)  # fmt: skip
PERSONAL_PRONOUNS = frozenset({"he", "she", "him", "her", "i", "you"})
PERSON_TYPES = frozenset({"named_spokesperson", "anonymous_official", "named_individual"})
TITLES = frozenset(
    {"mr", "mrs", "ms", "dr", "sen", "rep", "gov", "gen", "mr.", "mrs.", "ms.", "dr.", "prof"}
)
# A dateline opens the article or a paragraph: a place in capitals or followed by
# the agency in brackets, then a dash ("Washington (AFP) –", "GAZA CITY —").
DATELINE = re.compile(
    r"[ \t]*(?:[A-Z][\w.'’-]*(?:[ ,]+[A-Z][\w.'’-]*){0,4}\s*\([^()\n]{1,30}\)"
    r"|[A-Z][A-Z.'’-]+(?:[ ,]+[A-Z][A-Z.'’-]+){0,4})\s*[-–—]"
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


def suggestion_run_start(
    *, run: SuggestionRun, model_name: str = "", model_version: str = ""
) -> SuggestionRun | None:
    """Take a queued run for this process and mark it running; None if it is not queued.

    `model_version` (`factcheck.suggest.version`) goes on the run and on every
    suggestion it stores, so that reviewers' decisions count per version.

    Bookkeeping of the task, not a domain change: not audited. The update is
    conditional, so a run is never carried out twice (a task queued twice, or
    `suggest --now` racing a worker).
    """
    taken = SuggestionRun.objects.filter(pk=run.pk, state=SuggestionRunState.QUEUED).update(
        state=SuggestionRunState.RUNNING,
        started_at=timezone.now(),
        model_name=model_name,
        model_version=model_version[:40],
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
    covering = covering_claim(article, proposal.claim_start, proposal.claim_end)
    if covering is not None and brings_nothing_new(proposal, covering):
        return f"claim #{covering.pk} already covers this span with this attribution"
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


def _same_source(a: ProposedSuggestion, b: ProposedSuggestion) -> bool:
    if a.source_start is not None and (a.source_start, a.source_end) == (
        b.source_start,
        b.source_end,
    ):
        return True
    name = " ".join((a.canonical_source or a.source_text).split()).casefold()
    return bool(name) and name == " ".join((b.canonical_source or b.source_text).split()).casefold()


def _folded_into(proposal: ProposedSuggestion, proposals: list[ProposedSuggestion]) -> str:
    """Why a proposal nested in another of the same source is left out, as annotators do.

    One speaker's sentence is one attribution over its whole content; a nested
    report keeps its inner one only when another source speaks there.
    """
    span = (proposal.claim_start, proposal.claim_end)
    for other in proposals:
        if other is proposal or not _same_source(proposal, other):
            continue
        if (
            other.claim_start <= span[0]
            and span[1] <= other.claim_end
            and (other.claim_end - other.claim_start > span[1] - span[0])
        ):
            return "folded into the suggestion of the same source over the whole content"
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
    proposals = list(proposals)
    for proposal in proposals:
        reason = _folded_into(proposal, proposals) or _skip_reason(proposal, article, known)
        if reason:
            outcome.skipped.append((proposal, reason))
            continue
        known[0].add(proposal.span_key)
        outcome.stored.append(
            Suggestion(
                article=article,
                run=run,
                model_version=run.model_version,
                **_proposal_fields(proposal),
            )
        )
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
            **({"model_version": [None, run.model_version]} if run.model_version else {}),
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


def _words(mention: str) -> list[str]:
    return [word.strip(".,;:'’\"“”()") for word in mention.split()]


def _is_proper_name(mention: str) -> bool:
    words = mention.split()
    if not words or mention[0].islower():
        return False
    return mention.casefold() not in PRONOUNS and words[0].casefold() not in {"a", "an", "the"}


def is_dateline(text: str, start: int | None, end: int | None, mention: str = "") -> bool:
    """Whether the mention is (part of) a dateline: "Washington (AFP) –", "GAZA CITY —".

    Annotators never mark a dateline's place as a source; its agency relays the
    article and is its intermediary.
    """
    mention = " ".join(mention.split())
    if re.search(r"\(\s*[A-Z][\w.]*\s*$", mention):  # "Washington (AFP": cut inside a dateline
        return True
    if start is None or end is None:
        return False
    line_start = text.rfind("\n", 0, start) + 1
    found = DATELINE.match(text, line_start)
    return found is not None and end <= found.end()


def mention_kind(mention: str) -> str:
    """Say what a mention is: pronoun, outlet or descriptor (referring back), name, indefinite."""
    words = [word for word in _words(mention) if word]
    if not words:
        return "indefinite"
    if " ".join(words).casefold() in PRONOUNS:
        return "pronoun"
    if " ".join(words).casefold() in INDEFINITE_PRONOUNS:
        return "people"
    if " ".join(words).casefold() in {"someone", "somebody"}:
        return "indefinite"  # an anonymous source, recorded by its descriptor like "a source"
    head = words[-1]
    if words[0].casefold() in DEFINITE and head.islower():
        if head in OUTLET_NOUNS:
            return "outlet"
        # "the Egyptian foreign ministry" says whose: a name, not a word referring back.
        if any(word[:1].isupper() for word in words[1:]):
            return "name"
        return "descriptor"
    if words[0].casefold() in {"a", "an"}:
        return "indefinite"
    if mention[0].islower():
        return "generic"
    return "name"


def _surname(name: str) -> str:
    """The one name left after titles ("Mr. Grassley" → "Grassley"), or "" if more are left."""
    words = [word for word in _words(name) if word and word.casefold() not in TITLES]
    return words[0] if len(words) == 1 and words[0][:1].isupper() else ""


def _antecedents(article: Article, before: int) -> list[tuple[int, Source | None, str, str, str]]:
    """Sources the text names before the offset: (where, registry source, name, type, mention).

    From the claims' attributions and the article's other suggestions, nearest last.
    """
    found: list[tuple[int, Source | None, str, str, str]] = []
    attributions = Attribution.objects.filter(
        claim__article=article, mention_start__lt=before
    ).select_related("source__source_type")
    for attribution in attributions:
        mention = attribution.mention_text or attribution.source.name
        if mention_kind(mention) == "name" or mention_kind(attribution.source.name) == "name":
            slug = attribution.source.source_type.slug
            found.append((attribution.mention_start, attribution.source, "", slug, mention))
    # Where a suggestion and a claim's attribution name the same words, the claim's wins.
    found.sort(key=lambda item: item[0])
    suggestions = Suggestion.objects.filter(article=article, source_end__lte=before)
    for other in suggestions.exclude(source_start=None):
        if is_dateline(article.text, other.source_start, other.source_end, other.source_text):
            continue
        for name in (other.canonical_source, other.source_text):
            if name and mention_kind(name) == "name":
                name = " ".join(name.split())
                slug = other.source_type_slug
                found.insert(0, (other.source_start, None, name, slug, other.source_text))
                break
    return sorted(found, key=lambda item: item[0])


def _outlet_named_before(article: Article, before: int) -> tuple[Source | None, str]:
    """The news outlet the text names last before the offset ("the daily" → The Washington Post)."""
    text = article.text[:before]
    best: tuple[int, Source | None, str] = (-1, None, "")
    outlets = Source.objects.filter(source_type__slug=AGENCY_TYPE).only("name", "aliases")
    for outlet in outlets:
        for name in (outlet.name, *outlet.aliases):
            at = _last_word_match(text, name)
            if at > best[0]:
                best = (at, outlet, "")
    for at, source, name, slug, _ in _antecedents(article, before):
        if slug == AGENCY_TYPE and at > best[0]:
            best = (at, source, name)
    return best[1], best[2]


def _registry_name_inside(mention: str) -> Source | None:
    """The registry source whose name ends the mention ("Republican nominee Donald Trump")."""
    words = mention.split()
    for first in range(1, len(words)):
        tail = " ".join(words[first:]).strip(".,;:")
        if tail[:1].isupper() and mention_kind(tail) == "name":
            found = find_source(tail)
            if found is not None:
                return found
    return None


def _last_word_match(text: str, name: str) -> int:
    if not name.strip():
        return -1
    matches = list(re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text))
    return matches[-1].start() if matches else -1


@dataclass(frozen=True)
class SourcePlan:
    """Which registry source accepting would use: an existing one, a new name, or neither (why)."""

    source: Source | None = None
    new_name: str = ""
    alias: str = ""
    how: str = ""
    problem: str = ""


def plan_source(
    article: Article,
    *,
    mention: str,
    start: int | None,
    end: int | None,
    canonical: str = "",
    named: bool = True,
    typed: bool = False,
) -> SourcePlan:
    """Find the registry source a mention refers to; never plan one made of a pronoun,
    a descriptor referring back or a dateline. `typed`: the reviewer typed the name."""
    mention = " ".join((mention or "").split())
    canonical = " ".join((canonical or "").split())
    if not (typed and canonical) and is_dateline(article.text, start, end, mention):
        return SourcePlan(
            problem=f"“{mention}” is a dateline, not a source: pick the source the claim is "
            "attributed to, or reject the suggestion."
        )
    if not mention and not canonical:
        return SourcePlan(problem="The suggestion names no source: give its name before accepting.")
    names = [name for name in (canonical, mention) if name and mention_kind(name) == "name"]
    for name in names:
        found = find_source(name)
        if found is not None:
            return SourcePlan(source=found, how="by name or alias")
    anchor = start if start is not None else len(article.text)
    for name in names:
        found = _registry_name_inside(name)
        if found is not None:
            return SourcePlan(source=found, how="named in the mention")
    for name in names:
        surname = _surname(name)
        if not surname:
            continue
        # "Trump" after "Republican nominee Donald Trump": the one full name the
        # text gave before, from the registry, the claims or the suggestions.
        earlier = {
            (source.pk, source.name)
            for source in Source.objects.filter(name__iendswith=f" {surname}")
            if _last_word_match(article.text[:anchor], source.name) >= 0
        }
        earlier |= {
            (source.pk if source else None, other or str(source))
            for _, source, other, _, _ in _antecedents(article, anchor)
            if _surname(other or str(source)) != surname
            and _words(other or str(source))[-1] == surname
        }
        full_names = {full.casefold() for _, full in earlier}
        if len(full_names) == 1:
            pk, full = max(earlier, key=lambda item: item[0] is not None)
            found = Source.objects.get(pk=pk) if pk is not None else find_source(full)
            if found is not None:
                return SourcePlan(source=found, how="named in full before")
            return SourcePlan(new_name=full, how="named in full before")
    if names:
        alias = mention if _is_proper_name(mention) and mention != names[0] else ""
        return SourcePlan(new_name=names[0], alias=alias, how="new")
    kind = mention_kind(canonical or mention)
    if kind == "outlet":
        source, name = _outlet_named_before(article, anchor)
        if source is not None:
            return SourcePlan(source=source, how="the outlet named before")
        if name:
            found = find_source(name)
            if found is not None:
                return SourcePlan(source=found, how="the outlet named before")
            return SourcePlan(new_name=name, how="the outlet named before")
    elif kind in {"pronoun", "descriptor"}:
        # "He" refers back to the last person named; "the ministry", "the
        # spokesperson" to the last source whose mention has that word.
        head = _words(canonical or mention)[-1].casefold()
        earlier = [
            item
            for item in _antecedents(article, anchor)
            if (
                item[3] in PERSON_TYPES
                if head in PERSONAL_PRONOUNS
                else head in _words((item[2] + " " + item[4]).casefold())
                if kind == "descriptor"
                else True
            )
        ]
        if earlier:
            _, source, name, _, _ = earlier[-1]
            found = source or find_source(name) or _registry_name_inside(name)
            if found is not None:
                return SourcePlan(source=found, how="named before")
            return SourcePlan(new_name=name, how="named before")
        found = find_source(mention) if kind == "descriptor" else None
        if found is not None:
            return SourcePlan(source=found, how="by name or alias")
    elif mention and (kind == "indefinite" or (kind == "generic" and not named)):
        # An anonymous source is recorded by its descriptor ("A senior official"),
        # never a plural of people named nowhere ("lawmakers who also"); one registry
        # entry per descriptor, since no text tells two "a spokesperson" apart.
        found = find_source(mention)
        if found is not None:
            return SourcePlan(source=found, how="by its descriptor")
        return SourcePlan(new_name=mention, how="new")
    return SourcePlan(
        problem=f"“{mention}” does not name a source: pick the source it refers to, "
        "or give its name, before accepting."
    )


def plan_for(suggestion: Suggestion) -> SourcePlan:
    """The source plan of a suggestion as proposed (what its card shows)."""
    return plan_source(
        suggestion.article,
        mention=suggestion.source_text,
        start=suggestion.source_start,
        end=suggestion.source_end,
        canonical=suggestion.canonical_source,
        named=suggestion.named,
    )


def registry_match(suggestion: Suggestion) -> tuple[Source | None, str | None]:
    """The registry source accepting would attribute the suggestion to, or the name it would add.

    Returns (source, None) when the registry has it, (None, name) when accepting
    would create it, and (None, None) when the mention names no one: the
    reviewer must give a name first.
    """
    plan = plan_for(suggestion)
    return plan.source, (plan.new_name or None)


def _source_type(slug: str) -> SourceType:
    source_type = SourceType.objects.filter(slug=slug).first()
    if source_type is None:
        raise DomainError(f"There is no source type “{slug}”.", field="source_type_slug")
    return source_type


def _registry_source(
    *, actor, names: Iterable[str], mention: str, source_type: SourceType, named: bool
) -> Source:
    """Find the source by any of its names, or create it under the first one (no alias)."""
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
    return source_create(
        actor=actor, name=names[0], source_type=source_type, is_anonymous=not named
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
    add_alias = bool(edits.pop("add_alias", False))
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
    values["add_alias"] = add_alias
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


def _attribution_source(
    *,
    actor,
    article: Article,
    values: dict[str, Any],
    edited: bool,
    typed_name: bool,
    new_sources: Collection[str] | None,
) -> Source:
    """The registry source to attribute to: the one the mention refers to, or a new one.

    A new source gets the mention as an alias only where the reviewer saw it: on
    the card of a plain accept, or ticked in the edit form.
    """
    plan = plan_source(
        article,
        mention=values["source_text"],
        start=values["source_start"],
        end=values["source_end"],
        canonical=values["canonical_source"],
        named=values["named"],
        typed=typed_name,
    )
    if plan.problem:
        raise DomainError(plan.problem, field="canonical_source")
    if plan.source is not None:
        return plan.source
    if new_sources is not None and plan.new_name.casefold() not in {
        name.casefold() for name in new_sources
    }:
        raise DomainError(
            f"Accepting would add “{plan.new_name}” to the registry, which was not confirmed.",
            field="canonical_source",
        )
    keep_alias = values["add_alias"] if edited else True
    alias = plan.alias if keep_alias else ""
    return source_create(
        actor=actor,
        name=plan.new_name,
        source_type=_source_type(values["source_type_slug"]),
        is_anonymous=not values["named"],
        aliases=[alias] if alias else [],
    )


@service
def suggestion_accept(
    *,
    actor,
    suggestion: Suggestion,
    edits: dict[str, Any] | None = None,
    new_sources: Collection[str] | None = None,
    refuse_overlap: bool = False,
) -> Suggestion:
    """Make the suggestion's claim and attribution, as proposed or with the reviewer's edits.

    A claim that covers the suggestion's span (at least half of either) takes its
    attribution instead of a second claim being made. The source is the one the
    mention refers to (by name, alias, a surname or descriptor naming one before,
    "the newspaper" the outlet named before) or a new one of the proposed type,
    never one made of a pronoun, a descriptor or a dateline; the intermediary
    likewise (a news agency). `edits` takes the suggestion's own field names,
    plus `source` and `intermediary` to name registry sources directly and
    `add_alias` to keep the mention as the new source's alias. `new_sources`
    lists the new registry names the person confirmed (None: any);
    `refuse_overlap` refuses to make a claim that shares any word with another.
    """
    _authorize_decision(actor)
    article, suggestion = _lock_suggestion(suggestion)
    values, changes, source, intermediary, intermediary_given = _apply_edits(suggestion, edits)
    if edits is not None and values["source_type_slug"] == UNATTRIBUTED:
        _refuse_named_unattributed(values, edits, source)
    reason = f"Accepted suggestion #{suggestion.pk}"
    start, end = values["claim_start"], values["claim_end"]
    text = _check_span(article, start, end, None, what="claim", field="claim_text")
    # Decided first, so the claim made below does not settle this very suggestion.
    state = SuggestionState.EDITED if changes else SuggestionState.ACCEPTED
    suggestion.state = state
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["state", "decided_by", "decided_at"])
    claim = Claim.objects.filter(article=article, start=start, end=end).first()
    claim = claim or covering_claim(article, start, end)
    if claim is not None and claim.is_locked:
        raise DomainError(
            f"Claim #{claim.pk} covers these words and is signed off: an editor must reopen it "
            "before it takes another attribution."
        )
    if claim is None and refuse_overlap:
        other = overlapping_claims(article, start, end).first()
        if other is not None:
            raise DomainError(
                f"It overlaps claim #{other.pk} (“{_clip(other.text)}”): decide it on its card."
            )
    if claim is None:
        claim = claim_create(
            actor=actor, article=article, start=start, end=end, text=text, reason=reason
        )
    attribution = None
    slug = values["source_type_slug"]
    attributed = source is not None or (slug != UNATTRIBUTED and values["source_text"].strip())
    if attributed:
        if source is None:
            source = _attribution_source(
                actor=actor,
                article=article,
                values=values,
                edited=edits is not None,
                typed_name="canonical_source" in changes,
                new_sources=new_sources,
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
    suggestion.claim = claim
    suggestion.save(update_fields=["claim"])
    if values["add_alias"]:
        changes["add_alias"] = [False, True]
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
    # Others over the same words that this attribution answers are settled with it.
    suggestions_settle_covered(actor=actor, claim=claim)
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


def sources_accept_above_would_add(article: Article, threshold: float) -> list[str]:
    """The new registry names "Accept all above" would create, for the person to confirm."""
    names: dict[str, str] = {}
    pending = Suggestion.objects.filter(article=article).pending().above(threshold)
    for suggestion in pending.select_related("article").order_by("claim_start", "-claim_end"):
        if suggestion.source_type_slug == UNATTRIBUTED or not suggestion.source_text.strip():
            continue
        plan = plan_for(suggestion)
        if plan.new_name:
            names.setdefault(plan.new_name.casefold(), plan.new_name)
    return list(names.values())


@service
def suggestions_accept_above(
    *,
    actor,
    article: Article,
    threshold: float = 0.8,
    new_sources: Collection[str] | None = None,
) -> BulkOutcome:
    """Accept every pending suggestion of the article whose confidence is above the threshold.

    Wider spans first, so a sentence's claim is made before what it covers,
    which then joins it. One that conflicts (it overlaps a claim it does not
    cover, its claim is signed off, it would add a registry source not listed
    in `new_sources`, its text no longer matches) is skipped and reported; the
    others are accepted, each with its own events, and one
    `suggestions.accepted_above` event records the count.
    """
    _authorize_decision(actor)
    article = _lock_article(article)
    outcome = BulkOutcome()
    pending = Suggestion.objects.filter(article=article).pending().above(threshold)
    for suggestion in pending.order_by("claim_start", "-claim_end", "id"):
        if (
            Suggestion.objects.filter(pk=suggestion.pk)
            .exclude(state=SuggestionState.PENDING)
            .exists()
        ):
            continue  # settled by the claim an earlier one made
        try:
            with transaction.atomic():
                outcome.accepted.append(
                    suggestion_accept(
                        actor=actor,
                        suggestion=suggestion,
                        new_sources=new_sources,
                        refuse_overlap=True,
                    )
                )
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
