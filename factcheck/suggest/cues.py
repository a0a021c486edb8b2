"""Stage 1: cues, the words that mark a statement as reported.

A cue is a reporting verb found by lemma ("said", "told", "reiterated", "believes", "found"),
the prepositional "according to", a nominal "in a statement" (merged with the verb before it:
"reiterated in a statement"), or, at paragraph level, a colon after a speaker and the
": Source" ending of a headline (see core.py).
"""

from dataclasses import dataclass, field

from . import lexicons


@dataclass
class Cue:
    kind: str  # "verb" | "according_to" | "nominal"
    anchor: object  # the verb (verb, nominal) or "according" (according_to)
    tokens: list = field(default_factory=list)  # the cue's own tokens, contiguous
    strength: float = 0.7
    object_content: bool = False
    learned: bool = False  # a lemma learnt from annotated news, not the hand-written lexicon
    prep: object = None  # the preposition the cue keeps ("called for"), whose object is content


def _nominal_pp(prep):
    """The tokens of "in a (joint) statement" when prep is such a phrase, else None."""
    if prep.lower_ != "in" or prep.dep_ != "prep":
        return None
    nouns = lexicons.reporting_nouns()
    for pobj in prep.children:
        if pobj.dep_ != "pobj":
            continue
        words = [t for t in pobj.lefts if t.dep_ in ("compound", "amod")] + [pobj]
        phrase = " ".join(t.lower_ for t in words)
        if pobj.lemma_.lower() in nouns or pobj.lower_ in nouns or phrase in nouns:
            doc = prep.doc
            return [doc[i] for i in range(prep.i, pobj.i + 1)]
    return None


def _verb_entry(tok, min_ratio: float = lexicons.LEARNED_MIN_RATIO) -> tuple[float, bool] | None:
    """(strength, whether a direct object can be the content) of a cue verb's lemma: the
    hand-written lexicon first, then the lemmas learnt from annotated news."""
    lemma = tok.lemma_.lower()
    entry = lexicons.reporting_verbs().get(lemma)
    if entry is not None:
        return entry
    learned = lexicons.learned_cues(min_ratio).get(lemma)
    if learned is not None:
        return 0.5 + 0.3 * learned[0], True
    return None


def _speaker_like(tok) -> bool:
    """Whether a verb's subject can be a source: a person, a group, an office, a document."""
    subjects = [c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")]
    if not subjects:
        return tok.dep_ in ("conj", "xcomp", "advcl", "relcl")  # its subject is elsewhere
    subject = subjects[0]
    if subject.pos_ in ("PRON", "PROPN") or subject.ent_type_ in ("PERSON", "ORG", "GPE", "NORP"):
        return subject.lower_ not in ("it", "this", "that", "there")
    lemma = subject.lemma_.lower()
    return (
        lemma in lexicons.source_nouns()
        or lemma in lexicons.titles()
        or lemma in lexicons.learned_source_nouns()
    )


_MODALS = {"would", "could", "may", "might", "should", "can", "must"}


def is_cue_verb(tok, min_ratio: float = lexicons.LEARNED_MIN_RATIO, in_quote=None) -> bool:
    if tok.pos_ != "VERB" and not (tok.pos_ == "AUX" and tok.lemma_ == "say"):
        return False
    if _verb_entry(tok, min_ratio) is None:
        return False
    # a learnt lemma ("release", "show", "call") reports only what a speaker does, and
    # not what they might do
    if tok.lemma_.lower() not in lexicons.reporting_verbs() and (
        not _speaker_like(tok) or any(c.lower_ in _MODALS for c in tok.children)
    ):
        return False
    if tok.dep_ in ("amod", "compound", "nmod", "pobj", "dobj"):
        return False
    # a quoted "Probably not," that the parse hangs on the cue negates nothing
    deps = {c.dep_ for c in tok.children if in_quote is None or not in_quote(c)}
    # "did not say", "was announced", "will announce": no statement is reported
    if "neg" in deps or "auxpass" in deps:
        return False
    return not any(c.dep_ == "aux" and c.lower_ in ("will", "'ll", "shall") for c in tok.children)


# Words before a cue verb that annotators keep in the cue ("has said", "also said", "is
# demanding"): its auxiliaries and a few adverbs of time and repetition, when adjacent.
_CUE_ADVERBS = {
    "also",
    "repeatedly",
    "later",
    "now",
    "first",
    "again",
    "previously",
    "often",
    "long",
    "once",
}


def _cue_start(tok, sent_start: int):
    doc = tok.doc
    first = tok
    while first.i > sent_start:
        prev = doc[first.i - 1]
        if prev.head != tok:
            break
        # "frequently mocked", "aggressively attacked": the manner is part of the cue
        if prev.dep_ in ("aux", "auxpass") or (
            prev.dep_ == "advmod" and (prev.lower_ in _CUE_ADVERBS or prev.lower_.endswith("ly"))
        ):
            first = prev
            continue
        break
    return first


def find_cues(sent, in_quote, min_ratio: float = lexicons.LEARNED_MIN_RATIO) -> list[Cue]:
    """The cues of one sentence; tokens inside a direct quotation are the quoted words."""
    cues: list[Cue] = []
    doc = sent.doc
    for tok in sent:
        if in_quote(tok):
            continue
        if tok.lower_ == "according" and tok.i + 1 < sent.end and doc[tok.i + 1].lower_ == "to":
            cues.append(Cue("according_to", tok, [tok, doc[tok.i + 1]], 0.8))
        elif is_cue_verb(tok, min_ratio, in_quote):
            strength, object_content = _verb_entry(tok, min_ratio)
            first = _cue_start(tok, sent.start)
            if tok.i > sent.start and doc[tok.i - 1].lower_ == "to" and tok.dep_ == "xcomp":
                first = doc[tok.i - 1]
            last, prep = tok, None
            kept = lexicons.learned_cues(0.0).get(tok.lemma_.lower(), (0, frozenset()))[1]
            for c in tok.rights:
                if c.i == last.i + 1 and c.dep_ == "prt":
                    last = c
                elif c.i == last.i + 1 and c.dep_ in ("prep", "agent") and c.lower_ in kept:
                    last = prep = c
            if last.i + 1 < sent.end:
                pp = _nominal_pp(doc[last.i + 1])
                if pp is not None and doc[last.i + 1].head == tok:
                    last = pp[-1]
            toks = [doc[i] for i in range(first.i, last.i + 1)]
            learned = tok.lemma_.lower() not in lexicons.reporting_verbs()
            cues.append(Cue("verb", tok, toks, strength, object_content, learned, prep))
        elif (
            tok.dep_ == "prep"
            and tok.head.pos_ in ("VERB", "AUX")
            and not is_cue_verb(tok.head, min_ratio)
        ):
            pp = _nominal_pp(tok)
            if pp is not None:
                cues.append(Cue("nominal", tok.head, pp, 0.66))
    return cues
