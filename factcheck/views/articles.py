"""The articles screen."""

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from factcheck.models import Article


@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    """List the articles with their claim counts, newest first."""
    articles = (
        Article.objects.annotate(claim_count=Count("claims"))
        .only("title", "outlet", "published_on", "created_at")
        .order_by("-created_at", "-id")
    )
    page = Paginator(articles, 50).get_page(request.GET.get("page"))
    return render(request, "factcheck/articles.html", {"page": page})
