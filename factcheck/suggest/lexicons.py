"""The lexicons in lexicons/*.txt, read once."""

import functools
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent / "lexicons"


def _lines(name: str) -> list[str]:
    text = (HERE / name).read_text(encoding="utf-8")
    return [
        line.rstrip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    ]


@functools.cache
def reporting_verbs() -> dict[str, tuple[float, bool]]:
    """Lemma -> (strength, whether a direct object can be the content)."""
    verbs = {}
    for line in _lines("reporting_verbs.txt"):
        parts = line.split()
        verbs[parts[0]] = (float(parts[1]), len(parts) > 2 and parts[2] == "object")
    return verbs


@functools.cache
def reporting_nouns() -> frozenset[str]:
    return frozenset(line.strip().lower() for line in _lines("reporting_nouns.txt"))


@functools.cache
def news_agencies() -> tuple[str, ...]:
    """Agency and outlet names, longest first so "Associated Press" wins over "AP"."""
    return tuple(sorted({line.strip() for line in _lines("news_agencies.txt")}, key=len)[::-1])


@functools.cache
def news_agency_pattern() -> re.Pattern:
    """One pattern for every agency name, longest first, as whole words."""
    names = "|".join(re.escape(name) for name in news_agencies())
    return re.compile(r"(?<![\w-])(?:" + names + r")(?![\w-])")


@functools.cache
def anonymity_phrases() -> tuple[tuple[str, str], ...]:
    phrases = []
    for line in _lines("anonymity.txt"):
        phrase, rule = line.split("\t")
        phrases.append((phrase.strip().lower(), "" if rule.strip() == "-" else rule.strip()))
    return tuple(sorted(phrases, key=lambda p: -len(p[0])))


@functools.cache
def source_nouns() -> dict[str, str]:
    return dict(line.split("\t") for line in _lines("source_nouns.txt"))


@functools.cache
def honorifics() -> frozenset[str]:
    return frozenset(line.strip().lower() for line in _lines("honorifics.txt"))


@functools.cache
def titles() -> frozenset[str]:
    return frozenset(line.strip().lower() for line in _lines("titles.txt"))


@functools.cache
def courtesy() -> dict[str, str]:
    """Honorifics kept in a person's mention -> "plain" (dropped from the canonical name) or
    "rank" (kept there too)."""
    return dict(line.split("\t") for line in _lines("courtesy.txt"))


@functools.cache
def gender_words() -> dict[str, str]:
    """Honorifics and gendered titles -> "m" or "f"."""
    return dict(line.split("\t") for line in _lines("gender.txt"))


# A learnt lemma is a cue when annotators marked at least this share of its occurrences as a
# verb (tuned on PolNeAR train; see docs/suggester.md).
LEARNED_MIN_RATIO = 0.15


@functools.cache
def learned_cues(min_ratio: float = LEARNED_MIN_RATIO) -> dict[str, tuple[float, frozenset[str]]]:
    """Lemma -> (share of its occurrences marked as a cue, words kept in the cue after it),
    from lexicons/learned_cues.tsv (``manage.py train_suggester``), for the lemmas marked at
    least `min_ratio` of the time; empty without the file."""
    path = HERE / "learned_cues.tsv"
    if not path.is_file():
        return {}
    cues = {}
    for line in _lines("learned_cues.tsv"):
        lemma, ratio, _count, _total, words = line.split("\t")
        if float(ratio) >= min_ratio:
            kept = frozenset() if words == "-" else frozenset(words.split(","))
            cues[lemma] = (float(ratio), kept)
    return cues


@functools.cache
def learned_source_nouns() -> frozenset[str]:
    """Common nouns that annotators marked as heading a source ("federation", "voters"),
    from lexicons/learned_source_nouns.tsv; empty without the file."""
    if not (HERE / "learned_source_nouns.tsv").is_file():
        return frozenset()
    return frozenset(line.split("\t")[0] for line in _lines("learned_source_nouns.tsv"))
