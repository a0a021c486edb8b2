"""People whose office or trade the article does not state, learnt from a corpus.

An article often names a well-known politician or journalist with no title at all ("Trump
said ..."); the same person is "Republican nominee Donald Trump" or "CNN's Jake Tapper" in
many other articles. This learns, from a corpus's texts (never its annotations), what the
article-internal rules of `sources.article_people` say of each person across articles, and
keeps the people the evidence agrees on. It is used only where the article itself says
nothing of the person; what the article says always wins.

Rebuild (about 10 minutes on one core; PolNeAR train, never dev or test):

    python -m factcheck.suggest.gazetteer --polnear /tmp/polnear --split train
"""

import argparse
import functools
import sys
from collections import Counter, defaultdict
from pathlib import Path

FILE = Path(__file__).resolve().parent / "lexicons" / "learned_people.tsv"
# A person is kept when at least this many articles say what they are, and this share of
# those articles agree (tuned on PolNeAR train; dev only measures).
MIN_ARTICLES = 3
MIN_SHARE = 0.8


@functools.cache
def people() -> dict[str, str]:
    """Lower-case full name, or a surname all its learnt full names agree on -> kind
    (`named_spokesperson`, `news_agency`, or `expert`)."""
    if not FILE.is_file():
        return {}
    found: dict[str, str] = {}
    by_surname: dict[str, set[str]] = defaultdict(set)
    for line in FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, kind = line.split("\t")[:2]
        found[name] = kind
        by_surname[name.split()[-1]].add(kind)
    for surname, kinds in by_surname.items():
        if len(kinds) == 1 and surname not in found:
            found[surname] = kinds.pop()
    return found


def learn(documents, nlp) -> list[tuple[str, str, int, int]]:
    """(name, kind, articles agreeing, articles saying anything) for each person kept."""
    from .segment import paragraphs
    from .sources import article_people

    said: dict[str, Counter] = defaultdict(Counter)
    for text in documents:
        docs = list(nlp.pipe(p.text for p in paragraphs(text)))
        for name, kind in article_people(docs, learnt=False).items():
            if " " in name and kind != "named_individual":
                said[name][kind] += 1
    kept = []
    for name, kinds in sorted(said.items()):
        kind, agree = kinds.most_common(1)[0]
        total = sum(kinds.values())
        if total >= MIN_ARTICLES and agree / total >= MIN_SHARE:
            kept.append((name, kind, agree, total))
    return kept


def main(argv: list[str] | None = None) -> int:
    from . import polnear
    from .pipeline import DEFAULT_MODEL, load

    parser = argparse.ArgumentParser(prog="python -m factcheck.suggest.gazetteer")
    parser.add_argument("--polnear", required=True, metavar="DIR")
    parser.add_argument("--split", default="train", choices=["train"])
    parser.add_argument("--commit", default="", help="the corpus commit, for the file's header")
    args = parser.parse_args(argv)
    documents = polnear.read_split(args.polnear, args.split)
    kept = learn((d.text for d in documents), load(DEFAULT_MODEL))
    header = (
        "# People the article-internal rules type alike across PolNeAR "
        f"{args.split} ({len(documents)} articles{', commit ' + args.commit if args.commit else ''}"
        f"): name, kind, articles agreeing, articles saying anything. Kept with at least "
        f"{MIN_ARTICLES} articles and a share of {MIN_SHARE}. Rebuild: see gazetteer.py.\n"
    )
    FILE.write_text(
        header + "".join(f"{n}\t{k}\t{a}\t{t}\n" for n, k, a, t in kept), encoding="utf-8"
    )
    print(f"{len(kept)} people written to {FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
