"""The article review page: the highlighted text, select-to-claim, and the claim panel.

Every action posts to its own URL and answers with the claim panel (and the
re-rendered text, out of band, when highlights change) for htmx, or redirects
back to the claim for a plain form post. Refusals keep the panel with the
message inline: 422 for bad input, 403 for a missing permission, 409 when
someone else saved the claim first.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import escape
from typing import Any

from django.db.models import Max, Min, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.views.decorators.http import require_GET, require_POST

from factcheck import insights, services, signoff
from factcheck.forms import (
    UNATTRIBUTED_TYPE,
    AssignForm,
    AttributionEditForm,
    AttributionForm,
    ClaimCreateForm,
    ClaimSpanForm,
    EvidenceForm,
    NoteForm,
    RationaleForm,
    RemoveForm,
    SourceSearchForm,
    StatusForm,
    labelled_errors,
)
from factcheck.highlight import (
    Highlight,
    mention_spans,
    paragraphs,
    render_claim_item,
    render_paragraph,
)
from factcheck.history import changes_of, reasons_of, summary_of
from factcheck.models import (
    Article,
    Attribution,
    AuditEvent,
    Claim,
    EvidenceLink,
    Note,
    QuoteMode,
    Source,
    SourceType,
    Suggestion,
    SuggestionRun,
    VerificationStatus,
)
from factcheck.services.coverage import covering_claim, covers
from factcheck.services.suggestions import SourcePlan, plan_for
from factcheck.views.queue import assignable_users

# Number keys 1-7 set these statuses (see the shortcut overlay).
STATUS_KEYS = [(str(n), status) for n, status in enumerate(VerificationStatus, start=1)]


def _claims_of(article: Article, within: Q | None = None) -> list[Highlight]:
    """The article's claims with what their highlight shows (status, first source type).

    Plain rows in two queries, not model instances with prefetched attributions:
    an article with 1,000 claims and 3,000 attributions loads 4,000 tuples, not
    10,000 objects.
    """
    claims = article.claims.filter(within) if within is not None else article.claims.all()
    marks: dict[int, tuple[str, str]] = {}
    for claim_id, slug, name in (
        Attribution.objects.filter(claim__in=claims.values("pk"))
        .order_by("claim_id", "id")
        .values_list("claim_id", "source__source_type__slug", "source__source_type__name")
    ):
        marks.setdefault(claim_id, (slug, name))
    # A plain list, not an iterator: on PostgreSQL that would open a server-side
    # cursor, three round trips where one does.
    rows = claims.order_by("start", "-end").values_list(
        "pk", "start", "end", "text", "status", "signed_off_at"
    )
    return [Highlight(*row, *marks.get(row[0], ("", ""))) for row in rows]


# "Accept all above" takes the suggestions whose confidence is above this.
ACCEPT_ABOVE = 0.8


def _summaries(suggestions: list[Suggestion]) -> dict[int, str]:
    """Each suggestion's one-line summary (escaped), as its highlight's tooltip shows it."""
    if not suggestions:
        return {}
    names = dict(SourceType.objects.values_list("slug", "name"))
    summaries = {}
    for suggestion in suggestions:
        suggestion.type_name = names.get(suggestion.source_type_slug, "Unknown type")
        summaries[suggestion.pk] = render_to_string(
            "factcheck/partials/_suggestion_summary.txt", {"s": suggestion}
        )
    return summaries


def _suggestion_context(article: Article) -> dict[str, Any]:
    """The article's pending suggestions and its latest suggestion run, in two queries."""
    suggestions = list(
        Suggestion.objects.filter(article=article).pending().order_by("claim_start", "-claim_end")
    )
    summaries = _summaries(suggestions)
    return {
        "suggestions": suggestions,
        "suggestion_summaries": summaries,
        "suggestion_run": SuggestionRun.objects.filter(article=article)
        .order_by("-created_at", "-id")
        .first(),
        "accept_above": ACCEPT_ABOVE,
        "above_count": sum(1 for s in suggestions if s.confidence > ACCEPT_ABOVE),
    }


def _text_context(article: Article, claims: list[Claim]) -> dict[str, Any]:
    context = _suggestion_context(article)
    context.update(
        article=article,
        claims=claims,
        claim_total=len(claims),
        paragraphs=paragraphs(article.text, claims, context["suggestions"]),
    )
    return context


