"""The Sources screens: the registry, a source's track record, and the editors' tools.

The list is paged without a COUNT(*) (`filters.page_of`). A track record is a
fixed number of grouped queries whatever the source's number of claims. Every
change (edit, merge, delete or replace, source types) calls one service, which
checks the permission again and writes the audit record; the views check it
first only to answer with a page that says why (403) instead of a form.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Min, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url

from factcheck import services
from factcheck.filters import errors_of, shareable
from factcheck.forms import labelled_errors
from factcheck.models import (
    Article,
    Attribution,
    Claim,
    Source,
    SourceType,
    VerificationStatus,
)
from factcheck.source_filters import (
    ANONYMITY_CHOICES,
    DEFAULT_SOURCE_SORT,
    SOURCE_SORTS,
    SourceFilter,
    affiliations,
    page_of_sources,
    seen_on,
    source_figures,
)
from factcheck.source_forms import (
    MergeForm,
    SourceDeleteForm,
    SourceEditForm,
    SourceIdField,
    SourceTypeAddForm,
    SourceTypeChangeForm,
)

PAGE_SIZE = 50
# How many of a source's claims, articles and mentions its page lists; the
# queue, filtered to the source, lists every claim.
SHOWN = 50
CANDIDATES = 20

VERDICTS = VerificationStatus.verdicts_in_order()
FALSE_OR_MISLEADING = {VerificationStatus.FALSE, VerificationStatus.MISLEADING}

# What a person without the permission is told, instead of the tool.
REFUSALS = {
    "change_source": "Your role cannot edit sources.",
    "merge_source": "Only editors can merge sources.",
    "delete_source": "Only editors can delete or replace sources.",
    "add_sourcetype": "Only editors can add source types.",
    "change_sourcetype": "Only editors can change source types.",
    "delete_sourcetype": "Only editors can delete source types.",
}


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(f"factcheck.{permission}"):
        raise PermissionDenied(REFUSALS[permission])


def _is_partial(request: HttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


# --- The registry -------------------------------------------------------------


@require_GET
def source_list(request: HttpRequest) -> HttpResponse:
    """List the registry's sources, searched, filtered and sorted by the query string."""
    source_filter = SourceFilter(request.GET, queryset=Source.objects.select_related("source_type"))
    errors = errors_of(source_filter, ignore=("sort",))
    sources = Source.objects.none() if errors else source_filter.qs
    page = page_of_sources(source_filter, sources, request.GET.get("page"), PAGE_SIZE)
    figures = source_figures([source.pk for source in page.items])
    for source in page.items:
        source.figures = figures[source.pk]
    query = shareable(request.GET)
    context: dict[str, Any] = {
        "filter": source_filter,
        "filter_errors": errors,
        "page": page,
        "query": query,
    }
    status = (422 if _is_partial(request) else 400) if errors else 200
    if _is_partial(request):
        response = render(request, "factcheck/sources/list.html#results", context, status=status)
        if page.number > 1:
            query = query.copy()
            query["page"] = str(page.number)
        push_url(response, reverse("sources") + (f"?{query.urlencode()}" if query else ""))
    else:
        context.update(
            source_types=SourceType.objects.all(),
            anonymity_choices=ANONYMITY_CHOICES,
            affiliations=affiliations(),
            sorts=list(SOURCE_SORTS.items()),
            current_sort=(
                request.GET["sort"]
                if request.GET.get("sort") in SOURCE_SORTS
                else DEFAULT_SOURCE_SORT
            ),
        )
        response = render(request, "factcheck/sources/list.html", context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- A source's track record ----------------------------------------------------


def track_record(source: Source) -> dict[str, Any]:
    """Everything a source's page shows, in seven queries whatever its number of claims."""
    cited = Attribution.objects.filter(source=source).order_by()
    by_status = {
        row["status"]: row
        for row in Claim.objects.filter(attributions__source=source)
        .order_by()
        .values("status")
        .annotate(n=Count("id"), signed=Count("id", filter=Q(signed_off_at__isnull=False)))
    }
    verdicts = [
        {
            "status": status.value,
            "label": status.label,
            "count": by_status.get(status, {}).get("n", 0),
            "signed": by_status.get(status, {}).get("signed", 0),
        }
        for status in VERDICTS
    ]
    claims = sum(row["n"] for row in by_status.values())
    signed = sum(row["signed"] for row in by_status.values())
    signed_false = sum(row["signed"] for s, row in by_status.items() if s in FALSE_OR_MISLEADING)
    open_count = claims - sum(v["count"] for v in verdicts)
    spans = cited.aggregate(
        articles=Count("claim__article", distinct=True),
        first_seen=Min(seen_on()),
        last_seen=Max(seen_on()),
    )
    return {
        "claims": claims,
        "articles": spans["articles"],
        "first_seen": spans["first_seen"],
        "last_seen": spans["last_seen"],
        "verdicts": verdicts,
        "open": open_count,
        "signed": signed,
        "signed_false": signed_false,
        "false_share": round(100 * signed_false / signed) if signed else None,
        "bar": _bar(by_status, claims),
        "relayed_by": list(
            cited.filter(intermediary__isnull=False)
            .values("intermediary_id", "intermediary__name")
            .annotate(n=Count("id"))
            .order_by("-n", "intermediary__name")[:SHOWN]
        ),
        "relayed": list(
            Attribution.objects.filter(intermediary=source)
            .order_by()
            .values("source_id", "source__name")
            .annotate(n=Count("id"))
            .order_by("-n", "source__name")[:SHOWN]
        ),
        "mentions": list(
            cited.exclude(mention_text="")
            .values("mention_text")
            .annotate(n=Count("id"))
            .order_by("-n", "mention_text")[:SHOWN]
        ),
        "claim_list": list(
            Claim.objects.filter(pk__in=cited.values("claim_id"))
            .select_related("article")
            .defer("article__text", "rationale")
            .order_by("-updated_at", "-id")[:SHOWN]
        ),
        "article_list": list(
            Article.objects.filter(claims__attributions__source=source)
            .annotate(n=Count("claims"))
            .defer("text")
            .order_by("-published_on", "-id")[:SHOWN]
        ),
    }


def _bar(by_status: dict[str, Any], total: int) -> list[dict[str, Any]]:
    """The claims by status as pieces of one bar, in the workflow's order, in percent."""
    pieces, offset = [], 0.0
    for status in VerificationStatus:
        count = by_status.get(status, {}).get("n", 0)
        if count:
            width = 100 * count / total
            pieces.append({"status": status.value, "label": status.label, "count": count})
            pieces[-1].update(x=offset, width=width)
            offset += width
    return pieces


@require_GET
def source_detail(request: HttpRequest, source_id: int) -> HttpResponse:
    """Show a source's track record: its claims, verdicts, articles, relays and mentions."""
    source = get_object_or_404(Source.objects.select_related("source_type"), pk=source_id)
    return render(
        request,
        "factcheck/sources/detail.html",
        {"source": source, "record": track_record(source)},
    )


# --- Edit -----------------------------------------------------------------------


def _form_refusal(form: Any, refusal: services.DomainError) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    field = refusal.field if refusal.field in form.fields else None
    form.add_error(field, refusal.message)


@require_http_methods(["GET", "POST"])
def source_edit(request: HttpRequest, source_id: int) -> HttpResponse:
    """Change a source's name, type, affiliation, role, anonymity and aliases."""
    _require(request, "change_source")
    source = get_object_or_404(Source.objects.select_related("source_type"), pk=source_id)
    if request.method == "GET":
        form = SourceEditForm(
            source=source,
            initial={
                "name": source.name,
                "source_type": source.source_type.slug,
                "affiliation": source.affiliation,
                "role": source.role,
                "is_anonymous": source.is_anonymous,
                "aliases": "\n".join(source.aliases),
            },
        )
        return render(request, "factcheck/sources/edit.html", {"source": source, "form": form})
    form = SourceEditForm(request.POST, source=source)
    if form.is_valid():
        try:
            services.source_update(
                actor=request.user,
                source=source,
                reason=form.cleaned_data["reason"].strip(),
                **form.service_fields(),
            )
        except services.DomainError as refusal:
            _form_refusal(form, refusal)
        else:
            messages.success(request, "The source was saved.")
            return redirect("source_detail", source_id=source.pk)
    return render(
        request, "factcheck/sources/edit.html", {"source": source, "form": form}, status=422
    )


# --- Merge, delete, replace -----------------------------------------------------


def _candidates(source: Source, query: str) -> list[Source]:
    """Other sources whose name, alias or affiliation holds the words, for the chooser."""
    others = Source.objects.exclude(pk=source.pk).select_related("source_type")
    if query:
        others = others.filter(
            Q(name__icontains=query) | Q(aliases__icontains=query) | Q(affiliation__icontains=query)
        )
    return list(others.order_by("name")[:CANDIDATES])


def _search_words(request: HttpRequest) -> tuple[str, str]:
    """The chooser's search words (`?q=`), or the reason they cannot be read (a NUL, say)."""
    field = forms.CharField(required=False, max_length=255)
    try:
        return field.clean(request.GET.get("q", "")[:255]), ""
    except forms.ValidationError as error:
        return "", "Search words: " + " ".join(error.messages)


def _chosen(request: HttpRequest, name: str) -> tuple[Source | None, str]:
    """The other source named by `?<name>=`, or the reason it cannot be read."""
    value = request.GET.get(name, "").strip()
    if not value:
        return None, ""
    field = SourceIdField(
        queryset=Source.objects.select_related("source_type"),
        error_messages={"invalid_choice": f"There is no source number {value[:20]}."},
    )
    try:
        return field.clean(value), ""
    except forms.ValidationError as error:
        return None, " ".join(error.messages)


def _tool_page(
    request: HttpRequest,
    source: Source,
    *,
    template: str,
    param: str,
    keep_names: bool,
    other: Source | None = None,
    problem: str = "",
    status: int = 200,
    reason: str = "",
) -> HttpResponse:
    """The merge or replace page: a chooser of the other source, then the preview.

    A GET names the other source in the query string; a refused POST names it
    in `other`, so the page shows the preview again with the refusal.
    """
    if request.method == "GET":
        other, problem = _chosen(request, param)
        status = 400 if problem else status
    preview = None
    if other is not None:
        try:
            preview = services.source_merge_preview(
                source=source, into=other, keep_names=keep_names
            )
        except services.DomainError as refusal:
            problem, other = refusal.message, None
            status = 400 if status == 200 else status
    query, unreadable = _search_words(request)
    if unreadable:
        problem, status = unreadable, 400
    context = {
        "source": source,
        "other": other,
        "preview": preview,
        "shown": SHOWN,
        "query": query,
        "candidates": _candidates(source, query) if preview is None else [],
        "problem": problem,
        "uses": _uses(source),
        # A refused merge or replacement shows its reason again, as typed.
        "reason": reason,
    }
    return render(request, template, context, status=status)


def _uses(source: Source) -> dict[str, int]:
    counts = Attribution.objects.filter(Q(source=source) | Q(intermediary=source)).aggregate(
        cited=Count("id", filter=Q(source=source)),
        relayed=Count("id", filter=Q(intermediary=source)),
    )
    return {**counts, "total": counts["cited"] + counts["relayed"]}


def _errors_text(form: Any) -> str:
    return " ".join(message for _, message in labelled_errors(form))


@require_http_methods(["GET", "POST"])
def source_merge(request: HttpRequest, source_id: int) -> HttpResponse:
    """Merge this source into another, after a preview of what moves; one audited change."""
    _require(request, "merge_source")
    source = get_object_or_404(Source.objects.select_related("source_type"), pk=source_id)
    page = {"template": "factcheck/sources/merge.html", "param": "into", "keep_names": True}
    if request.method == "GET":
        return _tool_page(request, source, **page)
    form = MergeForm(request.POST)
    page["reason"] = request.POST.get("reason", "")
    if not form.is_valid():
        # The source chosen stays chosen when only the reason was refused.
        into = form.cleaned_data.get("into")
        other = into if into is not None and into.pk != source.pk else None
        return _tool_page(
            request, source, **page, other=other, status=422, problem=_errors_text(form)
        )
    into = form.cleaned_data["into"]
    try:
        services.source_merge(
            actor=request.user, source=source, into=into, reason=form.cleaned_data["reason"]
        )
    except services.DomainError as refusal:
        other = into if into.pk != source.pk else None
        return _tool_page(request, source, **page, other=other, status=422, problem=refusal.message)
    messages.success(request, f"“{source.name}” was merged into “{into.name}”.")
    return redirect("source_detail", source_id=into.pk)


@require_http_methods(["GET", "POST"])
def source_delete(request: HttpRequest, source_id: int) -> HttpResponse:
    """Delete a source nothing cites, or replace it with another (its uses move) and delete it."""
    _require(request, "delete_source")
    source = get_object_or_404(Source.objects.select_related("source_type"), pk=source_id)
    page = {"template": "factcheck/sources/delete.html", "param": "by", "keep_names": False}
    if request.method == "GET":
        return _tool_page(request, source, **page)
    form = SourceDeleteForm(request.POST)
    page["reason"] = request.POST.get("reason", "")
    if not form.is_valid():
        by = form.cleaned_data.get("by")
        other = by if by is not None and by.pk != source.pk else None
        return _tool_page(
            request, source, **page, other=other, status=422, problem=_errors_text(form)
        )
    data = form.cleaned_data
    reason = data["reason"].strip()
    try:
        if data["action"] == "replace":
            by = services.source_replace(
                actor=request.user, source=source, by=data["by"], reason=reason
            )
        else:
            services.source_delete(actor=request.user, source=source, reason=reason)
    except services.DomainError as refusal:
        other = data["by"] if data["by"] is not None and data["by"].pk != source.pk else None
        return _tool_page(request, source, **page, other=other, status=422, problem=refusal.message)
    if data["action"] == "replace":
        messages.success(request, f"“{source.name}” was replaced by “{by.name}” and deleted.")
        return redirect("source_detail", source_id=by.pk)
    messages.success(request, f"“{source.name}” was deleted.")
    return redirect("sources")


# --- Source types ---------------------------------------------------------------


def _types_page(request: HttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    types = SourceType.objects.annotate(source_count=Count("sources")).order_by("position", "slug")
    context = {"types": types, "add_form": SourceTypeAddForm(), **extra}
    return render(request, "factcheck/sources/types.html", context, status=status)


@require_GET
def source_types(request: HttpRequest) -> HttpResponse:
    """List the source types, with the editors' forms to add, rename, retire or delete them."""
    return _types_page(request)


def _type_action(
    request: HttpRequest,
    permission: str,
    act: Callable[[], str],
    *,
    failed: dict[str, Any],
) -> HttpResponse:
    _require(request, permission)
    try:
        done = act()
    except services.DomainError as refusal:
        return _types_page(request, status=422, problem=refusal.message, **failed)
    messages.success(request, done)
    return redirect("source_types")


@require_POST
def source_type_add(request: HttpRequest) -> HttpResponse:
    """Add a source type to the list."""
    _require(request, "add_sourcetype")
    form = SourceTypeAddForm(request.POST)
    if not form.is_valid():
        return _types_page(request, status=422, add_form=form)

    def add() -> str:
        added = services.source_type_create(
            actor=request.user,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            position=(SourceType.objects.aggregate(last=Max("position"))["last"] or 0) + 1,
        )
        return f"The source type “{added.name}” was added."

    return _type_action(request, "add_sourcetype", add, failed={"add_form": form})


@require_POST
def source_type_change(request: HttpRequest, type_id: int) -> HttpResponse:
    """Rename or describe a source type, retire it, or bring it back."""
    _require(request, "change_sourcetype")
    source_type = get_object_or_404(SourceType, pk=type_id)
    form = SourceTypeChangeForm(request.POST)
    if not form.is_valid():
        return _types_page(
            request,
            status=422,
            problem=_errors_text(form),
            problem_type=source_type.pk,
            typed=request.POST,
        )
    data = form.cleaned_data

    def change() -> str:
        action = data["action"]
        if action == "save":
            fields = {"name": " ".join(data["name"].split()), "description": data["description"]}
        else:
            fields = {"retired": action == "retire"}
        changed = services.source_type_update(
            actor=request.user, source_type=source_type, reason=data["reason"].strip(), **fields
        )
        if action == "retire":
            return f"“{changed.name}” is retired: no new source will be given it."
        if action == "restore":
            return f"“{changed.name}” is offered again for new sources."
        return f"The source type “{changed.name}” was saved."

    return _type_action(
        request,
        "change_sourcetype",
        change,
        failed={"problem_type": source_type.pk, "typed": request.POST},
    )


@require_POST
def source_type_delete(request: HttpRequest, type_id: int) -> HttpResponse:
    """Delete a source type no source has."""
    _require(request, "delete_sourcetype")
    source_type = get_object_or_404(SourceType, pk=type_id)
    if request.POST.get("confirm") != "delete":
        return _types_page(
            request,
            status=422,
            problem="Press “Delete” on the type's row to delete it; nothing was deleted.",
            problem_type=source_type.pk,
        )

    def delete() -> str:
        name = source_type.name
        services.source_type_delete(actor=request.user, source_type=source_type)
        return f"The source type “{name}” was deleted."

    return _type_action(
        request, "delete_sourcetype", delete, failed={"problem_type": source_type.pk}
    )
