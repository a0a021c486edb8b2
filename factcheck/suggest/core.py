"""The suggester: paragraphs → sentences → cues → sources → contents → suggestions."""

import dataclasses
import re
from dataclasses import dataclass, field

from . import content as content_stage
from . import lexicons, rank, tagger
from .cues import Cue, find_cues
from .pipeline import DEFAULT_MODEL, load
from .records import Span, Suggestion
from .resolve import PERSON_TYPES, Entry, Registry
from .segment import Paragraph, paragraphs, quotes
from .sources import (
    INDEFINITE_PEOPLE,
    anonymity,
    antecedent,
    article_people,
    classify,
    dateline,
    entity_tokens,
    guessed_type,
    has_title,
    intermediary,
    mention_range,
    mention_span,
    person_of,
    plain_name,
    pronoun_type,
    role_words,
    subject_of,
)
from .sources import (
    noun_kind_known as _noun_kind_known,
)
from .tokens import tok_span, toks_span, trim, trim_content

_CHECKABLE = {"CARDINAL", "MONEY", "PERCENT", "QUANTITY", "EVENT", "ORDINAL"}
_MODALS = {"will", "would", "could", "may", "might", "should", "can", "'ll", "must"}
_WHEN = re.compile(
    r"\d|monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|"
    r"april|may|june|july|august|september|october|november|december|yesterday|today|"
    r"tonight|week|month|year",
    re.IGNORECASE,
)


def _checkable(tok) -> bool:
    """A figure, a named event, or a date precise enough to check."""
    if tok.ent_type_ in _CHECKABLE:
        return True
    return tok.ent_type_ in ("DATE", "TIME") and bool(_WHEN.search(tok.text))


@dataclass
class Draft:
    claim_span: Span
    source_span: Span | None
    cue_span: Span | None
    kind: str
    head: object = None  # the source's head token
    first: object = None
    last: object = None
    strength: float = 0.5
    quote: str = "paraphrase"
    parse_agrees: bool = False
    quote_evidence: bool = False
    para: int = 0
    sent_span: Span = (0, 0)
    source_type: str = "unattributed"
    named: bool = True
    via: tuple[str, Span] | None = None
    ground_rule: str = ""
    reason: str = ""
    reason_span: Span | None = None
    canonical: str | None = None
    resolved: bool = False
    nested: bool = False
    extra: dict = field(default_factory=dict)


@dataclass
class _Para:
    info: Paragraph
    doc: object
    quotes: list[Span]

    @property
    def base(self) -> int:
        return self.info.start

    def in_quote(self, tok) -> bool:
        pos = self.base + tok.idx
        return any(qs < pos < qe - 1 for qs, qe in self.quotes)


def _sent_span(text: str, sent, base: int) -> Span:
    return trim(text, toks_span(sent[0], sent[-1], base), " \t\n")


def _content_for_verb(text, cue: Cue, sent, para: _Para, cluster: Span):
    """(content span, parse agrees, direct-quote evidence) for a verb or nominal cue."""
    verb, base, qs = cue.anchor, para.base, para.quotes
    doc = sent.doc
    adjacent = content_stage.adjacent_quote(text, cluster, qs)
    if adjacent is not None:
        return adjacent[0], False, True
    if cue.kind == "nominal":
        span = trim_content(text, (tok_span(verb, base)[0], tok_span(verb.right_edge, base)[1]), qs)
        return span, False, False
    # "called for an independent review", "called on clubs to delay": from the object of the
    # cue's own preposition to the end of the verb's phrase
    objs = [] if cue.prep is None else [g for g in cue.prep.children if g.dep_ in ("pobj", "pcomp")]
    if objs:
        span = (tok_span(objs[0].left_edge, base)[0], tok_span(verb.right_edge, base)[1])
        return trim_content(text, span, qs), True, False
    comps = [
        c
        for c in verb.children
        if c.i > verb.i
        and (
            c.dep_ in ("ccomp", "parataxis")
            or (
                c.dep_ == "xcomp"
                and (
                    verb.lemma_ in ("vow", "pledge", "promise", "threaten")
                    or (cue.object_content and c.pos_ in ("VERB", "AUX"))
                )
            )
        )
    ]
    sent_start = _sent_span(text, sent, base)[0]
    before = text[sent_start : cluster[0]].rstrip()
    # "..., X said": the content comes before; but a cue with its own object after it
    # ("In contrast, he has delivered a positive message") says it there
    objects = cue.object_content and any(
        c.i > verb.i and c.dep_ in ("dobj", "oprd", "xcomp", "attr", "dative")
        for c in verb.children
    )
    if not comps and not objects and before.endswith(",") and len(before) > 6:
        span = trim_content(text, (sent_start, sent_start + len(before)), qs)
        return span, any(c.dep_ in ("ccomp", "parataxis") for c in verb.children), False
    if comps:
        return content_stage.clause_span(text, sent, comps[0], base, qs), True, False
    holders = [c for c in verb.children if c.dep_ == "dobj"]
    holders += [t for t in cue.tokens if t.dep_ == "pobj"]
    for holder in holders:
        for g in holder.children:
            if g.dep_ in ("acl", "ccomp", "relcl") and any(
                m.lower_ == "that" and m.dep_ == "mark" for m in g.children
            ):
                return content_stage.clause_span(text, sent, g, base, qs), True, False
    after = cue.tokens[-1].i + 1
    while after < sent.end and (
        (doc[after].dep_ in ("dobj", "dative", "npadvmod") and doc[after].head == verb)
        or (doc[after].is_punct and doc[after].text not in '"“')
    ):
        after += 1
    if after < sent.end and doc[after].lower_ == "that":
        span = (
            content_stage.right_side(text, sent, doc[after + 1], base, qs)
            if after + 1 < sent.end
            else None
        )
        if span:
            return span, False, False
    if cue.object_content:
        # "called for an independent review": the object of the cue's own preposition
        for prep in cue.tokens[1:]:
            objs = [g for g in prep.children if g.dep_ in ("pobj", "pcomp")]
            if prep.dep_ in ("prep", "agent") and objs:
                span = trim_content(
                    text,
                    (tok_span(objs[0].left_edge, base)[0], tok_span(verb.right_edge, base)[1]),
                    qs,
                )
                return span, True, False
        for c in verb.children:
            if c.dep_ in ("dobj", "oprd") and c.i > verb.i:
                span = trim_content(
                    text, (tok_span(c.left_edge, base)[0], tok_span(verb.right_edge, base)[1]), qs
                )
                return span, True, False
    return None, False, False


