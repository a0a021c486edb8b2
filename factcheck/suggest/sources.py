"""Stage 2: the source of a cue: its mention as written, its type, anonymity and intermediary."""

import itertools
import re

from . import gazetteer, lexicons
from .records import Span
from .tokens import toks_span, trim

PRONOUNS = {"he", "she", "they", "it", "we", "i", "who", "which", "that"}
_RELATIVE = {"who", "which", "that"}


def subject_of(verb, skip=None):
    """The token naming who speaks for a cue verb, following the parse.

    nsubj of the verb; else, for "prompted an official ... to say", the object of the verb
    governing it; for a conjoined or participial verb ("..., adding that"), the subject of the
    verb it hangs on; a relative pronoun stands for the noun its clause modifies.
    """
    for _ in range(4):
        for c in verb.children:
            if c.dep_ in ("nsubj", "nsubjpass") and c.lower_ not in ("there",):
                if skip is not None and skip(c):
                    continue  # a quoted word the parse took for a subject ("Full panic mode")
                # a relative pronoun is the mention as written ("the agency, which said");
                # the noun it stands for gives the name and type (see antecedent())
                return c
        if verb.dep_ == "xcomp":
            for c in verb.head.children:
                if c.dep_ == "dobj":
                    return c
        if verb.dep_ in ("conj", "xcomp", "advcl") and verb.head is not verb:
            if verb.dep_ == "advcl" and verb.tag_ != "VBG":
                return None
            verb = verb.head
            continue
        return None
    return None


def antecedent(tok):
    """The noun a relative pronoun stands for ("the agency" for "which"), or tok itself."""
    if tok.lower_ in _RELATIVE and tok.head.dep_ == "relcl" and tok.head.head is not tok:
        return tok.head.head
    return tok


def entity_tokens(tok):
    """The named entity a token belongs to, as a token range, or None."""
    if not tok.ent_type_:
        return None
    doc = tok.doc
    start = tok.i
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    end = tok.i
    while end + 1 < len(doc) and doc[end + 1].ent_iob_ == "I":
        end += 1
    while end > start and doc[end].tag_ == "POS":
        end -= 1
    titles = lexicons.titles() | lexicons.honorifics()
    courtesy = lexicons.courtesy()
    while start < end and doc[start].lower_ in titles and doc[start].lower_ not in courtesy:
        start += 1
    # an honorific that belongs to the name ("Dr. Amanda Paluch"), which NER often leaves out
    if start > 0 and doc[start - 1].lower_ in courtesy and doc[start - 1].pos_ == "PROPN":
        start -= 1
    return doc[start], doc[end]


def plain_name(name: str) -> str:
    """The name without a leading "Mr."/"Dr." ("Dr. Amanda Paluch" -> "Amanda Paluch")."""
    words = name.split()
    while len(words) > 2 and lexicons.courtesy().get(words[0].lower()) == "plain":
        words = words[1:]
    return " ".join(words) if words else name


def person_of(head):
    """The PERSON a mention names: its head or an apposition ("Minister ..., Benjamin
    Netanyahu"), not a possessor ("Netanyahu's office")."""
    appositions = [c for c in head.children if c.dep_ == "appos"]
    for tok in [head, *appositions]:
        if tok.ent_type_ == "PERSON" and tok.pos_ == "PROPN":
            return entity_tokens(tok)
    found = titled_name(head)
    if found is not None:
        return found
    for tok in appositions:
        name = appositive_name(head, tok)
        if name is not None:
            return name
    return None


def _org_noun(tok) -> bool:
    kind = lexicons.source_nouns().get(tok.lemma_.lower()) or lexicons.source_nouns().get(
        tok.lower_
    )
    return kind in ("organization", "ministry", "government_office", "document", "news_agency")


