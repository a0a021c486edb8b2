"""Articles: create, edit metadata (or text while no claim points into it), delete."""

import datetime
from typing import Any

from django.db import IntegrityError, models, transaction

from factcheck import audit
from factcheck.models import Article, text_hash
from factcheck.services._base import (
    DomainError,
    DuplicateArticle,
    _apply,
    _authorize,
    _created_changes,
    _full_clean,
    _lock_article,
    _record_claim,
    normalize_text,
    service,
)

ARTICLE_FIELDS = ("title", "outlet", "url", "published_on", "language")


def _check_storable(article: Article) -> None:
    """Refuse text no database keeps alike: NUL (PostgreSQL refuses it) and lone surrogates."""
    for name in ("title", "outlet", "url", "language", "text"):
        value = getattr(article, name) or ""
        if "\x00" in value:
            raise DomainError(f"The article's {name} holds a NUL character.", field=name)
        if any("\ud800" <= char <= "\udfff" for char in value):
            raise DomainError(
                f"The article's {name} holds a lone surrogate, which is not text.", field=name
            )


@service
def article_create(
    *,
    actor,
    title: str,
    text: str,
    outlet: str = "",
    url: str = "",
    published_on: datetime.date | None = None,
    language: str = "en",
) -> Article:
    """Create an article; refuse a text that was imported before."""
    _authorize(actor, "add_article")
    text = normalize_text(text)
    if not text:
        raise DomainError("The article text is empty.", field="text")
    existing = Article.objects.with_text(text).first()
    if existing is not None:
        raise DuplicateArticle(existing)
    article = Article(
        title=(title or text.split("\n", 1)[0]).strip()[:500],
        outlet=outlet.strip(),
        url=url.strip(),
        published_on=published_on,
        language=(language or "en").strip(),
        text=text,
        content_hash=text_hash(text),
        created_by=actor,
    )
    _check_storable(article)
    _full_clean(article, validate_unique=False)
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError as error:
        # The same text, imported by someone else at the same moment.
        raise DuplicateArticle(Article.objects.with_text(text).get()) from error
    changes = {
        name: value
        for name, value in _created_changes(article, ARTICLE_FIELDS).items()
        if value[1] not in (None, "")
    }
    changes["content_hash"] = [None, article.content_hash]
    changes["text_length"] = [None, len(text)]
    audit.record(
        actor=actor,
        action="article.created",
        object_type="article",
        object_id=article.pk,
        object_repr=article.title,
        article_id=article.pk,
        changes=changes,
    )
    return article


@service
def article_update(*, actor, article: Article, reason: str = "", **fields: Any) -> Article:
    """Change an article's metadata, or its text while no claim points into it."""
    _authorize(actor, "change_article")
    unknown = set(fields) - {*ARTICLE_FIELDS, "text"}
    if unknown:
        raise DomainError(f"Articles have no field {', '.join(sorted(unknown))}.")
    article = _lock_article(article)
    old_hash = article.content_hash
    if "text" in fields:
        fields["text"] = normalize_text(fields["text"])
        if fields["text"] != article.text:
            if not fields["text"]:
                raise DomainError("The article text is empty.", field="text")
            if article.claims.exists():
                raise DomainError(
                    "The text of an article with claims cannot be edited: the claims point "
                    "into it.",
                    field="text",
                )
            if Article.objects.with_text(fields["text"]).exclude(pk=article.pk).exists():
                raise DuplicateArticle(Article.objects.with_text(fields["text"]).get())
    for name in ("title", "outlet", "url", "language"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    changes = _apply(article, fields)
    if not changes:
        return article
    if "text" in changes:
        article.content_hash = text_hash(article.text)
        del changes["text"]
        changes["content_hash"] = [old_hash, article.content_hash]
    _check_storable(article)
    _full_clean(article)
    article.save()
    audit.record(
        actor=actor,
        action="article.changed",
        object_type="article",
        object_id=article.pk,
        object_repr=article.title,
        article_id=article.pk,
        changes=changes,
        reason=reason,
    )
    return article


@service
def article_delete(*, actor, article: Article, reason: str = "") -> None:
    """Delete an article with its claims, recording what went."""
    _authorize(actor, "delete_article")
    article = _lock_article(article)
    if article.claims.signed_off().exists():
        raise DomainError("This article has signed-off claims; reopen them before deleting it.")
    changes = _created_changes(article, ARTICLE_FIELDS)
    changes = {name: [new, None] for name, (_, new) in changes.items()}
    claims = list(article.claims.annotate(n_attributions=models.Count("attributions")))
    # Each claim goes with its own event, so its timeline ends where it ended.
    for claim in claims:
        _record_claim(
            actor,
            "claim.deleted",
            claim,
            {
                "text": [claim.text, None],
                "status": [claim.status, None],
                "attributions": [claim.n_attributions, 0],
            },
            reason or "The article was deleted",
        )
    changes["claims"] = [len(claims), 0]
    audit.record(
        actor=actor,
        action="article.deleted",
        object_type="article",
        object_id=article.pk,
        object_repr=article.title,
        article_id=article.pk,
        changes=changes,
        reason=reason,
    )
    article.delete()