def _draft_from_cue(text: str, cue: Cue, sent, para: _Para, index: int) -> Draft | None:
    base, doc = para.base, sent.doc
    cue_first, cue_last = cue.tokens[0], cue.tokens[-1]
    cue_span = toks_span(cue_first, cue_last, base)
    exclude = {t.i for t in cue.tokens}
    sspan = _sent_span(text, sent, base)
    if cue.kind == "according_to":
        to = cue.tokens[-1]
        heads = [c for c in to.children if c.dep_ == "pobj"]
        if not heads:
            nxt = to.i + 1
            heads = [doc[nxt]] if nxt < sent.end and doc[nxt].pos_ in ("NOUN", "PROPN") else []
        if not heads:
            return None
        head = heads[0]
        for c in head.children:
            if c.dep_ in ("acl", "relcl") and c.lemma_ in (
                "carry",
                "publish",
                "quote",
                "cite",
                "report",
                "release",
                "issue",
                "post",
            ):
                exclude.update(t.i for t in c.subtree)
        first, last = mention_range(head, exclude)
        source_span = mention_span(text, head, base, exclude)
        phrase_end = max(source_span[1], tok_span(head.right_edge, base)[1])
        before = trim_content(text, (sspan[0], cue_span[0]), para.quotes)
        after = trim_content(text, (phrase_end, sspan[1]), para.quotes)
        if before[1] - before[0] < 3:
            claim = after
        elif after[1] - after[0] < 3:
            claim = before
        else:
            claim = before if before[1] - before[0] >= after[1] - after[0] else after
        if claim[1] - claim[0] < 3:
            return None
        draft = Draft(
            claim,
            source_span,
            cue_span,
            "according_to",
            head,
            first,
            last,
            cue.strength,
            para=index,
            sent_span=sspan,
        )
        _cue_extras(draft, cue)
        return draft
    head = subject_of(cue.anchor, para.in_quote)
    root = _root_verb(cue.tokens)
    if head is None and root is not None and root.i != cue.anchor.i:
        # "went on to say": the speaker is the subject of the cue's first verb
        head = subject_of(root, para.in_quote)
    if head is None or para.in_quote(head) or head.i in exclude:
        return None
    if head.pos_ == "PRON" and head.lower_ in ("me", "us"):
        return None
    first, last = mention_range(head, exclude)
    source_span = mention_span(text, head, base, exclude)
    referent = antecedent(head)
    if referent is not head:
        # "which" as written; its noun names and types the source
        head = referent
        first, last = mention_range(head, exclude | {t.i for t in cue.anchor.subtree})
    # the whole noun phrase, title included, bounds the attribution ("..., White House
    # spokesperson John Kirby said")
    np_start = (
        tok_span(head.left_edge, base)[0] if head.left_edge.i not in exclude else source_span[0]
    )
    np_start = max(np_start, sspan[0])
    np_start = trim(text, (np_start, source_span[1]), " \t\n,;:.—–-\"“”'’")[0]
    cluster = (min(np_start, source_span[0], cue_span[0]), max(source_span[1], cue_span[1]))
    claim, agrees, direct = _content_for_verb(text, cue, sent, para, cluster)
    if claim is None or claim[1] - claim[0] < 3:
        return None
    if not direct and claim[0] < source_span[1] and source_span[0] < claim[1]:
        return None  # the "content" holds the source: a misparse
    agrees = agrees and any(
        c.dep_ in ("nsubj", "nsubjpass") and c == head for c in cue.anchor.children
    )
    draft = Draft(
        claim,
        source_span,
        cue_span,
        cue.kind,
        head,
        first,
        last,
        cue.strength,
        parse_agrees=agrees,
        quote_evidence=direct,
        para=index,
        sent_span=sspan,
    )
    _cue_extras(draft, cue)
    return draft


def _crf_bounds(cue: Cue, tagged) -> Cue:
    """A verb cue widened to the words the CRF tags around its verb, as annotators mark
    them: before it ("went on to say", "would rather say") and a preposition or particle of
    the verb right after it ("pointed to"). It never loses the rules' own words ("said in a
    statement") nor takes the verb's object."""
    if cue.kind != "verb":
        return cue
    doc = cue.anchor.doc
    for first, last, _ in tagged:
        if not first.i <= cue.anchor.i <= last.i:
            continue
        start, end, prep = cue.tokens[0].i, cue.tokens[-1].i, cue.prep
        # to the left, never into the speaker's words
        speaker = subject_of(cue.anchor)
        words = set() if speaker is None else {t.i for t in speaker.subtree}
        while start > first.i and start - 1 not in words:
            start -= 1
        after = doc[end + 1] if end + 1 < len(doc) else None
        if (
            after is not None
            and last.i == after.i
            and after.head.i == cue.anchor.i
            and after.dep_ in ("prep", "prt", "agent")
        ):
            end = after.i
            prep = after if after.dep_ in ("prep", "agent") else prep
        if start == cue.tokens[0].i and end == cue.tokens[-1].i:
            return cue
        return dataclasses.replace(cue, tokens=[doc[i] for i in range(start, end + 1)], prep=prep)
    return cue


