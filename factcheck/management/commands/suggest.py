"""`manage.py suggest --file PATH [--file PATH ...] --json`: suggestions for text files.

manage.py hands `--file` runs to factcheck.suggest.cli before Django's settings load (no
database, no keys); this command serves the same mode when called through call_command.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from factcheck.suggest import cli


class Command(BaseCommand):
    help = "Suggest claims and their attributions: --file PATH ... --json prints them as JSON."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--file", action="append", metavar="PATH", default=[])
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--model", help="spaCy pipeline (default: FACTCHECK_SPACY_MODEL)")

    def handle(self, *args, **options):
        if options["file"]:
            return self.handle_files(options)
        raise CommandError("Name the texts to read with --file PATH.")

    def handle_files(self, options):
        argv = [arg for path in options["file"] for arg in ("--file", path)]
        argv += ["--json", "--model", options["model"] or settings.FACTCHECK_SPACY_MODEL]
        code = cli.main(argv, stdout=self.stdout, stderr=self.stderr)
        if code:
            raise CommandError("suggest failed", returncode=code)
