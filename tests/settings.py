"""Settings for the test suite: the app's own, with what tests must override."""

import os

# The suite reads no `.env` (scripts/start writes one for the demo).
os.environ["FACTCHECK_ENV_FILE"] = ""
os.environ.setdefault("SECRET_KEY", "test-secret-key-for-the-suite-only-0123456789abcdefghij")
# A fixed audit key, so that the suite never depends on (or writes with) a real one.
os.environ["AUDIT_KEY"] = "test-audit-key-for-the-suite-only-0123456789abcdefghij"

from factcheck.settings import *  # noqa: F403

DEBUG = False
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The manifest storage 404s under live_server; tests use the plain one.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# None, unless a child process is given one (the load test collects static
# files into a folder of its own for gunicorn).
STATIC_ROOT = os.environ.get("STATIC_ROOT") or None
FACTCHECK_ALLOW_AUDIT_FLUSH = True
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Tasks run where they are enqueued (after the enqueuing transaction commits),
# so no test needs a worker; tests/test_tasks.py runs the real `db_worker`.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# A file, not SQLite's shared in-memory database, so that tests see what
# production sees: WAL, IMMEDIATE transactions and the busy timeout, with
# one connection per thread.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # FACTCHECK_TEST_DB names another file, so that two suites can run side by side.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.environ.get("FACTCHECK_TEST_DB") or str(BASE_DIR / ".test-db.sqlite3")  # noqa: F405
    }
else:
    DATABASES["default"]["OPTIONS"]["pool"]["max_size"] = 20  # noqa: F405
