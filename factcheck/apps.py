import os

from django.apps import AppConfig
from django.core import checks
from django.db.backends.signals import connection_created


class FactcheckConfig(AppConfig):
    name = "factcheck"
    verbose_name = "Factcheck workbench"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        checks.register(audit_key_matches_the_chain, checks.Tags.database)
        connection_created.connect(keep_sqlite_private)
        # Imported here: the models cannot load before the app registry is ready.
        from factcheck import audit, webhooks

        if webhooks.queue not in audit.RECORDED:
            audit.RECORDED.append(webhooks.queue)


def keep_sqlite_private(sender, connection, **kwargs) -> None:
    """Make an SQLite database file, and its WAL and shared-memory files, mode 0600.

    The file holds every article, the audit chain and the password hashes, and
    SQLite creates it (on the first connection `migrate` or `scripts/start`
    makes) with the process umask, usually 0644: readable by every account on
    the machine. Backups are written 0600 for the same reason. Checked on each
    new connection (one stat), it also closes up a file made before; a file
    another account owns is left as that account set it.
    """
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return
    name = str(connection.settings_dict["NAME"])
    for path in (name, f"{name}-wal", f"{name}-shm"):
        try:
            if os.stat(path).st_mode & 0o077:
                os.chmod(path, 0o600)
        except (FileNotFoundError, PermissionError):
            continue


def audit_key_matches_the_chain(app_configs, databases=None, **kwargs) -> list[checks.Error]:
    """`check --database default` and `migrate` refuse an AUDIT_KEY the chain was not made with."""
    if not databases or "default" not in databases:
        return []
    # Imported here, not at the top: the models cannot load before the app registry is ready.
    from factcheck import audit

    try:
        audit.check_key()
    except audit.WrongAuditKey as wrong:
        return [checks.Error(str(wrong), id="factcheck.E001")]
    return []