def _panel_context(request: HttpRequest, claim: Claim, **extra: Any) -> dict[str, Any]:
    # The article the caller holds is not read again: its text is the whole article.
    article = claim.article if Claim.article.is_cached(claim) else None
    # Only the people the claim names are joined (PostgreSQL plans four joins of
    # the users table in longer than it reads the row); select_related() with no
    # names would join every relation, the article too.
    people = [
        name
        for name in ("proposed_by", "signed_off_by", "assigned_to", "created_by")
        if getattr(claim, f"{name}_id") is not None
    ]
    related = [*people, *(["article"] if article is None else [])]
    claims = Claim.objects.select_related(*related) if related else Claim.objects.all()
    claim = claims.prefetch_related(
        Prefetch(
            "attributions",
            queryset=Attribution.objects.select_related(
                "source__source_type", "intermediary"
            ).order_by("id"),
        ),
        # In the models' order, less the claim's, which would join the claim and
        # its article to sort rows of one claim.
        Prefetch("evidence", queryset=EvidenceLink.objects.order_by("id")),
        Prefetch(
            "notes", queryset=Note.objects.select_related("author").order_by("created_at", "id")
        ),
    ).get(pk=claim.pk)
    if article is not None:
        claim.article = article
    events = list(AuditEvent.objects.filter(claim_id=claim.pk).order_by("-id")[:100])
    reasons = reasons_of(events)
    latest = events[0] if events else None
    can_undo = (
        latest is not None
        and latest.actor_id == request.user.pk
        and latest.action in services.UNDOABLE
    )
    awaiting = claim.proposed_by_id is not None and not claim.is_locked
    can_edit = request.user.has_perm("factcheck.change_claim") and not claim.is_locked
    context = {
        "claim": claim,
        "verdict_contributors": services.verdict_contributors(claim) if awaiting else set(),
        "drift": signoff.drift(claim),
        "can_edit": can_edit,
        "covered_suggestions": covered_suggestions(claim),
        "timeline": [
            {
                "event": event,
                "summary": summary_of(event),
                "changes": changes_of(event),
                "reason": reasons[event.pk],
            }
            for event in events
        ],
        "can_undo": can_undo,
        "assignee_options": (
            _options(
                [("", "Nobody"), *assignable_users().values_list("pk", "username")],
                claim.assigned_to_id,
            )
            if can_edit
            else ""
        ),
        "status_keys": STATUS_KEYS,
        "statuses": VerificationStatus.choices,
        "quote_modes": QuoteMode.choices,
        "ground_rules": services.GroundRule.choices,
        # A new source is never given "unattributed" or a retired type.
        "source_types": SourceType.objects.exclude(slug=UNATTRIBUTED_TYPE).filter(retired=False),
        "attribution_options": (
            _attribution_options(
                claim.attributions.all(),
                list(
                    Source.objects.filter(source_type__slug="news_agency").values_list(
                        "pk", "name"
                    )[:50]
                ),
            )
            if can_edit and claim.attributions.all()
            else {}
        ),
        "forms": {},
        "errors": {},
        **extra,
    }
    _keep_typed(context)
    return context


def _typed_id(typed: Any, name: str) -> int | None:
    value = str(typed.get(name, "")).strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def _keep_typed(context: dict[str, Any]) -> None:
    """Show a refused attribution form's choices as typed, not as saved or as defaults."""
    kept, typed = context.get("kept"), context.get("typed")
    if not kept or typed is None:
        return
    if kept == "attribution":
        ids = {name: _typed_id(typed, name) for name in ("source", "intermediary")}
        names = dict(
            Source.objects.filter(pk__in=[pk for pk in ids.values() if pk]).values_list(
                "pk", "name"
            )
        )
        context["typed_names"] = {name: names.get(pk, "") for name, pk in ids.items()}
        context["typed_quote_mode"] = typed.get("quote_mode", QuoteMode.PARAPHRASE)
    elif kept.startswith("attribution-") and context["attribution_options"]:
        pk = _typed_id({"pk": kept.removeprefix("attribution-")}, "pk")
        options = context["attribution_options"].get(pk)
        if options is None or "quote_mode" not in typed:
            return
        context["kept_edit"] = pk
        relays = [
            (attribution.intermediary_id, attribution.intermediary.name)
            for attribution in context["claim"].attributions.all()
            if attribution.intermediary_id
        ]
        via = _typed_id(typed, "intermediary")
        offered = dict(
            Source.objects.filter(source_type__slug="news_agency").values_list("pk", "name")[:50]
        )
        offered.update(relays)
        if via and via not in offered:
            offered.update(Source.objects.filter(pk=via).values_list("pk", "name"))
        options["quote_mode"] = _options(QuoteMode.choices, typed.get("quote_mode"))
        options["intermediary"] = _options([("", "—"), *offered.items()], via)
        options["ground_rule"] = _options(services.GroundRule.choices, typed.get("ground_rule", ""))
    elif kept == "assign":
        context["assignee_options"] = _options(
            [("", "Nobody"), *assignable_users().values_list("pk", "username")],
            _typed_id(typed, "assigned_to"),
        )


def _options(choices: Iterable[tuple[Any, Any]], selected: Any) -> SafeString:
    """A select's options, the one whose value is `selected` marked so."""
    return mark_safe(  # every value and label is escaped
        "".join(
            f'<option value="{escape(str(value))}"{" selected" if value == selected else ""}>'
            f"{escape(str(label))}</option>"
            for value, label in choices
        )
    )


