"""The claims queue: every claim across articles, filtered, sorted and paged, with bulk actions.

Pages are read by keyset (the address carries the cursor of the claim before
the page, `?after=`, or after it, `?before=`) and without a COUNT(*) (one row
past the page tells whether there is a next one), so page 1,000 costs what
page 1 costs with a million claims; see `manage.py benchmark queue`. Bulk
actions call the services once per claim, each in its own transaction, so one
refused claim does not undo the others.
"""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import push_url

from factcheck import filter_chips, services
from factcheck.filters import (
    ANONYMITY_CHOICES,
    CLAIM_SORTS,
    DEFAULT_CLAIM_SORT,
    PAGING,
    SOURCE_COUNT_CHOICES,
    ClaimFilter,
    QueueFilter,
    UnreadableCursor,
    cursor_errors,
    errors_of,
    keyset_page,
    page_number,
    shareable,
)
from factcheck.forms import ModelIdsField
from factcheck.models import Article, Attribution, Claim, SourceType, VerificationStatus

PAGE_SIZE = 50
BULK_LIMIT = 500
# The pager's links in the words of the order: (previous page, next page).
PAGER_WORDS = {
    "-updated": ("Newer", "Older"),
    "updated": ("Older", "Newer"),
    "article": ("Previous", "Next"),
    "status": ("Previous", "Next"),
    "start": ("Previous", "Next"),
}


def queue_claims() -> QuerySet[Claim]:
    """Claims with everything a queue row shows, in a fixed number of queries."""
    # The article is fetched apart (one query for the page's articles), not
    # joined: with the join, SQLite may start from the articles and sort every
    # claim a filter matches instead of walking the page's index (benchmark queue).
    return (
        Claim.objects.select_related("proposed_by", "assigned_to")
        .defer("rationale")
        .prefetch_related(
            Prefetch("article", queryset=Article.objects.defer("text")),
            Prefetch(
                "attributions",
                queryset=Attribution.objects.select_related("source__source_type").order_by("id"),
            ),
        )
    )


def assignable_users() -> QuerySet:
    """People who can work on claims: those holding the change permission, or superusers."""
    change_claim = Permission.objects.filter(
        content_type__app_label="factcheck", codename="change_claim"
    )
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__permissions__in=change_claim)
            | Q(user_permissions__in=change_claim)
        )
        .distinct()
        .order_by("username")
    )