def appositive_name(head, appos):
    """A person's name NER missed, in apposition to a common noun for a person ("Pell's
    barrister, Helen Drury KC", "A meteorologist at the University of Coimbra, Rita Mendes"):
    two or more capitalised proper nouns; never after an organisation's noun ("the company,
    Nordcell Energy")."""
    if head.pos_ != "NOUN" or head.tag_ != "NN" or _org_noun(head):
        return None
    if appos.pos_ != "PROPN" or appos.ent_type_ in ("GPE", "NORP", "DATE", "LOC"):
        return None
    doc = appos.doc
    start = appos.i
    while start > appos.left_edge.i and doc[start - 1].pos_ == "PROPN":
        start -= 1
    if appos.i - start < 1 or any(not doc[i].text[:1].isupper() for i in range(start, appos.i + 1)):
        return None
    if any(doc[i].ent_type_ in ("GPE", "NORP") for i in range(start, appos.i + 1)):
        return None
    return doc[start], appos


def titled_name(head):
    """A name after a title that NER missed ("Fire Marshal Teresa Kowalski" as an ORG): the
    capitalised words between the last title word and the head."""
    if head.pos_ != "PROPN" or head.ent_type_ == "PERSON":
        return None
    doc = head.doc
    titles = lexicons.titles() | lexicons.honorifics()
    courtesy = lexicons.courtesy()
    name_start = head.i
    while name_start > head.left_edge.i and doc[name_start - 1].pos_ == "PROPN":
        if doc[name_start - 1].lower_ in titles:
            break
        name_start -= 1
    before = doc[name_start - 1] if name_start > 0 else None
    if before is None or before.lower_ not in titles or name_start == head.i:
        return None  # one word after a title is too little to call a name
    if before.lower_ in courtesy:
        name_start -= 1  # "Dr. Teresa Kowalski": the honorific is part of the name
    return doc[name_start], head


# A party tag after a name marks an officeholder or candidate: "(D-N.Y.)", "(R-IN)", "(D)",
# ", R-Ky.,".
_PARTY_TAG = re.compile(r"^\s*[(,]\s*(?:[DRI]\s*[-–]\s*[A-Z]|[DRI]\s*\))")
# Words that make a person an expert or a witness even beside an office word ("a professor
# and director of the Tax Policy Center", "an economist who served as director of ...").
_EXPERTS = {
    "expert",
    "researcher",
    "scientist",
    "economist",
    "professor",
    "analyst",
    "scholar",
    "historian",
    "pollster",
    "physician",
    "activist",
}
# A person in apposition to one of these is a party's politician ("Charles E. Grassley,
# Republican of Iowa", "a prominent New York Democrat").
_PARTY_MEMBERS = {"democrat", "republican"}
# Evidence about a person, weakest first: a name alone, an expert's or witness's word, an
# office, the media.
# An expert's word ("professor", "analyst") outranks an office named elsewhere in the
# article ("head of the Tax Policy Center"): the article cites them as an expert.
_RANK = {"named_individual": 1, "named_spokesperson": 2, "expert": 2.5, "news_agency": 3}


def _media_word(word: str) -> bool:
    return lexicons.source_nouns().get(word) == "news_agency"


def person_evidence(head, person) -> str | None:
    kind = _evidence(head, person)
    return "named_individual" if kind == "expert" else kind


