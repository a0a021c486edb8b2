"""Downloads: the claims and audit CSVs, and ClaimReview JSON-LD, each one audited.

The query string of the claims queue (`ClaimFilter`) and of the activity feed
(`AuditEventFilter`) carries over to the exports, so a link from either page
downloads exactly what the page lists. Anyone holding `factcheck.export_claim`
(Viewers, Reviewers, Editors) may export.
"""

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from factcheck import exports
from factcheck.filters import AuditEventFilter, ClaimFilter, applied, errors_of
from factcheck.models import AuditEvent, Claim
from factcheck.publishing import public_url

JSON_LD = "application/ld+json"
can_export = permission_required("factcheck.export_claim", raise_exception=True)


def _wants_bom(query: QueryDict) -> bool:
    return query.get("bom", "").lower() in {"1", "true", "yes", "on"}


def _filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.localtime():%Y%m%d-%H%M%S}.{extension}"


def _refusal(errors: list[tuple[str, str]]) -> HttpResponse:
    """Refuse unreadable filters before anything is read or audited, naming each as labelled."""
    lines = "".join(f"{label}: {message}\n" for label, message in errors)
    return HttpResponseBadRequest(
        "Nothing was exported; fix the filters first:\n" + lines,
        content_type="text/plain; charset=utf-8",
    )


def _stream(content: Iterator[str], *, content_type: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Exports can hold unpublished work: keep them out of shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


def claims_csv_response(
    *, actor, claims: QuerySet[Claim], filters: dict[str, Any], bom: bool = False
) -> StreamingHttpResponse:
    """Stream the claims CSV of `claims` as a download, and audit it (the admin uses this too)."""
    rows = exports.Audited(
        exports.claim_rows(claims),
        actor=actor,
        action="export.claims",
        object_id="claims",
        object_repr="claims CSV",
        filters=filters,
    )
    return _stream(
        exports.csv_chunks(rows, bom=bom),
        content_type="text/csv; charset=utf-8",
        filename=_filename("claims", "csv"),
    )


def audit_csv_response(
    *, actor, events: QuerySet[AuditEvent], filters: dict[str, Any], bom: bool = False
) -> StreamingHttpResponse:
    """Stream the audit CSV of `events` as a download, and audit it."""
    rows = exports.Audited(
        exports.audit_rows(events),
        actor=actor,
        action="export.audit",
        object_id="audit",
        object_repr="audit CSV",
        filters=filters,
    )
    return _stream(
        exports.csv_chunks(rows, bom=bom),
        content_type="text/csv; charset=utf-8",
        filename=_filename("audit", "csv"),
    )


@require_GET
@can_export
def export_claims(request: HttpRequest) -> HttpResponse:
    """Download the claims the queue lists for this query string, one row per attribution."""
    claim_filter = ClaimFilter(request.GET, queryset=Claim.objects.all())
    # A bad sort falls back to the default order, as on the queue.
    errors = errors_of(claim_filter, ignore=("sort",), with_parameters=True)
    if errors:
        return _refusal(errors)
    return claims_csv_response(
        actor=request.user,
        claims=claim_filter.qs,
        filters=exports.filters_of(applied(claim_filter, request.GET)),
        bom=_wants_bom(request.GET),
    )


@require_GET
@can_export
def export_audit(request: HttpRequest) -> HttpResponse:
    """Download the audit events the activity feed lists for this query string, oldest first."""
    event_filter = AuditEventFilter(request.GET, queryset=AuditEvent.objects.all())
    errors = errors_of(event_filter, with_parameters=True)
    if errors:
        return _refusal(errors)
    return audit_csv_response(
        actor=request.user,
        events=event_filter.qs,
        filters=exports.filters_of(applied(event_filter, request.GET)),
        bom=_wants_bom(request.GET),
    )


def _claim_url(request: HttpRequest):
    return lambda claim_id: request.build_absolute_uri(reverse("claim_detail", args=[claim_id]))


@require_GET
@can_export
def claim_review_jsonld(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Publish one signed-off verdict as schema.org ClaimReview JSON-LD."""
    review = exports.published_review(
        claim_id,
        actor=request.user,
        claim_url=_claim_url(request),
        public_url=public_url(request),
    )
    if review is None:
        message = (
            f"Claim #{claim_id} has no signed-off verdict, so it has no ClaimReview."
            if Claim.objects.filter(pk=claim_id).exists()
            else f"There is no claim #{claim_id}."
        )
        return JsonResponse({"error": message}, status=404)
    return JsonResponse(
        review, content_type=JSON_LD, json_dumps_params={"ensure_ascii": False, "indent": 2}
    )


@require_GET
@can_export
def claim_reviews_jsonld(request: HttpRequest) -> HttpResponse:
    """Download every signed-off verdict the queue's filters select, as a JSON-LD array."""
    claim_filter = ClaimFilter(request.GET, queryset=Claim.objects.all())
    errors = errors_of(claim_filter, ignore=("sort",), with_parameters=True)
    if errors:
        return _refusal(errors)
    reviews = exports.Audited(
        exports.claim_reviews(
            claim_filter.qs, claim_url=_claim_url(request), public_url=public_url(request)
        ),
        actor=request.user,
        action="export.claimreview",
        object_id="claimreview",
        object_repr="ClaimReview JSON-LD",
        filters=exports.filters_of(applied(claim_filter, request.GET)),
        header=False,
    )
    return _stream(
        exports.json_array(reviews),
        content_type=JSON_LD,
        filename=_filename("claimreview", "json"),
    )
