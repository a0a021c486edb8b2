"""Accounts and what they are granted: every change to who may do what is audited.

A role is a group membership; the staff, superuser and active flags, direct
permissions and the password decide the rest. Each change to them is a
`user.*` event, so that `verify_audit --replay` can rebuild every account's
grants from the history and name one changed behind its back (a second Editor
made by raw SQL, a superuser flag flipped). The password is recorded as a
digest of its stored hash: a change shows, the hash itself never leaves the table.
"""

import hashlib
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from factcheck import audit
from factcheck.services._base import DomainError, NotAllowed, service

FLAGS = ("is_active", "is_staff", "is_superuser")
# What an account event records, as `verify_audit --replay` compares it.
ACCOUNT_FIELDS = ("username", *FLAGS, "groups", "user_permissions", "password")


def password_digest(stored_hash: str) -> str:
    """Name a stored password hash without revealing it: it changes when the password does."""
    return hashlib.sha256(f"factcheck password\n{stored_hash}".encode()).hexdigest()[:16]


def permission_name(permission: Permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


def account_state(user) -> dict[str, Any]:
    """Everything an account event records of `user`, as it stands in the database."""
    return {
        "username": user.get_username(),
        **{flag: getattr(user, flag) for flag in FLAGS},
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "user_permissions": sorted(
            permission_name(permission)
            for permission in user.user_permissions.select_related("content_type")
        ),
        "password": password_digest(user.password),
    }


def _authorize_accounts(actor, permission: str) -> None:
    if actor is None:
        return
    if not actor.is_authenticated or not actor.has_perm(f"auth.{permission}"):
        raise NotAllowed("You do not have permission to change accounts.")


def _record_account(actor, action: str, user, changes: dict, reason: str = "") -> None:
    audit.record(
        actor=actor,
        action=action,
        object_type="user",
        object_id=user.pk,
        object_repr=user.get_username(),
        changes=changes,
        reason=reason,
    )


def _groups(names_or_groups: Iterable[Any]) -> list[Group]:
    groups = []
    for item in names_or_groups:
        if isinstance(item, Group):
            groups.append(item)
            continue
        try:
            groups.append(Group.objects.get(name=item))
        except Group.DoesNotExist:
            raise DomainError(f"There is no role or group “{item}”.", field="groups") from None
    return groups


def _apply_account(user, fields: dict[str, Any]) -> None:
    for name in ("username", *FLAGS):
        if name in fields:
            setattr(user, name, fields[name])
    if "password" in fields:
        if fields["password"] is None:
            user.set_unusable_password()
        else:
            user.set_password(fields["password"])
    user.save()
    if "groups" in fields:
        user.groups.set(_groups(fields["groups"]))
    if "user_permissions" in fields:
        user.user_permissions.set(list(fields["user_permissions"]))


@service
def account_create(*, actor, username: str, reason: str = "", **fields: Any):
    """Create an account with its flags, groups, permissions and password (None: unusable)."""
    _authorize_accounts(actor, "add_user")
    unknown = set(fields) - set(ACCOUNT_FIELDS)
    if unknown:
        raise DomainError(f"Accounts have no field {', '.join(sorted(unknown))}.")
    if not (username or "").strip():
        raise DomainError("An account needs a user name.", field="username")
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise DomainError(f"There is already an account “{username}”.", field="username")
    user = User(username=username)
    _apply_account(user, {"password": None, **fields})
    state = account_state(user)
    _record_account(actor, "user.created", user, {k: [None, v] for k, v in state.items()}, reason)
    return user


@service
def account_update(*, actor, user, reason: str = "", **fields: Any):
    """Change an account's user name, flags, groups, direct permissions or password."""
    _authorize_accounts(actor, "change_user")
    unknown = set(fields) - set(ACCOUNT_FIELDS)
    if unknown:
        raise DomainError(f"Accounts have no field {', '.join(sorted(unknown))}.")
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    before = account_state(user)
    _apply_account(user, fields)
    after = account_state(user)
    changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if changes:
        _record_account(actor, "user.changed", user, changes, reason)
    return user


@service
def account_delete(*, actor, user, reason: str = "") -> None:
    """Delete an account; its history stays, under its name."""
    _authorize_accounts(actor, "delete_user")
    state = account_state(user)
    _record_account(actor, "user.deleted", user, {k: [v, None] for k, v in state.items()}, reason)
    user.delete()


@service
def accounts_record_existing(*, actor=None, reason: str = "") -> int:
    """Record every account that has no event yet as it stands: the baseline for replay."""
    User = get_user_model()
    known = set(
        audit.AuditEvent.objects.filter(object_type="user").values_list("object_id", flat=True)
    )
    recorded = 0
    for user in User.objects.order_by("pk"):
        if str(user.pk) in known:
            continue
        state = account_state(user)
        _record_account(
            actor, "user.recorded", user, {k: [None, v] for k, v in state.items()}, reason
        )
        recorded += 1
    return recorded
