"""The API's endpoints: each reads as the pages read and writes through the services."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status as http_status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from factcheck import audit, services
from factcheck.api import serializers
from factcheck.api.paging import page_size, paged
from factcheck.api.problems import problem
from factcheck.filters import QueueFilter, UnreadableCursor, errors_of, keyset_page
from factcheck.models import ApiScope, ApiToken, Article, Claim
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


class ApiView(APIView):
    """An endpoint whose changes the audit history records as made through the API."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        token = request.auth
        label = f"API token {token.prefix}" if isinstance(token, ApiToken) else "API"
        self._via = audit.changes_via(label)
        self._via.__enter__()

    def finalize_response(self, request, response, *args, **kwargs):
        via = getattr(self, "_via", None)
        if via is not None:
            self._via = None
            via.__exit__(None, None, None)
        return super().finalize_response(request, response, *args, **kwargs)


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
    claim = queue_claims().get(pk=claim.pk)
    answer = Response(
        serializers.ClaimSerializer(claim, context={"request": request}).data, status=code
    )
    answer["ETag"] = f'"{claim.version}"'
    return answer


class ClaimList(ApiView):
    @extend_schema(
        summary="List claims, filtered as the queue filters them",
        parameters=[
            OpenApiParameter("q", str, description="Words of the claim (full-text search)."),
            OpenApiParameter("status", str, many=True, description="One or more statuses."),
            OpenApiParameter("source_type", str, description="A source type's code."),
            OpenApiParameter("article", int),
            OpenApiParameter("outlet", str),
            *PAGING_PARAMETERS,
        ],
        responses=serializers.ClaimSerializer(many=True),
    )
    def get(self, request):
        claim_filter = QueueFilter(request.query_params, queryset=queue_claims())
        errors = errors_of(claim_filter, ignore=("sort",))
        if errors:
            raise ValidationError({field: [message] for field, message in errors})
        return paged(request, _keyset(request, claim_filter.qs), serializers.ClaimSerializer)


class ClaimDetail(ApiView):
    @extend_schema(
        summary="One claim, with its attributions", responses=serializers.ClaimSerializer
    )
    def get(self, request, claim_id: int):
        return _claim_answer(request, get_object_or_404(Claim, pk=claim_id))


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
        parameters=[
            OpenApiParameter("outlet", str, description="Exactly this outlet."),
            *PAGING_PARAMETERS,
        ],
        responses=serializers.ArticleSerializer(many=True),
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
