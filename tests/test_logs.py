"""The server log under the app's own LOGGING (the suite's settings log nothing)."""

import io
import logging

import pytest
from django.conf import settings as django_settings
from django.utils.log import configure_logging

from factcheck import settings as app_settings

pytestmark = pytest.mark.django_db

LOGGERS = ("", "django", "django.request", "django.server")


@pytest.fixture
def app_logging(settings):
    """Log as the app does with DEBUG on (the demo), into a buffer; restore logging after."""
    settings.DEBUG = True
    saved = [
        (logger, logger.handlers[:], logger.filters[:], logger.level, logger.propagate)
        for logger in map(logging.getLogger, LOGGERS)
    ]
    configure_logging(django_settings.LOGGING_CONFIG, app_settings.LOGGING)
    buffer = io.StringIO()
    for logger in map(logging.getLogger, LOGGERS[:3]):
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler:
                handler.setStream(buffer)
    yield buffer
    for logger, handlers, filters, level, propagate in saved:
        logger.handlers[:], logger.filters[:] = handlers, filters
        logger.level, logger.propagate = level, propagate


def test_a_refusal_is_logged_once_on_one_line(app_logging, client, viewer, caplog):
    client.force_login(viewer)
    app_logging.seek(0)
    app_logging.truncate()

    response = client.get("/articles/import/")

    log = app_logging.getvalue()
    assert response.status_code == 403
    assert log.count("Forbidden") == 1
    assert log.splitlines() == [
        "Forbidden (Permission denied): /articles/import/ (Your role cannot import articles.)"
    ]
    assert "Traceback" not in caplog.text


def test_an_error_keeps_its_traceback(app_logging):
    logger = logging.getLogger("django.request")

    try:
        raise ValueError("boom")
    except ValueError:
        logger.error("Internal Server Error: %s", "/x", exc_info=True)

    log = app_logging.getvalue()
    assert log.count("Internal Server Error: /x") == 1
    assert "Traceback" in log and "ValueError: boom" in log


def test_admin_pages_link_an_icon_so_browsers_ask_no_favicon(admin_client):
    response = admin_client.get("/admin/")

    assert response.status_code == 200
    assert b'<link rel="icon" href="data:,">' in response.content