def _evidence(head, person) -> str | None:
    """What the words around a person's name say they are: `news_agency` for a journalist or
    someone speaking for an outlet ("New York Times columnist David Brooks", "CNN's Jake
    Tapper", "Noah Oppenheim, the NBC executive"), `named_spokesperson` for an officeholder,
    candidate or campaign staff ("Sen.", "Republican nominee", "campaign manager", a party tag
    "(D-N.Y.)"), `named_individual` for an expert ("political science professor"), None when
    they say nothing."""
    doc = head.doc
    words = [w for w in role_words(head, person) if w not in ("'s", "’s", "'", "’")]
    start = min(person[0].i, head.left_edge.i)
    # the words just before the name, which the parse does not always hang on it ("On
    # Tuesday, MSNBC anchor and news correspondent Andrea Mitchell interviewed ...")
    for i in range(person[0].i - 1, max(-1, person[0].i - 7), -1):
        if doc[i].is_punct and doc[i].text not in ("'", "’", "-", "."):
            break
        if doc[i].pos_ in ("VERB", "AUX", "ADP", "PRON", "DET", "SCONJ") or doc[i].is_sent_end:
            break
        start = min(start, i)
        words.append(doc[i].lower_)
    before = doc[start : person[0].i].text
    nouns = [head, *(c for c in head.children if c.dep_ == "appos")]
    if head.dep_ == "appos":
        nouns.append(head.head)
    for noun in nouns[1:]:
        # "..., director of the Tax Centre and a professor of economics"
        for c in noun.children:
            if c.dep_ == "conj" and c.pos_ == "NOUN":
                words += [t.lower_ for t in doc[c.left_edge.i : c.i + 1]]
    roles = " ".join(words)
    if any(_media_word(w) for w in words) or agency_in(before) or agency_in(roles):
        return "news_agency"
    if any(w in _EXPERTS for w in words):
        return "expert"
    after = doc.text[person[1].idx + len(person[1]) : person[1].idx + len(person[1]) + 12]
    if (
        has_title(words)
        or _PARTY_TAG.match(after)
        or any(n.lower_ in _PARTY_MEMBERS and n.pos_ in ("PROPN", "NOUN") for n in nouns[1:])
    ):
        return "named_spokesperson"
    if any(lexicons.source_nouns().get(w) == "named_individual" for w in words):
        return "named_individual"
    return None


def article_people(docs, learnt: bool = True) -> dict[str, str]:
    """Every person named in the article, by lower-case full name and surname, with the
    strongest thing the article says of them anywhere: a title or role given at one mention
    carries to the others ("Trump" after "Republican nominee Donald Trump"). Where the
    article says nothing of a person, the learnt gazetteer may (`gazetteer.py`)."""
    found: dict[str, str] = {}
    by_surname: dict[str, dict[str, str]] = {}
    for doc in docs:
        for ent in doc.ents:
            if ent.label_ == "PERSON":
                span = entity_tokens(ent.root)
                if span is None:
                    continue
                kind = _evidence(ent.root, span) or "named_individual"
            elif _outlet_person(ent) is not None:
                span, kind = _outlet_person(ent), "news_agency"
            elif ent.label_ in ("ORG", "FAC", "NORP", "GPE") and titled_name(ent.root) is not None:
                # "Fire Marshal Teresa Kowalski", which NER takes for a body
                span = titled_name(ent.root)
                kind = _evidence(ent.root, span) or "named_spokesperson"
            else:
                continue
            words = re.sub(r"(?:'s|’s|'|’)$", "", doc[span[0].i : span[1].i + 1].text).split()
            while len(words) > 1 and lexicons.courtesy().get(words[0].lower()) == "plain":
                words = words[1:]  # "Mr. Trump" is "trump"
            name = " ".join(words).lower()
            if not name:
                continue
            if _RANK[kind] > _RANK.get(found.get(name, ""), 0):
                found[name] = kind
            if " " in name:
                full = by_surname.setdefault(name.split()[-1], {})
                if _RANK[kind] > _RANK.get(full.get(name, ""), 0):
                    full[name] = kind
            else:
                full = by_surname.setdefault(name, {})
                if _RANK[kind] > _RANK.get(full.get("", ""), 0):
                    full[""] = kind
    for surname, names in by_surname.items():
        kinds = {k for n, k in names.items() if n}
        if len(kinds) > 1:
            # two people of one surname the article tells apart by kind ("Bill Clinton" and
            # "Chelsea Clinton"): the surname alone says nothing
            found.pop(surname, None)
            continue
        best = max(names.values(), key=lambda k: _RANK[k])
        found[surname] = best
        full = [n for n in names if n]
        if len(full) == 1:
            found[full[0]] = best  # "Sen. Cruz" tells who "Ted Cruz" is
    if learnt:
        known = gazetteer.people()
        for name, kind in found.items():
            # a surname alone only where the article gives no full name for it: "Scott" is
            # "Keith Scott" the witness, not a senator the gazetteer knows
            alone = " " in name or not any(by_surname.get(name, {}))
            if kind == "named_individual" and alone and name in known:
                found[name] = known[name]
        for surname, names in by_surname.items():
            full = [n for n in names if n]
            if len(full) == 1 and found.get(surname) == "named_individual":
                found[surname] = found.get(full[0], "named_individual")
    return found


