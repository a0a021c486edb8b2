"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")

application = get_asgi_application()

# Refuse to serve with an AUDIT_KEY that would write events the right key cannot verify.
from factcheck import audit  # noqa: E402  (needs the app registry that the line above loads)

audit.check_key()
