"""Read the PolNeAR corpus (brat standoff) as claims in the ``seeds/*.annotations.json`` form.

PolNeAR (Newell, Margolin & Ruths, "An attribution relations corpus for political news",
LREC 2018; github.com/networkdynamics/PolNeAR) holds ``data/<split>/text/<article>.txt`` and
``data/<split>/attributions/<article>_<annotator>.ann``. In an ``.ann`` file, ``T`` lines
are spans (``T3<TAB>Content 115 290;300 310<TAB>words``: a label, then fragments) and ``E``
lines join a cue with its source and content into one attribution. The corpus has no licence
for redistribution: it is read from wherever it was fetched, never copied into the repository.

Its **test** split is kept for measurements made by others: this module refuses to read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SPLITS = ("train", "dev")
_T_LINE = re.compile(r"^(T\d+)\t(\S+) ([\d ;]+)\t")
_E_LINE = re.compile(r"^(E\d+)\t(.*)$")


class PolnearError(ValueError):
    """The corpus cannot be read as asked: the message says why."""


@dataclass(frozen=True)
class Document:
    name: str
    text: str
    claims: list[dict]


def _refuse_test(path: Path) -> None:
    parts = [p.lower() for p in path.resolve().parts]
    if "test" in parts and "data" in parts and parts.index("test") > parts.index("data"):
        raise PolnearError(
            f"{path}: PolNeAR's test split is held out for measurements made by others; "
            "develop on train and measure on dev"
        )


def split_folder(root: str | Path, split: str) -> Path:
    """The ``data/<split>`` folder under ``root`` (the clone, its ``data`` or the split)."""
    if split not in SPLITS:
        if split == "test":
            raise PolnearError(
                "PolNeAR's test split is held out for measurements made by others; "
                "use --split train or --split dev"
            )
        raise PolnearError(f"unknown split {split!r}: use one of {', '.join(SPLITS)}")
    root = Path(root)
    _refuse_test(root)
    for candidate in (root / "data" / split, root / split, root):
        if (candidate / "text").is_dir() and (candidate / "attributions").is_dir():
            _refuse_test(candidate)
            return candidate
    raise PolnearError(
        f"{root}: no {split}/text and {split}/attributions folders here "
        "(give the PolNeAR clone, its data folder or the split's folder)"
    )


def _fragments(raw: str) -> tuple[int, int]:
    spans = [tuple(int(n) for n in part.split()) for part in raw.split(";") if part.strip()]
    if not spans or any(len(s) != 2 for s in spans):
        raise PolnearError(f"bad offsets {raw!r}")
    return min(s[0] for s in spans), max(s[1] for s in spans)


def parse_ann(text: str, ann: str, document: str = "") -> list[dict]:
    """The attributions of one ``.ann`` file as claim dicts.

    A span made of several fragments is taken from its first start to its last end. The
    claims carry no source type, quote mode or intermediary (PolNeAR does not label them):
    ``labelled`` is False, so only the spans are scored.
    """
    spans: dict[str, tuple[str, tuple[int, int]]] = {}
    events: list[list[tuple[str, str]]] = []
    for line in ann.splitlines():
        m = _T_LINE.match(line)
        if m:
            span = _fragments(m.group(3))
            if not 0 <= span[0] <= span[1] <= len(text):
                raise PolnearError(f"{document}: {m.group(1)} {span} is outside the text")
            spans[m.group(1)] = (m.group(2), span)
            continue
        m = _E_LINE.match(line)
        if m:
            roles = [tuple(part.split(":", 1)) for part in m.group(2).split() if ":" in part]
            events.append(roles)
    claims = []
    for roles in events:
        found: dict[str, list[tuple[int, int]]] = {}
        for role, ref in roles:
            if ref not in spans:
                continue
            key = role.rstrip("0123456789")
            found.setdefault(key, []).append(spans[ref][1])
        if "Cue" not in found and "Content" not in found:
            continue
        claim, source, cue = (_cover(found.get(k)) for k in ("Content", "Source", "Cue"))
        claims.append(
            {
                "claim_span": None if claim is None else list(claim),
                "claim": None if claim is None else text[claim[0] : claim[1]],
                "source_span": None if source is None else list(source),
                "source": None if source is None else text[source[0] : source[1]],
                "cue_span": None if cue is None else list(cue),
                "cue": None if cue is None else text[cue[0] : cue[1]],
                "source_type": None,
                "labelled": False,
            }
        )
    return claims


def _cover(parts: list[tuple[int, int]] | None) -> tuple[int, int] | None:
    return None if not parts else (min(p[0] for p in parts), max(p[1] for p in parts))


def read_split(root: str | Path, split: str = "dev", *, limit: int | None = None) -> list[Document]:
    """Every article of a split with the annotation of its first annotator (by file name)."""
    folder = split_folder(root, split)
    by_article: dict[str, Path] = {}
    for ann in sorted((folder / "attributions").glob("*.ann")):
        article = ann.stem.rsplit("_", 1)[0]
        by_article.setdefault(article, ann)
    documents = []
    for article, ann in sorted(by_article.items()):
        text_path = folder / "text" / f"{article}.txt"
        if not text_path.is_file():
            continue
        text = _read(text_path)
        claims = parse_ann(text, _read(ann), ann.name)
        documents.append(Document(article, text, claims))
        if limit is not None and len(documents) >= limit:
            break
    if not documents:
        raise PolnearError(f"{folder}: no article has both its text and an annotation")
    return documents


def _read(path: Path) -> str:
    try:
        # newline="": brat offsets count every character of the file as it is
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise PolnearError(f"{path}: cannot read: {error}") from None
