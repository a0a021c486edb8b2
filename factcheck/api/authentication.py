"""Personal access tokens: `Authorization: Bearer fcp_…`, refused with 401 when unusable."""

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from factcheck import services
from factcheck.models import ApiToken
from factcheck.services.tokens import token_digest

UNKNOWN = "This is not a token of this workbench."


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as `Authorization: Bearer <token>`, with no spaces in it."
            )
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(
                "This is not a token of this workbench."
            ) from None
        token = ApiToken.objects.select_related("user").filter(digest=token_digest(secret)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(UNKNOWN)
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                f"The token {token.prefix}… was revoked on {token.revoked_at:%Y-%m-%d}."
            )
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(
                f"The token {token.prefix}… expired on {token.expires_at:%Y-%m-%d}; make a new one."
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("The token's account is disabled.")
        services.token_used(token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Answering 401 (not 403) needs a challenge to name.
        return f'{self.keyword} realm="api"'


class TokenScheme(OpenApiAuthenticationExtension):
    """How the schema names the token: HTTP bearer."""

    target_class = TokenAuthentication
    name = "personalAccessToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token made on the API tokens page: fcp_….",
        }
