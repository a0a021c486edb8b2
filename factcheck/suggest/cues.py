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


def is_cue_verb(tok) -> bool:
    verbs = lexicons.reporting_verbs()
    if tok.pos_ != "VERB" and not (tok.pos_ == "AUX" and tok.lemma_ == "say"):
        return False
    if tok.lemma_.lower() not in verbs:
        return False
    if tok.dep_ in ("amod", "compound", "nmod", "pobj", "dobj"):
        return False
    deps = {c.dep_ for c in tok.children}
    # "did not say", "was announced", "will announce": no statement is reported
    if "neg" in deps or "auxpass" in deps:
        return False
    return not any(c.dep_ == "aux" and c.lower_ in ("will", "'ll", "shall") for c in tok.children)


def find_cues(sent, in_quote) -> list[Cue]:
    """The cues of one sentence; tokens inside a direct quotation are the quoted words."""
    cues: list[Cue] = []
    verbs = lexicons.reporting_verbs()
    doc = sent.doc
    for tok in sent:
        if in_quote(tok):
            continue
        if tok.lower_ == "according" and tok.i + 1 < sent.end and doc[tok.i + 1].lower_ == "to":
            cues.append(Cue("according_to", tok, [tok, doc[tok.i + 1]], 0.8))
        elif is_cue_verb(tok):
            strength, object_content = verbs[tok.lemma_.lower()]
            first = tok
            if tok.i > sent.start and doc[tok.i - 1].lower_ == "to" and tok.dep_ == "xcomp":
                first = doc[tok.i - 1]
            last = tok
            for c in tok.rights:
                if c.dep_ == "prt" and c.i == last.i + 1:
                    last = c
            if last.i + 1 < sent.end:
                pp = _nominal_pp(doc[last.i + 1])
                if pp is not None and doc[last.i + 1].head == tok:
                    last = pp[-1]
            toks = [doc[i] for i in range(first.i, last.i + 1)]
            cues.append(Cue("verb", tok, toks, strength, object_content))
        elif tok.dep_ == "prep" and tok.head.pos_ in ("VERB", "AUX") and not is_cue_verb(tok.head):
            pp = _nominal_pp(tok)
            if pp is not None:
                cues.append(Cue("nominal", tok.head, pp, 0.66))
    return cues
