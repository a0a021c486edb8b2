"""Create the demo accounts, one per role and a second editor, and print how to log in."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from factcheck import services
from factcheck.roles import EDITOR, REVIEWER, VIEWER

DEMO_ACCOUNTS = [
    ("reviewer", REVIEWER, "marks claims, tags sources, proposes verdicts"),
    ("editor", EDITOR, "all a reviewer does, plus sign-off, reopen, merges"),
    # A second editor, so that the sign-off loop (a verdict signed by someone other than
    # whoever proposed or changed it) can be tried with the demo accounts alone.
    ("editor2", EDITOR, "a second editor, to sign off what the first proposed"),
    ("viewer", VIEWER, "reads and exports, changes nothing"),
    ("admin", None, "Django staff superuser: the admin back office"),
]


class Command(BaseCommand):
    help = "Create (or reset) the demo accounts, one per role, and print their passwords."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="Give every demo account this password instead of a fresh random one.",
        )

    @transaction.atomic
    def handle(self, **options):
        User = get_user_model()
        self.stdout.write("Demo accounts (user name / password / role):")
        for username, role, what in DEMO_ACCOUNTS:
            password = options["password"] or secrets.token_urlsafe(9)
            grants = {
                "password": password,
                "is_staff": role is None,
                "is_superuser": role is None,
                "groups": [role] if role is not None else [],
            }
            user = User.objects.filter(username=username).first()
            if user is None:
                services.account_create(
                    actor=None, username=username, reason="Demo account", **grants
                )
            else:
                services.account_update(
                    actor=None, user=user, reason="Demo account reset", **grants
                )
            self.stdout.write(f"  {username:<9} {password:<14} {role or 'Admin'}: {what}")
