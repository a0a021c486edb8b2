"""The learned sequence layer: a CRF that marks the words of a cue (B/I/O) over the parse.

The hand-written and learnt cue lemmas find the verbs annotators mark most; the long tail
("support", "claim", "charges", "in an interview", "pointed out") is learnt here from the
words annotators marked in PolNeAR train, token by token, with features of the spaCy parse
(word, lemma, part of speech, dependency, head, children, neighbours, whether the word is
quoted, whether its lemma is a known cue). The suggester uses it where the rules found no
cue: a span it tags becomes a cue, and the rules' parse logic finds its source and content.

The model (``models/cues.crfsuite``) is trained by ``manage.py train_suggester`` and read
once per process; its card is ``models/cues.card.json``. Without it the rules alone decide.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from . import lexicons

MODEL_PATH = Path(__file__).resolve().parent / "models" / "cues.crfsuite"
CARD_PATH = MODEL_PATH.with_suffix(".card.json")
FEATURE_VERSION = 1
# A tagged span is proposed when its first word is a cue's first word at least this likely.
MIN_MARGINAL = 0.5


def _ratio(lemma: str) -> str:
    if lemma in lexicons.reporting_verbs():
        return "hand"
    learned = lexicons.learned_cues(0.0).get(lemma)
    if learned is None:
        return "-"
    return f"{min(learned[0], 0.9):.1f}"


def token_features(tok, quoted: bool) -> list[str]:
    """The names of the features that fire for one token."""
    lemma = tok.lemma_.lower()
    head = tok.head
    out = [
        "bias",
        f"w={tok.lower_}",
        f"l={lemma}",
        f"p={tok.pos_}",
        f"t={tok.tag_}",
        f"d={tok.dep_}",
        f"ld={lemma}|{tok.dep_}",
        f"lp={lemma}|{tok.pos_}",
        f"hl={head.lemma_.lower()}",
        f"hp={head.pos_}",
        f"hd={tok.dep_}|{head.pos_}",
        f"r={_ratio(lemma)}",
        f"e={tok.ent_type_ or '-'}",
    ]
    if quoted:
        out.append("quoted")
    if tok.is_title:
        out.append("title")
    if lemma in lexicons.reporting_nouns():
        out.append("noun_cue")
    if head is not tok and head.i < tok.i:
        out.append("head_left")
    for c in tok.children:
        out.append(f"c={c.dep_}")
        if c.dep_ in ("nsubj", "nsubjpass"):
            out.append(f"subj={c.pos_}|{c.ent_type_ or '-'}")
        elif c.dep_ == "poss":
            out.append(f"poss={c.pos_}")
        elif c.dep_ == "mark":
            out.append(f"mark={c.lower_}")
    return out


def sentence_features(sent, in_quote) -> list[list[str]]:
    """Features of each token of a sentence, with its neighbours' words and tags."""
    toks = list(sent)
    own = [token_features(t, in_quote(t)) for t in toks]
    seq = []
    for i, tok in enumerate(toks):
        names = list(own[i])
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < len(toks):
                other = toks[j]
                names += [f"{offset}:l={other.lemma_.lower()}", f"{offset}:p={other.pos_}"]
                if abs(offset) == 1:
                    names += [f"{offset}:d={other.dep_}", f"{offset}:r={_ratio(other.lemma_)}"]
            else:
                names.append(f"{offset}:edge")
        if i + 1 < len(toks):
            names.append(f"bi={tok.lower_}|{toks[i + 1].lower_}")
        if i:
            names.append(f"-bi={toks[i - 1].lower_}|{tok.lower_}")
        seq.append(names)
    return seq


def bio(token_spans: list[tuple[int, int]], cue_spans: list[tuple[int, int]]) -> list[str]:
    """B/I/O labels of tokens (character spans) against annotated cue spans."""
    labels = ["O"] * len(token_spans)
    for cs, ce in sorted(cue_spans):
        inside = [i for i, (ts, te) in enumerate(token_spans) if ts >= cs and te <= ce]
        if not inside or any(labels[i] != "O" for i in inside):
            continue
        labels[inside[0]] = "B"
        for i in inside[1:]:
            labels[i] = "I"
    return labels


class Tagger:
    """A trained CRF; ``spans`` gives the cues it finds in one sentence."""

    def __init__(self, path: Path, card: dict):
        import pycrfsuite

        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(path))
        self.card = card

    def spans(self, sent, in_quote, min_marginal: float | None = None) -> list[tuple]:
        """(first token, last token, probability) of each cue the model tags in a sentence."""
        if min_marginal is None:
            min_marginal = MIN_MARGINAL
        toks = list(sent)
        if not toks:
            return []
        labels = self._tagger.tag(sentence_features(sent, in_quote))
        found = []
        i = 0
        while i < len(labels):
            if labels[i] == "O":
                i += 1
                continue
            j = i
            while j + 1 < len(labels) and labels[j + 1] == "I":
                j += 1
            p = self._tagger.marginal(labels[i], i)
            if p >= min_marginal:
                found.append((toks[i], toks[j], p))
            i = j + 1
        return found


@functools.cache
def load_tagger(path: Path = MODEL_PATH) -> Tagger | None:
    """The tagger of ``path``, or None without the file or for other features."""
    card_path = path.with_suffix(".card.json")
    if not path.is_file() or not card_path.is_file():
        return None
    card = json.loads(card_path.read_text(encoding="utf-8"))
    if card.get("feature_version") != FEATURE_VERSION:
        return None
    try:
        import pycrfsuite  # noqa: F401
    except ImportError:
        return None
    return Tagger(path, card)


class Trainer:
    """Collects labelled sentences one article at a time, then fits and writes the CRF."""

    def __init__(self):
        import pycrfsuite

        self._trainer = pycrfsuite.Trainer(verbose=False)
        self.sentences = self.tokens = self.cues = 0

    def add(self, text: str, sequences: list, claims) -> None:
        """Label the sentences of one text (``core.suggest_text(sequences=...)``) against
        its annotated cues and keep them."""
        spans = [tuple(c["cue_span"]) for c in claims if c.get("cue_span")]
        for xseq, token_spans in sequences:
            labels = bio(token_spans, spans)
            self._trainer.append(xseq, labels)
            self.sentences += 1
            self.tokens += len(labels)
            self.cues += labels.count("B")

    def fit(self, path: Path, *, c1: float = 0.3, c2: float = 0.01, iterations: int = 100) -> None:
        self._trainer.set_params(
            {
                "c1": c1,
                "c2": c2,
                "max_iterations": iterations,
                "feature.possible_transitions": True,
                "feature.minfreq": 2,
            }
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        self._trainer.train(str(path))
