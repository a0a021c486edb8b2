"""Hints that keep a query on the index its page order needs, where a planner would stray.

SQLite's statistics (sqlite_stat1) keep one average per index column, so a
column that is NULL for most rows and distinct for the rest (`signed_off_at`)
looks as selective as an id: the planner then seeks the NULLs in
claim_sign_off and sorts them all, rather than walk an index already in the
page's order. `likely()` tells it the condition holds for most rows
(https://sqlite.org/lang_corefunc.html#likely); other databases read the
condition as it is.
"""

from django.db.models import BooleanField, Func, Q


class Likely(Func):
    """A condition that holds for most rows."""

    function = "likely"
    output_field = BooleanField()
    conditional = True

    def __init__(self, condition: Q, **extra):
        super().__init__(condition, **extra)

    def as_sql(self, compiler, connection, **extra):
        return compiler.compile(self.source_expressions[0])

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, **extra)
