"""Give the application a PostgreSQL role of its own, which owns nothing and only reads and writes.

Run it as the role that owns the tables, after every `migrate` (new tables get
no grants until it runs again). The application then connects as ROLE: it can
read and write the domain tables, and only read and append to the audit table.
Because it owns nothing and is no superuser, it cannot `ALTER TABLE ... DISABLE
TRIGGER`, `SET session_replication_role = replica`, or UPDATE, DELETE or
TRUNCATE audit events: the triggers and the missing grants both stand in its way.
See https://www.postgresql.org/docs/current/ddl-priv.html.
"""

import os
import re

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, ProgrammingError, connections, transaction
from psycopg import sql

from factcheck.audit import APPEND_ONLY_TABLES

AUDIT_TABLE = "factcheck_auditevent"
# Only `migrate` writes the migration history; the application reads it.
READ_ONLY_TABLES = ("django_migrations",)
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
PASSWORD_VARIABLE = "FACTCHECK_APP_DB_PASSWORD"
# https://www.postgresql.org/docs/current/errcodes-appendix.html
INSUFFICIENT_PRIVILEGE = "42501"


class Command(BaseCommand):
    help = (
        "Create (if missing) the PostgreSQL login role the application runs as, and grant it "
        "exactly what it needs: CONNECT, USAGE on the schema, SELECT/INSERT/UPDATE/DELETE on "
        f"the tables, USAGE/SELECT on the sequences, and only SELECT/INSERT on {AUDIT_TABLE}. "
        "Run it as the tables' owner after every migrate; running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="The application's role, such as factcheck_app.")
        parser.add_argument(
            "--password",
            default=os.environ.get(PASSWORD_VARIABLE, ""),
            help=f"Set the role's login password (default: ${PASSWORD_VARIABLE}; none: leave "
            "it as it is, for peer or certificate authentication).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *, role: str, password: str, database: str, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError(
                f"grant_app_role is for PostgreSQL; this database is {connection.vendor}, "
                "which has no roles. On SQLite, protect the database file with file "
                "permissions instead.",
                returncode=2,
            )
        if not ROLE_NAME.match(role):
            raise CommandError(
                f"“{role}” is not a plain role name: use lower-case letters, digits and _."
            )
        with transaction.atomic(using=database), connection.cursor() as cursor:
            created = self._ensure_role(cursor, connection, role, password)
            self._grant(cursor, connection, role)
            # PostgreSQL 14 and older let PUBLIC create tables in the public schema.
            cursor.execute("SELECT has_schema_privilege(%s, current_schema(), 'CREATE')", [role])
            can_create = cursor.fetchone()[0]
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} role {role}: rows only, audit append-only."))
        if can_create:
            self.stderr.write(
                f"Warning: {role} may still create tables in the schema (through PUBLIC); "
                "as the owner run: REVOKE CREATE ON SCHEMA public FROM PUBLIC"
            )

    def _ensure_role(self, cursor, connection, role: str, password: str) -> bool:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
        if role == owner:
            raise CommandError(
                f"{role} is the role running this command, which owns the tables; the "
                "application needs a role of its own."
            )
        name = sql.Identifier(role)
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolbypassrls, rolreplication "
            "FROM pg_roles WHERE rolname = %s",
            [role],
        )
        found = cursor.fetchone()
        if found is None:
            self._role_statement(
                cursor,
                connection,
                sql.SQL(
                    "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                    "NOREPLICATION NOBYPASSRLS"
                ).format(name),
                owner=owner,
                role=role,
            )
        elif any(found):
            raise CommandError(
                f"{role} is a superuser or may create roles, replicate or bypass row "
                "security; the application's role must hold no such attribute."
            )
        if password:
            self._role_statement(
                cursor,
                connection,
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(name, sql.Literal(password)),
                owner=owner,
                role=role,
            )
        # A member of the owner's role would inherit its ownership (and with it
        # ALTER TABLE ... DISABLE TRIGGER).
        cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [role, owner])
        if cursor.fetchone()[0]:
            raise CommandError(f"{role} is a member of {owner}, so it would own the tables too.")
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
            "WHERE r.rolname = %s",
            [role],
        )
        owned = cursor.fetchone()[0]
        if owned:
            raise CommandError(
                f"{role} owns {owned} table(s) or sequence(s) in this database; the "
                "application's role must own nothing (REASSIGN OWNED BY it to the owner)."
            )
        return found is None

    def _grant(self, cursor, connection, role: str) -> None:
        cursor.execute("SELECT current_database(), current_schema()")
        database, schema = cursor.fetchone()
        name, schema_name = sql.Identifier(role), sql.Identifier(schema)
        statements = [
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), name),
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema_name, name),
            # From a clean slate, so that a second run, or one after a looser
            # manual grant, leaves exactly these privileges.
            sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(schema_name, name),
            sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM {}").format(schema_name, name),
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(
                schema_name, name
            ),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
                schema_name, name
            ),
        ]
        statements += [
            sql.SQL("REVOKE UPDATE, DELETE ON {} FROM {}").format(
                sql.Identifier(schema, table), name
            )
            for table in APPEND_ONLY_TABLES
        ]
        statements += [
            sql.SQL("REVOKE INSERT, UPDATE, DELETE ON {} FROM {}").format(
                sql.Identifier(schema, table), name
            )
            for table in READ_ONLY_TABLES
        ]
        for statement in statements:
            self._execute(cursor, connection, statement)

    def _role_statement(
        self, cursor, connection, statement: sql.Composable, *, owner: str, role: str
    ) -> None:
        """Create or alter the role; say what to do when the owner may not."""
        try:
            self._execute(cursor, connection, statement)
        except ProgrammingError as error:
            if getattr(error.__cause__, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
                raise
            # Creating a role takes CREATEROLE; from PostgreSQL 16, changing one
            # also takes ADMIN OPTION on it.
            raise CommandError(
                f"{owner} may not create or change the role {role} (it lacks CREATEROLE, or "
                f"ADMIN OPTION on {role}): as a superuser, either run CREATE ROLE {role} LOGIN "
                "PASSWORD '…' and run grant_app_role again without --password, or give "
                f"{owner} the right with ALTER ROLE {owner} CREATEROLE."
            ) from error

    def _execute(self, cursor, connection, statement: sql.Composable) -> None:
        # DDL takes no bind parameters; psycopg quotes the names and the password.
        cursor.execute(statement.as_string(connection.connection))
