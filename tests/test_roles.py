import pytest
from django.contrib.auth.models import Group

from factcheck.roles import ROLE_PERMISSIONS, role_of
from tests import factories


def test_migration_creates_the_role_groups_with_their_permissions(db):
    for role, codenames in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)

        assert set(group.permissions.values_list("codename", flat=True)) == set(codenames)


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        ("Viewer", ["view_claim", "export_claim"], ["add_claim", "change_claim", "add_note"]),
        (
            "Reviewer",
            ["add_claim", "change_claim", "add_source"],
            ["sign_off_claim", "reopen_claim", "merge_source", "change_sourcetype"],
        ),
        ("Editor", ["sign_off_claim", "reopen_claim", "merge_source", "change_sourcetype"], []),
    ],
)
def test_each_role_holds_what_the_product_gives_it(db, role, allowed, refused):
    user = factories.make_user(role)

    assert all(user.has_perm(f"factcheck.{codename}") for codename in allowed)
    assert not any(user.has_perm(f"factcheck.{codename}") for codename in refused)
    assert role_of(user) == role
