"""Filters that arrive by address and have no control of their own, shown as removable chips.

A link from Insights or the Sources page may filter the queue by a relaying
agency, a source or an article: the page shows each such filter in words, with
an address that drops it, and carries it in a hidden input so that it is kept
when the person adds another filter.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import models
from django.http import QueryDict

from factcheck.filters import parameters_of
from factcheck.models import Article, Source


@dataclass(frozen=True)
class Chip:
    parameter: str
    values: list[str]
    label: str
    shown: str
    remove: str  # the page's address without this filter


def _shown(field: forms.Field, name: str, value: Any, me: Any) -> str:
    if isinstance(value, models.Model):
        return "you" if me is not None and value == me else str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    choices = dict(getattr(field, "choices", ()) or ())
    if name in ("source", "intermediary"):
        source = Source.objects.only("name").filter(pk=value).first()
        return source.name if source else f"source #{value}"
    if name == "article":
        article = Article.objects.only("title").filter(pk=value).first()
        return article.title if article else f"article #{value}"
    if name == "claim":
        return f"#{value}"
    if isinstance(value, list | tuple):
        return ", ".join(str(choices.get(item, item)) for item in value)
    return str(choices.get(value, value))


def chips(
    filterset: Any, query: QueryDict, *, base: str, names: tuple[str, ...], me: Any = None
) -> list[Chip]:
    """The filters among `names` that `query` applies and the form accepted, as chips.

    A filter naming `me`, the person looking, says "you".
    """
    form = filterset.form
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    found = []
    for parameter, name in parameters_of(form).items():
        if name not in names or name in form.errors or query.get(parameter, "") == "":
            continue
        field = form.fields[name]
        value = cleaned.get(name)
        if isinstance(value, slice):  # a date range: each end is a parameter of its own
            value = value.start if parameter.endswith("_after") else value.stop
        if value is None or value == "":
            continue  # what the form read (the last value) says nothing
        # The form reads a parameter's last value; only that one is carried on.
        values = [query[parameter]]
        label = _range_label(filterset, name, parameter) or field.label or name
        rest = query.copy()
        rest.pop(parameter, None)
        found.append(
            Chip(
                parameter=parameter,
                values=values,
                label=str(label),
                shown=_shown(field, name, value, me),
                remove=base + (f"?{rest.urlencode()}" if rest else ""),
            )
        )
    return found


def _range_label(filterset: Any, name: str, parameter: str) -> str | None:
    labels = getattr(filterset, "range_labels", {}).get(name)
    if labels is None:
        return None
    return labels[0] if parameter.endswith("_after") else labels[1]
