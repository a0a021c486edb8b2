from django.http import HttpRequest

from factcheck.roles import role_of


def role(request: HttpRequest) -> dict[str, str]:
    """Expose the logged-in person's role to every template, for the header."""
    user = getattr(request, "user", None)
    return {"user_role": role_of(user) if user is not None else ""}
