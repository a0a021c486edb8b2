"""The API's endpoints: each reads as the pages read and writes through the services."""

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status as http_status
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
)
from rest_framework.exceptions import APIException, UnsupportedMediaType, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from factcheck import audit, exports, insights, services
from factcheck.api import serializers
from factcheck.api.paging import page_schema, page_size, paged
from factcheck.api.problems import problem
from factcheck.filters import (
    ClaimFilter,
    QueueFilter,
    UnreadableCursor,
    applied,
    errors_of,
    keyset_page,
)
from factcheck.models import (
    ApiScope,
    ApiToken,
    Article,
    Attribution,
    AuditEvent,
    Claim,
    Source,
    Suggestion,
    SuggestionRun,
    SuggestionState,
)
from factcheck.publishing import public_url, published_claims, workbench_url
from factcheck.source_filters import SourceFilter
from factcheck.views.exports import claims_csv_response
from factcheck.views.queue import queue_claims

PAGING_PARAMETERS = [
    OpenApiParameter("page_size", int, description="Items per page: 50 unless asked, 200 at most."),
    OpenApiParameter("after", str, description="The `next` link's cursor."),
    OpenApiParameter("before", str, description="The `previous` link's cursor."),
]
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="The claim's `version` as last read (its ETag); a newer one is answered 412.",
)


