"""Personal access tokens for the API: made, revoked and used."""

import datetime
import hashlib
import secrets
import string

from django.utils import timezone

from factcheck import audit
from factcheck.models import ApiScope, ApiToken
from factcheck.services._base import DomainError, NotAllowed, service

# "fcp_" marks a factcheck personal token, so that a secret scanner can recognise one.
TOKEN_MARK = "fcp_"
# Letters and digits only (238 bits in 40 of them): a token copies whole with a double click.
ALPHABET = string.ascii_letters + string.digits
# The longest a token may live: a lost token stops working within a year at most.
MAX_LIFETIME = datetime.timedelta(days=366)
# Last use is written at most this often, so that a busy client costs no write per request.
LAST_USE_PRECISION = datetime.timedelta(minutes=1)


def token_digest(token: str) -> str:
    """The stored form of a token: its SHA-256 (a random secret needs no slow hash)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _scopes(scopes) -> list[str]:
    chosen = {str(scope) for scope in scopes or ()}
    unknown = chosen - set(ApiScope.values)
    if unknown:
        raise DomainError(
            f"Unknown scope {', '.join(sorted(unknown))}: use read, write or sign_off.",
            field="scopes",
        )
    if ApiScope.SIGN_OFF in chosen:
        chosen.add(ApiScope.WRITE)
    # Every token may read what its owner may read.
    chosen.add(ApiScope.READ)
    return [scope for scope in ApiScope.values if scope in chosen]


@service
def token_create(
    *, actor, name: str, scopes, expires_at: datetime.datetime
) -> tuple[ApiToken, str]:
    """Make a token for `actor`; return it and its secret, which is kept nowhere and shown once."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise NotAllowed("Log in to make an API token.")
    name = (name or "").strip()
    if not name:
        raise DomainError("Give the token a name: what it is for.", field="name")
    if len(name) > 100:
        raise DomainError("A token's name has at most 100 characters.", field="name")
    now = timezone.now()
    if expires_at is None or expires_at <= now:
        raise DomainError("The expiry must be in the future.", field="expires_at")
    if expires_at > now + MAX_LIFETIME:
        raise DomainError("A token lives at most a year.", field="expires_at")
    chosen = _scopes(scopes)
    prefix = TOKEN_MARK + secrets.token_hex(4)
    secret = f"{prefix}_{''.join(secrets.choice(ALPHABET) for _ in range(40))}"
    token = ApiToken.objects.create(
        user=actor,
        name=name,
        prefix=prefix,
        digest=token_digest(secret),
        scopes=chosen,
        created_at=now,
        expires_at=expires_at,
    )
    audit.record(
        actor=actor,
        action="token.created",
        object_type="token",
        object_id=token.pk,
        object_repr=str(token),
        changes={
            "name": [None, name],
            "prefix": [None, prefix],
            "scopes": [None, chosen],
            "expires_at": [None, expires_at.isoformat()],
        },
    )
    return token, secret


@service
def token_revoke(*, actor, token: ApiToken, reason: str = "") -> ApiToken:
    """Stop a token working at once: its owner may, and so may whoever manages accounts."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    is_owner = actor is not None and actor.pk == token.user_id
    if actor is not None and not is_owner and not actor.has_perm("auth.change_user"):
        raise NotAllowed("Only the token's owner or an administrator can revoke it.")
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        action="token.revoked",
        object_type="token",
        object_id=token.pk,
        object_repr=str(token),
        changes={"revoked_at": [None, token.revoked_at.isoformat()]},
        reason=reason,
    )
    return token


def token_used(token: ApiToken) -> None:
    """Note when a token was last used, as shown on its owner's page.

    Bookkeeping like a login's date, not a change to the desk's data: no audit
    event, or every request would lengthen the chain.
    """
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
