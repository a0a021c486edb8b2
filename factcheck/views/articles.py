"""The articles screen: the list with search, filters and progress, and the import."""

from typing import Any
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from factcheck import importing, services
from factcheck.forms import PROGRESS_FILTERS, ArticleListForm, PasteArticleForm, labelled_errors
from factcheck.models import Article, Suggestion, SuggestionRun, VerificationStatus

MAX_FILES = 50


def _with_progress(articles):
    """Annotate each article with its claim count per status, in one query."""
    counts = {
        f"n_{status}": Count("claims", filter=Q(claims__status=status))
        for status in VerificationStatus.values
    }
    return articles.annotate(claim_count=Count("claims"), **counts)


def _progress_bar(article: Article) -> list[dict]:
    """The bar's pieces: one per status that has claims, with its share in percent."""
    total = article.claim_count or 1
    pieces, offset = [], 0.0
    for status in VerificationStatus:
        count = getattr(article, f"n_{status.value}")
        if count:
            width = 100 * count / total
            pieces.append(
                {
                    "status": status.value,
                    "label": status.label,
                    "count": count,
                    "x": offset,
                    "width": width,
                }
            )
            offset += width
    return pieces


def _with_suggestion_state(articles: list[Article]) -> bool:
    """Give each article its latest suggestion run and pending count; say if any is under way."""
    ids = [article.pk for article in articles]
    runs = {
        run.article_id: run
        for run in SuggestionRun.objects.filter(article_id__in=ids).latest_per_article()
    }
    pending = dict(
        Suggestion.objects.filter(article_id__in=ids)
        .pending()
        .order_by()
        .values("article_id")
        .annotate(n=Count("id"))
        .values_list("article_id", "n")
    )
    for article in articles:
        article.suggestion_run = runs.get(article.pk)
        article.pending_suggestions = pending.get(article.pk, 0)
    return any(run.is_active for run in runs.values())


def _suggestion_record() -> dict[str, Any]:
    """Count the reviewers' decisions on suggestions, per suggester version and in all.

    One query: the totals are the sum of the versions' rows. `decided` is 0 before
    the first decision, `versions` empty before the first suggestion.
    """
    versions = Suggestion.objects.by_model_version()
    totals = {
        state: sum(row[state] for row in versions)
        for state in ("accepted", "edited", "rejected", "pending")
    }
    decided = totals["accepted"] + totals["edited"] + totals["rejected"]
    kept = totals["accepted"] + totals["edited"]
    return {
        **totals,
        "decided": decided,
        "kept_percent": round(100 * kept / decided) if decided else None,
        "versions": versions,
    }


@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    """List articles, newest first, with search, filters and review progress."""
    form = ArticleListForm(request.GET)
    # An unreadable filter lists nothing rather than more than was asked for.
    errors = [] if form.is_valid() else labelled_errors(form)
    chosen = form.cleaned_data
    query = chosen.get("q", "").strip()
    outlet = chosen.get("outlet", "").strip()
    progress = chosen.get("progress", "")
    date_from = chosen.get("from")
    date_to = chosen.get("to")
    articles = Article.objects.none() if errors else Article.objects.all()
    if query:
        articles = articles.filter(
            Q(title__icontains=query) | Q(outlet__icontains=query) | Q(text__icontains=query)
        )
    if outlet:
        articles = articles.filter(outlet=outlet)
    if date_from:
        articles = articles.filter(published_on__gte=date_from)
    if date_to:
        articles = articles.filter(published_on__lte=date_to)
    articles = _with_progress(articles)
    if progress == "no_claims":
        articles = articles.filter(claim_count=0)
    elif progress == "open":
        articles = articles.filter(Q(n_unverified__gt=0) | Q(n_in_progress__gt=0))
    elif progress == "done":
        articles = articles.filter(claim_count__gt=0, n_unverified=0, n_in_progress=0)
    articles = articles.defer("text").order_by("-created_at", "-id")
    page = Paginator(articles, 25).get_page(request.GET.get("page"))
    for article in page:
        article.progress = _progress_bar(article)
    # While a run is queued or running, the list asks again every few seconds.
    suggesting = _with_suggestion_state(page.object_list)
    outlets = (
        Article.objects.exclude(outlet="")
        .values_list("outlet", flat=True)
        .distinct()
        .order_by("outlet")[:200]
    )
    filters = request.GET.copy()
    filters.pop("page", None)
    context = {
        "page": page,
        "query": query,
        "outlet": outlet,
        "outlets": outlets,
        "progress": progress,
        "progress_filters": PROGRESS_FILTERS,
        "date_from": request.GET.get("from", ""),
        "date_to": request.GET.get("to", ""),
        "filter_query": filters.urlencode(),
        "statuses": VerificationStatus.choices,
        "filter_errors": errors,
        "suggesting": suggesting,
        "poll_url": request.get_full_path(),
        # How the suggester fares as reviewers use it, across the whole workbench.
        "suggestion_record": _suggestion_record(),
    }
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    # htmx swaps 422 but not 400 (see the htmx-config in base.html).
    status = (422 if partial else 400) if errors else 200
    if partial:
        return render(request, "factcheck/articles.html#results", context, status=status)
    return render(request, "factcheck/articles.html", context, status=status)