def outranks(known: str, source_type: str) -> bool:
    """Whether what the article says of a person (`known`, from article_people) says more
    than the type one mention gives: media over office over expert over nothing."""
    return _RANK.get(known, 0) > _RANK.get(source_type, 0) or known == "expert"


def _outlet_person(ent):
    """The person in an entity NER took whole for an organisation, "Fox News’ Sean
    Hannity": an outlet, its possessive, then two or more capitalised words."""
    doc = ent.doc
    for tok in ent:
        if tok.text in ("'s", "’s", "'", "’") and tok.i + 2 < ent.end:
            rest = doc[tok.i + 1 : ent.end]
            outlet = agency_in(doc[ent.start : tok.i].text)
            if outlet and all(t.pos_ == "PROPN" and t.text[:1].isupper() for t in rest):
                return rest[0], rest[-1]
    return None


def mention_range(head, exclude: set[int]):
    """First and last token of the source mention headed by `head`, as annotators mark it.

    The whole noun phrase that names the source: title, apposition and relative clause
    included ("Trump campaign spokesman Jason Miller", "Kenneth Baer, a former Obama
    administration official who runs Crosscut Strategies"), coordinated sources as one
    mention ("Mr. Grassley and Mr. Leahy"), a pronoun as itself. The phrase stops at the
    cue's own tokens (`exclude`) and never runs past a clause the cue belongs to.
    """
    if head.pos_ == "PRON" and not any(c.dep_ in ("relcl", "acl", "prep") for c in head.children):
        return head, head
    doc = head.doc
    start, end = head.i, head.i
    for i in range(head.i - 1, head.left_edge.i - 1, -1):
        if i in exclude:
            break
        start = i
    for i in range(head.i + 1, head.right_edge.i + 1):
        if i in exclude or doc[i].text in ('"', "“", "”", "''", "``"):
            break
        end = i
    # a dateline before the phrase ("WASHINGTON -- President Obama"): the place is no source
    for i in range(head.i - 1, start - 1, -1):
        if doc[i].text in ("--", "—", "–", "―") or (doc[i].text == ")" and i > start):
            start = i + 1
            break
    while start < head.i and (doc[start].is_punct or doc[start].dep_ in ("cc", "preconj")):
        start += 1
    # a dangling relative pronoun or conjunction left where the phrase was cut ("... , which")
    while end > head.i and (
        doc[end].is_punct
        or doc[end].dep_ in ("cc", "mark")
        or (doc[end].tag_ in ("WDT", "WP", "WRB") and doc[end].dep_.startswith("nsubj"))
        or (doc[end].dep_ == "advmod" and doc[end].head.i > end)
    ):
        end -= 1
    if doc[end].text in (")", "]") and "(" in doc[start : end + 1].text:
        pass
    elif doc[start : end + 1].text.count("(") > doc[start : end + 1].text.count(")"):
        # "(R-IN" without its closing bracket: keep the bracket whole or leave it out
        close = next((t.i for t in doc[end + 1 : end + 4] if t.text == ")"), None)
        if close is not None and close not in exclude:
            end = close
    return doc[start], doc[end]


def mention_span(text: str, head, base: int, exclude: set[int]) -> Span:
    first, last = mention_range(head, exclude)
    return trim(text, toks_span(first, last, base), " \t\n,;:.—–-\"“”'")


_GOV_OFFICE = re.compile(
    r"\b(white house|kremlin|downing street|élysée|elysee|presidency|presidential office|"
    r"(prime minister|president|premier|chancellor)('s|’s)? office|"
    r"office of the (prime minister|president|premier|chancellor))\b"
)