def _crf_drafts(text: str, tagged, sent, para: _Para, index: int, cues, found) -> list[Draft]:
    """Drafts from the cues the CRF tags where the rules found none: the rules' parse logic
    finds the source and content around each."""
    taken = {t.i for cue in cues for t in cue.tokens}
    marks = [d.cue_span for d in found if d.cue_span is not None]
    drafts = []
    for first, last, probability in tagged:
        toks = [sent.doc[i] for i in range(first.i, last.i + 1)]
        span = toks_span(first, last, para.base)
        if (
            any(t.i in taken for t in toks)
            or any(para.in_quote(t) for t in toks)
            or any(s < span[1] and span[0] < e for s, e in marks)
        ):
            continue
        cue = _crf_cue(toks)
        if cue is None:
            continue
        if cue.kind == "noun":
            d = _draft_from_noun(text, cue, sent, para, index)
        else:
            d = _draft_from_cue(text, cue, sent, para, index)
        if d is not None:
            d.extra["crf"] = round(probability, 2)
            drafts.append(d)
    return drafts


def _surer_cue(d: Draft, o: Draft) -> bool:
    """Whether draft d's cue is a surer report than o's of the same source and content."""
    if d.cue_span is None or o.cue_span is None or o.kind != "verb" or d.kind != "verb":
        return False
    if bool(o.extra.get("learned") or "crf" in o.extra) != bool(
        d.extra.get("learned") or "crf" in d.extra
    ):
        return not (d.extra.get("learned") or "crf" in d.extra)
    return d.strength > o.strength


def _root_verb(toks):
    """The verb of a cue's words that governs the others, if any."""
    inside = {t.i for t in toks}
    roots = [t for t in toks if t.head.i not in inside or t.head.i == t.i]
    return roots[0] if len(roots) == 1 and roots[0].pos_ in ("VERB", "AUX") else None


def _crf_cue(toks) -> Cue | None:
    """A cue for tagged words: their verb, the verb a nominal "in an interview" hangs on, or
    a noun ("claim", "comments") whose possessor or verb's subject is the source."""
    inside = {t.i for t in toks}
    roots = [t for t in toks if t.head.i not in inside or t.head.i == t.i]
    root = next((t for t in roots if t.pos_ in ("VERB", "AUX")), roots[0])
    if root.pos_ in ("VERB", "AUX"):
        # "did not say", "will announce": as for the rules' verbs, nothing is reported
        if any(
            c.dep_ == "neg" or (c.dep_ == "aux" and c.lower_ in ("will", "'ll", "shall"))
            for c in root.children
        ):
            return None
        entry = lexicons.reporting_verbs().get(root.lemma_.lower())
        last = toks[-1]
        prep = last if last.dep_ in ("prep", "agent") and last.head.i == root.i else None
        return Cue("verb", root, toks, 0.55, True if entry is None else entry[1], False, prep)
    if root.dep_ == "prep" and root.head.pos_ in ("VERB", "AUX"):
        return Cue("nominal", root.head, toks, 0.55)
    if root.pos_ in ("NOUN", "PROPN"):
        return Cue("noun", root, toks, 0.5)
    return None


def _draft_from_noun(text: str, cue: Cue, sent, para: _Para, index: int) -> Draft | None:
    """ "Trump's claim that ...", "his comments", "made the charge that ...": the possessor,
    else the subject of the verb the noun is the object of, speaks."""
    noun, base = cue.anchor, para.base
    exclude = {t.i for t in cue.tokens}
    owners = [c for c in noun.children if c.dep_ == "poss" and c.i not in exclude]
    if owners:
        head = owners[0]
    elif noun.dep_ in ("dobj", "attr") and noun.head.pos_ in ("VERB", "AUX"):
        head = subject_of(noun.head, para.in_quote)
    else:
        return None
    if head is None or para.in_quote(head) or head.i in exclude:
        return None
    if head.pos_ == "PRON" and head.lower_ in ("me", "us", "it"):
        return None
    first, last = mention_range(head, exclude | {noun.i})
    source_span = mention_span(text, head, base, exclude | {noun.i})
    cue_span = toks_span(cue.tokens[0], cue.tokens[-1], base)
    cluster = (min(source_span[0], cue_span[0]), max(source_span[1], cue_span[1]))
    claim = None
    adjacent = content_stage.adjacent_quote(text, cluster, para.quotes)
    if adjacent is not None:
        claim = adjacent[0]
    else:
        for c in noun.children:
            if c.i > noun.i and c.dep_ in ("acl", "ccomp", "appos"):
                # the clause alone: what follows it is the sentence's own verb ("Venn's
                # claim that ... was disputed")
                first = c.left_edge
                while first.i < c.i and first.lower_ == "that" and first.dep_ == "mark":
                    first = sent.doc[first.i + 1]
                span = (tok_span(first, base)[0], tok_span(c.right_edge, base)[1])
                claim = trim_content(text, span, para.quotes)
                break
            if c.i > noun.i and c.dep_ == "prep" and c.lower_ in ("about", "on", "that"):
                objs = [g for g in c.children if g.dep_ in ("pobj", "pcomp")]
                if objs:
                    claim = trim_content(
                        text,
                        (
                            tok_span(objs[0].left_edge, base)[0],
                            tok_span(objs[0].right_edge, base)[1],
                        ),
                        para.quotes,
                    )
                    break
    if claim is None or claim[1] - claim[0] < 3:
        return None
    if claim[0] < source_span[1] and source_span[0] < claim[1]:
        return None
    draft = Draft(
        claim,
        source_span,
        cue_span,
        "nominal",
        head,
        first,
        last,
        cue.strength,
        para=index,
        sent_span=_sent_span(text, sent, base),
    )
    _cue_extras(draft, cue)
    return draft


