"""The load test: simulated reviewers and editors working through gunicorn, then checks.

    python manage.py loadtest --users 20 --editors 4 --duration 120

`run()` creates the users (fresh passwords), a handful of shared articles and
sources on the database Django is configured with, starts gunicorn on a free
port of 127.0.0.1 against the same database, and lets every simulated person
work the review loop over HTTP, the way the review page's htmx does (see
`scenario`). Then it stops gunicorn and checks that no request got a 5xx,
that every write the server acknowledged left its audit event (`checks`),
and that `verify_audit` (with `--replay` when the command has it) passes.
"""

from factcheck.loadtest.runner import LoadTestConfig, LoadTestResult, run

__all__ = ["LoadTestConfig", "LoadTestResult", "run"]
