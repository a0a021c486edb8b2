"""Consistent backups of the database, and their restore, with the audit chain head they hold.

A backup is one file: on SQLite a copy made with SQLite's online backup API, on
PostgreSQL a `pg_dump` archive in custom format. Both read one snapshot while
reviewers keep writing. Next to it a sidecar `PATH.json` records what the
backup contains: the audit chain's head (last event id and hash, event count),
the file's SHA-256, and the copy of the audit checkpoint file taken with it, so
a restore can prove it brought back the history the backup was made from.
"""

import datetime
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import Error as DjangoDatabaseError
from django.db import connections

from factcheck.models import AuditEvent

AUDIT_TABLE = AuditEvent._meta.db_table
SIDECAR_SUFFIX = ".json"
CHECKPOINTS_SUFFIX = ".checkpoints"


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why."""


def _database_errors() -> tuple[type[Exception], ...]:
    errors: tuple[type[Exception], ...] = (DjangoDatabaseError, sqlite3.Error)
    try:
        import psycopg
    except ImportError:
        return errors
    return (*errors, psycopg.Error)


def _one_line(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class ChainHead:
    """Where the audit chain ends: its last event and how many events it holds."""

    last_id: int | None
    last_hash: str | None
    count: int


@dataclass(frozen=True)
class BackupResult:
    path: Path
    sidecar: Path
    head: ChainHead
    size: int
    checkpoints: Path | None


@dataclass(frozen=True)
class RestoreResult:
    database: str
    head: ChainHead
    expected: ChainHead | None


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def read_head(cursor) -> ChainHead:
    """Read the chain head through a DB-API cursor (any driver, any snapshot)."""
    cursor.execute(f"SELECT id, hash FROM {AUDIT_TABLE} ORDER BY id DESC LIMIT 1")
    last = cursor.fetchone()
    cursor.execute(f"SELECT COUNT(*) FROM {AUDIT_TABLE}")
    (count,) = cursor.fetchone()
    return ChainHead(
        last_id=last[0] if last else None, last_hash=last[1] if last else None, count=count
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


# Backup


BACKUP_STEPS = 3
RESTORE_STEPS = 3


def _quiet(step: str) -> None:
    """Say nothing of the steps (the commands pass a Progress's line instead)."""


def backup(
    path: str | os.PathLike,
    *,
    force: bool = False,
    using: str = "default",
    step: Callable[[str], None] = _quiet,
) -> BackupResult:
    """Write a consistent backup of the database to `path`, with its sidecar; never half a file.

    `step` is told, in words, each of the BACKUP_STEPS steps as it starts.
    """
    path = Path(path).absolute()
    sidecar = sidecar_path(path)
    if not force:
        for existing in (path, sidecar):
            if existing.exists():
                raise BackupError(f"{existing} already exists; pass --force to overwrite it.")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is not a folder.")
    connection = connections[using]
    partial = _partial_name(path)
    checkpoints_partial = None
    written: list[Path] = [partial]
    try:
        # The checkpoints are copied before the database is read: every head
        # they record is then one the backup contains, so they still match
        # after a restore.
        step("Copying the audit checkpoints")
        checkpoints_source = _checkpoints_source()
        if checkpoints_source is not None and checkpoints_source.exists():
            checkpoints_partial = _partial_name(path, directory=checkpoints_source.is_dir())
            written.append(checkpoints_partial)
            _copy(checkpoints_source, checkpoints_partial)
        step(f"Copying the {connection.vendor} database and checking the copy")
        if connection.vendor == "sqlite":
            head = _backup_sqlite(connection.settings_dict, partial)
            extra: dict[str, Any] = {"format": "sqlite"}
        elif connection.vendor == "postgresql":
            head, extra = _backup_postgresql(connection, partial)
        else:
            raise BackupError(f"Backups of {connection.vendor} databases are not supported.")
        checkpoints = None
        if checkpoints_partial is not None:
            suffix = "" if checkpoints_source.is_dir() else checkpoints_source.suffix
            checkpoints = path.with_name(path.name + CHECKPOINTS_SUFFIX + suffix)
        step("Recording its checksum and audit head beside it")
        size = partial.stat().st_size
        record = {
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "file": path.name,
            "size": size,
            "sha256": file_sha256(partial),
            **extra,
            "audit_head": asdict(head),
            "checkpoints": _describe_checkpoints(
                checkpoints_source, checkpoints, checkpoints_partial
            ),
        }
        sidecar_partial = _partial_name(sidecar)
        written.append(sidecar_partial)
        sidecar_partial.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        _publish(partial, path, force=force)
        if checkpoints is not None:
            if checkpoints.is_dir():
                shutil.rmtree(checkpoints)
            os.replace(checkpoints_partial, checkpoints)
        os.replace(sidecar_partial, sidecar)
    except OSError as error:
        raise BackupError(f"Could not write the backup: {error}") from error
    except _database_errors() as error:
        raise BackupError(f"Could not read the database: {_one_line(str(error))}") from error
    finally:
        for leftover in written:
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
    return BackupResult(path=path, sidecar=sidecar, head=head, size=size, checkpoints=checkpoints)


def _partial_name(path: Path, *, directory: bool = False) -> Path:
    """A fresh name beside `path` (same file system, so the final rename is atomic)."""
    prefix, suffix = f".{path.name}.", ".partial"
    if directory:
        return Path(tempfile.mkdtemp(dir=path.parent, prefix=prefix, suffix=suffix))
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=suffix)
    os.close(handle)
    return Path(name)


