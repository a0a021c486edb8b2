"""The learned layer: a logistic model that keeps or drops each candidate attribution.

The rules propose candidates generously (every learnt cue lemma down to ``min_ratio``); the
model, trained on PolNeAR train by ``manage.py train_suggester``, scores each one from plain
features of its cue, source and parse, and the suggester keeps those scoring at least the
model's ``threshold`` (chosen on train). Without the model file the rules alone decide, with
the stricter learnt-cue ratio of ``lexicons.LEARNED_MIN_RATIO``.

The file (``models/candidates.json``) holds the weights and its card: corpus and commit,
features, figures and the command that rebuilt it. It is read once per process.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

MODEL_PATH = Path(__file__).resolve().parent / "models" / "candidates.json"
FEATURE_VERSION = 1
# With a model, candidates come from every learnt cue lemma marked at least this often.
CANDIDATE_MIN_RATIO = 0.05


def _bucket(n: int, edges: tuple[int, ...]) -> str:
    for edge in edges:
        if n <= edge:
            return str(edge)
    return f">{edges[-1]}"


def features(d, text: str) -> list[str]:
    """The names of the features that fire for one candidate (a core.Draft)."""
    x = d.extra
    out = [f"kind={d.kind}", f"type={d.source_type}", f"nested={d.nested}"]
    out += [f"agrees={d.parse_agrees}", f"direct={d.quote_evidence}", f"resolved={d.resolved}"]
    if "cue_lemma" in x:
        out += [
            f"lemma={x['cue_lemma']}",
            f"learned={x.get('learned', False)}",
            f"ratio={x.get('ratio', 1.0):.1f}",
            f"cue_dep={x['cue_dep']}",
            f"cue_words={_bucket(x['cue_words'], (1, 2, 3))}",
            f"cue_prep={x.get('cue_prep', False)}",
        ]
    head = d.head
    if head is not None:
        out += [f"head_pos={head.pos_}", f"head_ent={head.ent_type_ or '-'}"]
        if head.pos_ == "PRON":
            out.append(f"pron={head.lower_}")
        if d.first is not None and d.last is not None:
            out.append(f"mention_words={_bucket(d.last.i - d.first.i + 1, (1, 2, 3, 5, 8, 12))}")
    if d.source_span is not None and d.claim_span is not None:
        out.append(f"source_after_content={d.source_span[0] >= d.claim_span[1]}")
        words = len(text[d.claim_span[0] : d.claim_span[1]].split())
        out.append(f"content_words={_bucket(words, (2, 4, 8, 16, 32, 64))}")
    return out


@dataclass(frozen=True)
class Model:
    weights: dict[str, float]
    bias: float
    threshold: float
    min_ratio: float
    card: dict

    def probability(self, names: list[str]) -> float:
        z = self.bias + sum(self.weights.get(name, 0.0) for name in names)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@functools.cache
def load_model(path: Path = MODEL_PATH) -> Model | None:
    """The model of ``path``, or None when there is none (the rules alone then decide)."""
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("feature_version") != FEATURE_VERSION:
        return None  # made for other features: the rules are safer than a mismatched model
    return Model(
        data["weights"], data["bias"], data["threshold"], data["min_ratio"], data.get("card", {})
    )


def fit(
    rows: list[tuple[list[str], bool]], *, l2: float = 1.0, epochs: int = 300, min_count: int = 3
) -> tuple[dict[str, float], float]:
    """Logistic regression by full-batch gradient descent (numpy, which spaCy brings)."""
    import numpy as np

    counts: dict[str, int] = {}
    for names, _ in rows:
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    vocab = sorted(name for name, n in counts.items() if n >= min_count)
    index = {name: i for i, name in enumerate(vocab)}
    x = np.zeros((len(rows), len(vocab)), dtype=np.float32)
    y = np.array([1.0 if label else 0.0 for _, label in rows], dtype=np.float32)
    for r, (names, _) in enumerate(rows):
        for name in names:
            if name in index:
                x[r, index[name]] = 1.0
    w = np.zeros(len(vocab), dtype=np.float64)
    b = 0.0
    n = max(1, len(rows))
    rate = 0.5
    for _ in range(epochs):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        grad = x.T @ (p - y) / n + l2 * w / n
        w -= rate * grad
        b -= rate * float(np.mean(p - y))
    return {name: round(float(w[i]), 4) for name, i in index.items() if abs(w[i]) > 1e-4}, float(b)
