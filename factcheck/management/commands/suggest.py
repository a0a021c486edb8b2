"""`manage.py suggest --file PATH [--file PATH ...] --json`: suggestions for text files.

manage.py hands `--file` runs to factcheck.suggest.cli before Django's settings load (no
database, no keys); this command serves the same mode when called through call_command.
`--article ID ...` / `--all` queue suggestion runs of stored articles for the task worker
(`--now`: carry them out in this process) and say what they did.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from factcheck.suggest import cli


class Command(BaseCommand):
    help = (
        "Suggest claims and their attributions: --file PATH ... --json prints them as JSON; "
        "--article ID ... or --all queues a suggestion run per article for the worker "
        "(--now runs it here)."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--file", action="append", metavar="PATH", default=[])
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--model", help="spaCy pipeline (default: FACTCHECK_SPACY_MODEL)")
        parser.add_argument(
            "--article",
            action="append",
            type=int,
            metavar="ID",
            default=[],
            help="Queue a suggestion run for this article (repeatable).",
        )
        parser.add_argument("--all", action="store_true", help="Queue a run for every article.")
        parser.add_argument(
            "--now",
            action="store_true",
            help="With --article/--all: run here and now instead of queuing for the worker.",
        )

    def handle(self, *args, **options):
        if options["file"]:
            return self.handle_files(options)
        if options["article"] or options["all"]:
            return self.handle_articles(options)
        raise CommandError(
            "Name the texts with --file PATH, or the articles with --article ID or --all."
        )

    def handle_files(self, options):
        argv = [arg for path in options["file"] for arg in ("--file", path)]
        argv += ["--json", "--model", options["model"] or settings.FACTCHECK_SPACY_MODEL]
        code = cli.main(argv, stdout=self.stdout, stderr=self.stderr)
        if code:
            raise CommandError("suggest failed", returncode=code)

    def handle_articles(self, options):
        """Queue a suggestion run per article (or, with --now, carry it out here)."""
        from factcheck import services
        from factcheck.models import Article
        from factcheck.tasks import suggest_article

        articles = Article.objects.order_by("pk")
        if not options["all"]:
            ids = list(dict.fromkeys(options["article"]))
            articles = articles.filter(pk__in=ids)
            missing = sorted(set(ids) - set(articles.values_list("pk", flat=True)))
            if missing:
                raise CommandError(f"No article with id {', '.join(map(str, missing))}.")
        failed = 0
        for article in articles.iterator():
            label = f"article #{article.pk} “{article.title}”"
            run = services.suggestions_request(
                actor=None, article=article, enqueue=not options["now"]
            )
            if not options["now"]:
                self.stdout.write(f"queued run #{run.pk} for {label}")
                continue
            try:
                result = suggest_article.call(article.pk, run_id=run.pk)
            except Exception as error:
                failed += 1
                self.stderr.write(f"run #{run.pk} for {label} failed: {error}")
                continue
            self.stdout.write(
                f"run #{run.pk} for {label}: {result['count']} new suggestion(s)"
                + (f", {result['skipped']} already known" if result.get("skipped") else "")
            )
        if failed:
            raise CommandError(f"{failed} run(s) failed; see above.")
