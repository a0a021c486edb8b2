from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.urls import path, re_path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from factcheck.api import views

app_name = "api"


def _open(view):
    """The API authenticates for itself (token or session): never the login page's redirect."""
    return login_not_required(view)


def _reader(view):
    """The schema's readers style their pages with inline styles; their scripts stay strict."""
    return _open(
        csp_override({**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]})(view)
    )


urlpatterns = [
    path("v1/articles/", _open(views.ArticleList.as_view()), name="article_list"),
    path(
        "v1/articles/<int:article_id>/",
        _open(views.ArticleDetail.as_view()),
        name="article_detail",
    ),
    path("v1/claims/", _open(views.ClaimList.as_view()), name="claim_list"),
    path("v1/claims/<int:claim_id>/", _open(views.ClaimDetail.as_view()), name="claim_detail"),
    path(
        "v1/claims/<int:claim_id>/status/", _open(views.ClaimStatus.as_view()), name="claim_status"
    ),
    path(
        "v1/claims/<int:claim_id>/sign-off/",
        _open(views.ClaimSignOff.as_view()),
        name="claim_sign_off",
    ),
    path(
        "v1/articles/<int:article_id>/claims/",
        _open(views.ArticleClaims.as_view()),
        name="article_claims",
    ),
    path(
        "v1/articles/<int:article_id>/suggestions/",
        _open(views.ArticleSuggestions.as_view()),
        name="article_suggestions",
    ),
    path(
        "v1/articles/<int:article_id>/suggestions/accept-above/",
        _open(views.SuggestionsAcceptAbove.as_view()),
        name="suggestions_accept_above",
    ),
    path(
        "v1/articles/<int:article_id>/suggestion-runs/",
        _open(views.ArticleSuggestionRuns.as_view()),
        name="suggestion_runs",
    ),
    path(
        "v1/claims/<int:claim_id>/evidence/",
        _open(views.ClaimEvidence.as_view()),
        name="claim_evidence",
    ),
    path("v1/claims/<int:claim_id>/notes/", _open(views.ClaimNotes.as_view()), name="claim_notes"),
    path(
        "v1/claims/<int:claim_id>/reopen/", _open(views.ClaimReopen.as_view()), name="claim_reopen"
    ),
    path("v1/claims/<int:claim_id>/undo/", _open(views.ClaimUndo.as_view()), name="claim_undo"),
    path(
        "v1/claims/<int:claim_id>/history/",
        _open(views.ClaimHistory.as_view()),
        name="claim_history",
    ),
    path(
        "v1/claims/<int:claim_id>/claimreview/",
        _open(views.ClaimReviewOfClaim.as_view()),
        name="claim_claimreview",
    ),
    path(
        "v1/suggestions/<int:suggestion_id>/accept/",
        _open(views.SuggestionAccept.as_view()),
        name="suggestion_accept",
    ),
    path(
        "v1/suggestions/<int:suggestion_id>/reject/",
        _open(views.SuggestionReject.as_view()),
        name="suggestion_reject",
    ),
    path(
        "v1/claims/<int:claim_id>/publish/",
        _open(views.ClaimPublish.as_view()),
        name="claim_publish",
    ),
    path(
        "v1/claims/<int:claim_id>/unpublish/",
        _open(views.ClaimUnpublish.as_view()),
        name="claim_unpublish",
    ),
    path(
        "v1/claims/<int:claim_id>/attributions/",
        _open(views.ClaimAttributions.as_view()),
        name="claim_attributions",
    ),
    path(
        "v1/attributions/<int:attribution_id>/",
        _open(views.AttributionDetail.as_view()),
        name="attribution_detail",
    ),
    path("v1/insights/", _open(views.InsightsFigures.as_view()), name="insights"),
    path("v1/exports/claims.csv", _open(views.ClaimsCsv.as_view()), name="claims_csv"),
    path("v1/published/", _open(views.PublishedList.as_view()), name="published_list"),
    path("v1/sources/", _open(views.SourceList.as_view()), name="source_list"),
    path("v1/sources/<int:source_id>/", _open(views.SourceDetail.as_view()), name="source_detail"),
    path("schema/", _open(SpectacularAPIView.as_view()), name="schema"),
    # Swagger UI's start-up script is served as a file of its own, as the CSP asks.
    path("docs/", _reader(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
    path("redoc/", _reader(SpectacularRedocView.as_view(url_name="api:schema")), name="redoc"),
    # Last: an address under /api/ that none above matches (an id that is not a number).
    re_path(r"^(?P<rest>[\s\S]*)$", _open(views.not_found), name="not_found"),
]
