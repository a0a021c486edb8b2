"""Import articles from files and folders, optionally with their reference annotations."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from factcheck import importing, services
from factcheck.progress import Progress


class Command(BaseCommand):
    help = (
        "Import articles from .txt, .md, .html/.htm and .json files; folders are walked "
        "recursively in sorted order (dotfiles and *.annotations.json skipped). Text already "
        "imported is reported, not duplicated. Exits non-zero if any file or annotation entry "
        "was skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Files or folders.")
        parser.add_argument(
            "--annotations",
            action="store_true",
            help="Also load <stem>.annotations.json beside each .txt article as claims, "
            "sources and attributions.",
        )
        parser.add_argument(
            "--max-bytes",
            type=int,
            default=None,
            metavar="N",
            help="Refuse files larger than this (default: FACTCHECK_IMPORT_MAX_BYTES).",
        )
        parser.add_argument(
            "--no-suggest",
            action="store_false",
            dest="suggest",
            help="Do not queue attribution suggestions for the imported articles.",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="Import as this user, whose permissions apply (default: the system).",
        )

    def handle(self, *, paths, annotations, max_bytes, user, suggest, **options):
        self.actor = self._actor(user)
        self.suggest = suggest
        self.max_bytes = settings.FACTCHECK_IMPORT_MAX_BYTES if max_bytes is None else max_bytes
        if self.max_bytes <= 0:
            raise CommandError("--max-bytes must be a positive number of bytes.")
        self.with_annotations = annotations
        self.tally = {"imported": 0, "unchanged": 0, "skipped": 0, "annotation failures": 0}
        files = list(importing.collect_paths(paths))
        self.progress = Progress(total=len(files), what="Importing", out=self.stdout, unit="file")
        for path in files:
            if importing.is_annotations_file(path.name) and path.is_file():
                self.progress.say(f"ignored {path}: annotation file, read with --annotations")
            else:
                self._import_file(path)
            self.progress.advance()
        self.progress.finish(
            ", ".join(f"{count} {what}" for what, count in self.tally.items()) + "."
        )
        failures = self.tally["skipped"] + self.tally["annotation failures"]
        if failures:
            raise CommandError(
                f"{self.tally['skipped']} file(s) or article(s) skipped and "
                f"{self.tally['annotation failures']} annotation failure(s); see above."
            )

    def _actor(self, username: str | None):
        if username is None:
            return None
        try:
            return get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"There is no user named “{username}”.") from error

    def _import_file(self, path: Path) -> None:
        try:
            parsed = importing.read_article_file(path, max_bytes=self.max_bytes)
        except importing.ImportRejected as error:
            self._skip(path, error.reason)
            return
        for item in parsed:
            label = str(path) if item.position is None else f"{path}[{item.position}]"
            try:
                outcome = importing.import_parsed(item, actor=self.actor, suggest=self.suggest)
            except services.DomainError as error:
                self._skip(label, error.message)
                continue
            article = outcome.article
            if outcome.created:
                self.tally["imported"] += 1
                self.progress.say(f"imported #{article.pk} “{article.title}” from {label}")
            else:
                self.tally["unchanged"] += 1
                self.progress.say(f"unchanged {label}: already imported as #{article.pk}")
            sibling = importing.annotations_path_for(path) if self.with_annotations else None
            if sibling is not None:
                self._annotate(article, sibling)

    def _annotate(self, article, path: Path) -> None:
        try:
            entries = importing.read_annotations_file(path, max_bytes=self.max_bytes)
        except importing.ImportRejected as error:
            self.tally["annotation failures"] += 1
            self._skip(path, error.reason, count=False)
            return
        outcome = importing.import_annotations(
            article, entries, actor=self.actor, reason=f"Imported from {path.name}"
        )
        for index, reason in outcome.errors:
            self._skip(f"{path} claims[{index}]", reason, count=False)
        self.tally["annotation failures"] += len(outcome.errors)
        self.progress.say(f"annotations from {path}: {outcome.summary()}")

    def _skip(self, label, reason: str, *, count: bool = True) -> None:
        if count:
            self.tally["skipped"] += 1
        self.stderr.write(f"skipped {label}: {reason}")