def _attribution_options(
    attributions: Iterable[Attribution], relays: list[tuple[int, str]]
) -> dict[int, dict[str, SafeString]]:
    """The options of each attribution's edit form, by attribution id.

    `relays` are the agencies offered as intermediaries, (id, name), to which an
    attribution relayed by another source adds that one. Written here rather than
    in template loops: three attributions offer 50 agencies each, and the loops
    were most of the panel's rendering.
    """
    offered = {pk for pk, _ in relays}
    options = {}
    for attribution in attributions:
        relayed_by = attribution.intermediary
        relaying = relays
        if relayed_by is not None and relayed_by.pk not in offered:
            relaying = [*relays, (relayed_by.pk, relayed_by.name)]
        options[attribution.pk] = {
            "quote_mode": _options(QuoteMode.choices, attribution.quote_mode),
            "intermediary": _options([("", "—"), *relaying], attribution.intermediary_id),
            "ground_rule": _options(services.GroundRule.choices, attribution.ground_rule),
        }
    return options


def _review_context(
    request: HttpRequest,
    article: Article,
    claim: Claim | None,
    suggestion: Suggestion | None = None,
) -> dict:
    claims = _claims_of(article)
    context = _text_context(article, claims)
    context["status_keys"] = STATUS_KEYS
    context["sourcing"] = insights.sourcing_strip(article.claims.all())
    if claim is not None:
        context.update(_panel_context(request, claim))
    elif suggestion is not None:
        context.update(suggestion_panel_context(suggestion))
    context["open_claim"] = claim
    context["open_suggestion"] = suggestion if claim is None else None
    return context


def covered_suggestions(claim: Claim) -> list[Suggestion]:
    """The pending suggestions over the claim's words: each offers its attribution to it."""
    near = Suggestion.objects.filter(
        article_id=claim.article_id, claim_start__lt=claim.end, claim_end__gt=claim.start
    ).pending()
    return [
        suggestion
        for suggestion in near.order_by("-confidence", "id")
        if covers((claim.start, claim.end), (suggestion.claim_start, suggestion.claim_end))
    ]


def suggestion_panel_context(suggestion: Suggestion, **extra: Any) -> dict[str, Any]:
    """What the suggestion's card shows: the proposal, the source and claim accepting would
    use, and the choices its edit form offers."""
    source_types = list(SourceType.objects.all())
    names = {t.slug: t.name for t in source_types}
    attributed = suggestion.source_text and suggestion.source_type_slug != "unattributed"
    plan = plan_for(suggestion) if attributed else SourcePlan()
    covering = (
        covering_claim(suggestion.article, suggestion.claim_start, suggestion.claim_end)
        if suggestion.state == "pending"
        else None
    )
    # The sources a reviewer most likely means instead: those of this article's claims.
    pickable = list(
        Source.objects.filter(attributions__claim__article=suggestion.article_id)
        .distinct()
        .order_by("name")
    )
    if plan.source is not None and plan.source not in pickable:
        pickable.insert(0, plan.source)
    return {
        "suggestion": suggestion,
        "plan": plan,
        "registry_source": plan.source,
        "registry_new": plan.new_name or None,
        "covering_claim": covering,
        "pickable_sources": pickable,
        "source_type_name": names.get(suggestion.source_type_slug, suggestion.source_type_slug),
        "source_types": source_types,
        "quote_modes": QuoteMode.choices,
        "errors": [],
        **extra,
    }


@require_GET
def review(request: HttpRequest, article_id: int) -> HttpResponse:
    """Show the article with its claims highlighted, ready for review."""
    article = get_object_or_404(Article, pk=article_id)
    return render(request, "factcheck/review.html", _review_context(request, article, None))


@require_GET
def claim_detail(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Open a claim's panel: the fragment for htmx, the review page around it otherwise."""
    claim = get_object_or_404(Claim.objects.select_related("article"), pk=claim_id)
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "factcheck/review.html#claim-panel", _panel_context(request, claim))
    return render(request, "factcheck/review.html", _review_context(request, claim.article, claim))


@dataclass
class TextChange:
    """What an action changed in the text: the spans to show again, and claims added or gone.

    The answer re-renders only the paragraphs those spans touch and the changed
    entries of the claims list, so a status change costs the same on an article
    with 1,000 claims as on one with 10.
    """

    spans: list[tuple[int, int]]
    updated: list[int] = field(default_factory=list)
    added: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    # Whether the article's sourcing profile (the strip) may have changed too.
    sourcing: bool = True

    @classmethod
    def of(cls, before: Claim, after: Claim | None) -> "TextChange":
        spans = [(before.start, before.end)]
        if after is None:
            return cls(spans, removed=[before.pk])
        spans.append((after.start, after.end))
        if after.pk != before.pk:
            return cls(spans, added=[after.pk], removed=[before.pk])
        return cls(spans, updated=[after.pk], sourcing=False)