def agency_in(text: str) -> re.Match | None:
    return lexicons.news_agency_pattern().search(text)


def is_outlet(name: str) -> bool:
    """Whether `name` is a news agency or outlet and nothing more ("Zero Hedge")."""
    return lexicons.news_agency_pattern().fullmatch(name) is not None


_INDEFINITE = {"a", "an", "one", "another", "some", "any"}


def has_title(words: list[str]) -> bool:
    """Whether lower-case words hold an office title, one word or two ("press secretary")."""
    titles = lexicons.titles()
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(words)]
    return any(w in titles for w in words) or any(p in titles for p in pairs)


def role_words(head, person=None) -> list[str]:
    """The words that describe who a mention is, minus the name: the head's left modifiers
    ("Finance Minister", "White House national security spokesperson"), the noun it is in
    apposition to and its appositions ("Pell's barrister, ...", "..., a Dangote Group
    vice-president", "..., the spokesman of Hamas' armed wing"), with their own left
    modifiers and "of"/"for"/"at" phrases; never a relative clause's words."""
    doc = head.doc
    skip = set() if person is None else set(range(person[0].i, person[1].i + 1))
    nouns = [head, *(c for c in head.children if c.dep_ == "appos")]
    if head.dep_ == "appos":
        nouns.append(head.head)
    words = []
    for noun in nouns:
        for i in range(noun.left_edge.i, noun.i + 1):
            if i not in skip and not doc[i].is_punct:
                words.append(doc[i].lower_)
        for c in noun.rights:
            if c.dep_ == "prep" and c.lower_ in ("of", "for", "at", "to"):
                words += [t.lower_ for t in c.subtree if t.i not in skip][:8]
    return words


def _noun_kind(head):
    nouns = lexicons.source_nouns()
    doc = head.doc
    if head.i > 0 and doc[head.i - 1].head == head:
        pair = f"{doc[head.i - 1].lower_} {head.lemma_.lower()}"
        if pair in nouns:
            return nouns[pair]
    return nouns.get(head.lemma_.lower()) or nouns.get(head.lower_)


def noun_kind_known(head) -> bool:
    """Whether the lexicons know the head noun's kind or an office title is in its phrase."""
    return _noun_kind(head) is not None or (head.pos_ == "NOUN" and has_title(role_words(head)))


def _determiner(head) -> str:
    for c in head.children:
        if c.dep_ in ("det", "poss") and c.i < head.i:
            return "indefinite" if c.lower_ in _INDEFINITE else "definite"
        if c.dep_ == "nummod":
            return "indefinite"
    return "bare"


def _is_person_noun(head) -> bool:
    """A common noun for a person: "the manager, who gave evidence"."""
    return any(
        c.dep_ == "relcl"
        and any(g.lower_ == "who" and g.dep_.startswith("nsubj") for g in c.children)
        for c in head.children
    )


_PARTITIVE = {"one", "two", "three", "some", "many", "several", "most", "all", "none", "both"}
# Who the text will not name: an anonymous source.
_SOMEONE = {"someone", "somebody"}
# Pronouns for people the text does not name ("many think", "some believe").
INDEFINITE_PEOPLE = {
    "many",
    "some",
    "others",
    "most",
    "few",
    "several",
    "everyone",
    "everybody",
    "anyone",
    "anybody",
    "all",
    "both",
}
_PERSON_PRONOUNS = {"he", "she", "i", "me", "him", "who", "whom"}


def pronoun_type(word: str) -> str:
    """The type of a pronoun no earlier source explains: a person for "he", "I" or "many",
    an anonymous source for "someone", else a body ("it", "we", "they")."""
    if word in _SOMEONE:
        return "anonymous_official"
    if word in _PERSON_PRONOUNS or word in INDEFINITE_PEOPLE:
        return "named_individual"
    return "organization"


# Nouns for an outlet's own work: with the outlet named, the outlet is the source.
_OUTLET_WORKS = {"report", "analysis", "article", "story", "piece", "editorial", "investigation"}