def _cue_extras(draft: Draft, cue: Cue) -> None:
    """What the learned layer reads about a draft's cue (see rank.features)."""
    lemma = cue.anchor.lemma_.lower()
    draft.extra.update(
        learned=cue.learned,
        cue_lemma=lemma,
        ratio=lexicons.learned_cues(0.0).get(lemma, (1.0,))[0],
        cue_dep=cue.anchor.dep_,
        cue_words=len(cue.tokens),
        cue_prep=cue.prep is not None,
    )


def _np_tokens_ok(toks, strict: bool = True) -> bool:
    return (
        bool(toks)
        and len(toks) <= 6
        and not any(t.pos_ in ("VERB", "AUX") for t in toks)
        and any(
            t.pos_ == "PROPN"
            or t.lemma_.lower() in lexicons.source_nouns()
            or (not strict and t.pos_ == "NOUN")
            for t in toks
        )
    )


_NAME = r"[A-Z][\w.'’-]*(?:[ \t]+(?:[A-Z][\w.'’-]*|de|al|bin|van|von)){0,3}"
_DASH_LINE = re.compile(r"(" + _NAME + r")[ \t]*(―|—|–|--)[ \t]+(?=\S)")
_TRAILING_SIGNATURE = re.compile(
    r"[ \t\u00a0]*(―|—|–|--)[ \t\u00a0]*(" + _NAME + r")[ \t\u00a0.,]*$"
)
_SIGNATURE = re.compile(r"(?:―|—|–|--|-)[ \t]*(" + _NAME + r")[ \t]*(?:[.,(]|$)")


def _dash_drafts(text: str, para: _Para, index: int, previous: _Para | None) -> list[Draft]:
    """A transcript line, "TRUMP ― We will win", and a quotation signed on the next line,
    '"…"' then "- Bernie Sanders.": the name is the source, the dash the cue."""
    info, doc = para.info, para.doc
    found = []
    m = _DASH_LINE.match(info.text)
    last_quote = para.quotes[-1] if para.quotes else None
    signed = last_quote and _TRAILING_SIGNATURE.match(text, last_quote[1], info.end)
    if signed and not text[info.start : para.quotes[0][0]].strip():
        claim = (para.quotes[0][0], last_quote[1])
        source = signed.span(2)
        dash = signed.span(1)
    elif m and len(info.text) - m.end() >= 3:
        claim = trim_content(text, (info.start + m.end(), info.end), para.quotes)
        source = (info.start + m.start(1), info.start + m.end(1))
        dash = (info.start + m.start(2), info.start + m.end(2))
    else:
        m = _SIGNATURE.match(info.text)
        if not m or previous is None or not previous.quotes or previous.info.caption:
            return found
        first_quote = previous.quotes[0]
        if text[previous.info.start : first_quote[0]].strip():
            return found
        claim = (first_quote[0], previous.quotes[-1][1])
        source = (info.start + m.start(1), info.start + m.end(1))
        dash = (info.start, info.start + len(info.text[: m.start(1)].rstrip()))
    source = trim(text, source, " \t.,")
    words = doc.char_span(source[0] - info.start, source[1] - info.start, alignment_mode="expand")
    if words is None or not len(words) or any(t.pos_ in ("VERB", "AUX") for t in words):
        return found
    found.append(
        Draft(
            claim,
            source,
            dash,
            "dash",
            words.root,
            words[0],
            words[-1],
            0.62,
            para=index,
            sent_span=(info.start, info.end),
        )
    )
    return found


