"""An article's details (where it appeared) and its deletion: a page that counts what goes,
and a typed confirmation."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from factcheck import services
from factcheck.models import Article, Attribution, Claim, EvidenceLink, Note
from factcheck.source_forms import ArticleDeleteForm, ArticleDetailsForm


def _what_goes(article: Article) -> dict[str, int]:
    """How many claims, attributions, evidence links and notes go with the article."""
    claims = Claim.objects.filter(article=article)
    return {
        "claims": claims.count(),
        "signed_off": claims.signed_off().count(),
        "attributions": Attribution.objects.filter(claim__article=article).count(),
        "evidence": EvidenceLink.objects.filter(claim__article=article).count(),
        "notes": Note.objects.filter(claim__article=article).count(),
    }


@require_http_methods(["GET", "POST"])
def article_delete(request: HttpRequest, article_id: int) -> HttpResponse:
    """Ask for the article's number, then delete it with everything on its claims."""
    if not request.user.has_perm("factcheck.delete_article"):
        raise PermissionDenied("Only editors can delete articles.")
    article = get_object_or_404(Article.objects.defer("text"), pk=article_id)
    bound = request.POST if request.method == "POST" else None
    form = ArticleDeleteForm(bound, article_id=article.pk)
    status = 200
    context: dict[str, Any] = {"article": article, "form": form, "problem": ""}
    if request.method == "POST":
        status = 422
        if form.is_valid():
            goes = _what_goes(article)
            try:
                services.article_delete(
                    actor=request.user, article=article, reason=form.cleaned_data["reason"].strip()
                )
            except services.DomainError as refusal:
                context["problem"] = refusal.message
            else:
                messages.success(
                    request,
                    f"The article “{article.title}” was deleted with its {goes['claims']} "
                    f"claim{'s' if goes['claims'] != 1 else ''}.",
                )
                return redirect("home")
    context["goes"] = _what_goes(article)
    # Named and linked, so that the editor can go and reopen them.
    context["locked"] = list(
        Claim.objects.filter(article=article).signed_off().order_by("start").only("pk", "text")[:20]
    )
    context["locked_more"] = context["goes"]["signed_off"] - len(context["locked"])
    return render(request, "factcheck/article_delete.html", context, status=status)


DETAILS = ("title", "outlet", "url", "published_on", "language")


@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    """Edit where an article appeared (title, outlet, address, date, language), audited."""
    if not request.user.has_perm("factcheck.change_article"):
        raise PermissionDenied("Only reviewers and editors can edit an article's details.")
    article = get_object_or_404(Article.objects.defer("text"), pk=article_id)
    initial = {name: getattr(article, name) for name in DETAILS}
    form = ArticleDetailsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            changed = {name: form.cleaned_data[name] for name in form.changed_data}
            try:
                services.article_update(actor=request.user, article=article, **changed)
            except services.DomainError as refusal:
                form.add_error(
                    refusal.field if refusal.field in form.fields else None, refusal.message
                )
            else:
                if changed:
                    messages.success(request, "The article's details were saved.")
                return redirect("review", article.pk)
    return render(
        request, "factcheck/article_edit.html", {"article": article, "form": form}, status=status
    )
