"""`manage.py suggest --file ... --json` and `python -m factcheck.suggest`: no database, no keys."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "FACTCHECK"))}
    for name in ("SECRET_KEY", "AUDIT_KEY", "DATABASE_URL", "DEBUG"):
        env.pop(name, None)
    env["FACTCHECK_ENV_FILE"] = str(cwd / "no.env")  # no demo .env either
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_manage_suggest_prints_offsets_into_the_files_as_read(tmp_path):
    one = tmp_path / "one.txt"
    one.write_bytes("Café owners said prices rose by 8 percent.\r\n".encode())
    two = tmp_path / "two.txt"
    two.write_text("“We are closing,” the owner told Reuters.\n", encoding="utf-8")

    result = run(
        str(ROOT / "manage.py"),
        "suggest",
        "--file",
        str(one),
        "--file",
        str(two),
        "--json",
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    documents = json.loads(result.stdout)
    assert [d["document"] for d in documents] == ["one.txt", "two.txt"]
    for document, path in zip(documents, (one, two), strict=True):
        text = path.read_bytes().decode("utf-8")
        claim = document["claims"][0]
        assert text[slice(*claim["claim_span"])] == claim["claim"]
        assert text[slice(*claim["source_span"])] == claim["source"]
        assert text[slice(*claim["cue_span"])] == claim["cue"]
    assert documents[0]["claims"][0]["source"] == "Café owners"
    assert documents[1]["claims"][0]["via"] == "Reuters"


def test_python_m_prints_one_document_and_refuses_a_file_that_is_not_utf8(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("The mayor said the road would reopen on Monday.\n", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"The mayor said \xff\xfe the road was closed.\n")

    ok = run("-m", "factcheck.suggest", "--file", str(good), "--json", cwd=ROOT)
    refused = run("-m", "factcheck.suggest", "--file", str(bad), "--json", cwd=ROOT)

    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["document"] == "good.txt"
    assert json.loads(ok.stdout)["claims"][0]["cue"] == "said"
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert "bad.txt: not UTF-8 text" in refused.stderr
