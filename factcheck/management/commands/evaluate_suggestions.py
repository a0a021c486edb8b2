"""Score the attribution suggester against hand-annotated articles (no database)."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from factcheck.suggest import evaluate, polnear

ANNOTATIONS_SUFFIX = ".annotations.json"


def _documents(paths: list[str]) -> list[tuple[str, Path, Path]]:
    """(name, text path, annotations path) for each NAME.txt named or found in a folder."""
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            texts = sorted(path.glob("*.txt"))
            if not texts:
                raise evaluate.AnnotationError(f"{path}: no NAME.txt files in this folder")
        elif path.name.endswith(ANNOTATIONS_SUFFIX):
            texts = [path.with_name(path.name.removesuffix(ANNOTATIONS_SUFFIX) + ".txt")]
        else:
            texts = [path]
        for text in texts:
            if not text.is_file():
                raise evaluate.AnnotationError(f"{text}: text file not found")
            found.append((text.stem, text, text.with_name(text.stem + ANNOTATIONS_SUFFIX)))
    return found


def _read_text(path: Path) -> str:
    try:
        # newline="": offsets count a "\r\n" as two characters, as in the file.
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise evaluate.AnnotationError(f"{path}: cannot read the text: {error}") from None


class Command(BaseCommand):
    help = (
        "Score attribution suggestions against reference annotations. Each PATH is a NAME.txt "
        "with NAME.annotations.json beside it, or a folder of such pairs. Prints precision, "
        "recall and F1 of source mentions, cues and contents (exact and overlap of at least "
        "half), the accuracy of source type, named/anonymous, intermediary and quote mode on "
        "matched claims, the source-type confusion table and recall by kind of cue. With "
        "--polnear DIR, scores a split of the PolNeAR corpus instead (spans only: it labels no "
        "types). Exits 2 on a bad reference."
    )
    # Reads files only: no database, no system checks (it runs with DEBUG off and no DB).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", metavar="PATH")
        parser.add_argument(
            "--polnear",
            metavar="DIR",
            help="A PolNeAR clone (or its data folder): score its --split instead of PATHs.",
        )
        parser.add_argument(
            "--split",
            default="dev",
            help="The PolNeAR split to score: dev (default) or train; test is refused.",
        )
        parser.add_argument(
            "--limit", type=int, metavar="N", help="Score only the first N PolNeAR articles."
        )
        parser.add_argument(
            "--json", action="store_true", help="Print the scores as JSON instead of tables."
        )
        parser.add_argument(
            "--predictions",
            metavar="DIR",
            help="Score the NAME.annotations.json files in DIR (the `suggest --json` format, "
            "or another annotator's) instead of running the suggester.",
        )
        parser.add_argument(
            "--min-confidence",
            type=float,
            default=0.0,
            metavar="X",
            help="Score only the suggestions whose confidence is at least X (e.g. 0.8).",
        )
        parser.add_argument(
            "--diff",
            action="store_true",
            help="Also list, per document, the missed, spurious and mis-cut source mentions "
            "and the claims whose source type differs.",
        )
        parser.add_argument(
            "--model",
            help="The spaCy pipeline for the suggester (default: FACTCHECK_SPACY_MODEL).",
        )

    def handle(self, *args, **options):
        if bool(options["polnear"]) == bool(options["paths"]):
            raise CommandError("Give PATHs or --polnear DIR (not both).", returncode=2)
        try:
            loaded = []
            if options["polnear"]:
                for doc in polnear.read_split(
                    options["polnear"], options["split"], limit=options["limit"]
                ):
                    loaded.append((doc.name, doc.text, doc.claims))
            for name, text_path, annotations_path in _documents(options["paths"]):
                text = _read_text(text_path)
                loaded.append((name, text, evaluate.load_annotations(annotations_path, text)))
            predict = self._predictor(options)
            scores = []
            diffs = []
            for name, text, references in loaded:
                predictions = [
                    claim
                    for claim in predict(name, text)
                    if float(claim.get("confidence", 1.0)) >= options["min_confidence"]
                ]
                scores.append(evaluate.score_document(text, references, predictions, name))
                if options["diff"]:
                    diffs.append((name, evaluate.differences(text, references, predictions)))
        except (evaluate.AnnotationError, polnear.PolnearError) as error:
            raise CommandError(str(error), returncode=2) from None
        total = sum(scores[1:], scores[0])
        per_document = [(s.documents[0], evaluate.summary(s)) for s in scores]
        overall = evaluate.summary(total)
        if options["json"]:
            data = {"documents": dict(per_document), "overall": overall}
            self.stdout.write(json.dumps(data, indent=1))
            return
        self.stdout.write(f"Per document ({len(scores)})\n")
        self.stdout.write(evaluate.format_documents(per_document))
        self.stdout.write(f"\nOverall ({len(scores)} document(s), counts added up)\n")
        self.stdout.write(evaluate.format_report(overall))
        for name, lines in diffs:
            self.stdout.write(f"\nDifferences in {name} ({len(lines)})")
            for line in lines:
                self.stdout.write(line)

    def _predictor(self, options):
        if options["predictions"]:
            folder = Path(options["predictions"])

            def from_files(name, text):
                return evaluate.load_annotations(folder / (name + ANNOTATIONS_SUFFIX), text)

            return from_files
        # Imported here: the suggester (and spaCy) loads only when it is used.
        from factcheck.suggest import suggest
        from factcheck.suggest.records import to_annotation

        model = options["model"] or getattr(settings, "FACTCHECK_SPACY_MODEL", None)

        def from_suggester(name, text):
            kwargs = {"model": model} if model else {}
            return [to_annotation(s) for s in suggest(text, **kwargs)]

        return from_suggester
