"""WSGI entry point: `gunicorn factcheck.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")

application = get_wsgi_application()

# Refuse to serve with an AUDIT_KEY that would write events the right key cannot verify.
from factcheck import audit  # noqa: E402  (needs the app registry that the line above loads)

audit.check_key()
