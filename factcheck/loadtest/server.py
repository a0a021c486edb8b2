"""Start gunicorn on a free loopback port against the caller's database, and stop it."""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from django.conf import settings

HOST = "127.0.0.1"


def database_url(settings_dict: dict[str, Any]) -> str:
    """The DATABASE_URL naming the database of a Django connection (the test one included)."""
    engine = settings_dict["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(settings_dict['NAME']).resolve()}"
    if engine == "django.db.backends.postgresql":
        user = quote(settings_dict.get("USER") or "", safe="")
        password = settings_dict.get("PASSWORD") or ""
        credentials = f"{user}:{quote(password, safe='')}@" if password else f"{user}@"
        host = settings_dict.get("HOST") or "localhost"
        port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
        return f"postgres://{credentials}{host}{port}/{quote(settings_dict['NAME'], safe='')}"
    raise ValueError(f"The load test runs on SQLite or PostgreSQL, not {engine}.")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def server_environment(
    db_url: str, static_root: str | None, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The caller's environment and settings module, made to serve plain HTTP on loopback.

    Everything else stays as production has it: DEBUG off, the manifest static
    storage when the settings use it, the same AUDIT_KEY as this process (so that
    the events gunicorn writes verify here).
    """
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "factcheck.settings"),
        DEBUG="false",
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="WARNING",
    )
    # A settings module that falls back to a demo key when DEBUG is on would
    # refuse to start with DEBUG off: give it a key of its own for the run.
    env["SECRET_KEY"] = os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50)
    audit_key = getattr(settings, "AUDIT_KEY", None) or os.environ.get("AUDIT_KEY")
    if isinstance(audit_key, bytes):
        audit_key = audit_key.decode()
    env["AUDIT_KEY"] = audit_key or secrets.token_urlsafe(32)
    if static_root:
        env["STATIC_ROOT"] = static_root
    env.update(extra or {})
    return env


@dataclass
class Server:
    base_url: str
    log_path: Path
    pid: int

    kept_log: Path | None = None

    def log_summary(self) -> Counter[str]:
        """The exceptions the server logged, by their last line, most frequent first."""
        return summarise_log(self.log_text())

    def log_text(self) -> str:
        path = self.kept_log or self.log_path
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def summarise_log(log: str) -> Counter[str]:
    found: Counter[str] = Counter()
    in_traceback = False
    for line in log.splitlines():
        if line.startswith("Traceback"):
            in_traceback = True
        elif (
            in_traceback
            and line
            and not line[0].isspace()
            and not line.startswith(("During handling", "The above exception"))
        ):
            found[re.sub(r"\s+", " ", line)[:160]] += 1
            in_traceback = False
    return found


def _collectstatic(env: dict[str, str]) -> None:
    """Build the static manifest the production storage needs, in a throwaway folder."""
    subprocess.run(
        [sys.executable, "-m", "django", "collectstatic", "--no-input", "--verbosity", "0"],
        env=env,
        check=True,
        cwd=settings.BASE_DIR,
    )


@contextmanager
def gunicorn(
    db_url: str,
    *,
    workers: int = 4,
    env: dict[str, str] | None = None,
    startup_timeout: float = 60,
) -> Iterator[Server]:
    """Serve the workbench with gunicorn for the duration of the block; always stop it."""
    with tempfile.TemporaryDirectory(prefix="factcheck-loadtest-") as scratch:
        # gunicorn runs with DEBUG off, where production's manifest storage
        # needs collected files, whatever DEBUG the caller runs with.
        static_root = str(Path(scratch) / "static")
        env = server_environment(db_url, static_root, env)
        _collectstatic(env)
        port = free_port()
        log_path = Path(scratch) / "gunicorn.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "gunicorn", "factcheck.wsgi"),
                    *("--bind", f"{HOST}:{port}", "--workers", str(workers)),
                    *("--timeout", "120", "--graceful-timeout", "10"),
                ],
                env=env,
                cwd=settings.BASE_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Server(base_url=f"http://{HOST}:{port}", log_path=log_path, pid=process.pid)
        try:
            _wait_until_serving(process, server, startup_timeout)
            yield server
        finally:
            _stop(process)
            # A log with tracebacks outlives the folder, for whoever reads the report.
            if "Traceback" in server.log_text():
                server.kept_log = _keep(log_path)


def _wait_until_serving(process: subprocess.Popen, server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited while starting:\n" + server.log_text())
        try:
            response = httpx.get(f"{server.base_url}/login/", timeout=5)
        except httpx.TransportError:
            time.sleep(0.2)
            continue
        if response.status_code == 200:
            return
        raise RuntimeError(
            f"gunicorn answered GET /login/ with {response.status_code}:\n"
            + server.log_text()[-4000:]
        )
    raise RuntimeError(f"gunicorn did not serve within {timeout:.0f} s")


def _stop(process: subprocess.Popen) -> None:
    """Stop the gunicorn master and, whatever happens, every process of its group."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.poll() is None:
        process.wait(timeout=5)


def _keep(log_path: Path) -> Path:
    handle, name = tempfile.mkstemp(prefix="factcheck-loadtest-", suffix=".log")
    with os.fdopen(handle, "wb") as kept:
        kept.write(log_path.read_bytes())
    return Path(name)
