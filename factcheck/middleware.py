"""Middleware of our own: answers for the few failures no single view can handle."""

from collections.abc import Callable

from django.contrib import admin
from django.contrib.admin.views.main import (
    ALL_VAR,
    ERROR_FLAG,
    IS_FACETS_VAR,
    IS_POPUP_VAR,
    ORDER_VAR,
    PAGE_VAR,
    SEARCH_VAR,
    TO_FIELD_VAR,
)
from django.db import DatabaseError, DataError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

from factcheck import services
from factcheck.roles import has_role
from factcheck.services._base import _is_lock_timeout, _is_retryable
from factcheck.views.account import no_role


class _Middleware:
    """Django's middleware protocol; the subclasses act in their `process_*` hooks."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)


class BusyMiddleware(_Middleware):
    """Answer 503 with a message when the database kept aborting a change (deadlock, locks).

    The services retry such a transaction a few times (`services._base.service`);
    when it still fails, nothing was saved and the person is told to try again,
    instead of meeting a 500.
    """

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        busy = isinstance(exception, services.Busy) or (
            isinstance(exception, DatabaseError)
            and (_is_retryable(exception) or _is_lock_timeout(exception))
        )
        if not busy:
            return None
        message = services.Busy.message
        if getattr(request, "htmx", False):
            html = render_to_string("factcheck/partials/_alert.html", {"message": message})
            response = HttpResponse(html, status=503)
            # Shown in the page's alert area, whatever the request meant to swap.
            response["HX-Retarget"] = "#alerts"
            response["HX-Reswap"] = "innerHTML"
        else:
            html = render_to_string("503.html", {"message": message}, request=request)
            response = HttpResponse(html, status=503)
        response["Retry-After"] = "2"
        return response


class PrivateCacheMiddleware(_Middleware):
    """Mark every answer to a logged-in person `Cache-Control: private`.

    Such a page carries the person's name, their role's buttons and their CSRF
    token: a shared cache (a proxy, a CDN) must never keep it and serve it to
    someone else. What a view set already (`no-store`) is kept.
    https://www.rfc-editor.org/rfc/rfc9111#name-private
    """

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True)
        return response


class NoRoleMiddleware(_Middleware):
    """Show a logged-in person who holds no role the page that says so, and nothing else.

    Reading needs a role as much as writing does (issue 8): without one, every
    page, fragment and download answers 403 with that page. What an anonymous
    visitor may see (the login page) and logging out stay open; staff keep the
    admin and the workbench.
    """

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or has_role(user):
            return None
        match = request.resolver_match
        if not getattr(view_func, "login_required", True) or match.url_name == "logout":
            return None
        return no_role(request)


class NullCharacterMiddleware(_Middleware):
    """Refuse NUL in the query or form of a view that does not read them through our forms.

    Our views refuse NUL field by field, naming the field; Django's own views
    do not always (the admin's search hands it to the database, which on
    PostgreSQL fails), so for those this answers 400 instead of a 500.
    """

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        if view_func.__module__.startswith("factcheck."):
            return None
        for data in (request.GET, request.POST):
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    name = key.replace("\x00", "\ufffd")
                    return HttpResponseBadRequest(
                        f"Null characters are not allowed in “{name}”.",
                        content_type="text/plain; charset=utf-8",
                    )
        return None


# The query parameters with which the admin pages, orders and searches a list: not filters.
ADMIN_LIST_CONTROLS = {
    ALL_VAR,
    ERROR_FLAG,
    IS_FACETS_VAR,
    IS_POPUP_VAR,
    ORDER_VAR,
    PAGE_VAR,
    SEARCH_VAR,
    TO_FIELD_VAR,
}


class AdminImpossibleFilterMiddleware(_Middleware):
    """Answer 400 with a message when an admin list is filtered by a date off the calendar.

    The admin lets any lookup on a model's own fields through the address
    (`created_at__year=99999`, `created_at__lt=0001-01-01T00:00+05:00`) and the
    date hierarchy builds the next year, month or day of the one asked for (after
    9999 there is none). The impossible date is met only when the query is built
    or run, as a ValueError or OverflowError, or as PostgreSQL's DataError (a UTC
    offset of +23:59), which Django answers with a 500.
    https://docs.djangoproject.com/en/6.1/ref/contrib/admin/#django.contrib.admin.ModelAdmin.date_hierarchy
    """

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        match = request.resolver_match
        if not isinstance(exception, ValueError | OverflowError | DataError) or match is None:
            return None
        if match.namespace != "admin" or not (match.url_name or "").endswith("_changelist"):
            return None
        filters = [
            f"{key}={value}"
            for key, values in request.GET.lists()
            if key not in ADMIN_LIST_CONTROLS
            for value in values
        ]
        context = {
            **admin.site.each_context(request),
            "title": "These filters cannot be read",
            "filters": filters,
            "list_url": request.path,
        }
        html = render_to_string("admin/impossible_filter.html", context, request=request)
        return HttpResponseBadRequest(html)
