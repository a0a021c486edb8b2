"""The page a logged-in person without a role sees, in place of every other page."""

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def no_role(request: HttpRequest) -> HttpResponse:
    """Say that the account holds no role yet, and whom to ask for one (403)."""
    administrators = (
        get_user_model()
        .objects.filter(is_active=True, is_superuser=True)
        .order_by("username")
        .only("username", "first_name", "last_name", "email")
    )
    template = "no_role.html#notice" if request.htmx else "no_role.html"
    return render(request, template, {"administrators": administrators}, status=403)
