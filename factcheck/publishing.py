"""Where a published fact-check lives for the public: its page, and the feeds that list it."""

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from factcheck.models import Claim


def public_url(request: HttpRequest):
    """The absolute address of a published verdict's public page, from FACTCHECK_PUBLIC_URL
    (the public site, when the workbench sits elsewhere) or else the address asked for."""
    base = settings.FACTCHECK_PUBLIC_URL.rstrip("/")

    def address(claim_id: int) -> str:
        path = reverse("published_claim", args=[claim_id])
        return f"{base}{path}" if base else request.build_absolute_uri(path)

    return address


def workbench_url(request: HttpRequest):
    """The absolute address of a claim on the workbench (for its reviewers)."""
    return lambda claim_id: request.build_absolute_uri(reverse("claim_detail", args=[claim_id]))


def published_claims():
    """Published verdicts, newest first: what the public page and the feeds show."""
    return (
        Claim.objects.filter(published_at__isnull=False, signed_off_at__isnull=False)
        .select_related("article")
        .order_by("-published_at", "-id")
    )