def _colon_drafts(text: str, para: _Para, index: int) -> list[Draft]:
    """'Kirby: "We are trying"' and a headline's 'Netanyahu obstructing talks: Hamas'."""
    doc, base, drafts = para.doc, para.base, []
    colons = [t for t in doc if t.text == ":" and not para.in_quote(t)]
    if not colons:
        return drafts
    if para.info.headline:
        colon = colons[-1]
        tail = [t for t in doc[colon.i + 1 :] if not t.is_punct]
        if (
            1 <= len(tail) <= 4
            and tail[0].text[:1].isupper()
            and _np_tokens_ok(tail, strict=False)
            and colon.i >= 3
        ):
            head = max(
                tail,
                key=lambda t: (
                    t.pos_ in ("PROPN", "NOUN"),
                    -abs(t.head.i - t.i) if t.head in tail else 0,
                    t.i,
                ),
            )
            heads = [t for t in tail if t.head not in tail or t.head == t]
            head = heads[0] if heads else head
            src = trim(text, toks_span(tail[0], tail[-1], base), ' \t\n,;:.—–-"“”')
            claim = trim_content(text, (base, base + doc[colon.i].idx), para.quotes)
            drafts.append(
                Draft(
                    claim,
                    src,
                    None,
                    "headline_colon",
                    head,
                    tail[0],
                    tail[-1],
                    0.64,
                    para=index,
                    sent_span=(para.info.start, para.info.end),
                )
            )
            return drafts
    colon = colons[0]
    lead = [t for t in doc[: colon.i] if not t.is_punct]
    if 1 <= len(lead) <= 6 and _np_tokens_ok(lead) and colon.i + 3 < len(doc):
        heads = [t for t in lead if t.head not in lead or t.head == t]
        head = heads[0] if heads else lead[-1]
        src = trim(text, toks_span(lead[0], lead[-1], base), ' \t\n,;:.—–-"“”')
        claim = trim_content(text, (base + doc[colon.i + 1].idx, para.info.end), para.quotes)
        if claim[1] - claim[0] >= 3:
            cue_span = tok_span(colon, base)
            drafts.append(
                Draft(
                    claim,
                    src,
                    cue_span,
                    "colon",
                    head,
                    lead[0],
                    lead[-1],
                    0.6,
                    para=index,
                    sent_span=(para.info.start, para.info.end),
                )
            )
    return drafts


_GENDERED_PRONOUNS = {
    "he": "m",
    "him": "m",
    "his": "m",
    "himself": "m",
    "she": "f",
    "her": "f",
    "hers": "f",
    "herself": "f",
}


def _gender_after(para: _Para, last) -> str | None:
    """The gender of the first he/his/she/her after a name, in its sentence or the next,
    outside quotations and before another person is named."""
    doc = para.doc
    sents = 0
    for tok in doc[last.i + 1 :]:
        if tok.is_sent_start:
            sents += 1
            if sents > 1:
                return None
        if tok.ent_type_ == "PERSON" or (tok.pos_ == "PROPN" and tok.ent_type_ == ""):
            return None
        if para.in_quote(tok) or tok.text in '"“”':
            continue
        if tok.lower_ in _GENDERED_PRONOUNS and tok.pos_ == "PRON":
            return _GENDERED_PRONOUNS[tok.lower_]
    return None


def _gender_of_words(words: list[str]) -> str | None:
    found = {lexicons.gender_words()[w] for w in words if w in lexicons.gender_words()}
    return found.pop() if len(found) == 1 else None


def _is_topic(tok) -> bool:
    """A person the sentence is about: subject of the main verb (or of a verb joined to it),
    directly or through an apposition ("Abu Rashed's neighbour, Huda Salameh, used to ...")."""
    if tok.dep_ == "appos":
        tok = tok.head
    if tok.dep_ not in ("nsubj", "nsubjpass"):
        return False
    verb = tok.head
    return verb.dep_ == "ROOT" or (verb.dep_ == "conj" and verb.head.dep_ == "ROOT")


def _register_people(registry: Registry, text: str, para: _Para) -> list[tuple[int, Entry]]:
    """Record every named person's type, gender and office words; return the people the
    paragraph's sentences are about, with their positions, for later pronouns."""
    titles = lexicons.titles()
    topics = []
    for tok in para.doc:
        # a surname alone ("Costa has spoken to reporters"), whatever NER calls it: the
        # person met before
        known = registry.surnames.get(tok.text) if tok.pos_ == "PROPN" else None
        if known is None or tok.dep_ == "compound" or para.in_quote(tok) or not _is_topic(tok):
            continue
        if tok.i > 0 and para.doc[tok.i - 1].pos_ == "PROPN":
            continue
        registry.learn(known.canonical, _gender_after(para, tok))
        topics.append((para.base + tok.idx, Entry(known.canonical, known.source_type)))
    for ent in para.doc.ents:
        if ent.label_ != "PERSON" or len(ent) < 2 or para.in_quote(ent.root):
            continue
        span = entity_tokens(ent.root)
        if span is None:
            continue
        name = plain_name(para.doc[span[0].i : span[1].i + 1].text)
        left = [t.lower_ for t in para.doc[max(0, ent.start - 4) : ent.start]]
        roles = role_words(ent.root, span)
        titled = any(w in titles for w in left) or has_title(roles)
        kind = "named_spokesperson" if titled else "named_individual"
        registry.add_person(name, kind)
        near = [t.lower_ for t in para.doc[max(0, span[0].i - 2) : span[0].i + 1]]
        gender = _gender_of_words(near + roles) or _gender_after(para, span[1])
        registry.learn(name, gender, frozenset(w for w in roles if w in titles))
        if _is_topic(ent.root):
            topics.append((para.base + span[0].idx, Entry(name, kind)))
    return sorted(topics, key=lambda t: t[0])


