"""Every command the README shows works as printed, from a new shell, after the set-up.

The set-up is what `scripts/start` does before it serves: a `.env` with DEBUG,
a secret key and the audit key, then migrate, the seed import and the demo
accounts. Each README command then runs in a shell with nothing else in its
environment. A README command this file does not know fails the first test,
so a new one cannot be added to the README untried.
"""

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = "seeds/000_968ab21749d55e3c.txt"

# README line (comments and placeholders as printed) → the command run here, with the
# placeholders filled in ({tmp} is the set-up's folder), or why it is not run here.
RUN = {
    ".venv/bin/python manage.py export_claims --status false --status misleading "
    "--source-type anonymous_official -o claims.csv": "export_claims --status false "
    "--status misleading --source-type anonymous_official -o {tmp}/claims.csv",
    ".venv/bin/python manage.py export_claims --article 12 --bom": (
        "export_claims --article 1 --bom"
    ),
    ".venv/bin/python manage.py export_audit --since 2026-11-01 --until 2026-11-30 "
    "--user reviewer -o audit.csv": "export_audit --since 2026-11-01 --until 2026-11-30 "
    "--user reviewer -o {tmp}/audit.csv",
    ".venv/bin/python manage.py verify_audit": "verify_audit",
    ".venv/bin/python manage.py verify_audit --checkpoint": "verify_audit --checkpoint",
    ".venv/bin/python manage.py import_articles PATH [PATH ...] [--annotations] "
    "[--max-bytes N] [--user NAME] [--no-suggest]": "import_articles {tmp}/extra.txt "
    "--max-bytes 100000 --user reviewer",
    ".venv/bin/python manage.py suggest --article ID [--article ID ...]": "suggest --article 1",
    ".venv/bin/python manage.py db_worker --batch": "db_worker --batch",
    ".venv/bin/python manage.py suggest --all [--now]": "suggest --all --now",
    ".venv/bin/python manage.py suggest --file PATH [--file PATH ...] --json": (
        f"suggest --file {SEED} --json"
    ),
    ".venv/bin/python manage.py backup /backups/factcheck-$(date +%F).backup [--force]": (
        "backup {tmp}/factcheck.backup"
    ),
    "DATABASE_URL=sqlite:////srv/factcheck/db.sqlite3 .venv/bin/python manage.py restore "
    "PATH [--force]": "DATABASE_URL=sqlite:///{tmp}/restored.sqlite3 restore "
    "{tmp}/factcheck.backup",
    "python manage.py migrate": "migrate",
    "python manage.py verify_audit --replay": "verify_audit --replay",
    "python manage.py collectstatic --no-input": (
        "STATIC_ROOT={tmp}/static collectstatic --no-input"
    ),
}
NOT_HERE = {
    "scripts/start": "command 1 itself: its set-up is reproduced above",
    "scripts/test": "command 2 itself: this test runs inside it",
    "scripts/test tests/browser --count 5 --repeat-scope session": (
        "command 2 five times over the browser tests: minutes, run by hand"
    ),
    "DATABASE_URL=postgres://factcheck_owner:…@db:5432/factcheck python manage.py migrate": (
        "production PostgreSQL roles: .ci/run does it against a real cluster"
    ),
    "FACTCHECK_APP_DB_PASSWORD=… python manage.py grant_app_role factcheck_app": (
        "production PostgreSQL roles: .ci/run and tests/test_db_roles.py"
    ),
    "python manage.py check --deploy": "tests/test_commands.py runs it with production settings",
    "python manage.py db_worker --no-reload": "a service that runs until stopped",
    "DATABASE_URL=postgres://…/factcheck_restored python manage.py restore PATH": (
        "PostgreSQL restore: tests/test_backup.py on the PostgreSQL run"
    ),
    ".venv/bin/python manage.py benchmark all --claims 1000000 --db /tmp/bench.sqlite3": (
        "half an hour at a million claims: tests/test_benchmark.py runs every subject small"
    ),
    ".venv/bin/python manage.py benchmark insights --database-url "
    "postgres://postgres@127.0.0.1:5432/factcheck_bench --reuse": (
        "a PostgreSQL data set built before: tests/test_benchmark.py covers the PostgreSQL path"
    ),
    ".venv/bin/python manage.py loadtest --users 20 --editors 4 --duration 120": (
        "two minutes against gunicorn: tests/test_loadtest.py runs a 20-second version"
    ),
}


def readme_commands() -> list[str]:
    """The command lines of the README's shell blocks, without comments or continuations."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```(?:sh|bash)\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.strip().removesuffix("\\").strip()
            if line.startswith("#") or not line:
                continue
            line = re.sub(r"\s+#.*$", "", line)  # a trailing comment
            line = re.sub(r"^\*/\d+ [*\s]+cd \S+ && ", "", line)  # a crontab line
            line = re.sub(r"^#?\s*or: ", "", line)
            if "manage.py" in line or line.startswith("scripts/"):
                commands.append(line.split(" > ")[0].strip())
    return commands


def test_every_readme_command_is_run_here_or_said_why_not():
    unknown = [line for line in readme_commands() if line not in RUN and line not in NOT_HERE]

    assert unknown == []


@pytest.fixture(scope="module")
def fresh_shell(tmp_path_factory):
    """Do what scripts/start does before serving; return a runner for a new, empty shell."""
    tmp = tmp_path_factory.mktemp("readme")
    env_file = tmp / ".env"
    env_file.write_text(
        "DEBUG=true\n"
        f"SECRET_KEY={secrets.token_hex(32)}\n"
        f"AUDIT_KEY={secrets.token_hex(32)}\n"
        f"DATABASE_URL=sqlite:///{tmp}/db.sqlite3\n"
        f"FACTCHECK_AUDIT_CHECKPOINTS={tmp}/checkpoints.jsonl\n"
    )
    (tmp / "extra.txt").write_text(
        "Port reopens\n\nThe port reopened on Monday, the harbour authority said.\n"
    )

    def run(command: str) -> subprocess.CompletedProcess:
        assignments = []
        words = command.format(tmp=tmp).split()
        while "=" in words[0]:
            assignments.append(words.pop(0))
        environment = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp),
            "FACTCHECK_ENV_FILE": str(env_file),
            **dict(a.split("=", 1) for a in assignments),
        }
        return subprocess.run(
            [sys.executable, "manage.py", *words],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )

    for step in (
        "migrate --no-input",
        "import_articles seeds --annotations",
        "create_demo_users",
    ):
        done = run(step)
        assert done.returncode == 0, done.stderr
    return run


@pytest.mark.parametrize("readme_line", list(RUN))
def test_the_readme_command_works_from_a_new_shell(fresh_shell, readme_line):
    done = fresh_shell(RUN[readme_line])

    assert done.returncode == 0, f"{RUN[readme_line]}\n{done.stdout}\n{done.stderr}"


def test_command_2_passes_after_command_1(tmp_path):
    """The `.env` that command 1 leaves for the demo reaches no process the suite starts."""
    clone = tmp_path / "clone"
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    for name in listed.stdout.splitlines():
        if (ROOT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, clone / name)
    subprocess.run(
        ["bash", "-c", "source scripts/_env.sh && write_demo_env"], cwd=clone, check=True
    )
    assert "SECRET_KEY=" in (clone / ".env").read_text()

    # The tests that start manage.py with an environment of their own making.
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_commands.py"],
        cwd=clone,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
