from typing import Any

from django import template

register = template.Library()


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """Look a key up in a dict from a template: {{ errors|get:form_name }}."""
    if not mapping:
        return None
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag
def form_key(prefix: str, pk: Any) -> str:
    return f"{prefix}-{pk}"


TYPE_MARKS = {
    "ministry": "MIN",
    "government_office": "GOV",
    "named_spokesperson": "SPOK",
    "anonymous_official": "ANON",
    "organization": "ORG",
    "news_agency": "AGCY",
    "named_individual": "PERS",
    "document": "DOC",
    "unattributed": "OWN",
}


@register.filter
def type_mark(slug: str | None) -> str:
    """The short mark a highlight carries for its source type ("OWN": no attribution)."""
    if not slug:
        return TYPE_MARKS["unattributed"]
    return TYPE_MARKS.get(slug, slug[:4].upper())