def _finish(text: str, d: Draft, para: _Para, registry: Registry) -> None:
    """Type, anonymity, intermediary and the registry entry of one attributed draft."""
    head = d.head
    d.source_type = classify(head, d.first, d.last)
    # a type that only NER or the part of speech gives ("Kyiv", "Analysts at ...") is a guess
    d.extra["type_guessed"] = d.source_type == guessed_type(head) and not (
        _noun_kind_known(head) or person_of(head) is not None
    )
    mention = text[d.source_span[0] : d.source_span[1]]
    is_pron = head.pos_ == "PRON"
    definite = d.first.lower_ == "the" and not any(
        t.pos_ == "PROPN" for t in head.doc[d.first.i : d.last.i + 1]
    )
    lemma = head.lemma_.lower()
    entry = registry.resolve(
        mention, head.lower_, is_pron, definite, lemma if lemma in lexicons.titles() else ""
    )
    if entry is not None:
        d.canonical, d.resolved = entry.canonical, True
        d.source_type = entry.mention_type or entry.source_type
        if entry.source_type != d.source_type:
            d.extra["article_type"] = entry.source_type
        d.extra["type_guessed"] = False
        # a pronoun whose antecedent is in an earlier paragraph is a weaker link
        d.extra["far_antecedent"] = is_pron and entry.para < registry.para
    else:
        ent = entity_tokens(head) if head.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") else None
        person = person_of(head) if not is_pron else None
        if person is not None:
            d.canonical = plain_name(head.doc[person[0].i : person[1].i + 1].text)
        elif ent and head.pos_ == "PROPN":
            d.canonical = plain_name(head.doc[ent[0].i : ent[1].i + 1].text)
        elif not is_pron and d.first.i <= head.i:
            # the noun phrase up to its head: no apposition or relative clause ("The agency"
            # for "The agency, which announced the cuts" and for "which")
            d.canonical = plain_name(head.doc[d.first.i : head.i + 1].text)
        else:
            d.canonical = plain_name(mention)
        if is_pron:
            d.source_type = pronoun_type(head.lower_)
    if entry is None and not is_pron:
        # a person the article names elsewhere with an office, a role or an outlet
        # ("Trump" after "Republican nominee Donald Trump"), whatever NER called this mention;
        # set once the candidate model has decided, which was trained on the mention's own type
        known = registry.person_type(d.canonical, d.source_type)
        if known != d.source_type:
            d.extra["article_type"] = known
    plural = head.tag_ in ("NNS", "NNPS") or head.lower_ == "they"
    words = [t.lower_ for t in head.doc[d.first.i : d.last.i + 1]]
    gender = _gender_of_words(words + role_words(head)) if not is_pron else None
    if is_pron and head.lower_ in _GENDERED_PRONOUNS:
        gender = _GENDERED_PRONOUNS[head.lower_]
    if entry is not None and entry.source_type in PERSON_TYPES and not is_pron:
        registry.learn(entry.canonical, gender)
    registry.add(d.canonical, d.source_type, plural, gender)
    # anonymity: in the mention, or around the cue outside the content
    regions = [d.source_span, (d.sent_span[0], d.claim_span[0]), (d.claim_span[1], d.sent_span[1])]
    if d.claim_span[0] > d.source_span[1]:
        regions[0] = (d.source_span[0], d.claim_span[0])
    for region in regions:
        if region[1] <= region[0]:
            continue
        anon, rule, reason, reason_span = anonymity(text, region)
        if anon and d.source_type not in ("named_individual", "named_spokesperson", "document"):
            d.named, d.ground_rule, d.reason, d.reason_span = False, rule, reason, reason_span
            d.source_type = "anonymous_official"
            break
    if (
        d.kind == "dash"
        and d.source_type in ("organization", "government_office")
        and not d.resolved
    ):
        d.source_type = "named_individual"  # a signature or a transcript's speaker is a person
    if d.source_type == "anonymous_official":
        d.named = False
        d.extra.pop("article_type", None)
    if (
        d.source_type == "named_individual"
        and not d.resolved
        and not is_pron
        and not any(
            t.pos_ == "PROPN" and t.ent_type_ != "NORP" for t in head.doc[d.first.i : head.i + 1]
        )
        and person_of(head) is None
    ):
        # "critics", "a witness", "the manager, who gave evidence", "experts on North Korea"
        d.named = False
    if is_pron and not d.resolved and head.lower_ in INDEFINITE_PEOPLE:
        d.named = False  # "many", "some", "everyone"
    region = (min(d.sent_span[0], d.source_span[0]), max(d.sent_span[1], d.source_span[1]))
    cs, ce = d.claim_span
    inside = [q for q in para.quotes if cs <= q[0] and q[1] <= ce]
    # a quote split around "X told AFP": only the quoted words are the content's own
    exclude = inside if d.quote_evidence and inside else [d.claim_span]
    d.via = intermediary(text, region, exclude)


def _confidence(d: Draft) -> float:
    c = d.strength
    if d.quote_evidence:
        c += 0.08
    if d.parse_agrees:
        c += 0.04
    if d.head is not None:
        if d.resolved or d.head.ent_type_ in ("PERSON", "ORG", "GPE", "NORP"):
            c += 0.05
        elif d.head.pos_ == "PRON":
            c -= 0.12
    if d.extra.get("type_guessed"):
        c -= 0.08
    if d.extra.get("far_antecedent"):
        c -= 0.08
    if d.source_span is not None and d.head is not None and d.last.i - d.first.i >= 10:
        c -= 0.08  # a long mention often runs into a clause that is not the source's
    if d.nested:
        c *= 0.6
    return max(0.05, min(0.97, c))


# An article is read in sections of whole paragraphs of about this many characters; the parses
# of one section are dropped before the next is read, so memory stays bounded whatever the
# length. Speakers and names carry across paragraphs within a section, which holds any
# ordinary article whole.
SECTION_CHARS = 60_000
# The longest text read at all: any file the import takes (2 MiB), about a minute of parsing.
MAX_TEXT_CHARS = 2_100_000


class TextTooLong(ValueError):
    """The text is longer than the suggester reads; the message says by how much."""


def _sections(infos: list[Paragraph]) -> list[list[Paragraph]]:
    sections: list[list[Paragraph]] = [[]]
    size = 0
    for info in infos:
        if sections[-1] and size + len(info.text) > SECTION_CHARS:
            sections.append([])
            size = 0
        sections[-1].append(info)
        size += len(info.text)
    return sections


