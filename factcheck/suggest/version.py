"""Which suggester made a suggestion: its rules and its learnt files, as one short string.

The version is the code version below and a digest of what decides a suggestion: the
suggester's modules (the rules), the lexicons and the learnt models. Retraining
(``manage.py train_suggester``) or changing a rule gives a new version, so the reviewers'
decisions can be counted per version (the articles list) and a new model compared with
the one before it. The spaCy pipeline is recorded beside it (``SuggestionRun.model_name``).
"""

import functools
import hashlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Raised by hand when the suggester changes on purpose, so that versions read in order;
# the digest tells apart whatever changed between two raises.
CODE_VERSION = "2026.12"
# Modules that train, measure or print, and never decide a suggestion: a change to them
# makes no new version.
TOOLING = frozenset(
    {"__main__.py", "cli.py", "evaluate.py", "learn.py", "polnear.py", "version.py"}
)


def deciding_files() -> list[Path]:
    """The files the digest covers: rule modules, lexicons and models, in a fixed order."""
    files = [path for path in HERE.glob("*.py") if path.name not in TOOLING]
    files += [p for p in (HERE / "lexicons").glob("*") if p.suffix in {".tsv", ".txt"}]
    files += [path for path in (HERE / "models").rglob("*") if path.is_file()]
    return sorted(files, key=lambda path: path.relative_to(HERE).as_posix())


def compute_version() -> str:
    """The version of the suggester as it is on disk now (read afresh)."""
    digest = hashlib.sha256()
    for path in deciding_files():
        digest.update(path.relative_to(HERE).as_posix().encode() + b"\0")
        # Line ends as checked out must not make another version of the same files.
        digest.update(path.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return f"{CODE_VERSION}-{digest.hexdigest()[:8]}"


@functools.cache
def suggester_version() -> str:
    """The version of the suggester this process runs, read once (like its models)."""
    return compute_version()
