"""Attribution suggestions for an article's text: plain text in, plain records out.

No Django here: the Django side (storing suggestions, tasks, views) is a thin layer over
`suggest()`. See README "Suggestions: the suggester".
"""

from .records import SOURCE_TYPES, Span, Suggestion, to_annotation

__all__ = ["SOURCE_TYPES", "Span", "Suggestion", "suggest", "to_annotation"]


def suggest(text: str, *, model: str | None = None) -> list[Suggestion]:
    """The suggestions for one article text, sorted by claim_span."""
    from .core import suggest_text

    return suggest_text(text, model)
