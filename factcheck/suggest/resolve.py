"""Who a pronoun, a surname or "the group" stands for: the last compatible source."""

import re
from dataclasses import dataclass, field

from .sources import is_outlet, outranks

PERSON_TYPES = {"named_individual", "named_spokesperson"}
ORG_TYPES = {"organization", "ministry", "government_office", "news_agency"}
_DESCRIPTIONS = {
    "group": {"organization"},
    "movement": {"organization"},
    "organization": {"organization"},
    "organisation": {"organization"},
    "militia": {"organization"},
    "faction": {"organization"},
    "party": {"organization"},
    "company": {"organization"},
    "agency": ORG_TYPES,
    "ministry": {"ministry"},
    "department": {"ministry"},
    "office": {"government_office"},
    "army": ORG_TYPES,
    "military": ORG_TYPES,
    # "the newspaper", "the daily" after "The Washington Post"
    "newspaper": {"news_agency"},
    "paper": {"news_agency"},
    "daily": {"news_agency"},
    "outlet": {"news_agency"},
    "network": {"news_agency"},
    "broadcaster": {"news_agency"},
    "magazine": {"news_agency"},
    "campaign": {"organization"},
}


_COURTESY = {"mr.", "mrs.", "ms.", "mr", "mrs", "ms", "dr.", "dr", "miss"}

_PRONOUN_GENDER = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f"}


@dataclass
class Entry:
    canonical: str
    source_type: str
    plural: bool = False
    gender: str | None = None  # "m" | "f" | None (the text does not say)
    roles: frozenset[str] = frozenset()  # office words ("judge", "envoy")
    para: int = 0  # the paragraph it was met in
    # the type the mention itself gave, before the article's word on the person: what the
    # candidate model was trained on
    mention_type: str = ""


@dataclass
class Registry:
    """Sources met so far in the article, in reading order, and what the text says of people:
    their gender (from honorifics, gendered titles and the pronouns that follow their name)
    and their office words."""

    entries: list[Entry] = field(default_factory=list)
    surnames: dict[str, Entry] = field(default_factory=dict)
    genders: dict[str, str] = field(default_factory=dict)  # name or surname -> "m" | "f"
    roles: dict[str, frozenset[str]] = field(default_factory=dict)
    para: int = 0  # the paragraph being read
    # lower-case full name or surname -> the type the whole article gives that person
    people: dict[str, str] = field(default_factory=dict)

    def kind_of(self, name: str) -> str | None:
        """The type the article gives the person `name` ("Mr. Castañeda", "KASICH",
        "Trump's"), by full name, else by surname, or None for no person it names."""
        words = re.sub(r"(?:'s|’s|'|’)$", "", name.strip()).lower().split()
        while len(words) > 1 and words[0] in _COURTESY:
            words = words[1:]
        if not words:
            return None
        return self.people.get(" ".join(words)) or (
            self.people.get(words[-1]) if len(words) <= 2 else None
        )

    def person_type(self, name: str, source_type: str) -> str:
        """A person's type from the whole article: an office, a role or the media named at
        any mention holds for all of them; a name NER took for a body ("Fox News’ Sean
        Hannity") is still the person."""
        if source_type not in PERSON_TYPES | {"organization"}:
            return source_type
        known = self.kind_of(name)
        if known is None or (source_type in PERSON_TYPES and not outranks(known, source_type)):
            return source_type
        return "named_individual" if known == "expert" else known

    def learn(self, name: str, gender: str | None, roles: frozenset[str] = frozenset()) -> None:
        """Record a person's gender and office words, under the full name and the surname."""
        for key in (name, name.split()[-1]) if name.split() else ():
            if gender and key not in self.genders:
                self.genders[key] = gender
            if roles:
                self.roles[key] = self.roles.get(key, frozenset()) | roles

    def gender_of(self, name: str) -> str | None:
        words = name.split()
        return self.genders.get(name) or (self.genders.get(words[-1]) if words else None)

    def add(
        self,
        canonical: str,
        source_type: str,
        plural: bool = False,
        gender: str | None = None,
    ) -> None:
        mention_type, source_type = source_type, self.person_type(canonical, source_type)
        words = canonical.split()
        gender = gender or (self.gender_of(canonical) if source_type in PERSON_TYPES else None)
        roles = self.roles.get(canonical) or (self.roles.get(words[-1]) if words else None)
        entry = Entry(
            canonical, source_type, plural, gender, roles or frozenset(), self.para, mention_type
        )
        self.entries.append(entry)
        if source_type in PERSON_TYPES and " " in canonical:
            known = self.surnames.get(canonical.split()[-1])
            if known is None or known.source_type != "named_spokesperson":
                self.surnames[canonical.split()[-1]] = entry

    def add_person(self, name: str, source_type: str) -> None:
        """A person named anywhere in the text, for a later surname."""
        if is_outlet(name):
            return  # "Zero Hedge", which NER may take for a person
        mention_type, source_type = source_type, self.person_type(name, source_type)
        if " " in name:
            known = self.surnames.get(name.split()[-1])
            if known is None or (
                known.source_type != "named_spokesperson" and source_type == "named_spokesperson"
            ):
                self.surnames[name.split()[-1]] = Entry(
                    name, source_type, mention_type=mention_type
                )

    def _last(self, types: set[str], plural: bool | None = None) -> Entry | None:
        for entry in reversed(self.entries):
            if entry.source_type in types and (plural is None or entry.plural == plural):
                return entry
        return None

    def _last_person(self, gender: str) -> Entry | None:
        """The last singular person whose gender the text gives as `gender` or does not give."""
        for entry in reversed(self.entries):
            if entry.plural or entry.source_type not in PERSON_TYPES | {"anonymous_official"}:
                continue
            if entry.gender in (None, gender):
                return entry
        return None

    def resolve(
        self, mention: str, head_lower: str, is_pronoun: bool, definite: bool, head_lemma=""
    ):
        """The entry a mention refers back to, or None when it introduces a new source."""
        if is_pronoun:
            if head_lower in _PRONOUN_GENDER:
                return self._last_person(_PRONOUN_GENDER[head_lower])
            if head_lower == "they":
                for entry in reversed(self.entries):
                    if entry.source_type in ORG_TYPES or entry.plural:
                        return entry
                return None
            if head_lower == "it":
                return self._last(ORG_TYPES | {"document"})
            return None
        words = mention.split()
        if 1 <= len(words) <= 2 and words[-1] in self.surnames and mention[:1].isupper():
            entry = self.surnames[words[-1]]
            if mention in entry.canonical:
                return entry
        if definite and head_lower in _DESCRIPTIONS:
            return self._last(_DESCRIPTIONS[head_lower])
        if definite and head_lemma:
            # "the judge" after "Judge Caroline Ashworth"
            for entry in reversed(self.entries):
                if head_lemma in entry.roles and entry.source_type in PERSON_TYPES:
                    return entry
        return None