def _publish(partial: Path, path: Path, *, force: bool) -> None:
    if force:
        os.replace(partial, path)
        return
    # A hard link fails if the name was taken meanwhile, where a rename would overwrite.
    try:
        os.link(partial, path)
    except FileExistsError:
        raise BackupError(f"{path} already exists; pass --force to overwrite it.") from None
    partial.unlink()


def _checkpoints_source() -> Path | None:
    """The audit checkpoint file (or folder) kept outside the database, if one is configured."""
    configured = getattr(settings, "FACTCHECK_AUDIT_CHECKPOINTS", None)
    return Path(configured) if configured else None


def _copy(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        shutil.copyfile(source, target)


def _describe_checkpoints(
    source: Path | None, copy: Path | None, copied: Path | None
) -> dict[str, Any] | None:
    if source is None:
        return None
    described: dict[str, Any] = {"source": str(source), "copy": copy.name if copy else None}
    if copied is not None and copied.is_file():
        described["sha256"] = file_sha256(copied)
        with copied.open("rb") as file:
            described["lines"] = sum(1 for line in file if line.strip())
    return described


def _backup_sqlite(settings_dict: dict, partial: Path) -> ChainHead:
    # SQLite's online backup API copies every page in one step inside one read
    # transaction, so the copy is one consistent state; in WAL mode writers
    # carry on meanwhile. https://www.sqlite.org/backup.html
    source = sqlite3.connect(settings_dict["NAME"], timeout=30)
    target = sqlite3.connect(partial)
    try:
        source.backup(target)
        # A self-contained file: no -wal beside it to lose when it is copied.
        target.execute("PRAGMA journal_mode=DELETE")
        (check,) = target.execute("PRAGMA quick_check").fetchone()
        if check != "ok":
            raise BackupError(f"The backup copy does not pass SQLite's check: {check}")
        return read_head(target.cursor())
    except sqlite3.Error as error:
        raise BackupError(f"SQLite backup failed: {error}") from error
    finally:
        target.close()
        source.close()


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or f"/usr/bin/{name}"
    if not Path(found).exists():
        raise BackupError(f"{name} is not installed (looked on PATH and in /usr/bin).")
    return found


def _tool_major(executable: str) -> int:
    result = subprocess.run([executable, "--version"], capture_output=True, text=True)
    match = re.search(r"\) (\d+)", result.stdout)
    if result.returncode or not match:
        raise BackupError(
            f"Could not read the version of {executable}: {result.stdout}{result.stderr}"
        )
    return int(match.group(1))


def _pg_command(executable: str, settings_dict: dict, arguments: list[str]) -> tuple[list, dict]:
    """The command line and environment for a libpq tool, the way `dbshell` builds psql's."""
    from django.db.backends.postgresql.client import DatabaseClient

    args, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [*arguments, "--dbname"])
    if args[-1] == "--dbname":  # a service file names the database
        args.pop()
    return [executable, *args[1:]], {**os.environ, **(env or {})}


def _psycopg_connect(connection):
    """A connection of our own: outside Django's pool (which retries for half a minute
    before it reports a wrong database name) and outside any atomic block."""
    import psycopg

    params = {"connect_timeout": 10, **connection.get_connection_params()}
    return psycopg.connect(**params, autocommit=True)


