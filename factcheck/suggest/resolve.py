"""Who a pronoun, a surname or "the group" stands for: the last compatible source."""

from dataclasses import dataclass, field

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
}


@dataclass
class Entry:
    canonical: str
    source_type: str
    plural: bool = False


@dataclass
class Registry:
    """Sources met so far in the article, in reading order."""

    entries: list[Entry] = field(default_factory=list)
    surnames: dict[str, Entry] = field(default_factory=dict)

    def add(self, canonical: str, source_type: str, plural: bool = False) -> None:
        entry = Entry(canonical, source_type, plural)
        self.entries.append(entry)
        if source_type in PERSON_TYPES and " " in canonical:
            known = self.surnames.get(canonical.split()[-1])
            if known is None or known.source_type != "named_spokesperson":
                self.surnames[canonical.split()[-1]] = entry

    def add_person(self, name: str, source_type: str) -> None:
        """A person named anywhere in the text, for a later surname."""
        if " " in name:
            known = self.surnames.get(name.split()[-1])
            if known is None or (
                known.source_type != "named_spokesperson" and source_type == "named_spokesperson"
            ):
                self.surnames[name.split()[-1]] = Entry(name, source_type)

    def _last(self, types: set[str], plural: bool | None = None) -> Entry | None:
        for entry in reversed(self.entries):
            if entry.source_type in types and (plural is None or entry.plural == plural):
                return entry
        return None

    def resolve(self, mention: str, head_lower: str, is_pronoun: bool, definite: bool):
        """The entry a mention refers back to, or None when it introduces a new source."""
        if is_pronoun:
            if head_lower in ("he", "she", "him", "her"):
                return self._last(PERSON_TYPES | {"anonymous_official"}, plural=False)
            if head_lower == "they":
                return self._last(ORG_TYPES | {"anonymous_official"}) if self.entries else None
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
        return None