def classify(head, first, last) -> str:
    """Source type from the mention's head noun, its title and its named entity."""
    doc = head.doc
    if head.lower_ in _PARTITIVE or head.pos_ == "NUM":
        # "one of the sources", "two of the authors": the kind is the noun after "of"
        counted = head
        for c in head.children:
            if c.dep_ == "prep" and c.lower_ == "of":
                objs = [g for g in c.children if g.dep_ == "pobj"]
                if objs:
                    head = objs[0]
        if head is counted and head.ent_type_ not in ("ORG", "NORP", "GPE"):
            # "nearly three in five", "many": people the text does not name
            return "named_individual"
    if head.lower_ in _SOMEONE:
        return "anonymous_official"
    words = doc[first.i : last.i + 1]
    low = words.text.lower()
    lemma = head.lemma_.lower()
    if head.pos_ == "PROPN" and agency_in(head.text) and agency_in(head.text).group(0) == head.text:
        return "news_agency"
    outlet = agency_in(words.text)
    if outlet and outlet.group(0) in (words.text, re.sub(r"^[Tt]he\s+", "", words.text)):
        return "news_agency"  # "The Hill", "the Times"
    if lemma in _PARTY_MEMBERS and any(
        c.dep_ in ("det", "nummod", "amod") and c.lower_ in _PARTITIVE | _INDEFINITE
        for c in head.children
    ):
        return "anonymous_official"  # "One Republican", "some Democrats": unnamed politicians
    if (
        head.ent_type_ == "NORP"
        and head.tag_ == "NNPS"
        and any(c.dep_ in ("det", "amod") and c.lower_ in INDEFINITE_PEOPLE for c in head.children)
    ):
        return "named_individual"  # "many Americans": people the text does not name
    ent = entity_tokens(head)
    if ent and agency_in(doc[ent[0].i : ent[1].i + 1].text):
        name = doc[ent[0].i : ent[1].i + 1].text
        if agency_in(name).group(0) == name:
            return "news_agency"
    # a person named with the office they speak for ("White House spokesperson John Kirby")
    # is that person, whatever the office's words
    person = person_of(head)
    if person is not None:
        evidence = person_evidence(head, person)
        if evidence is None and has_title([t.lower_ for t in words if t.i < person[0].i]):
            evidence = "named_spokesperson"
        return evidence or "named_individual"
    if _GOV_OFFICE.search(low):
        return "government_office"
    if lemma in ("ministry", "ministries", "department") or (
        head.pos_ == "PROPN" and re.search(r"\bministry\b|\bdepartment\b", low)
    ):
        return "ministry"
    kind = _noun_kind(head)
    if kind == "document" and head.pos_ == "PROPN" and doc[head.i - 1].pos_ == "PROPN":
        kind = None  # part of a body's name ("The U.S. Geological Survey")
    if kind == "document" and lemma in _OUTLET_WORKS and agency_in(words.text):
        return "news_agency"  # an outlet's own reporting ("a new report by Politico")
    if kind == "named_spokesperson":
        return "anonymous_official"  # a spokesman without a name
    if kind is None and head.pos_ == "NOUN" and has_title(role_words(head)):
        # "the judge", "the county fire marshal", "Nigeria's education minister": one
        # identified official; "an envoy", "two ministers": not named
        if head.tag_ == "NNS" or _determiner(head) == "indefinite":
            return "anonymous_official"
        return "named_spokesperson"
    if kind is None and head.pos_ == "NOUN" and _is_person_noun(head):
        return "named_individual"
    if kind == "government_office" and lemma == "office":
        has_owner = any(c.dep_ == "poss" for c in head.children)
        return "government_office" if has_owner else "organization"
    if kind:
        return kind
    return guessed_type(head)