def _backup_postgresql(connection, partial: Path) -> tuple[ChainHead, dict[str, Any]]:
    pg_dump = _pg_tool("pg_dump")
    dump_major = _tool_major(pg_dump)
    # One REPEATABLE READ transaction exports its snapshot; pg_dump dumps that
    # very snapshot, and the chain head is read in it, so the sidecar names
    # exactly the last event the archive holds.
    # https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-SNAPSHOT-SYNCHRONIZATION
    with _psycopg_connect(connection) as snapshot_holder, snapshot_holder.cursor() as cursor:
        server_version = snapshot_holder.info.server_version
        # pg_dump refuses servers newer than itself; an archive is restored by a
        # pg_restore at least as new. https://www.postgresql.org/docs/15/app-pgdump.html
        if dump_major < server_version // 10000:
            raise BackupError(
                f"pg_dump is version {dump_major} but the server runs PostgreSQL "
                f"{server_version // 10000}; install pg_dump {server_version // 10000} or newer."
            )
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        head = read_head(cursor)
        command, env = _pg_command(
            pg_dump,
            connection.settings_dict,
            ["--format=custom", f"--snapshot={snapshot}", f"--file={partial}"],
        )
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        cursor.execute("ROLLBACK")
    if result.returncode:
        raise BackupError(f"pg_dump failed: {_one_line(result.stderr) or result.returncode}")
    return head, {
        "format": "pg_dump-custom",
        "server_version": server_version,
        "pg_dump_version": dump_major,
    }


# Restore


def read_sidecar(path: Path) -> dict[str, Any] | None:
    sidecar = sidecar_path(path)
    if not sidecar.exists():
        return None
    try:
        return json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"Could not read {sidecar}: {error}") from error


def restore(
    path: str | os.PathLike,
    *,
    force: bool = False,
    using: str = "default",
    step: Callable[[str], None] = _quiet,
) -> RestoreResult:
    """Load a backup into the configured database, which must be empty unless `force`.

    `step` is told, in words, each of the RESTORE_STEPS steps as it starts.
    """
    path = Path(path).absolute()
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    step("Checking the file against its recorded checksum")
    record = read_sidecar(path)
    expected = None
    if record is not None:
        if record.get("sha256") and file_sha256(path) != record["sha256"]:
            raise BackupError(
                f"{path} does not match the checksum in {sidecar_path(path).name}: "
                "the file is damaged or not the one that was backed up."
            )
        expected = ChainHead(**record["audit_head"])
    connection = connections[using]
    try:
        if not force and _has_tables(connection):
            raise BackupError(
                f"The database {connection.settings_dict['NAME']} is not empty; "
                "restore into an empty one, or pass --force to replace its contents."
            )
        connection.close()
        step(f"Loading it into {connection.settings_dict['NAME']}")
        if connection.vendor == "sqlite":
            head = _restore_sqlite(path, connection.settings_dict["NAME"])
        elif connection.vendor == "postgresql":
            head = _restore_postgresql(path, connection)
        else:
            raise BackupError(f"Restoring into {connection.vendor} is not supported.")
    except _database_errors() as error:
        raise BackupError(f"Could not restore: {_one_line(str(error))}") from error
    step("Comparing the restored audit chain with the backup's record")
    if expected is not None and head != expected:
        raise BackupError(
            f"The restored audit chain ends at {head}, not at {expected} as the backup recorded."
        )
    return RestoreResult(
        database=str(connection.settings_dict["NAME"]), head=head, expected=expected
    )


def _has_tables(connection) -> bool:
    if connection.vendor == "postgresql":
        with _psycopg_connect(connection) as target, target.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_catalog.pg_tables "
                "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            )
            return cursor.fetchone()[0] > 0
    name = connection.settings_dict["NAME"]
    if not Path(name).exists():
        return False
    target = sqlite3.connect(name, timeout=30)
    try:
        return target.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] > 0
    finally:
        target.close()


def _restore_sqlite(path: Path, target_name: str) -> ChainHead:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = sqlite3.connect(target_name, timeout=30)
    try:
        (check,) = source.execute("PRAGMA quick_check").fetchone()
        if check != "ok":
            raise BackupError(f"{path} does not pass SQLite's check: {check}")
        # The backup API, not a file copy: it replaces the pages under
        # SQLite's own locks, and no stale -wal file can be replayed over them.
        source.backup(target)
        return read_head(target.cursor())
    except sqlite3.Error as error:
        raise BackupError(f"SQLite restore failed: {error}") from error
    finally:
        target.close()
        source.close()


def _restore_postgresql(path: Path, connection) -> ChainHead:
    pg_restore = _pg_tool("pg_restore")
    # --no-owner: the restoring role owns what it creates; --single-transaction:
    # all or nothing. The triggers come back with the schema, after the data.
    command, env = _pg_command(
        pg_restore,
        connection.settings_dict,
        ["--clean", "--if-exists", "--no-owner", "--single-transaction"],
    )
    result = subprocess.run([*command, str(path)], env=env, capture_output=True, text=True)
    if result.returncode:
        raise BackupError(f"pg_restore failed: {_one_line(result.stderr) or result.returncode}")
    with _psycopg_connect(connection) as restored, restored.cursor() as cursor:
        return read_head(cursor)
