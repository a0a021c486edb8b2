"""The review page's suggestion layer: a suggestion's card, accept (as is or edited), reject.

Suggestions show on the review page as dashed highlights (see
`review._suggestion_context`); these views answer the card's buttons and
keys. Accepting answers with the new claim's panel and the re-rendered text
out of band; rejecting with the next pending suggestion's card. Refusals keep
the card with the message inline: 422 for bad input or a suggestion decided
meanwhile, 403 for a missing permission.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from factcheck import services
from factcheck.forms import (
    AcceptAboveForm,
    SuggestionDecisionForm,
    SuggestionEditForm,
    SuggestRequestForm,
)
from factcheck.models import Article, Suggestion, SuggestionRun, SuggestionRunState
from factcheck.services.coverage import covering_claim
from factcheck.services.suggestions import sources_accept_above_would_add
from factcheck.views.review import (
    _claims_of,
    _panel_response,
    _review_context,
    _text_context,
    sourcing_changed,
    suggestion_panel_context,
)

PANEL = "factcheck/partials/_suggestion_panel.html"
REFUSED = "You do not have permission to do this."


def _suggestion(suggestion_id: int) -> Suggestion:
    return get_object_or_404(
        Suggestion.objects.select_related("article", "decided_by", "claim"), pk=suggestion_id
    )


def _text_oob(request: HttpRequest, article: Article) -> str:
    context = _text_context(article, _claims_of(article))
    context["oob"] = True
    return render_to_string("factcheck/review.html#article-text", context, request=request)


def _card_response(
    request: HttpRequest,
    suggestion: Suggestion | None,
    article: Article,
    *,
    status: int = 200,
    with_text: bool = False,
    **extra: Any,
) -> HttpResponse:
    """Answer with a suggestion's card (or the empty panel), and the text out of band."""
    if not request.htmx:
        if status == 200:
            if suggestion is None:
                return redirect("review", article.pk)
            return redirect("suggestion_detail", suggestion.pk)
        context = _review_context(request, article, None, suggestion)
        context.update(extra)
        return render(request, "factcheck/review.html", context, status=status)
    if suggestion is None:
        html = render_to_string(
            "factcheck/review.html#panel-empty", {"article": article, **extra}, request=request
        )
    else:
        html = render_to_string(
            PANEL, suggestion_panel_context(suggestion, **extra), request=request
        )
    response = HttpResponse(html, status=status)
    if with_text:
        # Accepted suggestions bring claims and sources: the strip counts again.
        response.write(_text_oob(request, article))
        sourcing_changed(response)
    return response


@require_GET
def suggestion_detail(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """Open a suggestion's card: the fragment for htmx, the review page around it otherwise."""
    suggestion = _suggestion(suggestion_id)
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, PANEL, suggestion_panel_context(suggestion))
    return render(
        request,
        "factcheck/review.html",
        _review_context(request, suggestion.article, None, suggestion),
    )


def _form_errors(form: Any) -> list[str]:
    return [
        f"{form.fields[name].label or name.replace('_', ' ').capitalize()}: {' '.join(messages)}"
        if name in form.fields
        else " ".join(messages)
        for name, messages in form.errors.items()
    ]


