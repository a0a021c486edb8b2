"""`python -m factcheck.suggest --file PATH [--file PATH ...] --json`, without Django.

manage.py hands `suggest --file ...` here before Django's settings load, so it works with no
database, no SECRET_KEY and DEBUG off. Offsets index the file's text exactly as read (UTF-8,
no newline translation).
"""

import argparse
import json
import os
import sys
from pathlib import Path

from .pipeline import DEFAULT_MODEL


def read_text(path: Path) -> str:
    """The file's text as stored: UTF-8 (a BOM is kept as a character), newlines untouched."""
    return path.read_bytes().decode("utf-8")


def document(path: Path, model: str) -> dict:
    from . import suggest, to_annotation

    text = read_text(path)
    return {"document": path.name, "claims": [to_annotation(s) for s in suggest(text, model=model)]}


def main(argv: list[str] | None = None, *, stdout=None, stderr=None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = argparse.ArgumentParser(
        prog="suggest", description="Suggest claims and their attributions for text files."
    )
    parser.add_argument("--file", action="append", required=True, type=Path, metavar="PATH")
    parser.add_argument("--json", action="store_true", help="print JSON (the only output form)")
    parser.add_argument(
        "--model",
        default=os.environ.get("FACTCHECK_SPACY_MODEL") or DEFAULT_MODEL,
        help="installed spaCy pipeline package (default: $FACTCHECK_SPACY_MODEL or %(default)s)",
    )
    args = parser.parse_args(argv)
    texts = []
    for path in args.file:
        try:
            read_text(path)
        except UnicodeDecodeError as exc:
            print(
                f"suggest: {path}: not UTF-8 text ({exc.reason} at byte {exc.start})", file=stderr
            )
            return 2
        except OSError as exc:
            print(f"suggest: {path}: {exc.strerror or exc}", file=stderr)
            return 2
        texts.append(path)
    try:
        results = [document(path, args.model) for path in texts]
    except OSError as exc:  # spaCy raises OSError for a pipeline that is not installed
        print(f"suggest: cannot load the spaCy pipeline {args.model!r}: {exc}", file=stderr)
        return 2
    out = results[0] if len(results) == 1 else results
    stdout.write(json.dumps(out, ensure_ascii=False, indent=1) + "\n")
    return 0
