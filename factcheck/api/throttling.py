"""Rate limits per token (or per person on a session), answered 429 with Retry-After."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from factcheck.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_rate(self) -> str:
        return settings.FACTCHECK_API_RATE

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"address:{self.get_ident(request)}"
        return f"factcheck:throttle:{ident}"
