"""Cue words learnt from an annotated corpus: how often each lemma is marked as a cue.

For every verb lemma of the corpus's parsed texts, the number of its occurrences and the
number of those that annotators marked as (the head of) a cue; for a cue followed by its own
preposition or particle ("called for", "pointed to", "talked about"), the pair. The
suggester takes a lemma as a cue verb when annotators marked it often enough
(``lexicons.learned_cues``), beside the hand-written ``reporting_verbs.txt``.

No Django here: ``manage.py train_suggester`` reads the corpus and writes the file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

VERB_POS = ("VERB", "AUX")
ATTACHED = ("prep", "prt", "agent")


@dataclass
class CueStatistics:
    total: Counter = field(default_factory=Counter)  # lemma -> occurrences as a verb
    cue: Counter = field(default_factory=Counter)  # lemma -> occurrences as a cue's head
    attached: Counter = field(default_factory=Counter)  # (lemma, word) -> in the cue
    source_nouns: Counter = field(default_factory=Counter)  # common noun heading a source
    documents: int = 0
    cues: int = 0

    def add(self, doc, claims: Iterable[dict]) -> None:
        """Count one parsed text (a spaCy Doc of the whole text) and its reference claims."""
        self.documents += 1
        for tok in doc:
            if tok.pos_ in VERB_POS:
                self.total[tok.lemma_.lower()] += 1
        for claim in claims:
            span = claim.get("source_span")
            words = span and doc.char_span(span[0], span[1], alignment_mode="expand")
            if words and words.root.pos_ == "NOUN":
                self.source_nouns[words.root.lemma_.lower()] += 1
        seen = set()
        for claim in claims:
            span = claim.get("cue_span")
            if not span or tuple(span) in seen:
                continue
            seen.add(tuple(span))
            words = doc.char_span(span[0], span[1], alignment_mode="expand")
            if words is None or not len(words):
                continue
            head = words.root
            if head.pos_ not in VERB_POS:
                continue
            lemma = head.lemma_.lower()
            self.cue[lemma] += 1
            self.cues += 1
            for tok in words:
                if tok.i > head.i and tok.head == head and tok.dep_ in ATTACHED:
                    self.attached[lemma, tok.lower_] += 1

    def lexicon(self, *, min_count: int = 3, min_ratio: float = 0.2) -> list[tuple]:
        """(lemma, ratio, cue count, total, attached words) for each lemma that qualifies."""
        rows = []
        for lemma, count in self.cue.items():
            total = max(self.total[lemma], count)
            ratio = count / total
            if count < min_count or ratio < min_ratio or not lemma.isalpha():
                continue
            words = sorted(
                word
                for (cue_lemma, word), n in self.attached.items()
                if cue_lemma == lemma and n >= min_count and n / count >= 0.05
            )
            rows.append((lemma, round(ratio, 3), count, total, words))
        return sorted(rows, key=lambda r: (-r[2], r[0]))


def source_noun_rows(stats: CueStatistics, min_count: int = 3) -> list[tuple[str, int]]:
    """Common nouns that head a source mention at least `min_count` times ("federation")."""
    return sorted(
        (
            (lemma, n)
            for lemma, n in stats.source_nouns.items()
            if n >= min_count and lemma.isalpha()
        ),
        key=lambda r: (-r[1], r[0]),
    )


def format_source_nouns(rows: list[tuple[str, int]], header: str) -> str:
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines.append("# lemma<TAB>times it heads an annotated source")
    lines += [f"{lemma}\t{n}" for lemma, n in rows]
    return "\n".join(lines) + "\n"


def format_lexicon(rows: list[tuple], header: str) -> str:
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines.append("# lemma<TAB>ratio<TAB>as cue<TAB>as verb<TAB>words kept in the cue after it")
    for lemma, ratio, count, total, words in rows:
        lines.append(f"{lemma}\t{ratio}\t{count}\t{total}\t{','.join(words) or '-'}")
    return "\n".join(lines) + "\n"


def label_candidates(text: str, claims: list[dict], candidates: list[tuple]) -> list[tuple]:
    """(features, right) per candidate: right when an annotated attribution has its source
    (half of each span shared) and its cue or its content."""
    from .evaluate import overlaps_half, trim

    refs = [
        (
            trim(text, c.get("source_span")),
            trim(text, c.get("cue_span")),
            trim(text, c.get("claim_span")),
        )
        for c in claims
    ]
    rows = []
    for names, source, cue, content in candidates:
        s, c, k = trim(text, source), trim(text, cue), trim(text, content)
        right = s is not None and any(
            rs is not None
            and overlaps_half(s, rs)
            and (
                (c is not None and rc is not None and overlaps_half(c, rc))
                or (k is not None and rk is not None and overlaps_half(k, rk))
            )
            for rs, rc, rk in refs
        )
        rows.append((names, right))
    return rows


def choose_threshold(scored: list[tuple[float, bool]], references: int) -> tuple[float, float]:
    """The score above which candidates are kept that maximises F1 against `references`
    annotated attributions; returns (threshold, that F1)."""
    best = (0.0, 0.0)
    for step in range(5, 95, 5):
        threshold = step / 100
        kept = [right for p, right in scored if p >= threshold]
        right = sum(kept)
        precision = right / len(kept) if kept else 0.0
        recall = right / references if references else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if f1 > best[1]:
            best = (threshold, f1)
    return best


def train_ranker(rows: list[tuple[list[str], bool]], references: int) -> dict:
    """Fit the candidate model on four fifths of the rows, choose its threshold on the last
    fifth, then refit on all; returns the model file's content (without its card)."""
    from . import rank

    cut = len(rows) * 4 // 5
    weights, bias = rank.fit(rows[:cut])
    model = rank.Model(weights, bias, 0.5, rank.CANDIDATE_MIN_RATIO, {})
    held_out = [(model.probability(names), right) for names, right in rows[cut:]]
    share = len(rows[cut:]) / max(1, len(rows))
    threshold, f1 = choose_threshold(held_out, round(references * share))
    weights, bias = rank.fit(rows)
    return {
        "feature_version": rank.FEATURE_VERSION,
        "min_ratio": rank.CANDIDATE_MIN_RATIO,
        "threshold": threshold,
        "held_out_f1": round(f1, 4),
        "bias": round(bias, 4),
        "weights": weights,
    }