def suggest_text(
    text: str,
    model: str | None = None,
    *,
    collect: list | None = None,
    sequences: list | None = None,
) -> list[Suggestion]:
    """The suggestions for a text. With `collect` (training), every candidate is kept and
    (features, source span, cue span, content span) of each is appended to it; with
    `sequences`, (token features, token character spans) of each sentence, for the CRF."""
    if len(text) > MAX_TEXT_CHARS:
        raise TextTooLong(
            f"the text has {len(text):,} characters; the suggester reads at most "
            f"{MAX_TEXT_CHARS:,} (split the article)"
        )
    nlp = load(model or DEFAULT_MODEL)
    infos = paragraphs(text)
    relay = dateline(text)
    if relay is not None:
        # the dateline is no part of the sentence it opens: its place is never a source
        end = relay[2]
        infos = [
            _after(text, p, end) if p.start < end < p.end else p
            for p in infos
            if p.end > end or p.headline
        ]
    ranker = rank.load_model()
    min_ratio = (
        lexicons.LEARNED_MIN_RATIO
        if ranker is None and collect is None
        else rank.CANDIDATE_MIN_RATIO
    )
    training = collect is not None or sequences is not None
    crf = None if training else tagger.load_tagger()
    found: list[Suggestion] = []
    for section in _sections(infos):
        found += _suggest_section(
            text,
            section,
            nlp,
            min_ratio,
            None if training else ranker,
            collect,
            crf=crf,
            sequences=sequences,
        )
    if relay is not None:
        # the dateline's agency relays what the article reports
        agency, span, _ = relay
        found = [
            dataclasses.replace(s, via=agency, via_span=span)
            if s.source_span is not None and not s.via
            else s
            for s in found
        ]
    return sorted(found, key=lambda s: (s.claim_span, s.source_span or (0, 0)))


def _after(text: str, para: Paragraph, start: int) -> Paragraph:
    while start < para.end and text[start].isspace():
        start += 1
    return dataclasses.replace(para, start=start, text=text[start : para.end])


def _suggest_section(
    text: str,
    infos: list[Paragraph],
    nlp,
    min_ratio: float,
    ranker,
    collect: list | None,
    *,
    crf=None,
    sequences: list | None = None,
) -> list[Suggestion]:
    paras = [
        _Para(info, doc, quotes(text, info.start, info.end))
        for info, doc in zip(infos, nlp.pipe(p.text for p in infos), strict=True)
    ]
    registry = Registry(people=article_people(p.doc for p in paras))
    drafts: list[Draft] = []
    last_speaker: Draft | None = None
    for index, para in enumerate(paras):
        if para.info.caption:
            continue
        registry.para = index
        topics = _register_people(registry, text, para)
        found: list[Draft] = _colon_drafts(text, para, index)
        if not found:
            found = _dash_drafts(text, para, index, paras[index - 1] if index else None)
        for sent in para.doc.sents:
            if sequences is not None:
                sequences.append(
                    (
                        tagger.sentence_features(sent, para.in_quote),
                        [tok_span(t, para.base) for t in sent],
                    )
                )
            cues = find_cues(sent, para.in_quote, min_ratio)
            tagged = [] if crf is None else crf.spans(sent, para.in_quote)
            if tagged:
                cues = [_crf_bounds(cue, tagged) for cue in cues]
            drafts_here = [_draft_from_cue(text, cue, sent, para, index) for cue in cues]
            if tagged:
                drafts_here += _crf_drafts(text, tagged, sent, para, index, cues, found)
            for d in drafts_here:
                if d is None:
                    continue
                same = next(
                    (
                        n
                        for n, o in enumerate(found)
                        if o.claim_span == d.claim_span and o.source_span == d.source_span
                    ),
                    None,
                )
                if same is None:
                    found.append(d)
                elif _surer_cue(d, found[same]):
                    # "Taking it in, X said, '...'": the reporting verb, not a learnt
                    # lemma the model may drop, carries the attribution
                    found[same] = d
        found.sort(key=lambda d: (d.cue_span or d.source_span)[0])
        for d in found:
            while topics and topics[0][0] < d.source_span[0]:
                _, person = topics.pop(0)
                registry.add(person.canonical, person.source_type)
            _finish(text, d, para, registry)
        for _, person in topics:
            registry.add(person.canonical, person.source_type)
        if not found and last_speaker is not None and para.quotes:
            lead = text[para.info.start : para.quotes[0][0]].strip()
            if not lead and last_speaker.para >= index - 2:
                span = (para.quotes[0][0], para.quotes[-1][1])
                found.append(_carry(last_speaker, span, index, 0.5, "direct"))
        if found:
            last_speaker = max((d for d in found if d.source_span), key=lambda d: d.source_span[0])
        drafts.extend(found)
    _backward(text, paras, drafts)
    _mark_nested(drafts)
    # an inner speaker found only by a learnt cue or the CRF is more often noise than a
    # nested report
    drafts = [d for d in drafts if not (d.nested and (d.extra.get("learned") or "crf" in d.extra))]
    if collect is not None:
        collect += [
            (rank.features(d, text), d.source_span, d.cue_span, d.claim_span) for d in drafts
        ]
    elif ranker is not None:
        # the model decides on the long tail of learnt cues; the hand-written rules keep the
        # rest (on dev the model did not beat them there; see docs/suggester.md)
        drafts = [
            d
            for d in drafts
            if not d.extra.get("learned")
            or ranker.probability(rank.features(d, text)) >= ranker.threshold
        ]
    for d in drafts:
        # quotes carried over to the next paragraph take the speaker's type as it now stands
        article_type = d.extra.pop("article_type", None)
        if article_type is None and d.canonical and d.source_span is not None:
            article_type = registry.person_type(d.canonical, d.source_type)
        d.source_type = article_type or d.source_type
    drafts.extend(_unattributed(text, paras, drafts))
    return _to_suggestions(text, drafts, paras)