# Django reads a form's body before any view, and answers a bare 400 when it
# cannot: more files than DATA_UPLOAD_MAX_NUMBER_FILES, a part header over
# 1 KB (a file name of several hundred characters), a form over
# DATA_UPLOAD_MAX_MEMORY_SIZE. The import reads the body itself, so that the
# person sees the import page saying why; the CSRF check follows (`_import`).
UNREADABLE_FORM = {
    TooManyFilesSent: f"Upload at most {MAX_FILES} files at once.",
    TooManyFieldsSent: "The form has too many fields.",
    RequestDataTooBig: (
        f"The form is over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes: "
        "upload a long text as a file instead."
    ),
}
LONG_HEADER = "Request max total header size exceeded."


def _unreadable_form(request: HttpRequest) -> str | None:
    """Why Django cannot read the posted form, in words for the import page."""
    try:
        request.FILES  # noqa: B018 (reading it parses the body, fields and files)
    except MultiPartParserError as error:
        if str(error) == LONG_HEADER:
            return (
                "A file name is too long: shorten it (255 characters at most), then upload again."
            )
        return f"The upload could not be read ({error}); nothing was imported."
    except (TooManyFilesSent, TooManyFieldsSent, RequestDataTooBig) as error:
        return UNREADABLE_FORM[type(error)]
    return None


@csrf_exempt
@require_http_methods(["GET", "POST"])
def article_import(request: HttpRequest) -> HttpResponse:
    """Import articles by pasting text or uploading files (.txt, .md, .html, .json)."""
    if not request.user.has_perm("factcheck.add_article"):
        raise PermissionDenied("Your role cannot import articles.")
    if request.method == "POST":
        unreadable = _unreadable_form(request)
        if unreadable is not None:
            # Nothing could be read, so nothing changes: this answer needs no CSRF token.
            context = {"paste_form": PasteArticleForm(), "upload_errors": [unreadable]}
            return render(request, "factcheck/import.html", context, status=422)
        return _import(request)
    return render(request, "factcheck/import.html", {"paste_form": PasteArticleForm()})


@csrf_protect
def _import(request: HttpRequest) -> HttpResponse:
    """Import the pasted text or the uploaded files of a form that could be read."""
    if request.POST.get("mode") != "paste":
        return _upload(request)
    paste_form = PasteArticleForm(request.POST)
    undecodable = _undecodable_paste(request)
    if undecodable is not None:
        paste_form.add_error(*undecodable)
    if paste_form.is_valid():
        try:
            article = services.article_create(actor=request.user, **paste_form.cleaned_data)
        except services.DuplicateArticle as duplicate:
            messages.info(request, duplicate.message)
            return redirect("review", duplicate.existing.pk)
        except services.DomainError as refusal:
            paste_form.add_error(
                refusal.field if refusal.field in paste_form.fields else None, refusal.message
            )
        else:
            services.suggestions_request(actor=request.user, article=article)
            messages.success(request, f"Imported “{article.title}”.")
            return redirect("review", article.pk)
    return render(request, "factcheck/import.html", {"paste_form": paste_form}, status=422)


def _undecodable_paste(request: HttpRequest) -> tuple[str, str] | None:
    """The first pasted field that is not UTF-8, and why, as an uploaded file is refused.

    Django decodes a form's bytes with errors="replace", so invalid UTF-8 and
    encoded lone surrogates would arrive as U+FFFD; the raw bytes tell.
    """
    fields = PasteArticleForm.base_fields
    if request.content_type == "application/x-www-form-urlencoded":
        for pair in request.body.split(b"&"):
            key, _, value = pair.partition(b"=")
            name = unquote_to_bytes(key.replace(b"+", b" ")).decode("utf-8", "replace")
            if name not in fields:
                continue
            try:
                importing.decode_utf8(unquote_to_bytes(value.replace(b"+", b" ")))
            except importing.ImportRejected as rejected:
                return name, rejected.reason
        return None
    # A multipart form's raw bytes are gone once Django has read it: what it
    # could not decode shows as U+FFFD.
    for name in fields:
        at = request.POST.get(name, "").find("\ufffd")
        if at != -1:
            return name, (f"not UTF-8: character {at} could not be decoded; save the file as UTF-8")
    return None


def _upload(request: HttpRequest) -> HttpResponse:
    files = request.FILES.getlist("files")
    problems: list[str] = []
    if not files:
        problems.append("Choose at least one file to upload.")
    if len(files) > MAX_FILES:
        problems.append(f"Upload at most {MAX_FILES} files at once.")
        files = []
    max_bytes = settings.FACTCHECK_IMPORT_MAX_BYTES
    imported, unchanged = [], []
    for upload in files:
        try:
            if upload.size > max_bytes:
                raise importing.ImportRejected(
                    f"{upload.size:,} bytes is over the limit of {max_bytes:,} bytes"
                )
            for parsed in importing.parse_upload(upload.name, upload.read(), max_bytes=max_bytes):
                outcome = importing.import_parsed(parsed, actor=request.user)
                (imported if outcome.created else unchanged).append(outcome.article)
        except importing.ImportRejected as rejected:
            problems.append(f"{upload.name}: {rejected.reason}")
        except services.DomainError as refusal:
            problems.append(f"{upload.name}: {refusal.message}")
    for article in imported:
        messages.success(request, f"Imported “{article.title}”.")
    for article in unchanged:
        messages.info(request, f"“{article.title}” was already imported (article #{article.pk}).")
    if problems and not (imported or unchanged):
        context = {"paste_form": PasteArticleForm(), "upload_errors": problems}
        return render(request, "factcheck/import.html", context, status=422)
    for problem in problems:
        messages.error(request, f"Skipped {problem}")
    if len(imported) + len(unchanged) == 1:
        return redirect("review", (imported or unchanged)[0].pk)
    return redirect(reverse("home"))
