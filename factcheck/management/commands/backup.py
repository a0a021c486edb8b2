"""Write a consistent backup of the database, with a sidecar naming the audit chain head."""

from django.core.management.base import BaseCommand, CommandError

from factcheck.backup import BACKUP_STEPS, BackupError, backup
from factcheck.progress import Progress


class Command(BaseCommand):
    help = (
        "Back up the database to PATH (SQLite: online backup API; PostgreSQL: pg_dump -Fc), "
        "with PATH.json recording the audit chain head it contains."
    )

    # A backup or restore must run even when a check cannot reach the database.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup file to write")
        parser.add_argument("--force", action="store_true", help="overwrite an existing PATH")
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *, path: str, force: bool, database: str, **options):
        try:
            progress = Progress(total=BACKUP_STEPS, what="Backing up", out=self.stdout)
            result = backup(path, force=force, using=database, step=progress.step)
        except BackupError as error:
            raise CommandError(str(error)) from error
        head = result.head
        progress.finish(
            self.style.SUCCESS(
                f"Backed up to {result.path} ({result.size:,} bytes): "
                f"{head.count} audit event(s), last #{head.last_id}; head in {result.sidecar}."
            )
        )
        if result.checkpoints is not None:
            self.stdout.write(f"Audit checkpoints copied to {result.checkpoints}.")
