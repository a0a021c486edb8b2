"""The activity feed: the global audit history, newest first, in plain words.

Pages are read by keyset: "Older" carries the id of the last event shown
(`?after=`), "Newer" the first (`?before=`), so a page deep in the history
costs what the first costs, and events recorded meanwhile shift nothing.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET
from django_htmx.http import push_url

from factcheck.filters import (
    AuditEventFilter,
    UnreadableCursor,
    errors_of,
    keyset_page,
    shareable,
)
from factcheck.history import changes_of, reasons_of, summary_of
from factcheck.models import Article, AuditEvent, Claim, Source, SourceType

PAGE_SIZE = 50

# Events about these belong to a claim; they link to the claim's panel.
CLAIM_PARTS = {"claim", "attribution", "evidence", "note"}


def _is_id(value: Any) -> bool:
    # ASCII only: "²".isdigit() is true, yet int("²") fails.
    return str(value).isascii() and str(value).isdigit()


def _ids(values: set[Any]) -> set[int]:
    return {int(value) for value in values if _is_id(value)}


def _entries(events: list[AuditEvent], user) -> list[dict[str, Any]]:
    """Each event with its sentence, its changes and a link to its object while that exists."""
    claim_ids = {e.claim_id for e in events if e.claim_id}
    article_ids = {e.article_id for e in events if e.article_id}
    source_ids = _ids({e.object_id for e in events if e.object_type == "source"})
    type_ids = _ids({e.object_id for e in events if e.object_type == "source_type"})
    claims = set(Claim.objects.filter(pk__in=claim_ids).values_list("pk", flat=True))
    articles = dict(Article.objects.filter(pk__in=article_ids).values_list("pk", "title"))
    # A source links to its page on the Sources screen, a type to the list of types.
    sources = (
        set(Source.objects.filter(pk__in=source_ids).values_list("pk", flat=True))
        if source_ids
        else set()
    )
    types = (
        set(SourceType.objects.filter(pk__in=type_ids).values_list("pk", flat=True))
        if type_ids
        else set()
    )

    reasons = reasons_of(events)
    entries = []
    for event in events:
        url = None
        object_id = int(event.object_id) if _is_id(event.object_id) else None
        if event.object_type in CLAIM_PARTS and event.claim_id in claims:
            url = reverse("claim_detail", args=[event.claim_id])
        elif event.object_type == "article" and event.article_id in articles:
            url = reverse("review", args=[event.article_id])
        elif event.object_type == "source" and object_id in sources:
            url = reverse("source_detail", args=[object_id])
        elif event.object_type == "source_type" and object_id in types:
            url = reverse("source_types") + f"#type-{object_id}"
        in_article = event.object_type != "article" and event.article_id in articles
        entries.append(
            {
                "event": event,
                "summary": summary_of(event),
                "changes": changes_of(event),
                "reason": reasons[event.pk],
                "url": url,
                "article_title": articles.get(event.article_id) if in_article else None,
                "article_url": (reverse("review", args=[event.article_id]) if in_article else None),
            }
        )
    return entries


@require_GET
def activity(request: HttpRequest) -> HttpResponse:
    """Show who changed what, when and why, across the whole workbench."""
    event_filter = AuditEventFilter(request.GET, queryset=AuditEvent.objects.order_by("-id"))
    errors = errors_of(event_filter)
    events = AuditEvent.objects.none() if errors else event_filter.qs
    try:
        page = keyset_page(events, request.GET, PAGE_SIZE)
    except UnreadableCursor as refusal:
        # Told, not shown another page instead: nothing is listed.
        errors.append(refusal.error)
        page = keyset_page(AuditEvent.objects.none(), request.GET, PAGE_SIZE)
    # htmx swaps 422 but not 400 (see the htmx-config in base.html).
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    status = (422 if partial else 400) if errors else 200
    context: dict[str, Any] = {
        "filter": event_filter,
        "filter_errors": errors,
        "page": page,
        "entries": _entries(page.items, request.user),
        "query": shareable(request.GET),
    }
    if partial:
        response = render(request, "factcheck/activity.html#results", context, status=status)
        # The address bar gets the filters without the form's empty fields.
        query = context["query"].copy()
        for key, value in (("page", page.number), ("after", page.after), ("before", page.before)):
            if value and (key != "page" or value > 1):
                query[key] = str(value)
        push_url(response, reverse("activity") + (f"?{query.urlencode()}" if query else ""))
    else:
        article_id = event_filter.form.cleaned_data.get("article")
        context.update(
            users=get_user_model().objects.order_by("username").only("username"),
            actions=list(event_filter.form.fields["action"].choices),
            object_types=list(event_filter.form.fields["object_type"].choices),
            chosen_article=(
                Article.objects.only("title").filter(pk=article_id).first()
                if article_id is not None
                else None
            ),
        )
        response = render(request, "factcheck/activity.html", context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response
