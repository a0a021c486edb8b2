"""The desk's reviewed articles as training and measuring data for the suggester.

`manage.py train_suggester --include-workbench` adds them to PolNeAR's train split. What
counts (docs/suggester.md, "Learning from the desk"):

- A **reviewed article** has at least one suggestion a reviewer decided (accepted as
  proposed, edited then accepted, or rejected) or at least one claim made by hand (a
  claim no suggestion made).
- Its **positives** are every claim of the article with each of its attributions, as
  they stand now: an accepted suggestion as finally accepted (and as changed since), a
  claim marked by hand with its attributions, a claim without one as unattributed.
- Its **negatives** are its rejected suggestions: when the candidate model is fitted, a
  candidate that matches a rejected suggestion is labelled wrong, one that matches a
  positive right, and one the desk never decided (neither marked nor rejected) is left
  out rather than counted wrong.
- One article in five, chosen by a stable hash of its id (at least one when there are two
  or more), is **held back**: never trained on, and scored before and after retraining.

The documents are `factcheck.suggest.polnear.Document`s in the seed annotation form
(`seeds/*.annotations.json`), so the training and the scores are the suggester's own.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Exists, OuterRef, Prefetch, Q

from factcheck.models import Article, Attribution, Claim, Suggestion, SuggestionState
from factcheck.suggest import evaluate, lexicons, polnear

# One article in HOLD_BACK is kept out of training to be measured on.
HOLD_BACK = 5
# The learnt files train_suggester writes into the lexicons folder.
LEARNT_LEXICONS = ("learned_cues.tsv", "learned_source_nouns.tsv")


@dataclass(frozen=True)
class DeskDocument(polnear.Document):
    """A reviewed article: its claims as positives, its rejected suggestions beside them."""

    article_id: int = 0
    rejected: list[dict] = field(default_factory=list)


def reviewed_articles():
    """Articles with a decided suggestion or a claim marked by hand, oldest first."""
    decided = Suggestion.objects.filter(article=OuterRef("pk")).exclude(
        state=SuggestionState.PENDING
    )
    by_hand = Claim.objects.filter(article=OuterRef("pk")).filter(
        ~Exists(Suggestion.objects.filter(claim=OuterRef("pk")))
    )
    return Article.objects.filter(Q(Exists(decided)) | Q(Exists(by_hand))).order_by("pk")


def _span_and_text(text: str, start: int | None, end: int | None) -> tuple[list | None, str | None]:
    if start is None or end is None or not 0 <= start < end <= len(text):
        return None, None
    return [start, end], text[start:end]


def _positive(text: str, claim: Claim, attribution: Attribution | None) -> dict:
    """One claim-attribution pair in the seed annotation form."""
    found = {
        "claim": claim.text,
        "claim_span": [claim.start, claim.end],
        "source": None,
        "source_span": None,
        "cue": None,
        "cue_span": None,
        "source_type": "unattributed",
        "quote": "none",
        "via": None,
        "canonical_source": None,
    }
    if attribution is None:
        return found
    source = attribution.source
    found["source_span"], found["source"] = _span_and_text(
        text, attribution.mention_start, attribution.mention_end
    )
    found["cue_span"], found["cue"] = _span_and_text(
        text, attribution.cue_start, attribution.cue_end
    )
    slug = source.source_type.slug
    found.update(
        source_type=slug if slug in evaluate.SOURCE_TYPES else "named_individual",
        quote=attribution.quote_mode,
        named=not source.is_anonymous,
        via=attribution.intermediary.name if attribution.intermediary_id else None,
        canonical_source=source.name,
    )
    if slug not in evaluate.SOURCE_TYPES:
        # A type the desk added itself: its spans teach, its type cannot be scored.
        found["labelled"] = False
    return found


def _rejected(suggestion: Suggestion) -> dict:
    return {
        "claim_span": [suggestion.claim_start, suggestion.claim_end],
        "source_span": (
            None
            if suggestion.source_start is None
            else [suggestion.source_start, suggestion.source_end]
        ),
        "cue_span": None
        if suggestion.cue_start is None
        else [suggestion.cue_start, suggestion.cue_end],
    }


def desk_documents() -> list[DeskDocument]:
    """Every reviewed article as a training document, checked like a seed annotation."""
    attributions = Attribution.objects.select_related(
        "source__source_type", "intermediary"
    ).order_by("pk")
    rejected = Suggestion.objects.filter(state=SuggestionState.REJECTED).order_by("pk")
    articles = reviewed_articles().prefetch_related(
        Prefetch(
            "claims",
            queryset=Claim.objects.order_by("start", "end", "pk").prefetch_related(
                Prefetch("attributions", queryset=attributions)
            ),
        ),
        Prefetch("suggestions", queryset=rejected, to_attr="rejected_suggestions"),
    )
    documents = []
    for article in articles:
        claims = [
            _positive(article.text, claim, attribution)
            for claim in article.claims.all()
            for attribution in (list(claim.attributions.all()) or [None])
        ]
        name = f"article-{article.pk}"
        evaluate.validate(article.text, claims, name)
        documents.append(
            DeskDocument(
                name=name,
                text=article.text,
                claims=claims,
                article_id=article.pk,
                rejected=[_rejected(s) for s in article.rejected_suggestions],
            )
        )
    return documents


def _rank(document: DeskDocument) -> int:
    return int.from_bytes(hashlib.sha256(f"article:{document.article_id}".encode()).digest()[:8])


def hold_back(
    documents: Sequence[DeskDocument],
) -> tuple[list[DeskDocument], list[DeskDocument]]:
    """(to train on, held back): one in five by a stable hash of the article id; with two or
    more articles at least one on each side, with one article none held back."""
    if len(documents) < 2:
        return list(documents), []
    held = [d for d in documents if _rank(d) % HOLD_BACK == 0]
    train = [d for d in documents if _rank(d) % HOLD_BACK != 0]
    if not held:
        first = min(train, key=_rank)
        held, train = [first], [d for d in train if d is not first]
    if not train:
        last = max(held, key=_rank)
        train, held = [last], [d for d in held if d is not last]
    return train, held


def decided_candidates(document: polnear.Document, candidates: list[tuple]) -> list[tuple]:
    """The candidates whose label the desk gave: those that match one of its claims or one of
    its rejected suggestions (source and cue or content, half of each span). A PolNeAR
    document, annotated whole, keeps every candidate."""
    if not isinstance(document, DeskDocument):
        return candidates
    text = document.text
    known = [
        (
            evaluate.trim(text, c.get("source_span")),
            evaluate.trim(text, c.get("cue_span")),
            evaluate.trim(text, c.get("claim_span")),
        )
        for c in [*document.claims, *document.rejected]
    ]

    def matches(a, b) -> bool:
        return a is not None and b is not None and evaluate.overlaps_half(a, b)

    kept = []
    for candidate in candidates:
        _, source, cue, content = candidate
        s, c, k = (evaluate.trim(text, span) for span in (source, cue, content))
        if any(matches(s, rs) and (matches(c, rc) or matches(k, rk)) for rs, rc, rk in known):
            kept.append(candidate)
    return kept


def score(
    documents: Sequence[polnear.Document], predict: Callable[[str], list[dict]]
) -> dict | None:
    """The suggester's scores on the documents, as `evaluate_suggestions` computes them."""
    scores = [evaluate.score_document(d.text, d.claims, predict(d.text), d.name) for d in documents]
    if not scores:
        return None
    return evaluate.summary(sum(scores[1:], scores[0]))


