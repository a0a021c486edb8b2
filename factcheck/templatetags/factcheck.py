from typing import Any

from django import template

register = template.Library()


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """Look a key up in a dict from a template: {{ errors|get:form_name }}."""
    if not mapping:
        return None
    return mapping.get(key) if hasattr(mapping, "get") else None


# Embeddings, overrides and isolates (LRE…RLO, LRI…PDI): in a name they could
# turn the text after it around (U+202E), or close the isolate it is put in.
BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


@register.filter
def isolate(value: Any) -> str:
    """Isolate text where markup cannot (the page's <title>): FSI, the text, PDI.

    The text's own embedding, override and isolate controls are dropped, so
    that nothing in it reaches past the isolate.
    https://www.w3.org/International/questions/qa-bidi-unicode-controls
    """
    return "\u2068" + str(value).translate(BIDI_CONTROLS) + "\u2069"


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


@register.simple_tag
def type_legend() -> list[tuple[str, str]]:
    """Each source-type mark with the type it stands for, for the review page's legend."""
    from factcheck.models import SourceType

    names = dict(SourceType.objects.values_list("slug", "name"))
    legend = [
        (mark, names.get(slug, slug.replace("_", " ")).lower())
        for slug, mark in TYPE_MARKS.items()
        if slug != "unattributed"
    ]
    legend += [
        (type_mark(slug), name.lower())
        for slug, name in sorted(names.items())
        if slug not in TYPE_MARKS
    ]
    legend.append((TYPE_MARKS["unattributed"], "no source: the outlet's own assertion"))
    return legend


@register.simple_tag
def highlighted(paragraph: Any, summaries: dict[int, str]) -> str:
    """A paragraph of the review page's text, its claims and suggestions highlighted."""
    from factcheck.highlight import render_paragraph

    return render_paragraph(paragraph, summaries)


@register.simple_tag
def claim_index(claims: Any) -> str:
    """The review page's list of an article's claims."""
    from factcheck.highlight import render_claim_index

    return render_claim_index(claims)


@register.simple_tag
def queue_row(claim: Any, can_change: bool, selected: Any) -> str:
    """One row of the claims queue (written in Python: 50 rows in a few milliseconds)."""
    from factcheck.highlight import render_queue_row

    return render_queue_row(claim, can_change=can_change, selected=selected)