def _is_partial(request: HttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _filter_errors(claim_filter: ClaimFilter) -> list[tuple[str, str]]:
    # A bad sort is ignored (the default order applies); any other bad filter
    # lists nothing rather than silently listing more than was asked for.
    return errors_of(claim_filter, ignore=("sort",))


# Matches are counted up to this many; beyond it the queue says "more than".
MATCH_LIMIT = 1_000


def _match_words(claims: QuerySet, page: Any) -> str:
    """How many claims match, in words: exact up to MATCH_LIMIT, "more than" beyond.

    Reads at most MATCH_LIMIT + 1 ids, never a COUNT over the whole table, so a
    filter matching millions costs what one matching a thousand does; a single
    page needs no query at all.
    """
    if not page.has_next and not page.has_previous:
        found = len(page.items)
    else:
        found = len(claims.order_by().values_list("pk", flat=True)[: MATCH_LIMIT + 1])
    if found > MATCH_LIMIT:
        return f"more than {MATCH_LIMIT:,} claims"
    return f"{found:,} claim{'' if found == 1 else 's'}"


def _results_context(request: HttpRequest) -> dict[str, Any]:
    claim_filter = QueueFilter(request.GET, queryset=queue_claims())
    errors = _filter_errors(claim_filter)
    claims = Claim.objects.none() if errors else claim_filter.qs
    try:
        page = keyset_page(claims, request.GET, PAGE_SIZE)
    except UnreadableCursor as refusal:
        # Told, not shown another page instead: nothing is listed.
        errors.append(refusal.error)
        page = keyset_page(Claim.objects.none(), request.GET, PAGE_SIZE)
    can_change = request.user.has_perm("factcheck.change_claim")
    return {
        "query": shareable(request.GET),
        "filter": claim_filter,
        "filter_errors": errors,
        "page": page,
        "match_words": _match_words(claims, page) if page.items else "",
        "pager_words": PAGER_WORDS.get(request.GET.get("sort") or "", PAGER_WORDS["-updated"]),
        "can_change": can_change,
        "assignees": list(assignable_users()) if can_change else [],
    }


def _form_context(request: HttpRequest, claim_filter: ClaimFilter) -> dict[str, Any]:
    """What only the full page needs: the choices of the filter form."""
    return {
        "statuses": VerificationStatus.choices,
        "selected_statuses": request.GET.getlist("status"),
        "source_types": SourceType.objects.all(),
        "anonymity_choices": ANONYMITY_CHOICES,
        "users": get_user_model().objects.order_by("username").only("username"),
        # Those who have proposed a verdict: the filter accepts no one else (filters.py).
        "proposers": ClaimFilter.base_filters["proposer"]
        .queryset.order_by("username")
        .only("username"),
        "outlets": (
            Article.objects.exclude(outlet="")
            .order_by("outlet")
            .values_list("outlet", flat=True)
            .distinct()[:500]
        ),
        "sorts": [(key, label) for key, (label, _) in CLAIM_SORTS.items()],
        "current_sort": (
            request.GET["sort"] if request.GET.get("sort") in CLAIM_SORTS else DEFAULT_CLAIM_SORT
        ),
        "source_counts": SOURCE_COUNT_CHOICES,
        "chips": _chips(request, claim_filter),
    }


# Queue filters with no control on the form: links from Insights, Sources and the
# articles set them, and the form shows each as a removable chip.
ARRIVE_BY_ADDRESS = ("article", "source", "intermediary", "not_proposer")


def _chips(request: HttpRequest, claim_filter: ClaimFilter) -> list[filter_chips.Chip]:
    query = shareable(request.GET)
    for key in PAGING:
        query.pop(key, None)
    return filter_chips.chips(
        claim_filter, query, base=reverse("queue"), names=ARRIVE_BY_ADDRESS, me=request.user
    )


def _address(query: QueryDict, paging: QueryDict | None = None) -> str:
    """The queue's address for these filters and page, without what is the default anyway."""
    query = query.copy()
    if query.get("sort") == DEFAULT_CLAIM_SORT:
        del query["sort"]
    for key in PAGING:
        value = paging.get(key) if paging else None
        if key == "page":
            value = str(page_number(value)) if page_number(value) > 1 else None
        if value:
            query[key] = value
    return reverse("queue") + (f"?{query.urlencode()}" if query else "")


def _paging(page) -> QueryDict:
    """The address of the page shown: its number and the cursor it was read after or before."""
    paging = QueryDict(mutable=True)
    for key, value in (("page", page.number), ("after", page.after), ("before", page.before)):
        if value:
            paging[key] = str(value)
    return paging


def _queue_response(
    request: HttpRequest, *, status: int = 200, selected: Sequence[str] = ()
) -> HttpResponse:
    context = _results_context(request)
    context["selected"] = selected
    if context["filter_errors"] and status == 200:
        # htmx swaps 422 but not 400 (see the htmx-config in base.html).
        status = 422 if _is_partial(request) else 400
    if _is_partial(request):
        if request.method == "GET":
            # The chips' addresses follow the filters the form just sent.
            context["chips"] = _chips(request, context["filter"])
            context["chips_oob"] = True
        response = render(request, "factcheck/queue.html#results", context, status=status)
        if request.method == "GET":
            # The address bar gets the filters without the form's empty fields.
            push_url(response, _address(context["query"], _paging(context["page"])))
    else:
        context.update(_form_context(request, context["filter"]))
        response = render(request, "factcheck/queue.html", context, status=status)
    # The same URL answers with a fragment or a page; keep caches from mixing them.
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """List every claim across articles, filtered and sorted by the query string."""
    return _queue_response(request)


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("in_progress", "Set in progress"), ("assign", "Assign to")],
        error_messages={
            "required": "Choose an action: set in progress, or assign.",
            "invalid_choice": "“%(value)s” is not a bulk action.",
        },
    )
    claims = ModelIdsField(
        queryset=Claim.objects.only("id", "status", "assigned_to", "article"),
        error_messages={
            "required": "Select at least one claim.",
            "invalid_choice": "Claim #%(value)s does not exist (any more); reload the queue.",
            "invalid_pk_value": "“%(pk)s” is not a claim number.",
        },
    )
    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        error_messages={"invalid_choice": "That person does not exist or cannot take claims."},
    )
    reason = forms.CharField(required=False, max_length=1000)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_users()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        wants_assignee = data.get("action") == "assign" and "assignee" not in self.errors
        if wants_assignee and not data.get("assignee"):
            self.add_error("assignee", "Choose whom to assign the claims to.")
        if len(data.get("claims") or []) > BULK_LIMIT:
            self.add_error("claims", f"Select at most {BULK_LIMIT} claims at a time.")
        return data


