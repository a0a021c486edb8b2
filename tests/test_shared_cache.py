"""Several app servers share the figures one of them counted, through Redis (REDIS_URL)."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from factcheck import services
from tests import factories
from tests.conftest import child_environment

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("FACTCHECK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

# What an app server does for the Insights page: the key of the figures as the data stands,
# then the figures from the cache, counted (and stored) only when no server had them.
SERVER = """
import json
from django.core.cache import cache, caches
from factcheck import insights
from factcheck.models import Claim
claims = Claim.objects.all()
key = insights.cache_key(claims)
found = cache.get(key) is not None
figures = insights.cached_insights(claims)
backend = caches["default"].__class__.__name__
print(json.dumps({"found": found, "claims": figures.counts["claims"], "backend": backend}))
"""


def _database_url() -> str:
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    user = database["USER"] or "postgres"
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    host = database["HOST"] or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{database['PORT'] or 5432}/{database['NAME']}"


@pytest.fixture
def prefix():
    """A key prefix of this test's own, its keys removed afterwards."""
    name = f"factcheck-test-{uuid.uuid4().hex}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{name}:*"))
    if keys:
        client.delete(*keys)


def app_server(tmp_path: Path, prefix: str, *, shared: bool) -> dict:
    """Run one request's worth of Insights in a process of its own, as one app server."""
    variables = {
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "DATABASE_URL": _database_url(),
        "SECRET_KEY": "shared-cache-test-" + "k" * 40,
        "AUDIT_KEY": settings.AUDIT_KEY,
        "FACTCHECK_AUDIT_CHECKPOINTS": str(tmp_path / "checkpoints.jsonl"),
        "DEBUG": "false",
        "FACTCHECK_CACHE_PREFIX": prefix,
    }
    if shared:
        variables["REDIS_URL"] = REDIS_URL
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SERVER],
        cwd=ROOT,
        env=child_environment(**variables),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_figure_one_app_server_counted_is_served_by_another(transactional_db, tmp_path, prefix):
    factories.make_claim(article=factories.make_article(text="Lead.\n\nThe port reopened."))

    first = app_server(tmp_path, prefix, shared=True)
    second = app_server(tmp_path, prefix, shared=True)

    assert first == {"found": False, "claims": 1, "backend": "RedisCache"}
    assert second == {"found": True, "claims": 1, "backend": "RedisCache"}

    # A change makes a new key: no server is shown figures older than the data.
    article = factories.make_article(text="Lead.\n\nThe bridge closed on Monday.")
    services.claim_create(actor=None, article=article, start=6, end=32)
    after = app_server(tmp_path, prefix, shared=True)
    assert after == {"found": False, "claims": 2, "backend": "RedisCache"}


def test_without_redis_each_process_keeps_its_own(transactional_db, tmp_path, prefix):
    factories.make_claim(article=factories.make_article(text="Lead.\n\nThe port reopened."))

    first = app_server(tmp_path, prefix, shared=False)
    second = app_server(tmp_path, prefix, shared=False)

    assert first["found"] is False and second["found"] is False
    assert second["claims"] == 1 and second["backend"] == "LocMemCache"
