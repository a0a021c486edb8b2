"""Fill in the offsets of hand annotations from their phrases: python tests/data/locate.py NAME...

For each claim of NAME.annotations.json whose span is missing, find its phrase in NAME.txt:
the claim text must occur once; the source is the occurrence nearest the claim, the cue the
one nearest the source (or the claim), the intermediary the one nearest the cue (on a tie,
the later one); phrases that
begin or end with a letter match whole words only ("he" is not found inside "the"). The file
is rewritten with every span, then each span is checked (text[start:end] == the phrase).
"""

import json
import re
import sys
from pathlib import Path

FIELDS = (
    ("source", "source_span", "claim_span"),
    ("cue", "cue_span", "source_span"),
    ("via", "via_span", "cue_span"),
    ("anonymity_reason", "anonymity_reason_span", "source_span"),
)


def occurrences(text: str, phrase: str) -> list[tuple[int, int]]:
    pattern = re.escape(phrase)
    if phrase[:1].isalnum():
        pattern = r"(?<!\w)" + pattern
    if phrase[-1:].isalnum():
        pattern += r"(?!\w)"
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, a[0] - b[1], b[0] - a[1])


def locate(text: str, claim: dict, where: str) -> None:
    if claim.get("claim_span") is None:
        found = occurrences(text, claim["claim"])
        if len(found) != 1:
            raise SystemExit(f"{where}: claim found {len(found)} times: {claim['claim']!r}")
        claim["claim_span"] = list(found[0])
    for text_field, span_field, anchor_field in FIELDS:
        phrase = claim.get(text_field)
        if not phrase or claim.get(span_field) is not None:
            claim.setdefault(span_field, None)
            continue
        anchor = claim.get(anchor_field) or claim["claim_span"]
        found = occurrences(text, phrase)
        if not found:
            raise SystemExit(f"{where}: {text_field} not found: {phrase!r}")
        # On a tie the later one: "..., said the source, who ..., said" reads left to right.
        claim[span_field] = list(min(found, key=lambda span: (gap(span, anchor), -span[0])))


def main(names: list[str]) -> None:
    for name in names:
        base = Path(name).with_suffix("")
        text = base.with_suffix(".txt").read_text(encoding="utf-8")
        path = base.with_name(base.name + ".annotations.json")
        data = json.loads(path.read_text(encoding="utf-8"))
        for index, claim in enumerate(data["claims"]):
            locate(text, claim, f"{path} claim {index + 1}")
            for _, span_field, _ in (*FIELDS, ("claim", "claim_span", None)):
                span = claim.get(span_field)
                field = span_field.removesuffix("_span")
                if span is not None and text[span[0] : span[1]] != claim[field]:
                    raise SystemExit(f"{path} claim {index + 1}: {span_field} does not match")
        data["claims"].sort(key=lambda claim: claim["claim_span"])
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