def _refusal(text: str) -> str:
    return text.rstrip(".")[:1].lower() + text.rstrip(".")[1:]


@require_POST
def queue_bulk(request: HttpRequest) -> HttpResponse:
    """Set the selected claims in progress, or assign them, one audited change per claim."""
    if not request.user.has_perm("factcheck.change_claim"):
        messages.error(request, "You do not have permission to change claims.")
        return _queue_response(request, status=403)
    if _filter_errors(ClaimFilter(request.GET, queryset=Claim.objects.none())):
        # Checked before any change: the answer lists the queue for these filters.
        messages.error(request, "Nothing was changed: the queue's filters could not be read.")
        return _queue_response(request, selected=request.POST.getlist("claims"))
    if cursor_errors(ClaimFilter(request.GET, queryset=Claim.objects.all()).qs, request.GET):
        # The page to come back to cannot be read: refused before any change too.
        messages.error(request, "Nothing was changed: the queue's page link could not be read.")
        return _queue_response(request, selected=request.POST.getlist("claims"))
    form = BulkForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Nothing was changed: {_refusal(error)}.")
        # htmx swaps 422 but not 400 (see the htmx-config in base.html).
        return _queue_response(
            request,
            status=422 if _is_partial(request) else 400,
            selected=request.POST.getlist("claims"),
        )

    action, assignee = form.cleaned_data["action"], form.cleaned_data["assignee"]
    reason = form.cleaned_data["reason"].strip()
    changed, unchanged, skipped = [], [], []
    for claim in sorted(form.cleaned_data["claims"], key=lambda claim: claim.pk):
        try:
            if action == "in_progress":
                if claim.status == VerificationStatus.IN_PROGRESS:
                    unchanged.append(claim)
                    continue
                if claim.status != VerificationStatus.UNVERIFIED:
                    # A bulk action starts work; it never withdraws a proposed verdict.
                    skipped.append(
                        f"#{claim.pk}: it already has a verdict, "
                        f"“{claim.get_status_display().lower()}”"
                    )
                    continue
                services.claim_set_status(
                    actor=request.user,
                    claim=claim,
                    status=VerificationStatus.IN_PROGRESS,
                    reason=reason,
                )
            else:
                if claim.assigned_to_id == assignee.pk:
                    unchanged.append(claim)
                    continue
                services.claim_update(
                    actor=request.user, claim=claim, assigned_to=assignee, reason=reason
                )
        except services.DomainError as refusal:
            skipped.append(f"#{claim.pk}: {_refusal(refusal.message)}")
        else:
            changed.append(claim)

    done = "set in progress" if action == "in_progress" else f"assigned to {assignee}"
    already = "already in progress" if action == "in_progress" else f"already with {assignee}"
    parts = [f"{len(changed)} {done}"]
    if unchanged:
        parts.append(f"{len(unchanged)} {already}")
    if skipped:
        parts.append(f"{len(skipped)} skipped: {'; '.join(skipped)}")
    level = messages.WARNING if skipped else messages.SUCCESS
    messages.add_message(request, level, "; ".join(parts) + ".")

    if _is_partial(request):
        return _queue_response(request)
    return redirect(_address(shareable(request.GET), request.GET))