def _paragraph_bounds(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The (start, end) of each non-empty paragraph that one of the spans touches.

    Found from the spans outwards, not by splitting the whole text: the big
    article of the benchmark is 170,000 characters.
    """
    bounds = set()
    for start, end in spans:
        line_start = text.rfind("\n", 0, start) + 1
        while line_start < end:
            line_end = text.find("\n", line_start)
            line_end = len(text) if line_end == -1 else line_end
            if start < line_end and line_start < line_end:
                bounds.add((line_start, line_end))
            line_start = line_end + 1
    return sorted(bounds)


ITEM_URL_PLACEHOLDER = "999999999"


def _patch_range(
    article: Article, paragraph: tuple[int, int], change: TextChange, suggestions: list
) -> tuple[int, int]:
    """The stretch of a paragraph to show again: from the last boundary before the change
    to the first after it, counting only the boundaries the change leaves in place (those
    of other claims and suggestions, and the paragraph's ends), which the page has too."""
    start, end = paragraph
    low = min(max(a, start) for a, b in change.spans if a < end and b > start)
    high = max(min(b, end) for a, b in change.spans if a < end and b > start)
    if not change.added and not change.removed and len(set(change.spans)) == 1:
        # A change in place (a status, a source): the claim's own ends stay, so
        # the page has pieces starting there, and its span is the stretch.
        return low, high
    changed = {*change.updated, *change.added, *change.removed}
    cuts = {start, end}
    # The nearest ends of other claims on either side, counted in the database: a
    # paragraph may hold the whole article's claims (one line of 1,000 claims).
    cuts.update(
        cut
        for cut in article.claims.exclude(pk__in=changed)
        .aggregate(
            start_before=Max("start", filter=Q(start__gte=start, start__lte=low)),
            end_before=Max("end", filter=Q(end__gte=start, end__lte=low)),
            start_after=Min("start", filter=Q(start__gte=high, start__lte=end)),
            end_after=Min("end", filter=Q(end__gte=high, end__lte=end)),
        )
        .values()
        if cut is not None
    )
    for suggestion in suggestions:
        cuts.update((suggestion.claim_start, suggestion.claim_end))
        cuts.update(x for x in (suggestion.source_start, suggestion.source_end) if x is not None)
        cuts.update(x for x in (suggestion.cue_start, suggestion.cue_end) if x is not None)
    return (
        max(cut for cut in cuts if start <= cut <= low),
        min(cut for cut in cuts if high <= cut <= end),
    )


def _touching(bounds: list[tuple[int, int]]) -> Q:
    """Suggestions with a span or an end in one of the paragraphs: all that cut them."""
    near = Q(pk__in=[])
    for start, end in bounds:
        for first, last in (
            ("claim_start", "claim_end"),
            ("source_start", "source_end"),
            ("cue_start", "cue_end"),
        ):
            near |= Q(**{f"{first}__lte": end, f"{last}__gte": start})
            near |= Q(**{f"{first}__range": (start, end)}) | Q(**{f"{last}__range": (start, end)})
    return near


def _text_changes(request: HttpRequest, article: Article, change: TextChange) -> str:
    """What changed in the text, as patches, and in the claims list, by id.

    Each patch carries the pieces of one stretch of a paragraph (static/factcheck/
    review.js puts them in place of the page's pieces there): a status change on
    an article of 1,000 claims sends back that claim's few pieces, not the text.
    """
    bounds = _paragraph_bounds(article.text, change.spans)
    pending = list(
        Suggestion.objects.filter(article=article)
        .pending()
        .filter(_touching(bounds))
        .order_by("claim_start", "-claim_end")
    )
    context: dict[str, Any] = {}
    summaries: dict[int, str] = {}
    patches, listed = [], {}
    for paragraph in bounds:
        low, high = _patch_range(article, paragraph, change, pending)
        # What touches the stretch, its ends included: a claim ending where it
        # starts still cuts the text there.
        claims = _claims_of(article, Q(start__lte=high, end__gte=low))
        listed.update((claim.pk, claim) for claim in claims)
        suggestions = [
            s
            for s in pending
            if (s.claim_start <= high and s.claim_end >= low)
            or any(a <= high and b >= low for a, b in mention_spans(s))
        ]
        summaries.update(_summaries(suggestions))
        [whole] = paragraphs(article.text, claims, suggestions, lines=[paragraph])
        whole.segments = [seg for seg in whole.segments if low <= seg.start < high]
        patches.append(
            f'<template data-paragraph="{paragraph[0]}" data-from="{low}" '
            f'data-to="{high if high < paragraph[1] else ""}">'
            f"{render_paragraph(whole, summaries)}</template>"
        )
    pattern = reverse("claim_detail", args=[ITEM_URL_PLACEHOLDER])
    items = [f'<li id="claim-item-{pk}" hx-swap-oob="delete"></li>' for pk in change.removed]
    for pk in change.updated:
        if pk in listed:
            url = pattern.replace(ITEM_URL_PLACEHOLDER, str(pk))
            items.append(render_claim_item(listed[pk], url, oob=True))
    for pk in change.added:
        if pk in listed:
            items.append(_inserted_item(article, listed[pk], pattern))
    context["text_patches"] = mark_safe("".join(patches))  # every piece is built escaped
    context["changed_items"] = mark_safe("".join(items))
    if change.added or change.removed:
        context["claim_total"] = article.claims.count()
    return render_to_string("factcheck/review.html#text-changes", context, request=request)


def _inserted_item(article: Article, claim: Highlight, pattern: str) -> str:
    """A new claim's entry, put before the claim that follows it in the list's order."""
    after = (
        article.claims.filter(Q(start__gt=claim.start) | Q(start=claim.start, end__lt=claim.end))
        .exclude(pk=claim.pk)
        .order_by("start", "-end")
        .values_list("pk", flat=True)
        .first()
    )
    where = f"beforebegin:#claim-item-{after}" if after else "beforeend:#claim-index"
    item = render_claim_item(claim, pattern.replace(ITEM_URL_PLACEHOLDER, str(claim.pk)))
    # The list's "No claims yet" stays in it, hidden by app.css once it has company:
    # deleting it by id failed (htmx:oobErrorNoTarget) for every claim after the first.
    return f'<div hx-swap-oob="{where}">{item}</div>'


def _panel_response(
    request: HttpRequest,
    claim: Claim | None,
    article: Article,
    *,
    status: int = 200,
    with_text: bool | TextChange = False,
    **extra: Any,
) -> HttpResponse:
    """Answer an action: the panel (or its absence) plus, out of band, the text it changed.

    `with_text` is a TextChange (only what changed is sent again) or True (the
    whole text, when the page may be out of step, as after an edit conflict).
    """
    if not request.htmx:
        if status == 200:
            target = claim or article
            url = (
                reverse("claim_detail", args=[target.pk])
                if claim
                else reverse("review", args=[article.pk])
            )
            return redirect(url)
        context = _review_context(request, article, claim)
        context.update(extra)
        if claim is not None:
            _keep_typed(context)
        return render(request, "factcheck/review.html", context, status=status)
    if claim is not None:
        html = render_to_string(
            "factcheck/review.html#claim-panel",
            _panel_context(request, claim, **extra),
            request=request,
        )
    else:
        html = render_to_string("factcheck/review.html#panel-empty", extra, request=request)
    if isinstance(with_text, TextChange):
        html += _text_changes(request, article, with_text)
    elif with_text:
        text_context = _text_context(article, _claims_of(article))
        text_context["oob"] = True
        html += render_to_string(
            "factcheck/review.html#article-text", text_context, request=request
        )
    response = HttpResponse(html, status=status)
    if with_text is True or (isinstance(with_text, TextChange) and with_text.sourcing):
        sourcing_changed(response)
    return response


# The event a change of the article's sources raises in the page: the sourcing
# strip hears it and fetches itself again (`article_sourcing`).
SOURCING_CHANGED = "sourcing-changed"


def sourcing_changed(response: HttpResponse) -> HttpResponse:
    """Tell the page the article's sourcing may have changed; its strip is counted apart.

    The strip counts every claim and attribution of the article, which grows
    with the article; the action's answer does not wait for it, so that it
    costs the same on an article of 1,000 claims as on one of 10.
    """
    response["HX-Trigger"] = SOURCING_CHANGED
    return response


@require_GET
def article_sourcing(request: HttpRequest, article_id: int) -> HttpResponse:
    """The article's sourcing strip, counted afresh: the page asks after a change of sources."""
    article = get_object_or_404(Article.objects.only("pk"), pk=article_id)
    context = {"article": article, "sourcing": insights.sourcing_strip(article.claims.all())}
    return render(request, "factcheck/partials/_sourcing_strip.html", context)


def _act(
    request: HttpRequest,
    claim: Claim,
    form: Any,
    action: Callable[[dict[str, Any]], Claim | None],
    *,
    form_name: str,
    permission: str,
    extra_of: Callable[[Claim | None], dict[str, Any]] | None = None,
) -> HttpResponse:
    """Check the permission, validate the form, run the service, and answer with the panel."""
    article = claim.article
    if not request.user.has_perm(f"factcheck.{permission}"):
        message = "You do not have permission to do this."
        return _panel_response(request, claim, article, status=403, panel_error=message)
    # A refused form is shown again as it was typed, every field of it: `kept`
    # names the form whose inputs take their values from `typed`.
    kept = {"kept": form_name, "typed": request.POST}
    if not form.is_valid():
        errors = [f"{_label(form, name)}{' '.join(msgs)}" for name, msgs in form.errors.items()]
        return _panel_response(
            request, claim, article, status=422, errors={form_name: errors}, **kept
        )
    try:
        # One transaction for the whole action: creating a source inline and
        # attributing to it succeed or fail together.
        result = services.run_atomically(action, form.cleaned_data)
    except services.NotAllowed as refusal:
        return _panel_response(
            request, claim, article, status=403, panel_error=refusal.message, **kept
        )
    except services.Conflict as conflict:
        return _panel_response(
            request,
            conflict.current,
            article,
            status=409,
            conflict={"form": form_name, "message": _conflict_words(conflict)},
            with_text=True,
            **kept,
        )
    except services.DomainError as refusal:
        return _panel_response(
            request,
            claim,
            article,
            status=422,
            errors={form_name: [refusal.message]},
            **kept,
        )
    extra = extra_of(result) if extra_of else {}
    # The claim's highlight and list entry follow every change (status, lock, source type).
    change = TextChange.of(claim, result)
    # Sources change only by the attribution forms, and by undo and redo of them.
    change.sourcing = change.sourcing or form_name == "undo" or form_name.startswith("attribution")
    response = _panel_response(request, result, article, with_text=change, **extra)
    if request.htmx and result is None:
        # The claim is gone (deleted, or its creation undone): so is its address.
        response["HX-Push-Url"] = reverse("review", args=[article.pk])
    return response


def _conflict_words(conflict: services.Conflict) -> str:
    """The refusal, with who changed what meanwhile: the claim's latest recorded change."""
    latest = AuditEvent.objects.filter(claim_id=conflict.current.pk).order_by("-id").first()
    if latest is None:
        return conflict.message
    when = dateformat.format(timezone.localtime(latest.created_at), "j M, H:i T")
    fields = ", ".join(dict.fromkeys(change.label.lower() for change in changes_of(latest)))
    what = f"{summary_of(latest)} ({fields})" if fields else summary_of(latest)
    return f"{conflict.message} The latest change: {what}, {when}."


def _label(form: Any, name: str) -> str:
    if name == "__all__":
        return ""
    field = form.fields.get(name)
    return f"{(field.label or name.replace('_', ' ')).capitalize()}: " if field else ""


def _claim(claim_id: int) -> Claim:
    return get_object_or_404(Claim.objects.select_related("article"), pk=claim_id)


@require_POST
def claim_create(request: HttpRequest, article_id: int) -> HttpResponse:
    """Create a claim from the text the reviewer selected."""
    article = get_object_or_404(Article, pk=article_id)
    if not request.user.has_perm("factcheck.add_claim"):
        return _text_error(request, article, "You do not have permission to do this.", 403)
    form = ClaimCreateForm(request.POST)
    message = None
    if form.is_valid():
        span = {name: form.cleaned_data[name] for name in ("start", "end", "text")}
        try:
            claim = services.claim_create(
                actor=request.user,
                article=article,
                ask_if_near=not form.cleaned_data["near_ok"],
                **span,
            )
        except services.NotAllowed as refusal:
            return _text_error(request, article, refusal.message, 403)
        except services.NearDuplicate as near:
            # Nearly the same words as another claim: most often a second try at
            # the same one, so the person is asked before a second claim is made.
            near_duplicate = {"message": near.message, "claim": near.claim, **span}
            return _text_error(request, article, "", 409, near_duplicate=near_duplicate)
        except services.DomainError as refusal:
            message = refusal.message
        else:
            change = TextChange([(claim.start, claim.end)], added=[claim.pk])
            response = _panel_response(request, claim, article, with_text=change)
            if request.htmx:
                # The address carries the new claim, as opening one does: a reload keeps it.
                response["HX-Push-Url"] = reverse("claim_detail", args=[claim.pk])
            return response
    else:
        message = " ".join(" ".join(msgs) for msgs in form.errors.values())
    return _text_error(request, article, message or "The selection could not be read.", 422)


def _text_error(
    request: HttpRequest, article: Article, message: str, status: int, **extra: Any
) -> HttpResponse:
    if request.htmx:
        html = render_to_string(
            "factcheck/review.html#panel-empty", {"panel_error": message, **extra}, request=request
        )
        return HttpResponse(html, status=status)
    context = _review_context(request, article, None)
    context["panel_error"] = message
    context.update(extra)
    return render(request, "factcheck/review.html", context, status=status)


@require_POST
def claim_status(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = _claim(claim_id)
    return _act(
        request,
        claim,
        StatusForm(request.POST),
        lambda data: services.claim_set_status(
            actor=request.user,
            claim=claim,
            status=data["status"],
            expected_version=data["version"],
            reason=data["reason"],
        ),
        form_name="status",
        permission="change_claim",
    )


@require_POST
def claim_assign(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Assign the claim to someone who can work on it, or to nobody."""
    claim = _claim(claim_id)
    return _act(
        request,
        claim,
        AssignForm(request.POST, assignees=assignable_users()),
        lambda data: services.claim_update(
            actor=request.user,
            claim=claim,
            expected_version=data["version"],
            assigned_to=data["assigned_to"],
            reason=data["reason"],
        ),
        form_name="assign",
        permission="change_claim",
    )


@require_POST
def claim_span(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Move a claim's ends to the words the reviewer gives (refused once signed off)."""
    claim = _claim(claim_id)
    return _act(
        request,
        claim,
        ClaimSpanForm(request.POST, claim=claim),
        lambda data: services.claim_update(
            actor=request.user,
            claim=claim,
            expected_version=data["version"],
            start=data["start"],
            end=data["end"],
            reason=data["reason"],
            ask_if_near=True,
        ),
        form_name="span",
        permission="change_claim",
    )


@require_POST
def claim_rationale(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = _claim(claim_id)
    return _act(
        request,
        claim,
        RationaleForm(request.POST),
        lambda data: services.claim_update(
            actor=request.user,
            claim=claim,
            expected_version=data["version"],
            rationale=data["rationale"],
            reason=data["reason"],
        ),
        form_name="rationale",
        permission="change_claim",
    )


def _claim_step(
    request: HttpRequest, claim_id: int, service: Callable, *, form_name: str, permission: str
) -> HttpResponse:
    """Run a whole-claim step that takes only the version and an optional reason."""
    claim = _claim(claim_id)
    return _act(
        request,
        claim,
        RemoveForm(request.POST),
        lambda data: service(
            actor=request.user,
            claim=claim,
            expected_version=data["version"],
            reason=data["reason"],
        ),
        form_name=form_name,
        permission=permission,
    )


@require_POST
def claim_delete(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _claim_step(
        request,
        claim_id,
        services.claim_delete,
        form_name="delete",
        permission="delete_claim",
    )


# Field edits are told as "status in progress → verified"; other changes by their summary.
FIELD_EDITS = {"claim.changed", "claim.status_changed", "verdict.proposed", "attribution.changed"}


def _change_words(event: AuditEvent | None, *, undone: bool) -> str:
    """Say in words what an undo took back ("Undid: …") or what a redo re-applied."""
    if event is None:
        return "Undid your last change." if undone else "Redid your last change."
    if event.action == "claim.created":
        text = event.changes.get("text", [None, ""])[1] or ""
        if undone:
            return f"Undid: you added the claim “{text}”, so it is deleted."
        return f"Redid: the claim “{text}” is added again."
    if event.action == "note.added":
        body = Truncator(event.changes.get("body", [None, ""])[1] or "").chars(80)
        if undone:
            return f"Undid: your note “{body}” is deleted."
        return f"Redid: your note “{body}” is added again."
    changes = changes_of(event)
    if event.action in FIELD_EDITS and changes:
        if undone:
            lines = [f"{c.label} {c.old} → {c.new} was put back to {c.old}" for c in changes]
            return "Undid: " + "; ".join(lines) + "."
        return "Redid: " + "; ".join(f"{c.label} {c.old} → {c.new}" for c in changes) + "."
    return f"{'Undid' if undone else 'Redid'}: {summary_of(event)}."


def _undo_extra(request: HttpRequest, claim_id: int) -> dict[str, Any]:
    """What the panel says after an undo, with the Redo that re-applies it."""
    undo = services.redoable_event(actor=request.user, claim_id=claim_id)
    original = services.undone_event(undo) if undo else None
    return {
        "change_notice": _change_words(original, undone=True),
        "redo_claim": claim_id if undo else None,
    }


@require_POST
def claim_undo(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = _claim(claim_id)
    return _act(
        request,
        claim,
        RemoveForm(request.POST),
        lambda data: services.claim_undo(
            actor=request.user, claim=claim, expected_version=data["version"]
        ),
        form_name="undo",
        permission="change_claim",
        extra_of=lambda result: _undo_extra(request, claim_id),
    )


@require_POST
def claim_redo(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Re-apply what the reviewer's last undo on this claim took back."""
    undo = services.redoable_event(actor=request.user, claim_id=claim_id)
    original = services.undone_event(undo) if undo else None

    def notice(result: Claim | None) -> dict[str, Any]:
        return {"change_notice": _change_words(original, undone=False)}

    existing = Claim.objects.select_related("article").filter(pk=claim_id).first()
    if existing is not None:
        return _act(
            request,
            existing,
            RemoveForm(request.POST),
            lambda data: services.claim_redo(
                actor=request.user, claim_id=claim_id, expected_version=data["version"]
            ),
            form_name="undo",
            permission="change_claim",
            extra_of=notice,
        )
    # The undo deleted the claim: redo adds it again, under a new number.
    deleted = (
        AuditEvent.objects.filter(claim_id=claim_id, action="claim.deleted").order_by("-id").first()
    )
    if deleted is None:
        raise Http404("No such claim.")
    article = get_object_or_404(Article, pk=deleted.article_id)
    if not request.user.has_perm("factcheck.change_claim"):
        return _text_error(request, article, "You do not have permission to do this.", 403)
    try:
        claim = services.claim_redo(actor=request.user, claim_id=claim_id)
    except services.NotAllowed as refusal:
        return _text_error(request, article, refusal.message, 403)
    except services.DomainError as refusal:
        return _text_error(request, article, refusal.message, 422)
    change = TextChange([(claim.start, claim.end)], added=[claim.pk])
    response = _panel_response(request, claim, article, with_text=change, **notice(claim))
    if request.htmx:
        response["HX-Push-Url"] = reverse("claim_detail", args=[claim.pk])
    return response


@require_POST
def claim_sign_off(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _claim_step(
        request,
        claim_id,
        services.verdict_sign_off,
        form_name="sign_off",
        permission="sign_off_claim",
    )


@require_POST
def claim_reopen(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _claim_step(
        request,
        claim_id,
        services.claim_reopen,
        form_name="reopen",
        permission="reopen_claim",
    )


@require_POST
def claim_publish(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _claim_step(
        request,
        claim_id,
        services.claim_publish,
        form_name="publish",
        permission="sign_off_claim",
    )


@require_POST
def claim_unpublish(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _claim_step(
        request,
        claim_id,
        services.claim_unpublish,
        form_name="unpublish",
        permission="sign_off_claim",
    )


@require_POST
def attribution_add(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = _claim(claim_id)
    form = AttributionForm(request.POST)

    def add(data: dict) -> Claim:
        source = data["source"] or services.source_create(
            actor=request.user,
            name=data["new_source_name"],
            source_type=data["new_source_type"],
            affiliation=data["new_source_affiliation"],
            is_anonymous=(
                data["new_source_anonymous"] or data["new_source_type"].slug == "anonymous_official"
            ),
        )
        services.attribution_add(
            actor=request.user,
            claim=claim,
            source=source,
            expected_version=data["version"],
            **form.attribution_fields(),
        )
        return claim

    return _act(
        request,
        claim,
        form,
        add,
        form_name="attribution",
        permission="add_attribution",
    )


@require_POST
def attribution_edit(request: HttpRequest, attribution_id: int) -> HttpResponse:
    attribution = get_object_or_404(
        Attribution.objects.select_related("claim__article"), pk=attribution_id
    )
    claim = attribution.claim

    def edit(data: dict) -> Claim:
        fields = {name: data[name] for name in AttributionEditForm.base_fields if name != "version"}
        fields["ground_rule"] = fields["ground_rule"] or ""
        services.attribution_update(
            actor=request.user,
            attribution=attribution,
            expected_version=data["version"],
            **fields,
        )
        return claim

    return _act(
        request,
        claim,
        AttributionEditForm(request.POST),
        edit,
        form_name=f"attribution-{attribution.pk}",
        permission="change_attribution",
    )


@require_POST
def attribution_remove(request: HttpRequest, attribution_id: int) -> HttpResponse:
    attribution = get_object_or_404(
        Attribution.objects.select_related("claim__article"), pk=attribution_id
    )
    claim = attribution.claim

    def remove(data: dict) -> Claim:
        services.attribution_remove(
            actor=request.user,
            attribution=attribution,
            expected_version=data["version"],
            reason=data["reason"],
        )
        return claim

    return _act(
        request,
        claim,
        RemoveForm(request.POST),
        remove,
        form_name=f"attribution-{attribution.pk}",
        permission="delete_attribution",
    )


@require_POST
def evidence_add(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = _claim(claim_id)

    def add(data: dict) -> Claim:
        services.evidence_add(
            actor=request.user,
            claim=claim,
            url=data["url"],
            title=data["title"],
            expected_version=data["version"],
        )
        return claim

    return _act(
        request,
        claim,
        EvidenceForm(request.POST),
        add,
        form_name="evidence",
        permission="add_evidencelink",
    )


@require_POST
def evidence_remove(request: HttpRequest, link_id: int) -> HttpResponse:
    link = get_object_or_404(EvidenceLink.objects.select_related("claim__article"), pk=link_id)
    claim = link.claim

    def remove(data: dict) -> Claim:
        services.evidence_remove(
            actor=request.user, link=link, expected_version=data["version"], reason=data["reason"]
        )
        return claim

    return _act(
        request,
        claim,
        RemoveForm(request.POST),
        remove,
        form_name="evidence",
        permission="delete_evidencelink",
    )


@require_POST
def note_add(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = _claim(claim_id)

    def add(data: dict) -> Claim:
        services.note_add(actor=request.user, claim=claim, body=data["body"])
        return claim

    return _act(
        request, claim, NoteForm(request.POST), add, form_name="note", permission="add_note"
    )


@require_GET
def source_search(request: HttpRequest) -> HttpResponse:
    """Suggest registry sources for the picker, by name or alias."""
    form = SourceSearchForm(request.GET)
    if not form.is_valid():
        lines = "".join(f"{label}: {message}\n" for label, message in labelled_errors(form))
        return HttpResponseBadRequest(lines, content_type="text/plain; charset=utf-8")
    query = (form.cleaned_data["q"] or form.cleaned_data["q_intermediary"]).strip()
    field = form.cleaned_data["field"] or "source"
    sources = Source.objects.select_related("source_type")
    if query:
        sources = sources.filter(Q(name__icontains=query) | Q(aliases__icontains=query))
    elif field == "intermediary":
        sources = sources.filter(source_type__slug="news_agency")
    return render(
        request,
        "factcheck/partials/_source_options.html",
        {"sources": sources.order_by("name")[:12], "query": query, "field": field},
    )
