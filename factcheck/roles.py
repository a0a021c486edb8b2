"""The newsroom roles as Django groups, and the permissions each one holds."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

VIEWER = "Viewer"
REVIEWER = "Reviewer"
EDITOR = "Editor"

_READ = [
    f"view_{model}"
    for model in (
        "article",
        "claim",
        "source",
        "sourcetype",
        "attribution",
        "evidencelink",
        "note",
        "auditevent",
    )
]
_REVIEW = [
    "add_article",
    "change_article",
    "add_claim",
    "change_claim",
    "delete_claim",
    "add_attribution",
    "change_attribution",
    "delete_attribution",
    "add_source",
    "change_source",
    "add_evidencelink",
    "delete_evidencelink",
    "add_note",
]
_EDIT = [
    "delete_article",
    "delete_source",
    "merge_source",
    "add_sourcetype",
    "change_sourcetype",
    "delete_sourcetype",
    "delete_note",
    "sign_off_claim",
    "reopen_claim",
]

# Codenames of the factcheck app's permissions, per group.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    VIEWER: [*_READ, "export_claim"],
    REVIEWER: [*_READ, "export_claim", *_REVIEW],
    EDITOR: [*_READ, "export_claim", *_REVIEW, *_EDIT],
}


def sync_role_groups(group_model, permission_model, *, using: str = "default") -> None:
    """Create the role groups and give each exactly its permissions."""
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.using(using).get_or_create(name=role)
        permissions = permission_model.objects.using(using).filter(
            content_type__app_label="factcheck", codename__in=codenames
        )
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions missing for {role}: {sorted(missing)}")
        group.permissions.set(permissions)


def role_of(user: AbstractBaseUser | AnonymousUser) -> str:
    """Name the strongest role a user holds, for the page header."""
    if not user.is_authenticated:
        return ""
    if user.is_superuser:
        return "Admin"
    names = {group.name for group in user.groups.all()}
    for role in (EDITOR, REVIEWER, VIEWER):
        if role in names:
            return role
    return "Staff" if user.is_staff else "No role"


def has_role(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Tell whether a logged-in person may use the workbench: staff, or a role that reads claims."""
    return user.is_staff or user.has_perm("factcheck.view_claim")
