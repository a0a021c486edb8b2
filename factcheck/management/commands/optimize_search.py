"""Merge the SQLite search indexes after a large import, or from cron (search.optimize)."""

from django.core.management.base import BaseCommand

from factcheck import search


class Command(BaseCommand):
    help = (
        "Merge each SQLite full-text index into one piece, which makes searches for common "
        "words faster; run it after a large import and from time to time. PostgreSQL needs "
        "nothing."
    )

    def handle(self, **options):
        merged = search.optimize()
        if merged:
            self.stdout.write(f"Merged {len(merged)} search indexes: {', '.join(merged)}.")
        else:
            self.stdout.write("Nothing to merge: PostgreSQL keeps its search indexes itself.")
