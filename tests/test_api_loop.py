"""The "complete loop" of docs/api.md, run as printed against a live server."""

import datetime
import re
import subprocess
import sys
from pathlib import Path

from django.utils import timezone

from factcheck import services
from factcheck.models import AuditEvent, Claim
from tests import factories
from tests.conftest import child_environment

ROOT = Path(__file__).resolve().parent.parent


def the_loop() -> str:
    page = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    section = page.split("## A complete loop in Python", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S)[1]


def token(user, scopes) -> str:
    return services.token_create(
        actor=user,
        name="loop",
        scopes=scopes,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )[1]


def test_the_documented_loop_runs_from_import_to_claimreview(live_server, tmp_path):
    reviewer = factories.make_user("Reviewer", username="reviewer")
    editor = factories.make_user("Editor", username="editor")
    script = tmp_path / "loop.py"
    script.write_text(the_loop(), encoding="utf-8")

    done = subprocess.run(
        [sys.executable, str(script)],
        env=child_environment(
            FACTCHECK_URL=live_server.url,
            FACTCHECK_TOKEN=token(reviewer, ["write"]),
            FACTCHECK_EDITOR_TOKEN=token(editor, ["sign_off"]),
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "signed off by editor" in done.stdout
    assert "ClaimReview: Verified - " in done.stdout
    claim = Claim.objects.get()
    assert claim.status == "verified" and claim.signed_off_by == editor
    through = set(AuditEvent.objects.exclude(via="").values_list("via", flat=True))
    assert len(through) == 2 and all(via.startswith("API token fcp_") for via in through)
