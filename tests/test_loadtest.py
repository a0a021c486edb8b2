"""The load test, short: reviewers and editors through gunicorn on the suite's own database."""

import os

import pytest
from django.db import connection

from factcheck import services
from factcheck.loadtest import LoadTestConfig, run
from factcheck.loadtest.checks import is_error, missing_events, percentile
from factcheck.loadtest.scenario import Expected
from factcheck.loadtest.server import database_url, summarise_log
from factcheck.models import AuditEvent
from tests import factories


def _process_group_alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.django_db(transaction=True)
def test_reviewers_and_editors_under_load_get_no_5xx_and_lose_no_write():
    config = LoadTestConfig(users=8, editors=2, duration=20, articles=3, seed=8)

    result = run(config)

    print(result.report())
    rows = {row.action: row for row in result.rows}
    assert result.errors == 0, result.failures[:10]
    assert result.missing == []
    assert result.state_problems == []
    assert result.audit_ok, result.audit_message
    assert rows["all"].ok > 100
    assert rows["sign off"].ok > 0
    assert rows["export CSV"].ok > 0
    assert result.passed
    assert result.base_url.startswith("http://127.0.0.1:")
    assert not _process_group_alive(result.server_pid)


@pytest.mark.django_db
def test_an_acknowledged_write_without_its_audit_event_is_reported(reviewer, article):
    claim = factories.make_claim(article=article, actor=reviewer)
    baseline = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    kept = Expected("claim.status_changed", "rita", claim.pk, {"status": "in_progress"})
    other_value = Expected("claim.status_changed", "rita", claim.pk, {"status": "unverified"})
    never_written = Expected("verdict.signed_off", "ed", claim.pk)

    missing = missing_events([kept, other_value, never_written], baseline)

    assert missing == [other_value, never_written]


@pytest.mark.django_db
def test_one_audit_event_answers_for_one_write_only(reviewer, article):
    claim = factories.make_claim(article=article, actor=reviewer)
    baseline = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    twice = Expected("claim.status_changed", "rita", claim.pk, {"status": "in_progress"})

    missing = missing_events([twice, twice], baseline)

    assert missing == [twice]


def test_a_5xx_an_unexpected_4xx_or_no_answer_is_an_error_and_a_refusal_is_not():
    statuses = [200, 302, 409, 422, 400, 403, 404, 500, 503, 0]

    errors = [status for status in statuses if is_error(status)]

    assert errors == [400, 403, 404, 500, 503, 0]


def test_percentiles_are_nearest_rank():
    values = [float(n) for n in range(1, 101)]

    found = (percentile(values, 50), percentile(values, 95), percentile(values, 99))

    assert found == (50.0, 95.0, 99.0)
    assert percentile([0.2], 99) == 0.2


def test_server_log_summary_names_each_exception_once_per_traceback():
    log = (
        "Internal Server Error: /claims/3/status/\n"
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1, in f\n'
        "psycopg.errors.DeadlockDetected: deadlock detected\n"
        "\n"
        "The above exception was the direct cause of the following exception:\n"
        "\n"
        "Traceback (most recent call last):\n"
        '  File "y.py", line 2, in g\n'
        "django.db.utils.OperationalError: deadlock detected\n"
    )

    summary = summarise_log(log)

    assert summary == {
        "psycopg.errors.DeadlockDetected: deadlock detected": 1,
        "django.db.utils.OperationalError: deadlock detected": 1,
    }


def test_database_url_names_the_connections_database():
    settings_dict = connection.settings_dict

    url = database_url(settings_dict)

    if connection.vendor == "sqlite":
        assert url == f"sqlite:///{os.path.abspath(settings_dict['NAME'])}"
    else:
        assert url.startswith("postgres://")
        assert url.endswith(f"/{settings_dict['NAME']}")
