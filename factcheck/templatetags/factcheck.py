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
