"""Middleware of our own: answers for the few failures no single view can handle."""

from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from factcheck import services
from factcheck.services._base import _is_retryable


class BusyMiddleware:
    """Answer 503 with a message when the database kept aborting a change (deadlock, locks).

    The services retry such a transaction a few times (`services._base.service`);
    when it still fails, nothing was saved and the person is told to try again,
    instead of meeting a 500.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        busy = isinstance(exception, services.Busy) or (
            isinstance(exception, DatabaseError) and _is_retryable(exception)
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