def _has_body(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > 0
    except ValueError:
        return True


class ApiView(APIView):
    """An endpoint whose changes the audit history records as made through the API."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        media_type = request.content_type.split(";")[0].strip().lower()
        # A body is JSON only: a web form on another site cannot send it without asking first.
        if (
            request.method not in ("GET", "HEAD", "OPTIONS")
            and hasattr(self, request.method.lower())
            and _has_body(request)
            and media_type != "application/json"
        ):
            raise UnsupportedMediaType(
                request.content_type, "Send the body as JSON (Content-Type: application/json)."
            )
        token = request.auth
        label = f"API token {token.prefix}" if isinstance(token, ApiToken) else "API"
        self.via_label = label
        self._via = audit.changes_via(label)
        self._via.__enter__()

    def finalize_response(self, request, response, *args, **kwargs):
        via = getattr(self, "_via", None)
        if via is not None:
            self._via = None
            via.__exit__(None, None, None)
        return super().finalize_response(request, response, *args, **kwargs)


def api_claims():
    """Claims with all the API shows of them: the queue's rows with their rationale, who signed
    them off and the intermediaries, so that a page costs the same queries whatever its size."""
    return (
        queue_claims()
        .defer(None)
        .select_related("signed_off_by")
        .prefetch_related(None)
        .prefetch_related(
            Prefetch("article", queryset=Article.objects.defer("text")),
            Prefetch(
                "attributions",
                queryset=Attribution.objects.select_related(
                    "source__source_type", "intermediary"
                ).order_by("id"),
            ),
        )
    )


def _keyset(request, queryset):
    try:
        return keyset_page(queryset, request.query_params, page_size(request))
    except UnreadableCursor as refusal:
        field, message = refusal.error
        raise ValidationError({field: [message]}) from None


def _expected_version(request) -> int:
    """The version named by If-Match (`"7"` or `7`); writes to a claim must name one."""
    value = request.headers.get("If-Match", "").strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not value:
        raise PreconditionRequired()
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        raise ValidationError({"If-Match": ['Name the claim\'s version, a whole number: "7".']})
    return int(value)


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = (
        "Send If-Match with the claim's version as you last read it (its ETag), so that "
        "nobody's change is overwritten unseen."
    )


def _claim_answer(request, claim: Claim, code: int = 200) -> Response:
    claim = api_claims().get(pk=claim.pk)
    answer = Response(
        serializers.ClaimSerializer(claim, context={"request": request}).data, status=code
    )
    answer["ETag"] = f'"{claim.version}"'
    return answer


class ClaimList(ApiView):
    @extend_schema(
        summary="List claims, filtered as the queue filters them",
        operation_id="v1_claims_list",
        parameters=[
            OpenApiParameter("q", str, description="Words of the claim (full-text search)."),
            OpenApiParameter("status", str, many=True, description="One or more statuses."),
            OpenApiParameter("source_type", str, description="A source type's code."),
            OpenApiParameter("article", int),
            OpenApiParameter("outlet", str),
            *PAGING_PARAMETERS,
        ],
        responses=page_schema(serializers.ClaimSerializer),
    )
    def get(self, request):
        claim_filter = QueueFilter(request.query_params, queryset=api_claims())
        errors = errors_of(claim_filter, ignore=("sort",))
        if errors:
            raise ValidationError({field: [message] for field, message in errors})
        return paged(request, _keyset(request, claim_filter.qs), serializers.ClaimSerializer)


class ClaimDetail(ApiView):
    permissions = {"PATCH": "change_claim"}

    @extend_schema(
        summary="One claim, with its attributions", responses=serializers.ClaimSerializer
    )
    def get(self, request, claim_id: int):
        return _claim_answer(request, get_object_or_404(Claim, pk=claim_id))

    @extend_schema(
        summary="Change a claim's rationale or assignee",
        parameters=[IF_MATCH],
        request=serializers.ClaimChangeSerializer,
        responses=serializers.ClaimSerializer,
    )
    def patch(self, request, claim_id: int):
        claim = get_object_or_404(Claim, pk=claim_id)
        body = serializers.ClaimChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = _expected_version(request)
        reason = data.pop("reason", "")
        if "assigned_to" in data:
            name = data["assigned_to"]
            data["assigned_to"] = (
                None if not name else get_user_model().objects.filter(username=name).first()
            )
            if name and data["assigned_to"] is None:
                raise ValidationError({"assigned_to": [f"There is no user {name!r}."]})
        claim = services.claim_update(
            actor=request.user, claim=claim, expected_version=version, reason=reason, **data
        )
        return _claim_answer(request, claim)


class ClaimStatus(ApiView):
    permissions = {"POST": "change_claim"}

    @extend_schema(
        summary="Move a claim to another status; a verdict is proposed by the caller",
        parameters=[IF_MATCH],
        request=serializers.StatusChangeSerializer,
        responses=serializers.ClaimSerializer,
    )
    def post(self, request, claim_id: int):
        claim = get_object_or_404(Claim, pk=claim_id)
        body = serializers.StatusChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = _expected_version(request)
        claim = services.claim_set_status(
            actor=request.user,
            claim=claim,
            status=body.validated_data["status"],
            expected_version=version,
            reason=body.validated_data["reason"],
        )
        return _claim_answer(request, claim)


class ClaimSignOff(ApiView):
    required_scope = ApiScope.SIGN_OFF
    permissions = {"POST": "sign_off_claim"}

    @extend_schema(
        summary="Sign off a proposed verdict (an editor other than whoever shaped it)",
        parameters=[IF_MATCH],
        request=serializers.ReasonSerializer,
        responses=serializers.ClaimSerializer,
    )
    def post(self, request, claim_id: int):
        claim = get_object_or_404(Claim, pk=claim_id)
        body = serializers.ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = _expected_version(request)
        claim = services.verdict_sign_off(
            actor=request.user,
            claim=claim,
            expected_version=version,
            reason=body.validated_data["reason"],
        )
        return _claim_answer(request, claim)


class ArticleList(ApiView):
    permissions = {"POST": "add_article"}

    @extend_schema(
        summary="List articles, newest first",
        operation_id="v1_articles_list",
        parameters=[
            OpenApiParameter("outlet", str, description="Exactly this outlet."),
            *PAGING_PARAMETERS,
        ],
        responses=page_schema(serializers.ArticleSerializer),
    )
    def get(self, request):
        articles = Article.objects.defer("text").order_by("-id")
        outlet = request.query_params.get("outlet")
        if outlet:
            articles = articles.filter(outlet=outlet)
        return paged(request, _keyset(request, articles), serializers.ArticleSerializer)

    @extend_schema(
        summary="Import an article from its text; its suggestions are requested at once",
        request=serializers.ArticleCreateSerializer,
        responses={201: serializers.ArticleDetailSerializer},
    )
    def post(self, request):
        body = serializers.ArticleCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            article = services.article_create(actor=request.user, **body.validated_data)
        except services.DuplicateArticle as duplicate:
            return problem(
                409,
                duplicate.message,
                existing=request.build_absolute_uri(
                    reverse("api:article_detail", args=[duplicate.existing.pk])
                ),
            )
        services.suggestions_request(actor=request.user, article=article)
        answer = Response(
            serializers.ArticleDetailSerializer(article).data, status=http_status.HTTP_201_CREATED
        )
        answer["Location"] = reverse("api:article_detail", args=[article.pk])
        return answer


class ArticleDetail(ApiView):
    permissions = {"DELETE": "delete_article"}

    @extend_schema(
        summary="One article, with its text", responses=serializers.ArticleDetailSerializer
    )
    def get(self, request, article_id: int):
        article = get_object_or_404(Article, pk=article_id)
        return Response(serializers.ArticleDetailSerializer(article).data)

    @extend_schema(
        summary="Delete an article and its claims (editors)",
        request=serializers.ReasonSerializer,
        responses={204: None},
    )
    def delete(self, request, article_id: int):
        article = get_object_or_404(Article, pk=article_id)
        body = serializers.ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.article_delete(
            actor=request.user, article=article, reason=body.validated_data["reason"]
        )
        return Response(status=http_status.HTTP_204_NO_CONTENT)


class ArticleClaims(ApiView):
    permissions = {"POST": "add_claim"}

    @extend_schema(
        summary="Mark a claim by its offsets; the quoted text must be the article's there",
        request=serializers.ClaimCreateSerializer,
        responses={201: serializers.ClaimSerializer},
    )
    def post(self, request, article_id: int):
        article = get_object_or_404(Article, pk=article_id)
        body = serializers.ClaimCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        claim = services.claim_create(
            actor=request.user,
            article=article,
            start=data["start"],
            end=data["end"],
            text=data["text"],
            reason=data["reason"],
        )
        answer = _claim_answer(request, claim, code=http_status.HTTP_201_CREATED)
        answer["Location"] = reverse("api:claim_detail", args=[claim.pk])
        return answer


class ClaimEvidence(ApiView):
    permissions = {"POST": "add_evidencelink"}

    @extend_schema(
        summary="Add an evidence link to a claim",
        parameters=[IF_MATCH],
        request=serializers.EvidenceSerializer,
        responses={201: serializers.ClaimSerializer},
    )
    def post(self, request, claim_id: int):
        claim = get_object_or_404(Claim, pk=claim_id)
        body = serializers.EvidenceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = _expected_version(request)
        services.evidence_add(
            actor=request.user, claim=claim, expected_version=version, **body.validated_data
        )
        return _claim_answer(request, claim, code=http_status.HTTP_201_CREATED)


class ClaimNotes(ApiView):
    permissions = {"POST": "add_note"}

    @extend_schema(
        summary="Add a note to a claim's thread",
        request=serializers.NoteSerializer,
        responses={201: serializers.NoteSerializer},
    )
    def post(self, request, claim_id: int):
        claim = get_object_or_404(Claim, pk=claim_id)
        body = serializers.NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        note = services.note_add(actor=request.user, claim=claim, **body.validated_data)
        return Response({"id": note.pk, "body": note.body}, status=http_status.HTTP_201_CREATED)


class ClaimReopen(ApiView):
    required_scope = ApiScope.SIGN_OFF
    permissions = {"POST": "reopen_claim"}

    @extend_schema(
        summary="Reopen a signed-off claim, saying why",
        parameters=[IF_MATCH],
        request=serializers.ReasonSerializer,
        responses=serializers.ClaimSerializer,
    )
    def post(self, request, claim_id: int):
        claim = get_object_or_404(Claim, pk=claim_id)
        body = serializers.ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = _expected_version(request)
        claim = services.claim_reopen(
            actor=request.user,
            claim=claim,
            reason=body.validated_data["reason"],
            expected_version=version,
        )
        return _claim_answer(request, claim)


class ClaimUndo(ApiView):
    permissions = {"POST": "change_claim"}

    @extend_schema(
        summary="Undo your own last change to a claim",
        parameters=[IF_MATCH],
        request=None,
        responses={200: serializers.ClaimSerializer, 204: None},
    )
    def post(self, request, claim_id: int):
        claim = get_object_or_404(Claim, pk=claim_id)
        version = _expected_version(request)
        claim = services.claim_undo(actor=request.user, claim=claim, expected_version=version)
        if claim is None:
            # The undone change was the claim's creation: the claim is gone.
            return Response(status=http_status.HTTP_204_NO_CONTENT)
        return _claim_answer(request, claim)


class ClaimHistory(ApiView):
    @extend_schema(
        summary="The audit history of a claim, oldest first (read only)",
        parameters=PAGING_PARAMETERS,
        responses=page_schema(serializers.AuditEventSerializer),
    )
    def get(self, request, claim_id: int):
        claim = get_object_or_404(Claim, pk=claim_id)
        events = AuditEvent.objects.filter(claim_id=claim.pk).order_by("id")
        return paged(request, _keyset(request, events), serializers.AuditEventSerializer)


class ClaimReviewOfClaim(ApiView):
    permissions = {"GET": "export_claim"}

    @extend_schema(
        summary="The schema.org ClaimReview of a signed-off verdict",
        responses={200: dict},
    )
    def get(self, request, claim_id: int):
        claim = get_object_or_404(Claim, pk=claim_id)
        review = exports.published_review(
            claim.pk,
            actor=request.user,
            claim_url=workbench_url(request),
            public_url=public_url(request),
        )
        if review is None:
            return problem(
                404, f"Claim #{claim.pk} has no signed-off verdict, so it has no ClaimReview."
            )
        return Response(review)


class ArticleSuggestions(ApiView):
    @extend_schema(
        summary="An article's suggestions, best first",
        parameters=[
            OpenApiParameter("state", str, description="pending, accepted or rejected."),
            *PAGING_PARAMETERS,
        ],
        responses=page_schema(serializers.SuggestionSerializer),
    )
    def get(self, request, article_id: int):
        article = get_object_or_404(Article, pk=article_id)
        suggestions = Suggestion.objects.filter(article=article).order_by("claim_start", "id")
        state = request.query_params.get("state")
        if state:
            if state not in SuggestionState.values:
                raise ValidationError(
                    {"state": [f"Use one of {', '.join(SuggestionState.values)}."]}
                )
            suggestions = suggestions.filter(state=state)
        return paged(request, _keyset(request, suggestions), serializers.SuggestionSerializer)


class SuggestionAccept(ApiView):
    permissions = {"POST": "add_claim"}

    @extend_schema(
        summary="Accept a suggestion, as proposed or with your edits",
        request=serializers.SuggestionAcceptSerializer,
        responses=serializers.SuggestionSerializer,
    )
    def post(self, request, suggestion_id: int):
        suggestion = get_object_or_404(Suggestion, pk=suggestion_id)
        body = serializers.SuggestionAcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        edits = data.get("edits")
        suggestion = services.suggestion_accept(
            actor=request.user,
            suggestion=suggestion,
            edits=dict(edits) if edits else None,
            new_sources=data.get("new_sources"),
        )
        return Response(serializers.SuggestionSerializer(suggestion).data)


class SuggestionReject(ApiView):
    permissions = {"POST": "add_claim"}

    @extend_schema(
        summary="Reject a suggestion",
        request=serializers.ReasonSerializer,
        responses=serializers.SuggestionSerializer,
    )
    def post(self, request, suggestion_id: int):
        suggestion = get_object_or_404(Suggestion, pk=suggestion_id)
        body = serializers.ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        suggestion = services.suggestion_reject(
            actor=request.user, suggestion=suggestion, reason=body.validated_data["reason"]
        )
        return Response(serializers.SuggestionSerializer(suggestion).data)


class SuggestionsAcceptAbove(ApiView):
    permissions = {"POST": "add_claim"}

    @extend_schema(
        summary="Accept every pending suggestion at or above a confidence",
        request=serializers.AcceptAboveSerializer,
        responses={200: dict},
    )
    def post(self, request, article_id: int):
        article = get_object_or_404(Article, pk=article_id)
        body = serializers.AcceptAboveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        outcome = services.suggestions_accept_above(
            actor=request.user,
            article=article,
            threshold=body.validated_data["threshold"],
            new_sources=body.validated_data.get("new_sources"),
        )
        return Response(
            {
                "accepted": [s.pk for s in outcome.accepted],
                "skipped": [{"id": s.pk, "why": why} for s, why in outcome.skipped],
            }
        )


class ArticleSuggestionRuns(ApiView):
    permissions = {"POST": "add_claim"}

    @extend_schema(
        summary="The article's suggestion runs, newest first",
        responses=serializers.SuggestionRunSerializer(many=True),
    )
    def get(self, request, article_id: int):
        article = get_object_or_404(Article, pk=article_id)
        runs = SuggestionRun.objects.filter(article=article).order_by("-id")[:20]
        return Response(serializers.SuggestionRunSerializer(runs, many=True).data)

    @extend_schema(
        summary="Ask the suggester to read the article again (a queued run is reused)",
        request=None,
        responses={202: serializers.SuggestionRunSerializer},
    )
    def post(self, request, article_id: int):
        article = get_object_or_404(Article, pk=article_id)
        run = services.suggestions_request(actor=request.user, article=article)
        return Response(
            serializers.SuggestionRunSerializer(run).data, status=http_status.HTTP_202_ACCEPTED
        )


class SourceList(ApiView):
    @extend_schema(
        summary="Search the source registry, filtered as the Sources page filters it",
        operation_id="v1_sources_list",
        parameters=[
            OpenApiParameter("q", str, description="Name, alias or affiliation."),
            OpenApiParameter("source_type", str),
            OpenApiParameter("anonymity", str, description="named or anonymous"),
            *PAGING_PARAMETERS,
        ],
        responses=page_schema(serializers.SourceSerializer),
    )
    def get(self, request):
        source_filter = SourceFilter(
            request.query_params, queryset=Source.objects.select_related("source_type")
        )
        errors = errors_of(source_filter, ignore=("sort",))
        if errors:
            raise ValidationError({field: [message] for field, message in errors})
        sources = source_filter.qs.order_by("id")
        return paged(request, _keyset(request, sources), serializers.SourceSerializer)


class SourceDetail(ApiView):
    @extend_schema(summary="One registry source", responses=serializers.SourceSerializer)
    def get(self, request, source_id: int):
        source = get_object_or_404(Source.objects.select_related("source_type"), pk=source_id)
        return Response(serializers.SourceSerializer(source).data)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@authentication_classes([])
@permission_classes([])
def not_found(request, rest: str = ""):
    """Any other address under /api/: a problem, never the pages' HTML."""
    return problem(404, "There is no such address in the API: see /api/schema/.")


class _ClaimPublishing(ApiView):
    required_scope = ApiScope.SIGN_OFF
    permissions = {"POST": "sign_off_claim"}
    service = None

    def post(self, request, claim_id: int):
        claim = get_object_or_404(Claim, pk=claim_id)
        body = serializers.ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = _expected_version(request)
        claim = type(self).service(
            actor=request.user,
            claim=claim,
            expected_version=version,
            reason=body.validated_data["reason"],
        )
        return _claim_answer(request, claim)


@extend_schema(
    summary="Publish a signed-off verdict: a public page and a place in the public feed",
    parameters=[IF_MATCH],
    request=serializers.ReasonSerializer,
    responses=serializers.ClaimSerializer,
)
class ClaimPublish(_ClaimPublishing):
    service = staticmethod(services.claim_publish)


@extend_schema(
    summary="Take a published verdict off its public page and the feed",
    parameters=[IF_MATCH],
    request=serializers.ReasonSerializer,
    responses=serializers.ClaimSerializer,
)
class ClaimUnpublish(_ClaimPublishing):
    service = staticmethod(services.claim_unpublish)


class PublishedList(ApiView):
    @extend_schema(
        summary="Published fact-checks as ClaimReview, newest first",
        parameters=PAGING_PARAMETERS,
        responses={200: dict},
    )
    def get(self, request):
        page = _keyset(request, published_claims())
        reviews = {
            review["url"]: review
            for review in exports.claim_reviews(
                published_claims().filter(pk__in=[claim.pk for claim in page.items]),
                claim_url=workbench_url(request),
                public_url=public_url(request),
            )
        }
        address = public_url(request)
        page.items = [reviews[address(claim.pk)] for claim in page.items]
        return paged(request, page, _AsIs)


class _AsIs:
    """A serializer for items already made (ClaimReview dicts)."""

    def __init__(self, items, many=True, context=None):
        self.data = list(items)


class ClaimAttributions(ApiView):
    permissions = {"POST": "add_attribution"}

    @extend_schema(
        summary="Attribute a claim to a registry source",
        parameters=[IF_MATCH],
        request=serializers.AttributionWriteSerializer,
        responses={201: serializers.ClaimSerializer},
    )
    def post(self, request, claim_id: int):
        claim = get_object_or_404(Claim, pk=claim_id)
        body = serializers.AttributionWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = _expected_version(request)
        services.attribution_add(
            actor=request.user, claim=claim, expected_version=version, **body.validated_data
        )
        return _claim_answer(request, claim, code=http_status.HTTP_201_CREATED)


class AttributionDetail(ApiView):
    """An attribution's changes name its claim's version, as every write to a claim does."""

    permissions = {"PATCH": "change_attribution", "DELETE": "delete_attribution"}

    @extend_schema(
        summary="Change an attribution (the claim's version in If-Match)",
        parameters=[IF_MATCH],
        request=serializers.AttributionChangeSerializer,
        responses=serializers.ClaimSerializer,
    )
    def patch(self, request, attribution_id: int):
        attribution = get_object_or_404(Attribution, pk=attribution_id)
        body = serializers.AttributionChangeSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        reason = data.pop("reason", "")
        version = _expected_version(request)
        services.attribution_update(
            actor=request.user,
            attribution=attribution,
            expected_version=version,
            reason=reason,
            **data,
        )
        return _claim_answer(request, attribution.claim)

    @extend_schema(
        summary="Remove an attribution (the claim's version in If-Match)",
        parameters=[IF_MATCH],
        request=None,
        responses=serializers.ClaimSerializer,
    )
    def delete(self, request, attribution_id: int):
        attribution = get_object_or_404(Attribution, pk=attribution_id)
        claim = attribution.claim
        version = _expected_version(request)
        services.attribution_remove(
            actor=request.user, attribution=attribution, expected_version=version
        )
        return _claim_answer(request, claim)


def _claim_selection(request) -> ClaimFilter:
    """The claims the queue's filters select, refused with each field's message when bad."""
    claim_filter = ClaimFilter(request.query_params, queryset=Claim.objects.all())
    errors = errors_of(claim_filter, ignore=("sort",))
    if errors:
        raise ValidationError({field: [message] for field, message in errors})
    return claim_filter


class InsightsFigures(ApiView):
    @extend_schema(
        summary="The Insights figures for the claims the queue's filters select",
        parameters=[
            OpenApiParameter("status", str, many=True),
            OpenApiParameter("source_type", str),
            OpenApiParameter("outlet", str),
            OpenApiParameter("dated_after", str, description="YYYY-MM-DD"),
            OpenApiParameter("dated_before", str, description="YYYY-MM-DD"),
        ],
        responses={200: dict},
    )
    def get(self, request):
        claim_filter = _claim_selection(request)
        data = insights.cached_insights(claim_filter.qs)
        figures = insights.figures(data)
        return Response(
            {
                "counts": data.counts,
                "figures": {
                    slug: {"title": figure.title, "rows": insights.csv_rows(figure)}
                    for slug, figure in figures.items()
                },
            }
        )


class ClaimsCsv(ApiView):
    permissions = {"GET": "export_claim"}

    @extend_schema(
        summary="The claims CSV (one row per attribution), streamed, for the queue's filters",
        responses={(200, "text/csv"): str},
    )
    def get(self, request):
        claim_filter = _claim_selection(request)
        response = claims_csv_response(
            actor=request.user,
            claims=claim_filter.qs,
            filters=exports.filters_of(applied(claim_filter, request.query_params)),
        )
        # The export's audit event is written as the last row goes out, after this method
        # returned: the stream carries the channel with it.
        response.streaming_content = _streamed_via(response.streaming_content, self.via_label)
        return response


def _streamed_via(chunks, label: str):
    with audit.changes_via(label):
        yield from chunks
