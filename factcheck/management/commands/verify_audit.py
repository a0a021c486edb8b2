"""Prove that the audit history's hash chain is intact."""

from django.core.management.base import BaseCommand, CommandError

from factcheck.audit import ChainBreak, verify_chain


class Command(BaseCommand):
    help = "Walk the audit chain; exit non-zero naming the first event that does not verify."

    def handle(self, **options):
        verified = 0
        for result in verify_chain():
            if isinstance(result, ChainBreak):
                raise CommandError(
                    f"Audit event #{result.event_id} does not verify: {result.problem}. "
                    f"{verified} event(s) before it are intact."
                )
            verified += 1
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {verified} event(s) verified."))
