"""Cursor paging of API lists: the queue's keyset, with the page size said in every answer."""

from django.http import QueryDict
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from factcheck.filters import Page

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def page_size(request: Request) -> int:
    """`?page_size=` from 1 to MAX_PAGE_SIZE; anything else is refused, never cut silently."""
    value = request.query_params.get("page_size")
    if value in (None, ""):
        return DEFAULT_PAGE_SIZE
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_PAGE_SIZE:
        raise ValidationError(
            {"page_size": [f"Ask for a whole number of items from 1 to {MAX_PAGE_SIZE}."]}
        )
    return int(value)


def _link(request: Request, direction: str, cursor: str) -> str:
    query: QueryDict = request.query_params.copy()
    for name in ("after", "before", "page"):
        query.pop(name, None)
    query[direction] = cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def paged(request: Request, page: Page, serializer_class) -> Response:
    """The page's items with the links to the pages beside it and the sizes that apply."""
    items = serializer_class(page.items, many=True, context={"request": request}).data
    return Response(
        {
            "results": items,
            "page_size": page.size,
            "max_page_size": MAX_PAGE_SIZE,
            "next": _link(request, "after", page.next_cursor) if page.next_cursor else None,
            "previous": (
                _link(request, "before", page.previous_cursor) if page.previous_cursor else None
            ),
        }
    )


def page_schema(serializer_class):
    """The schema of a page of `serializer_class` items, as `paged` answers it."""
    return inline_serializer(
        name=f"{serializer_class.__name__.removesuffix('Serializer')}Page",
        fields={
            "results": serializer_class(many=True),
            "page_size": serializers.IntegerField(),
            "max_page_size": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
        },
    )