def guessed_type(head) -> str:
    """The type from the named-entity label or the part of speech alone: no lexicon word, no
    title and no name backs it (the confidence says so)."""
    if head.ent_type_ == "PERSON":
        return "named_individual"
    if head.ent_type_ == "GPE":
        return "government_office"
    if head.ent_type_ in ("ORG", "NORP", "FAC"):
        return "organization"
    if head.pos_ == "PROPN":
        return "organization"
    if head.tag_ == "NNS":
        return "anonymous_official"
    return "organization"


_REASON = re.compile(
    r"^[\s,]*(?:(?:speaking|spoke|who spoke)\s+)?"
    r"((?:because|as|since)\b[^.;:,\"“”]*|to (?:discuss|speak about|talk about|describe|reveal|"
    r"share|comment on)\b[^.;:,\"“”]*|(?:citing|given)\b[^.;:,\"“”]*)"
)


def anonymity(text: str, region: Span) -> tuple[bool, str, str, Span | None]:
    """(anonymous, ground rule, stated reason, reason span) from the wording in `region`.

    The reason is the clause that gives one ("because they were not authorised to speak",
    "to discuss private talks"); failing that, the condition as stated ("speaking on condition
    of anonymity"), or "not authorised to speak ..." which is itself a reason.
    """
    s, e = region
    low = text[s:e].lower()
    for phrase, rule in lexicons.anonymity_phrases():
        i = low.find(phrase)
        if i < 0:
            continue
        p_start, p_end = s + i, s + i + len(phrase)
        m = _REASON.match(text[p_end:e])
        if m and m.group(1).strip():
            r_start = p_end + m.start(1)
            r_span = trim(text, (r_start, r_start + len(m.group(1))))
            return True, rule, text[r_span[0] : r_span[1]], r_span
        if phrase.startswith("not authori"):
            clause = re.match(r"[^.;:,\"“”]*", text[p_start:e])
            r_span = trim(text, (p_start, p_start + clause.end()))
            return True, rule, text[r_span[0] : r_span[1]], r_span
        if rule:
            lead = re.search(
                r"(?:speaking|spoke|who spoke|talking|who talked)\s+$", text[s:p_start]
            )
            r_start = s + lead.start() if lead else p_start
            r_span = (r_start, p_end)
            return True, rule, text[r_start:p_end], r_span
        return True, rule, "", None
    return False, "", "", None


_VIA_BEFORE = re.compile(
    r"(?:told|tell|telling|to|by|with|according to|speaking to|told the news agency|"
    r"news agency|newspaper|broadcaster|channel)\s+(?:the\s+)?(?:[\w-]+\s+){0,3}$",
    re.IGNORECASE,
)


_DATELINE = re.compile(
    r"^[ \t]*[A-Z][\w.,' -]{1,40}?[ \t]*(?:\([^()\n]{1,40}\))?[ \t]*\(([^()\n]{2,40})\)"
    r"[ \t]*(?:--|[-–—―])",
    re.MULTILINE,
)


def dateline(text: str, within: int = 600) -> tuple[str, Span, int] | None:
    """The agency of a dateline near the top ("Washington (AFP) –"), which relays the
    article's statements (an intermediary, never a source), its span, and where the
    dateline ends."""
    m = _DATELINE.search(text, 0, min(len(text), within))
    if m is None:
        return None
    agency = lexicons.news_agency_pattern().fullmatch(m.group(1).strip())
    if agency is None:
        return None
    start = m.start(1) + (len(m.group(1)) - len(m.group(1).lstrip()))
    return agency.group(0), (start, start + len(agency.group(0))), m.end()


def intermediary(text: str, region: Span, exclude: list[Span]) -> tuple[str, Span] | None:
    """A wire agency or outlet that relayed the statement ("told AFP", "carried by WAFA"),
    outside the `exclude` spans (the content's own words)."""
    s, e = region
    for m in lexicons.news_agency_pattern().finditer(text, s, e):
        a, b = m.start(), m.end()
        if any(x[0] <= a < x[1] for x in exclude):
            continue
        if _VIA_BEFORE.search(text[max(s, a - 60) : a]):
            return text[a:b], (a, b)
    return None
