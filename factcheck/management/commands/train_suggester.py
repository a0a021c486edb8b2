"""Learn the suggester's cue words from PolNeAR's train split (and the desk's reviewed articles)."""

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from factcheck import desk_training
from factcheck.progress import Progress
from factcheck.suggest import evaluate, learn, lexicons, polnear, rank, tagger


class Command(BaseCommand):
    help = (
        "Count, on PolNeAR's train split, how often annotators mark each verb lemma as a cue "
        "and which prepositions they keep with it, and which common nouns head a source; "
        "write them to learned_cues.tsv and learned_source_nouns.tsv in "
        "factcheck/suggest/lexicons/; then run the rules over train, label each candidate "
        "attribution against the annotation and fit the candidate model "
        "(factcheck/suggest/models/candidates.json, with its card), and the CRF that tags "
        "cue words (models/cues.crfsuite, card beside it). The suggester reads "
        "them once per process. The "
        "test split is refused; dev is for measuring (evaluate_suggestions --polnear)."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--polnear", required=True, metavar="DIR", help="A PolNeAR clone.")
        parser.add_argument(
            "--commit", default="", help="The corpus commit, recorded in the file's header."
        )
        parser.add_argument("--min-count", type=int, default=3, metavar="N")
        parser.add_argument("--min-ratio", type=float, default=0.05, metavar="X")
        parser.add_argument(
            "--output-dir",
            default=str(lexicons.HERE),
            metavar="DIR",
            help="Where to write the two files (default: the suggester's lexicons).",
        )
        parser.add_argument(
            "--model-file",
            default=str(rank.MODEL_PATH),
            metavar="FILE",
            help="Where to write the candidate model (default: the suggester's own).",
        )
        parser.add_argument(
            "--crf-file",
            metavar="FILE",
            help="Where to write the cue tagger (default: cues.crfsuite beside the candidate "
            "model, so the suggester's own); its card goes beside it (.card.json).",
        )
        parser.add_argument(
            "--no-model",
            action="store_true",
            help="Only the lexicons, no candidate model and no cue tagger.",
        )
        parser.add_argument("--no-crf", action="store_true", help="No cue tagger.")
        parser.add_argument("--limit", type=int, metavar="N", help="Only the first N articles.")
        parser.add_argument("--model", help="The spaCy pipeline (default: FACTCHECK_SPACY_MODEL).")
        parser.add_argument(
            "--include-workbench",
            action="store_true",
            help="Also learn from the desk's reviewed articles (accepted, edited and rejected "
            "suggestions, claims marked by hand), holding one in five back; print PolNeAR dev "
            "figures (of the first --limit articles) and figures on the held-back articles "
            "before and after. Reads the database.",
        )

    def handle(self, *args, **options):
        try:
            documents = polnear.read_split(options["polnear"], "train", limit=options["limit"])
        except polnear.PolnearError as error:
            raise CommandError(str(error), returncode=2) from None
        desk = self._desk(options) if options["include_workbench"] else None
        if desk is not None:
            documents = documents + desk.train
        from factcheck.suggest.pipeline import DEFAULT_MODEL, load

        model = options["model"] or getattr(settings, "FACTCHECK_SPACY_MODEL", None)
        nlp = load(model or DEFAULT_MODEL)
        stats = learn.CueStatistics()
        started = time.monotonic()
        texts = (d.text for d in documents)
        progress = self._progress(documents, "Counting cues")
        for document, doc in zip(documents, nlp.pipe(texts, batch_size=8), strict=True):
            stats.add(doc, document.claims)
            progress.advance()
        progress.finish(f"Cues counted in {stats.documents} article(s).")
        rows = stats.lexicon(min_count=options["min_count"], min_ratio=options["min_ratio"])
        corpus = "github.com/networkdynamics/PolNeAR" + (
            f" @ {options['commit']}" if options["commit"] else ""
        )
        if desk is not None:
            corpus += f"; and {len(desk.train)} reviewed article(s) of the desk"
        rebuild = (
            "Rebuilt by: python manage.py train_suggester --polnear DIR "
            f"--min-count {options['min_count']} --min-ratio {options['min_ratio']}"
        )
        header = (
            "Cue verbs learnt from PolNeAR train (Newell, Margolin & Ruths, LREC 2018;\n"
            f"{corpus}): {stats.documents} articles, {stats.cues} cues with a verb head.\n"
            f"{rebuild}\nCounts only: no text of the corpus is kept. See docs/suggester.md."
        )
        nouns_header = (
            "Common nouns heading a source in PolNeAR train (Newell, Margolin & Ruths, LREC "
            f"2018;\n{corpus}).\n{rebuild}\n"
            "Counts only: no text of the corpus is kept. See docs/suggester.md."
        )
        folder = Path(options["output_dir"])
        (folder / "learned_cues.tsv").write_text(
            learn.format_lexicon(rows, header), encoding="utf-8"
        )
        nouns = learn.source_noun_rows(stats, options["min_count"])
        (folder / "learned_source_nouns.tsv").write_text(
            learn.format_source_nouns(nouns, nouns_header), encoding="utf-8"
        )
        self.stdout.write(
            f"{len(rows)} cue lemma(s), {len(nouns)} source noun(s) from {stats.documents} "
            f"article(s) in {time.monotonic() - started:.0f} s -> {folder}"
        )
        if not options["no_model"]:
            self._train_model(documents, corpus, options)
        if desk is not None:
            self._measure_after(desk, options)

    def _progress(self, documents, what: str) -> Progress:
        """A bar on a terminal, otherwise a line at each tenth of the articles."""
        every = max(len(documents) // 10, 1)
        return Progress(
            total=len(documents), what=what, out=self.stdout, unit="article", every=every
        )

    def _train_model(self, documents, corpus: str, options) -> None:
        from factcheck.suggest.core import suggest_text

        lexicons.learned_cues.cache_clear()
        lexicons.learned_source_nouns.cache_clear()
        started = time.monotonic()
        rows, references = [], 0
        # the CRF learns from the same parse of the same paragraphs as the suggester reads
        crf = None if options["no_crf"] else tagger.Trainer()
        progress = self._progress(documents, "Labelling candidates")
        for document in documents:
            candidates: list = []
            sequences: list | None = None if crf is None else []
            suggest_text(document.text, options["model"], collect=candidates, sequences=sequences)
            if crf is not None:
                crf.add(document.text, sequences, document.claims)
            # A desk article is reviewed in part: keep only what the desk decided.
            candidates = desk_training.decided_candidates(document, candidates)
            rows += learn.label_candidates(document.text, document.claims, candidates)
            references += sum(1 for c in document.claims if c.get("source_span"))
            progress.advance()
        progress.finish(f"{len(rows)} candidate(s) labelled.")
        data = learn.train_ranker(rows, references)
        data["card"] = {
            "what": "Keeps or drops each candidate attribution found by a learnt cue lemma "
            "(logistic regression over the features of factcheck/suggest/rank.py).",
            "corpus": f"PolNeAR train ({corpus}), {len(documents)} articles, "
            f"{len(rows)} candidates, {sum(r for _, r in rows)} right",
            "threshold": "chosen on the last fifth of train (F1 against its annotated "
            "sources), then refit on all of train",
            "rebuild": "python manage.py train_suggester --polnear DIR "
            f"--min-count {options['min_count']} --min-ratio {options['min_ratio']}",
            "figures": "docs/measurements.md, section Suggester",
        }
        Path(options["model_file"]).parent.mkdir(parents=True, exist_ok=True)
        Path(options["model_file"]).write_text(
            json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        rank.load_model.cache_clear()
        self.stdout.write(
            f"candidate model: {len(rows)} candidate(s), threshold {data['threshold']}, "
            f"held-out F1 {data['held_out_f1']} in {time.monotonic() - started:.0f} s "
            f"-> {options['model_file']}"
        )
        if crf is not None:
            self._train_crf(crf, corpus, len(documents), options)

    def _train_crf(self, crf, corpus: str, articles: int, options) -> None:
        started = time.monotonic()
        path = self._crf_path(options)
        crf.fit(path)
        card = {
            "what": "Tags the words of a cue (B/I/O) in each sentence: a CRF over features "
            "of the spaCy parse (factcheck/suggest/tagger.py).",
            "feature_version": tagger.FEATURE_VERSION,
            "corpus": f"PolNeAR train ({corpus}), {articles} articles, {crf.sentences} "
            f"sentences, {crf.tokens} tokens, {crf.cues} cues",
            "features": "word, lemma, part of speech, tag, dependency, head, children's "
            "dependencies, subject's and possessor's kind, entity label, quoted, known cue "
            "lemma and its learnt ratio, words and tags of two neighbours each side",
            "training": "python-crfsuite L-BFGS, c1 0.3, c2 0.01, 100 iterations; spans "
            f"proposed from a first-word marginal of {tagger.MIN_MARGINAL} (chosen on the "
            "last 150 articles of train with a CRF fitted on the rest)",
            "rebuild": "python manage.py train_suggester --polnear DIR "
            f"--min-count {options['min_count']} --min-ratio {options['min_ratio']}",
            "figures": "docs/measurements.md, section Suggester",
        }
        path.with_suffix(".card.json").write_text(
            json.dumps(card, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        tagger.load_tagger.cache_clear()
        self.stdout.write(
            f"cue tagger: {crf.sentences} sentence(s), {crf.cues} cue(s) in "
            f"{time.monotonic() - started:.0f} s -> {path}"
        )

    # Learning from the desk (--include-workbench): see factcheck/desk_training.py.

    def _desk(self, options) -> "DeskRun":
        """Read the reviewed articles, hold a part back, and score the suggester as it is."""
        try:
            documents = desk_training.desk_documents()
        except DatabaseError as error:
            raise CommandError(
                f"Cannot read the workbench's database ({error}); run migrate first, or "
                "train without --include-workbench.",
                returncode=2,
            ) from None
        except evaluate.AnnotationError as error:
            raise CommandError(
                f"A reviewed article cannot be read: {error}", returncode=2
            ) from None
        if not documents:
            raise CommandError(
                "No reviewed article in the workbench: none has a suggestion accepted, edited "
                "or rejected, or a claim marked by hand. Nothing was learnt or written; review "
                "some suggestions first, or train without --include-workbench.",
                returncode=1,
            )
        train, held = desk_training.hold_back(documents)
        self.stdout.write(
            f"The desk: {len(documents)} reviewed article(s), {len(train)} to train on, "
            f"{len(held)} held back to measure on"
            + (" (one article: nothing held back)" if not held else "")
            + "."
        )
        run = DeskRun(train=train, held=held, dev=self._dev(options))
        run.before = self._scores(run, options)
        return run

    def _dev(self, options) -> list:
        try:
            return polnear.read_split(options["polnear"], "dev", limit=options["limit"])
        except polnear.PolnearError as error:
            self.stdout.write(f"No PolNeAR dev figures: {error}.")
            return []

    def _scores(self, run: "DeskRun", options) -> dict:
        """Score the suggester on PolNeAR dev and on the held-back desk articles."""
        from factcheck.suggest import suggest
        from factcheck.suggest.records import to_annotation

        model = options["model"] or getattr(settings, "FACTCHECK_SPACY_MODEL", None)
        kwargs = {"model": model} if model else {}

        def predict(text: str) -> list[dict]:
            return [to_annotation(s) for s in suggest(text, **kwargs)]

        return {
            "dev": desk_training.score(run.dev, predict),
            "held": desk_training.score(run.held, predict),
        }

    def _measure_after(self, run: "DeskRun", options) -> None:
        """Score again with the files just written, and print before and after."""
        with desk_training.suggester_reading(options["output_dir"], self._models(options)):
            after = self._scores(run, options)
        for key, title in (("dev", "PolNeAR dev"), ("held", "Held-back desk articles")):
            if run.before[key] is not None:
                self.stdout.write(
                    desk_training.format_comparison(title, run.before[key], after[key])
                )

    def _models(self, options) -> list[tuple]:
        """Each model file the suggester reads after this run, with its module and loader.

        A learnt model this command comes to write belongs here too: otherwise the figures
        "after" are those of the model the suggester had cached before.
        """
        model_file = rank.MODEL_PATH if options["no_model"] else options["model_file"]
        crf_file = (
            tagger.MODEL_PATH
            if options["no_model"] or options["no_crf"]
            else self._crf_path(options)
        )
        return [(rank, "load_model", model_file), (tagger, "load_tagger", crf_file)]

    def _crf_path(self, options) -> Path:
        """Where the cue tagger goes: beside the candidate model unless told, so that a trial
        run with its own --model-file never replaces the shipped tagger."""
        return Path(
            options["crf_file"] or Path(options["model_file"]).with_name(tagger.MODEL_PATH.name)
        )


@dataclass
class DeskRun:
    """The desk's articles for one training: to train on, held back, and PolNeAR dev."""

    train: list
    held: list
    dev: list
    before: dict = field(default_factory=dict)
