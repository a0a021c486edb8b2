from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from factcheck.forms import LoginForm
from factcheck.views import (
    article_tools,
    articles,
    published,
    review,
    suggestions,
    tokens,
    webhooks,
)
from factcheck.views import exports as export_views
from factcheck.views import sources as source_views
from factcheck.views.activity import activity
from factcheck.views.insights import insights_csv, insights_page
from factcheck.views.queue import queue, queue_bulk

urlpatterns = [
    path("", articles.article_list, name="home"),
    path("articles/import/", articles.article_import, name="article_import"),
    path("articles/<int:article_id>/", review.review, name="review"),
    path("articles/<int:article_id>/claims/", review.claim_create, name="claim_create"),
    path("articles/<int:article_id>/sourcing/", review.article_sourcing, name="article_sourcing"),
    path("claims/<int:claim_id>/", review.claim_detail, name="claim_detail"),
    path("claims/<int:claim_id>/status/", review.claim_status, name="claim_status"),
    path("claims/<int:claim_id>/span/", review.claim_span, name="claim_span"),
    path("claims/<int:claim_id>/rationale/", review.claim_rationale, name="claim_rationale"),
    path("claims/<int:claim_id>/assign/", review.claim_assign, name="claim_assign"),
    path("claims/<int:claim_id>/delete/", review.claim_delete, name="claim_delete"),
    path("claims/<int:claim_id>/undo/", review.claim_undo, name="claim_undo"),
    path("claims/<int:claim_id>/redo/", review.claim_redo, name="claim_redo"),
    path("claims/<int:claim_id>/sign-off/", review.claim_sign_off, name="claim_sign_off"),
    path("claims/<int:claim_id>/reopen/", review.claim_reopen, name="claim_reopen"),
    path("claims/<int:claim_id>/attributions/", review.attribution_add, name="attribution_add"),
    path("claims/<int:claim_id>/evidence/", review.evidence_add, name="evidence_add"),
    path("claims/<int:claim_id>/notes/", review.note_add, name="note_add"),
    path("attributions/<int:attribution_id>/", review.attribution_edit, name="attribution_edit"),
    path(
        "attributions/<int:attribution_id>/remove/",
        review.attribution_remove,
        name="attribution_remove",
    ),
    path("evidence/<int:link_id>/remove/", review.evidence_remove, name="evidence_remove"),
    path("sources/search/", review.source_search, name="source_search"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=LoginForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("published/", published.published_list, name="published_list"),
    path("published/<int:claim_id>/", published.published_claim, name="published_claim"),
    path("published/feed.json", published.published_feed_json, name="published_feed_json"),
    path("published/feed.atom", published.published_feed_atom, name="published_feed_atom"),
    path("claims/<int:claim_id>/publish/", review.claim_publish, name="claim_publish"),
    path("claims/<int:claim_id>/unpublish/", review.claim_unpublish, name="claim_unpublish"),
    path("webhooks/", webhooks.webhook_list, name="webhook_list"),
    path("webhooks/<int:subscription_id>/", webhooks.webhook_detail, name="webhook_detail"),
    path("webhooks/<int:subscription_id>/test/", webhooks.webhook_test, name="webhook_test"),
    path("webhooks/<int:subscription_id>/toggle/", webhooks.webhook_toggle, name="webhook_toggle"),
    path("webhooks/<int:subscription_id>/delete/", webhooks.webhook_delete, name="webhook_delete"),
    path("account/tokens/", tokens.api_tokens, name="api_tokens"),
    path("account/tokens/<int:token_id>/revoke/", tokens.api_token_revoke, name="api_token_revoke"),
    path("admin/", admin.site.urls),
    path("api/", include("factcheck.api.urls")),
]

urlpatterns += [
    path(
        "suggestions/<int:suggestion_id>/", suggestions.suggestion_detail, name="suggestion_detail"
    ),
    path(
        "suggestions/<int:suggestion_id>/accept/",
        suggestions.suggestion_accept,
        name="suggestion_accept",
    ),
    path(
        "suggestions/<int:suggestion_id>/reject/",
        suggestions.suggestion_reject,
        name="suggestion_reject",
    ),
    path(
        "articles/<int:article_id>/suggestions/",
        suggestions.suggestions_state,
        name="suggestions_state",
    ),
    path(
        "articles/<int:article_id>/suggestions/accept-above/",
        suggestions.suggestions_accept_above,
        name="suggestions_accept_above",
    ),
    path(
        "articles/<int:article_id>/suggestions/request/",
        suggestions.suggestions_request,
        name="suggestions_request",
    ),
]

urlpatterns += [
    path("claims/", queue, name="queue"),
    path("claims/bulk/", queue_bulk, name="queue_bulk"),
    path("activity/", activity, name="activity"),
    path("insights/", insights_page, name="insights"),
    path("insights/<slug:figure>.csv", insights_csv, name="insights_csv"),
]

# The Sources page and the editors' tools (issue 10).
urlpatterns += [
    path("sources/", source_views.source_list, name="sources"),
    path("sources/types/", source_views.source_types, name="source_types"),
    path("sources/types/add/", source_views.source_type_add, name="source_type_add"),
    path(
        "sources/types/<int:type_id>/", source_views.source_type_change, name="source_type_change"
    ),
    path(
        "sources/types/<int:type_id>/delete/",
        source_views.source_type_delete,
        name="source_type_delete",
    ),
    path("sources/<int:source_id>/", source_views.source_detail, name="source_detail"),
    path("sources/<int:source_id>/edit/", source_views.source_edit, name="source_edit"),
    path("sources/<int:source_id>/merge/", source_views.source_merge, name="source_merge"),
    path("sources/<int:source_id>/delete/", source_views.source_delete, name="source_delete"),
    path("articles/<int:article_id>/delete/", article_tools.article_delete, name="article_delete"),
    path("articles/<int:article_id>/details/", article_tools.article_edit, name="article_edit"),
]

urlpatterns += [
    path("export/claims.csv", export_views.export_claims, name="export_claims"),
    path("export/audit.csv", export_views.export_audit, name="export_audit"),
    path("export/claimreview.json", export_views.claim_reviews_jsonld, name="claim_reviews_jsonld"),
    path(
        "claims/<int:claim_id>/claimreview.json",
        export_views.claim_review_jsonld,
        name="claim_review_jsonld",
    ),
]