@require_POST
def suggestion_accept(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """Accept a suggestion as proposed (`decision=accept`) or with the edit form's changes."""
    suggestion = _suggestion(suggestion_id)
    article = suggestion.article
    if not request.user.has_perm("factcheck.add_claim"):
        return _card_response(request, suggestion, article, status=403, errors=[REFUSED])
    decision = SuggestionDecisionForm(request.POST)
    if not decision.is_valid() or decision.cleaned_data["decision"] == "reject":
        errors = _form_errors(decision) or ["Reject posts to its own address."]
        return _card_response(request, suggestion, article, status=422, errors=errors)
    edits = None
    if decision.cleaned_data["decision"] == "edit":
        form = SuggestionEditForm(request.POST, suggestion=suggestion)
        if not form.is_valid():
            return _card_response(
                request,
                suggestion,
                article,
                status=422,
                errors=_form_errors(form),
                typed=request.POST,
                editing=True,
            )
        edits = form.edits(suggestion, article.text)
    try:
        accepted = services.suggestion_accept(
            actor=request.user, suggestion=suggestion, edits=edits
        )
    except services.NotAllowed as refusal:
        return _card_response(request, suggestion, article, status=403, errors=[refusal.message])
    except services.DomainError as refusal:
        suggestion.refresh_from_db()
        return _card_response(
            request,
            suggestion,
            article,
            status=422,
            with_text=True,
            errors=[refusal.message],
            typed=request.POST if edits is not None else None,
            editing=edits is not None,
        )
    return _panel_response(request, accepted.claim, article, with_text=True)


def _next_pending(suggestion: Suggestion) -> Suggestion | None:
    """The pending suggestion after this one in the text, else the first one."""
    pending = Suggestion.objects.filter(article_id=suggestion.article_id).pending()
    order = ("claim_start", "-claim_end", "id")
    return (
        pending.filter(claim_start__gte=suggestion.claim_start).order_by(*order).first()
        or pending.order_by(*order).first()
    )


@require_POST
def suggestion_reject(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """Reject a suggestion (remembered: a later run does not propose it again)."""
    suggestion = _suggestion(suggestion_id)
    article = suggestion.article
    if not request.user.has_perm("factcheck.add_claim"):
        return _card_response(request, suggestion, article, status=403, errors=[REFUSED])
    form = SuggestionDecisionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["decision"] != "reject":
        errors = _form_errors(form) or ["Accept posts to its own address."]
        return _card_response(request, suggestion, article, status=422, errors=errors)
    try:
        services.suggestion_reject(
            actor=request.user, suggestion=suggestion, reason=form.cleaned_data["reason"]
        )
    except services.NotAllowed as refusal:
        return _card_response(request, suggestion, article, status=403, errors=[refusal.message])
    except services.DomainError as refusal:
        suggestion.refresh_from_db()
        return _card_response(
            request, suggestion, article, status=422, with_text=True, errors=[refusal.message]
        )
    if form.cleaned_data["from_claim"]:
        covered = covering_claim(article, suggestion.claim_start, suggestion.claim_end)
        if covered is not None:
            return _panel_response(request, covered, article, with_text=True)
    return _card_response(request, _next_pending(suggestion), article, with_text=True)


@require_POST
def suggestions_accept_above(request: HttpRequest, article_id: int) -> HttpResponse:
    """Accept every pending suggestion above the threshold, in one audited action."""
    article = get_object_or_404(Article, pk=article_id)
    if not request.user.has_perm("factcheck.add_claim"):
        return _card_response(request, None, article, status=403, panel_error=REFUSED)
    form = AcceptAboveForm(request.POST)
    if not form.is_valid():
        message = " ".join(_form_errors(form))
        return _card_response(request, None, article, status=422, panel_error=message)
    threshold = form.cleaned_data["threshold"]
    if not form.cleaned_data["confirmed"]:
        would_add = sources_accept_above_would_add(article, threshold)
        if would_add:
            # Asked first: the registry grows only by the names the person has read.
            return _card_response(
                request,
                None,
                article,
                accept_above_ask=would_add,
                accept_above=threshold,
            )
    try:
        outcome = services.suggestions_accept_above(
            actor=request.user,
            article=article,
            threshold=threshold,
            new_sources=form.cleaned_data["new_source"] if form.cleaned_data["confirmed"] else (),
        )
    except services.DomainError as refusal:
        status = 403 if isinstance(refusal, services.NotAllowed) else 422
        return _card_response(request, None, article, status=status, panel_error=refusal.message)
    accepted = len(outcome.accepted)
    notice = f"Accepted {accepted} suggestion{'s' if accepted != 1 else ''}."
    skipped = [f"#{s.pk}: {why}" for s, why in outcome.skipped]
    return _card_response(
        request, None, article, with_text=True, panel_notice=notice, panel_skipped=skipped
    )


def _state_response(request: HttpRequest, article: Article) -> HttpResponse:
    """The suggestion bar; once the run is over, the whole text (with the bar) instead."""
    context = _text_context(article, _claims_of(article))
    run = context["suggestion_run"]
    if not request.htmx:
        return render(request, "factcheck/review.html", _review_context(request, article, None))
    if run is not None and run.is_active:
        return render(request, "factcheck/partials/_suggestion_bar.html", context)
    # The run is over: new highlights to show. The bar follows out of band.
    context["bar_oob"] = True
    response = render(request, "factcheck/review.html#article-text", context)
    return reswap(retarget(response, "#article-body"), "outerHTML")


@require_GET
def suggestions_state(request: HttpRequest, article_id: int) -> HttpResponse:
    """Where the article's latest suggestion run is; the bar polls this while it runs."""
    return _state_response(request, get_object_or_404(Article, pk=article_id))


@require_POST
def suggestions_request(request: HttpRequest, article_id: int) -> HttpResponse:
    """Ask the suggester to read the article again ("Suggest again")."""
    article = get_object_or_404(Article, pk=article_id)
    if not request.user.has_perm("factcheck.add_claim"):
        return _card_response(request, None, article, status=403, panel_error=REFUSED)
    form = SuggestRequestForm(request.POST)
    if not form.is_valid():
        message = " ".join(_form_errors(form))
        return _card_response(request, None, article, status=422, panel_error=message)
    runs = SuggestionRun.objects.filter(article=article)
    if (
        runs.filter(pk__gt=form.cleaned_data["after_run"]).exists()
        or runs.filter(state__in=[SuggestionRunState.QUEUED, SuggestionRunState.RUNNING]).exists()
    ):
        # Someone (or a double click) asked since the page was shown, or a run is under
        # way: show that run rather than queue another.
        return _state_response(request, article)
    try:
        services.suggestions_request(actor=request.user, article=article)
    except services.NotAllowed as refusal:
        return _card_response(request, None, article, status=403, panel_error=refusal.message)
    return _state_response(request, article)
