from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.urls import path
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
    path("schema/", _open(SpectacularAPIView.as_view()), name="schema"),
    # Swagger UI's start-up script is served as a file of its own, as the CSP asks.
    path("docs/", _reader(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
    path("redoc/", _reader(SpectacularRedocView.as_view(url_name="api:schema")), name="redoc"),
]
