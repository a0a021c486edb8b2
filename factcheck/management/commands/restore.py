"""Load a backup made by `backup` into the configured (empty) database."""

from django.core.management.base import BaseCommand, CommandError

from factcheck.backup import RESTORE_STEPS, BackupError, restore
from factcheck.progress import Progress


class Command(BaseCommand):
    help = (
        "Restore PATH (made by `backup`) into the configured database, which must be empty "
        "unless --force; checks the file against PATH.json and the restored audit chain head."
    )

    # A backup or restore must run even when a check cannot reach the database.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup file to restore")
        parser.add_argument(
            "--force", action="store_true", help="replace the contents of a non-empty database"
        )
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *, path: str, force: bool, database: str, **options):
        try:
            progress = Progress(total=RESTORE_STEPS, what="Restoring", out=self.stdout)
            result = restore(path, force=force, using=database, step=progress.step)
        except BackupError as error:
            raise CommandError(str(error)) from error
        head = result.head
        matched = (
            "matches the backup's record"
            if result.expected is not None
            else "(no PATH.json beside the backup to compare with)"
        )
        progress.finish(
            self.style.SUCCESS(
                f"Restored {path} into {result.database}: {head.count} audit event(s), "
                f"last #{head.last_id}, {matched}."
            )
        )
        self.stdout.write(
            "Next: manage.py migrate (nothing to apply), then manage.py verify_audit."
        )