def _carry(speaker: Draft, span: Span, index: int, strength: float, quote: str) -> Draft:
    d = Draft(
        span,
        speaker.source_span,
        None,
        "carry",
        speaker.head,
        speaker.first,
        speaker.last,
        strength,
        quote=quote,
        para=index,
    )
    d.source_type, d.named, d.canonical, d.resolved = (
        speaker.source_type,
        speaker.named,
        speaker.canonical,
        True,
    )
    d.ground_rule, d.reason, d.reason_span, d.via = (
        speaker.ground_rule,
        speaker.reason,
        speaker.reason_span,
        speaker.via,
    )
    d.extra["carried"] = True
    return d


def _backward(text: str, paras: list[_Para], drafts: list[Draft]) -> None:
    """Wire style: a paragraph's closing "..., a source told Reuters" covers the sentence
    before it in the same paragraph when that sentence has no cue of its own."""
    added = []
    for d in drafts:
        if d.kind != "verb" or d.source_span is None or d.source_span[0] < d.claim_span[1]:
            continue
        if d.claim_span[0] != d.sent_span[0]:
            continue
        para = paras[d.para]
        sents = [_sent_span(text, s, para.base) for s in para.doc.sents]
        prev = [s for s in sents if s[1] <= d.sent_span[0]]
        if not prev:
            continue
        sspan = prev[-1]
        if any(
            o.para == d.para
            and o is not d
            and o.claim_span[0] < sspan[1]
            and o.claim_span[1] > sspan[0]
            for o in drafts
        ):
            continue
        if any(qs < sspan[1] and qe > sspan[0] for qs, qe in para.quotes):
            continue
        claim = trim_content(text, sspan, para.quotes)
        added.append(_carry(d, claim, d.para, 0.45, "paraphrase"))
        added[-1].cue_span = d.cue_span
    drafts.extend(added)


def _mark_nested(drafts: list[Draft]) -> None:
    for d in drafts:
        if d.source_span is None or d.extra.get("carried"):
            continue
        for o in drafts:
            if (
                o is not d
                and o.claim_span[0] <= d.source_span[0]
                and d.source_span[1] <= o.claim_span[1]
            ):
                d.nested = True


def _unattributed(text: str, paras: list[_Para], drafts: list[Draft]) -> list[Draft]:
    """Checkable statements of fact (figures, dates, named events) that no cue covers."""
    covered = [(d.claim_span[0], d.claim_span[1]) for d in drafts]
    covered += [d.source_span for d in drafts if d.source_span]
    out = []
    for index, para in enumerate(paras):
        if para.info.caption or para.info.headline:
            continue
        for sent in para.doc.sents:
            sspan = _sent_span(text, sent, para.base)
            if any(s < sspan[1] and e > sspan[0] for s, e in covered):
                continue
            if any(qs < sspan[1] and qe > sspan[0] for qs, qe in para.quotes):
                continue
            words = [t for t in sent if not t.is_punct]
            if (
                len(words) < 6
                or sent[-1].text not in (".", "!")
                or sent.root.pos_ not in ("VERB", "AUX")
            ):
                continue
            if any(c.dep_ == "aux" and c.lower_ in _MODALS for c in sent.root.children):
                continue  # a forecast or a possibility, not a checkable fact
            if not any(_checkable(t) for t in sent) and not re.search(r"\d", sent.text):
                continue
            claim = trim_content(text, sspan, para.quotes)
            d = Draft(claim, None, None, "unattributed", strength=0.3, para=index, sent_span=sspan)
            d.quote, d.canonical = "none", None
            out.append(d)
    return out


def _to_suggestions(text: str, drafts: list[Draft], paras: list[_Para]) -> list[Suggestion]:
    best: dict[tuple, Suggestion] = {}
    for d in drafts:
        qs = paras[d.para].quotes
        if d.kind == "unattributed":
            quote, source_type = "none", "unattributed"
        else:
            quote = (
                d.quote
                if d.extra.get("carried")
                else content_stage.quote_mode(text, d.claim_span, qs)
            )
            source_type = d.source_type
        s = Suggestion(
            claim_span=d.claim_span,
            claim=text[d.claim_span[0] : d.claim_span[1]],
            source=None if d.source_span is None else text[d.source_span[0] : d.source_span[1]],
            source_span=d.source_span,
            cue=None if d.cue_span is None else text[d.cue_span[0] : d.cue_span[1]],
            cue_span=d.cue_span,
            source_type=source_type,
            named=d.named if d.source_span else False,
            quote=quote,
            via=d.via[0] if d.via else None,
            via_span=d.via[1] if d.via else None,
            ground_rule=d.ground_rule,
            anonymity_reason=d.reason,
            anonymity_reason_span=d.reason_span,
            canonical_source=d.canonical,
            confidence=round(_confidence(d), 3),
        )
        key = (s.claim_span, s.source_span)
        if key not in best or best[key].confidence < s.confidence:
            best[key] = s
    return sorted(best.values(), key=lambda s: (s.claim_span, s.source_span or (0, 0)))
