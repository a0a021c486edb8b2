"""The API tokens page: a person makes, sees and revokes their own personal access tokens."""

import datetime

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from factcheck import services
from factcheck.models import ApiScope, ApiToken

ACCESS = {
    "read": ([ApiScope.READ], "Read: list and read articles, claims, sources"),
    "write": ([ApiScope.READ, ApiScope.WRITE], "Read and write: also change what your role may"),
    "sign_off": (
        [ApiScope.READ, ApiScope.WRITE, ApiScope.SIGN_OFF],
        "Read, write and sign off: also sign off and reopen verdicts, if your role may",
    ),
}
LIFETIMES = {"7": "7 days", "30": "30 days", "90": "90 days", "365": "a year"}


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="What the token is for, e.g. “CMS import” or “verdicts dashboard”.",
    )
    access = forms.ChoiceField(
        choices=[(key, label) for key, (_, label) in ACCESS.items()],
        initial="read",
        widget=forms.RadioSelect,
        help_text="A token can never do more than your role allows.",
    )
    lifetime = forms.ChoiceField(
        label="Expires after", choices=list(LIFETIMES.items()), initial="30"
    )


@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """List the person's tokens; make one, whose secret this answer alone shows."""
    form = TokenForm(request.POST or None)
    made = None
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            days = int(form.cleaned_data["lifetime"])
            try:
                token, secret = services.token_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    scopes=ACCESS[form.cleaned_data["access"]][0],
                    expires_at=timezone.now() + datetime.timedelta(days=days),
                )
            except services.DomainError as refusal:
                field = refusal.field if refusal.field in form.fields else None
                form.add_error(field, refusal.message)
            else:
                made, status = (token, secret), 201
                form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user)
    answer = render(
        request,
        "factcheck/api_tokens.html",
        {"form": form, "tokens": tokens, "made": made, "now": timezone.now()},
        status=status,
    )
    # The secret is shown once: no cache may keep the page that shows it.
    answer["Cache-Control"] = "no-store"
    return answer


@require_POST
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, f"The token “{token.name}” ({token.prefix}…) no longer works.")
    return redirect("api_tokens")
