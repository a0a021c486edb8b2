"""Builders for test data; they go through the services, as the application does."""

import itertools
from pathlib import Path

from django.contrib.auth.models import User

from factcheck import services
from factcheck.models import Article, Claim, Source, SourceType

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_ARTICLE = SEEDS / "000_968ab21749d55e3c.txt"
SEED_ANNOTATIONS = SEEDS / "000_968ab21749d55e3c.annotations.json"

_counter = itertools.count(1)


def make_user(role: str | None = "Reviewer", *, username: str | None = None, **extra) -> User:
    """Create a user in one of the role groups (Viewer, Reviewer, Editor), or none."""
    return services.account_create(
        actor=None,
        username=username or f"user{next(_counter)}",
        password="pw-for-tests-123",
        groups=[role] if role else [],
        **extra,
    )


def make_article(*, text: str | None = None, title: str = "", actor=None, **fields) -> Article:
    n = next(_counter)
    text = text or (
        f"Story {n}\n\nThe ministry said on Monday that {n} people were hurt. "
        "A spokesperson told AFP the figure would rise."
    )
    return services.article_create(actor=actor, title=title or f"Story {n}", text=text, **fields)


def make_claim(*, article: Article | None = None, phrase: str | None = None, actor=None) -> Claim:
    """Mark the first occurrence of `phrase` (default: the first sentence after the title)."""
    article = article or make_article()
    if phrase is None:
        phrase = article.text.split("\n\n", 1)[-1].split(".")[0]
    start = article.text.index(phrase)
    return services.claim_create(
        actor=actor, article=article, start=start, end=start + len(phrase), text=phrase
    )


def source_type(slug: str) -> SourceType:
    return SourceType.objects.get(slug=slug)


def make_source(
    name: str | None = None, *, type_slug: str = "ministry", actor=None, **fields
) -> Source:
    return services.source_create(
        actor=actor,
        name=name or f"Source {next(_counter)}",
        source_type=source_type(type_slug),
        **fields,
    )