def format_comparison(title: str, before: dict, after: dict) -> str:
    """F1 of source mention, cue and content, exact and by overlap, before → after."""
    lines = [f"{title} ({before['documents']} article(s)), F1 before -> after:"]
    for kind, label in (("mention", "source mention"), ("cue", "cue"), ("content", "content")):
        cells = []
        for mode in evaluate.MODES:
            b, a = before["spans"][kind][mode], after["spans"][kind][mode]
            cells.append(f"{mode} {b['f1']:.3f} -> {a['f1']:.3f}")
        reference = before["spans"][kind]["exact"]["reference"]
        lines.append(f"  {label:<15} {', '.join(cells)}  ({reference} reference)")
    return "\n".join(lines)


def _clear_lexicon_caches() -> None:
    for name in dir(lexicons):
        cached = getattr(lexicons, name)
        if hasattr(cached, "cache_clear"):
            cached.cache_clear()


@contextlib.contextmanager
def suggester_reading(folder: Path, models: Sequence[tuple[object, str, Path]]) -> Iterator[None]:
    """Run the suggester, inside the block, with the learnt files just written.

    `folder` holds the learnt lexicons; `models` names each model file with the module
    and the name of the cached loader that reads it (`(rank, "load_model", path)`), its
    path as first argument. Written into the suggester's own folder the lexicons are only
    read again; written elsewhere, a copy of the lexicons folder with the new files in it
    stands in for the suggester's until the block ends. Each loader reads its new path
    until then.
    """
    folder = Path(folder).resolve()
    own_here = lexicons.HERE
    loaders = [(module, name, getattr(module, name), Path(path)) for module, name, path in models]
    with contextlib.ExitStack() as stack:
        if folder != own_here:
            stand_in = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            for path in own_here.iterdir():
                if path.is_file():
                    shutil.copy2(path, stand_in)
            for name in LEARNT_LEXICONS:
                if (folder / name).is_file():
                    shutil.copy2(folder / name, stand_in / name)
            lexicons.HERE = stand_in
        for module, name, loader, path in loaders:
            loader.cache_clear()
            setattr(module, name, functools.partial(loader, path))
        _clear_lexicon_caches()
        try:
            yield
        finally:
            lexicons.HERE = own_here
            for module, name, loader, _ in loaders:
                setattr(module, name, loader)
                loader.cache_clear()
            _clear_lexicon_caches()
