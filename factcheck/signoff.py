"""What a signed-off verdict publishes, frozen at sign-off, and what has moved since.

At sign-off the claim keeps a snapshot of everything its ClaimReview and the
verdict columns of the claims CSV say: claim text, sources with their names
and types, the article's title, outlet, address and date, the verdict, its
rationale and evidence, proposer and signer. ClaimReview is served from it,
so renaming a source or retitling an article cannot change a published
verdict behind its back; the panel says when the live records have moved.
"""

import datetime
from typing import Any

from django.db.models import Prefetch
from django.utils.formats import date_format

from factcheck.models import Attribution, Claim

SNAPSHOT_VERSION = 1


def _name(user) -> str:
    return user.get_username() if user is not None else ""


def snapshot(claim: Claim, *, signed_off_by, signed_off_at: datetime.datetime) -> dict[str, Any]:
    """Freeze what the verdict publishes, as it stands at sign-off."""
    claim = (
        Claim.objects.select_related("article", "proposed_by")
        .prefetch_related(
            Prefetch(
                "attributions",
                queryset=Attribution.objects.select_related(
                    "source__source_type", "intermediary"
                ).order_by("id"),
            ),
            "evidence",
        )
        .get(pk=claim.pk)
    )
    article = claim.article
    return {
        "version": SNAPSHOT_VERSION,
        "claim": {"id": claim.pk, "text": claim.text, "start": claim.start, "end": claim.end},
        "article": {
            "id": article.pk,
            "title": article.title,
            "outlet": article.outlet,
            "url": article.url,
            "published_on": article.published_on.isoformat() if article.published_on else None,
        },
        "sources": [
            {
                "id": attribution.source_id,
                "name": attribution.source.name,
                "type": attribution.source.source_type.slug,
                "type_name": attribution.source.source_type.name,
                "affiliation": attribution.source.affiliation,
                "is_anonymous": attribution.source.is_anonymous,
                "mention": attribution.mention_text,
                "intermediary": (
                    {"id": attribution.intermediary_id, "name": attribution.intermediary.name}
                    if attribution.intermediary_id
                    else None
                ),
            }
            for attribution in claim.attributions.all()
        ],
        "verdict": claim.status,
        "rationale": claim.rationale,
        "evidence": [{"url": link.url, "title": link.title} for link in claim.evidence.all()],
        "proposed_by": _name(claim.proposed_by),
        "signed_off_by": _name(signed_off_by),
        "signed_off_at": signed_off_at.isoformat(),
    }


def _shown(label: str, value: str) -> str:
    if label == "publication date" and value:
        return date_format(datetime.date.fromisoformat(value), "DATE_FORMAT")
    return value


def _changed(label: str, then: str, now: str) -> str:
    # "from “” to “Breitbart”" reads as a glitch: name what was added or removed.
    if not then:
        return f"The article’s {label} “{now}” has been added."
    if not now:
        return f"The article’s {label} “{then}” has been removed."
    return f"The article’s {label} has changed from “{then}” to “{now}”."


def drift(claim: Claim) -> list[str]:
    """Say, in a sentence each, what of the published verdict's article and sources has changed.

    Reads the claim's article and its attributions' sources (prefetch them to
    keep the query count flat); an empty list means the snapshot still holds.
    """
    frozen = claim.sign_off_snapshot
    if not frozen:
        return []
    lines = []
    article = claim.article
    published_on = article.published_on.isoformat() if article.published_on else ""
    for label, then, now in (
        ("title", frozen["article"].get("title") or "", article.title or ""),
        ("outlet", frozen["article"].get("outlet") or "", article.outlet or ""),
        ("address", frozen["article"].get("url") or "", article.url or ""),
        ("publication date", frozen["article"].get("published_on") or "", published_on),
    ):
        if then != now:
            lines.append(_changed(label, _shown(label, then), _shown(label, now)))
    live = {attribution.source_id: attribution.source for attribution in claim.attributions.all()}
    for source in frozen["sources"]:
        current = live.get(source["id"])
        if current is None:
            lines.append(f"The source “{source['name']}” is no longer in the registry as it was.")
            continue
        if current.name != source["name"]:
            lines.append(f"The source “{source['name']}” has been renamed “{current.name}”.")
        if current.source_type.slug != source["type"]:
            lines.append(
                f"The source “{current.name}” is now typed “{current.source_type.name}”, "
                f"not “{source['type_name']}”."
            )
    return lines
