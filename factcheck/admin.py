"""The back office: every model in the Django admin, writing only through the services.

The admin's own save and delete hooks call `factcheck.services`, so every
change made here is checked and audited like one made on the review pages. A
service's refusal (a `DomainError`) is shown on the form, and nothing is
written. The audit history itself is read-only.
"""

import json
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Model, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import linebreaksbr
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy

from factcheck import (
    admin_accounts,  # noqa: F401  (registers the accounts pages)
    services,
)
from factcheck.forms import OffsetField
from factcheck.models import (
    NO_VERSION,
    Article,
    Attribution,
    AuditEvent,
    Claim,
    EvidenceLink,
    Note,
    Source,
    SourceType,
    Suggestion,
    SuggestionRun,
    VerificationStatus,
)
from factcheck.views import exports as export_views

admin.site.site_header = "Factcheck workbench admin"
admin.site.site_title = "Factcheck workbench admin"
admin.site.index_title = "Back office"

# The `object_type` the services record for each model, and the admin page of each.
AUDIT_OBJECT_TYPES = {
    "article": Article,
    "claim": Claim,
    "attribution": Attribution,
    "source": Source,
    "source_type": SourceType,
    "note": Note,
}

# Set on the request when a save was refused, so that the form shown again carries the refusal.
_REFUSAL = "_factcheck_refusal"


def _locked_claims(objs) -> list[str]:
    """The signed-off claims deleting `objs` would take, each a line the admin shows."""
    objs = list(objs)
    if not objs:
        return []
    if isinstance(objs[0], Article):
        claims = Claim.objects.filter(article__in=objs)
    elif isinstance(objs[0], Claim):
        claims = Claim.objects.filter(pk__in=[obj.pk for obj in objs])
    elif isinstance(objs[0], (Attribution, EvidenceLink)):
        claims = Claim.objects.filter(pk__in=[obj.claim_id for obj in objs])
    else:
        return []
    return [
        format_html(
            '<a href="{}">Claim #{} “{}”</a> is signed off: an editor must reopen it first.',
            reverse("claim_detail", args=[claim.pk]),
            claim.pk,
            Truncator(claim.text).chars(80),
        )
        for claim in claims.signed_off().order_by("pk").only("pk", "text")[:50]
    ]


def audit_events_url(**lookups: Any) -> str:
    """Link to the audit changelist filtered by the given lookups."""
    url = reverse("admin:factcheck_auditevent_changelist")
    return f"{url}?{urlencode(lookups)}"


def _adopt(target: Model, saved: Model) -> None:
    """Copy what a service saved onto the object the admin holds (it redirects with it)."""
    deferred = saved.get_deferred_fields()
    for field in saved._meta.concrete_fields:
        if field.attname not in deferred:
            setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


def _changed(form: forms.ModelForm, names: tuple[str, ...]) -> dict[str, Any]:
    """Return the cleaned values of the named fields the person changed."""
    return {name: form.cleaned_data[name] for name in form.changed_data if name in names}


# ---------------------------------------------------------------------------
# Forms


class ServiceForm(forms.ModelForm):
    """A model form for an admin whose writes go through a service.

    Uniqueness and constraints are left to the service, which explains a
    refusal in the workbench's words; the database constraints stay the last
    line of defence.
    """

    # The service's refusal of this very submission, set by `DomainAdmin.get_form`.
    refusal: services.DomainError | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # Browsers send CRLF from a textarea; article text and its spans use LF only.
        for name, value in cleaned.items():
            if isinstance(value, str):
                cleaned[name] = value.replace("\r\n", "\n").replace("\r", "\n")
        return cleaned

    def validate_unique(self) -> None:
        pass

    def validate_constraints(self) -> None:
        pass

    def full_clean(self) -> None:
        super().full_clean()
        if self.is_bound and self.refusal is not None:
            self.show_refusal(self.refusal)

    def show_refusal(self, error: services.DomainError) -> None:
        """Put the service's message next to its field, or above the form."""
        self.add_error(error.field if error.field in self.fields else None, error.message)


class AliasesField(forms.CharField):
    """A source's aliases, one per line (names may contain commas)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]


class SourceForm(ServiceForm):
    aliases = AliasesField(
        required=False, help_text="Other names this source appears under, one per line."
    )

    class Meta:
        model = Source
        fields = ["name", "source_type", "is_anonymous", "affiliation", "role", "aliases"]


class MergeSourcesForm(forms.Form):
    into = forms.ModelChoiceField(
        queryset=Source.objects.none(),
        widget=forms.RadioSelect,
        label="Keep",
        help_text="The others' attributions, relays and names move to this one; they are deleted.",
    )
    reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Recorded in the audit."
    )

    def __init__(self, *args: Any, sources: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = sources
        self.fields["into"].label_from_instance = lambda source: (
            f"{source} ({source.source_type}, {source.attribution_count} claim(s) attributed)"
        )


class ClaimForm(ServiceForm):
    # The version the form was loaded at: a save from a stale form is refused.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=True)

    class Meta:
        model = Claim
        fields = ["article", "start", "end", "text", "status", "rationale", "assigned_to"]
        field_classes = dict.fromkeys(["start", "end"], OffsetField)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "text" in self.fields:
            self.fields["text"].required = False
            self.fields["text"].help_text = (
                "Exactly the article text between the offsets; leave it empty to take it "
                "from the article."
            )
            self.fields["text"].widget.attrs["rows"] = 3
        if "rationale" in self.fields:
            self.fields["rationale"].widget.attrs["rows"] = 4
        if self.instance.pk is not None:
            self.fields["expected_version"].initial = self.instance.version
        else:
            self.fields["expected_version"].required = False

    def show_refusal(self, error: services.DomainError) -> None:
        if isinstance(error, services.Conflict):
            # Show what the claim holds now beside each field this person changed, and
            # carry the current version, so that saving again is a deliberate choice.
            current = error.current
            for name in self.changed_data:
                if name == "expected_version" or name not in self.fields:
                    continue
                value = current.get_status_display() if name == "status" else getattr(current, name)
                shown = "(empty)" if value is None or value == "" else value
                self.add_error(name, f"Not saved. It now reads: “{shown}”.")
            self.data = self.data.copy()
            self.data[self.add_prefix("expected_version")] = current.version
        super().show_refusal(error)


class AttributionForm(ServiceForm):
    # The claim's version when the form was loaded: attribution edits are claim edits.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Attribution
        fields = ["claim", *services.ATTRIBUTION_FIELDS]
        field_classes = dict.fromkeys(
            ["mention_start", "mention_end", "cue_start", "cue_end"], OffsetField
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["expected_version"].initial = self.instance.claim.version

    def show_refusal(self, error: services.DomainError) -> None:
        if isinstance(error, services.Conflict):
            self.data = self.data.copy()
            self.data[self.add_prefix("expected_version")] = error.current.version
        super().show_refusal(error)


# ---------------------------------------------------------------------------
# The admin base: writes through services, deletes one by one, links to the audit history


class ReadOnlyInline(admin.TabularInline):
    """Related objects shown on a parent's page; they change on their own pages only."""

    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class DomainAdmin(admin.ModelAdmin):
    """An admin whose saves and deletes call the services, so each one is audited."""

    form = ServiceForm
    audit_object_type = ""
    # Our own delete action replaces the site-wide one (see `delete_selected` below).
    actions = ["delete_selected"]

    # Subclasses say which service does each write.

    def create(self, request: HttpRequest, form: forms.ModelForm) -> Model:
        raise NotImplementedError

    def update(self, request: HttpRequest, obj: Model, form: forms.ModelForm) -> Model:
        raise NotImplementedError

    def remove(self, request: HttpRequest, obj: Model) -> None:
        raise NotImplementedError

    def audit_lookups(self, obj: Model) -> dict[str, Any]:
        return {"object_type": self.audit_object_type, "object_id": obj.pk}

    # Forms and saving

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # A new class per request (modelform_factory), so this does not leak between requests.
        form.refusal = getattr(request, _REFUSAL, None)
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.DomainError as error:
            if request.method != "POST" or hasattr(request, _REFUSAL):
                raise
            # The refused save was rolled back with the view's transaction; show the
            # same submission again, with the refusal as a form error.
            setattr(request, _REFUSAL, error)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        saved = self.update(request, obj, form) if change else self.create(request, form)
        _adopt(obj, saved)

    def save_related(self, request, form, formsets, change):
        # Inlines are read-only; related objects change through their own services.
        pass

    def get_inlines(self, request, obj):
        # A new object has nothing related to show yet.
        return super().get_inlines(request, obj) if obj is not None else []

    def construct_change_message(self, request, form, formsets, add=False):
        # The inline formsets were not saved, so they have nothing to report.
        return super().construct_change_message(request, form, [], add)

    # Deleting

    def delete_model(self, request, obj):
        self.remove(request, obj)

    def delete_queryset(self, request, queryset):
        # One service call per object, so each deletion gets its own audit event.
        for obj in queryset:
            self.remove(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except services.DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(
                reverse(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                    args=[object_id],
                )
            )

    @admin.action(
        permissions=["delete"],
        description=gettext_lazy("Delete selected %(verbose_name_plural)s"),
    )
    def delete_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """Delete the selected objects through the service, all of them or none."""
        try:
            with transaction.atomic():
                return django_delete_selected(self, request, queryset)
        except services.DomainError as error:
            self.message_user(request, f"Nothing was deleted: {error.message}", messages.ERROR)
            return None

    def get_deleted_objects(self, objs, request):
        deleted, model_count, _perms_needed, protected = super().get_deleted_objects(objs, request)
        # What a deletion takes with it is the service's rule (a reviewer who may delete a
        # claim deletes its notes too), and the service checks the permission it needs.
        # A signed-off claim the deletion would take is named here, as protected: the page
        # then refuses before the confirmation instead of after it.
        return deleted, model_count, set(), [*protected, *_locked_claims(objs)]

    # The audit history

    @admin.display(description="Audit history")
    def audit_history(self, obj: Model) -> str:
        if obj.pk is None:
            return "—"
        lookups = self.audit_lookups(obj)
        count = AuditEvent.objects.filter(**lookups).count()
        return format_html(
            '<a href="{}">{} audit event{}</a>',
            audit_events_url(**lookups),
            count,
            "" if count == 1 else "s",
        )

    def history_view(self, request, object_id, extra_context=None):
        """Show the object's audit events instead of Django's own admin log."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with the id {object_id}.")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return HttpResponseRedirect(audit_events_url(**self.audit_lookups(obj)))


# ---------------------------------------------------------------------------
# Source types and sources


@admin.register(SourceType)
class SourceTypeAdmin(DomainAdmin):
    audit_object_type = "source_type"
    list_display = ["name", "slug", "description", "position", "source_count"]
    search_fields = ["slug", "name", "description"]
    ordering = ["position", "slug"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(source_count=Count("sources"))

    def get_fields(self, request, obj=None):
        fields = ["slug", "name", "description", "position"]
        return fields if obj is None else [*fields, "source_count", "audit_history"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["source_count", "audit_history"]

    @admin.display(description="Sources", ordering="source_count")
    def source_count(self, source_type: SourceType) -> int:
        return source_type.source_count

    def create(self, request, form):
        return services.source_type_create(actor=request.user, **form.cleaned_data)

    def update(self, request, source_type, form):
        return services.source_type_update(
            actor=request.user,
            source_type=source_type,
            **_changed(form, services.SOURCE_TYPE_FIELDS),
        )

    def remove(self, request, source_type):
        services.source_type_delete(actor=request.user, source_type=source_type)


@admin.register(Source)
class SourceAdmin(DomainAdmin):
    form = SourceForm
    audit_object_type = "source"
    list_display = [
        "name",
        "source_type",
        "is_anonymous",
        "affiliation",
        "role",
        "attribution_count",
        "relay_count",
    ]
    list_filter = ["source_type", "is_anonymous"]
    list_select_related = ["source_type"]
    actions = ["delete_selected", "merge_sources"]
    search_fields = ["name", "affiliation", "role", "aliases"]
    autocomplete_fields = ["source_type"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                attribution_count=Count("attributions", distinct=True),
                relay_count=Count("relayed_attributions", distinct=True),
            )
        )

    def get_fields(self, request, obj=None):
        fields = ["name", "source_type", "is_anonymous", "affiliation", "role", "aliases"]
        if obj is None:
            return fields
        return [
            *fields,
            "attribution_count",
            "relay_count",
            "created_at",
            "updated_at",
            "audit_history",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["attribution_count", "relay_count", "created_at", "updated_at", "audit_history"]

    @admin.display(description="Claims attributed", ordering="attribution_count")
    def attribution_count(self, source: Source) -> int:
        return source.attribution_count

    @admin.display(description="Claims relayed", ordering="relay_count")
    def relay_count(self, source: Source) -> int:
        return source.relay_count

    def create(self, request, form):
        return services.source_create(actor=request.user, **form.cleaned_data)

    def update(self, request, source, form):
        return services.source_update(
            actor=request.user, source=source, **_changed(form, services.SOURCE_FIELDS)
        )

    def remove(self, request, source):
        services.source_delete(actor=request.user, source=source)

    def has_merge_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.merge_source")

    @admin.action(permissions=["merge"], description="Merge selected sources into one…")
    def merge_sources(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """Ask which selected source to keep, then merge the others into it, each audited."""
        if queryset.count() < 2:
            self.message_user(request, "Select at least two sources to merge.", messages.WARNING)
            return None
        form = MergeSourcesForm(request.POST if "apply" in request.POST else None, sources=queryset)
        if form.is_valid():
            into, reason = form.cleaned_data["into"], form.cleaned_data["reason"]
            others = [source for source in queryset if source.pk != into.pk]
            try:
                with transaction.atomic():
                    for source in others:
                        services.source_merge(
                            actor=request.user, source=source, into=into, reason=reason
                        )
            except services.DomainError as error:
                self.message_user(request, f"Nothing was merged: {error.message}", messages.ERROR)
                return None
            self.message_user(
                request,
                f"Merged {len(others)} source(s) into “{into}”.",
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "admin/factcheck/source/merge_sources.html",
            {
                **self.admin_site.each_context(request),
                "title": "Merge sources",
                "subtitle": None,
                "opts": self.opts,
                "form": form,
                "sources": queryset,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )


# ---------------------------------------------------------------------------
# Articles


class ArticleClaimInline(ReadOnlyInline):
    model = Claim
    fields = ["start", "end", "text", "status", "assigned_to"]
    ordering = ["start", "end"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("assigned_to")


@admin.register(Article)
class ArticleAdmin(DomainAdmin):
    audit_object_type = "article"
    list_display = [
        "title",
        "outlet",
        "published_on",
        "language",
        "claim_count",
        "created_by",
        "created_at",
    ]
    list_filter = ["language", "published_on", "created_at"]
    list_select_related = ["created_by"]
    search_fields = ["title", "outlet", "url"]
    date_hierarchy = "created_at"
    inlines = [ArticleClaimInline]

    def get_queryset(self, request):
        # The body is only needed on the article's own page (loaded there on access).
        return super().get_queryset(request).annotate(claim_count=Count("claims")).defer("text")

    def get_fieldsets(self, request, obj=None):
        main = (None, {"fields": ["title", "outlet", "url", "published_on", "language", "text"]})
        if obj is None:
            return [main]
        record = [
            "content_hash",
            "claim_count",
            "created_by",
            "created_at",
            "updated_at",
            "audit_history",
        ]
        return [main, ("Record", {"fields": record})]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "content_hash",
            "claim_count",
            "created_by",
            "created_at",
            "updated_at",
            "audit_history",
        ]

    @admin.display(description="Claims", ordering="claim_count")
    def claim_count(self, article: Article) -> int:
        return article.claim_count

    def create(self, request, form):
        return services.article_create(actor=request.user, **form.cleaned_data)

    def update(self, request, article, form):
        return services.article_update(
            actor=request.user,
            article=article,
            **_changed(form, (*services.ARTICLE_FIELDS, "text")),
        )

    def remove(self, request, article):
        services.article_delete(actor=request.user, article=article)


# ---------------------------------------------------------------------------
# Claims


class ClaimAttributionInline(ReadOnlyInline):
    model = Attribution
    fields = [
        "source",
        "mention_text",
        "cue",
        "quote_mode",
        "intermediary",
        "ground_rule",
        "anonymity_reason",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source", "intermediary")


class ClaimEvidenceInline(ReadOnlyInline):
    model = EvidenceLink
    fields = ["url", "title", "added_by", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("added_by")


class ClaimNoteInline(ReadOnlyInline):
    model = Note
    fields = ["created_at", "author", "body"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class SignOffFilter(admin.SimpleListFilter):
    title = "sign-off"
    parameter_name = "sign_off"

    def lookups(self, request, model_admin):
        return [("awaiting", "Verdict awaiting sign-off"), ("signed", "Signed off")]

    def queryset(self, request, queryset):
        if self.value() == "awaiting":
            return queryset.awaiting_sign_off()
        if self.value() == "signed":
            return queryset.signed_off()
        return queryset


CLAIM_FIELDS = ("start", "end", "text", "rationale", "assigned_to")
CLAIM_SPAN = {"start", "end", "text"}
# Characters of article text shown on either side of a claim on its page.
CONTEXT = 160


@admin.register(Claim)
class ClaimAdmin(DomainAdmin):
    form = ClaimForm
    audit_object_type = "claim"
    list_display = [
        "claim",
        "article_title",
        "status",
        "sources",
        "assigned_to",
        "signed_off",
        "updated_at",
    ]
    list_filter = [
        "status",
        SignOffFilter,
        "attributions__source__source_type",
        ("assigned_to", admin.RelatedOnlyFieldListFilter),
        "updated_at",
    ]
    list_select_related = ["article", "assigned_to"]
    # `id__exact` skips terms that are not numbers, where `=id` would fail on them.
    search_fields = ["id__exact", "text", "rationale", "article__title"]
    # Assignees stay a plain list: autocompleting users needs the auth app's view permission,
    # which the newsroom roles do not hold.
    autocomplete_fields = ["article"]
    date_hierarchy = "created_at"
    inlines = [ClaimAttributionInline, ClaimEvidenceInline, ClaimNoteInline]
    actions = ["delete_selected", "mark_in_progress", "export_csv"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            # The changelist skips list_select_related once the queryset has a select_related.
            .select_related(*self.list_select_related)
            .defer("article__text")
            .prefetch_related(
                Prefetch(
                    "attributions",
                    queryset=Attribution.objects.select_related("source").only(
                        "claim_id", "source__name"
                    ),
                )
            )
        )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["article", ("start", "end"), "text"]})]
        span = ["article", "in_context", ("start", "end"), "text"]
        if self.has_change_permission(request, obj):
            span.append("expected_version")
        verification = [
            "status",
            "rationale",
            "assigned_to",
            ("proposed_by", "proposed_at"),
            ("signed_off_by", "signed_off_at"),
        ]
        record = ["version", ("created_by", "created_at"), "updated_at", "audit_history"]
        return [
            (None, {"fields": span}),
            ("Verification", {"fields": verification}),
            ("Record", {"fields": record}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "article",
            "in_context",
            "proposed_by",
            "proposed_at",
            "signed_off_by",
            "signed_off_at",
            "version",
            "created_by",
            "created_at",
            "updated_at",
            "audit_history",
        ]

    @admin.display(description="Claim", ordering="id")
    def claim(self, claim: Claim) -> str:
        return f"#{claim.pk} {Truncator(claim.text).chars(70)}"

    @admin.display(description="Article", ordering="article__title")
    def article_title(self, claim: Claim) -> str:
        return Truncator(claim.article.title).chars(40)

    @admin.display(description="Sources")
    def sources(self, claim: Claim) -> str:
        return ", ".join(a.source.name for a in claim.attributions.all()) or "—"

    @admin.display(description="Signed off", boolean=True)
    def signed_off(self, claim: Claim) -> bool:
        return claim.is_locked

    @admin.display(description="In context")
    def in_context(self, claim: Claim) -> str:
        text, start, end = claim.article.text, claim.start, claim.end
        before = ("…" if start > CONTEXT else "") + text[max(0, start - CONTEXT) : start]
        after = text[end : end + CONTEXT] + ("…" if len(text) > end + CONTEXT else "")
        # Line breaks matter in a span; the admin's CSP allows no inline style to keep them.
        return format_html(
            "{}<mark>{}</mark>{}",
            linebreaksbr(before),
            linebreaksbr(text[start:end]),
            linebreaksbr(after),
        )

    def create(self, request, form):
        data = form.cleaned_data
        return services.claim_create(
            actor=request.user,
            article=data["article"],
            start=data["start"],
            end=data["end"],
            text=data["text"] or None,
        )

    def update(self, request, claim, form):
        data = form.cleaned_data
        fields = _changed(form, CLAIM_FIELDS)
        if CLAIM_SPAN & fields.keys():
            # The offsets and the text are checked together: a span must quote its text.
            fields.update(start=data["start"], end=data["end"], text=data["text"] or None)
        version = data["expected_version"]
        if fields:
            claim = services.claim_update(
                actor=request.user, claim=claim, expected_version=version, **fields
            )
            version = claim.version
        if "status" in form.changed_data:
            claim = services.claim_set_status(
                actor=request.user, claim=claim, status=data["status"], expected_version=version
            )
        return claim

    def remove(self, request, claim):
        services.claim_delete(actor=request.user, claim=claim)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("factcheck.export_claim")

    @admin.action(permissions=["export"], description="Export selected claims as CSV")
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        """Download the selected claims as the claims CSV (see `factcheck.exports`), audited."""
        return export_views.claims_csv_response(
            actor=request.user,
            claims=Claim.objects.filter(pk__in=queryset.order_by().values("pk")),
            filters={"admin_selected": queryset.count()},
        )

    @admin.action(permissions=["change"], description="Set selected claims in progress")
    def mark_in_progress(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Move each selected unverified claim to in progress, one audited change per claim.

        The message names each claim left as it was and why, as the queue's bulk action does.
        """
        moved, unchanged, skipped = 0, 0, []
        for claim in queryset.order_by("pk"):
            if claim.status == VerificationStatus.IN_PROGRESS:
                unchanged += 1
                continue
            if claim.status != VerificationStatus.UNVERIFIED:
                # Starting work never withdraws a proposed verdict.
                skipped.append(
                    f"#{claim.pk}: it already has a verdict ({claim.get_status_display()})"
                )
                continue
            try:
                services.claim_set_status(
                    actor=request.user, claim=claim, status=VerificationStatus.IN_PROGRESS
                )
                moved += 1
            except services.DomainError as error:
                reason = error.message.rstrip(".")
                skipped.append(f"#{claim.pk}: {reason[:1].lower()}{reason[1:]}")
        parts = [f"{moved} claim(s) set in progress"]
        if unchanged:
            parts.append(f"{unchanged} already in progress")
        if skipped:
            parts.append(f"{len(skipped)} skipped: {'; '.join(skipped)}")
        level = messages.WARNING if skipped else messages.SUCCESS
        self.message_user(request, "; ".join(parts) + ".", level)


# ---------------------------------------------------------------------------
# Attributions, evidence, notes


ATTRIBUTION_DETAIL = [
    "source",
    "intermediary",
    "quote_mode",
    "mention_text",
    ("mention_start", "mention_end"),
    "cue",
    ("cue_start", "cue_end"),
    "ground_rule",
    "anonymity_reason",
]


@admin.register(Attribution)
class AttributionAdmin(DomainAdmin):
    audit_object_type = "attribution"
    form = AttributionForm
    list_display = [
        "claim",
        "source",
        "mention_text",
        "cue",
        "quote_mode",
        "intermediary",
        "ground_rule",
        "lacks_reason",
    ]
    list_filter = [
        "quote_mode",
        "ground_rule",
        "source__is_anonymous",
        "source__source_type",
        ("intermediary", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["claim", "source", "intermediary"]
    search_fields = ["mention_text", "cue", "anonymity_reason", "source__name", "claim__text"]
    autocomplete_fields = ["claim", "source", "intermediary"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["claim", *ATTRIBUTION_DETAIL]
        return [
            "claim",
            *ATTRIBUTION_DETAIL,
            "expected_version",
            "created_at",
            "updated_at",
            "audit_history",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["claim", "created_at", "updated_at", "audit_history"]

    @admin.display(description="No reason for anonymity", boolean=True)
    def lacks_reason(self, attribution: Attribution) -> bool:
        return attribution.lacks_anonymity_reason

    def create(self, request, form):
        return services.attribution_add(actor=request.user, **form.cleaned_data)

    def update(self, request, attribution, form):
        return services.attribution_update(
            actor=request.user,
            attribution=attribution,
            expected_version=form.cleaned_data.get("expected_version"),
            **_changed(form, services.ATTRIBUTION_FIELDS),
        )

    def remove(self, request, attribution):
        services.attribution_remove(actor=request.user, attribution=attribution)


class AddOnlyAdmin(DomainAdmin):
    """For what the services can add and remove but not edit: it is shown read-only."""

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EvidenceLink)
class EvidenceLinkAdmin(AddOnlyAdmin):
    list_display = ["__str__", "url", "claim", "added_by", "created_at"]
    list_select_related = ["claim", "added_by"]
    search_fields = ["url", "title", "claim__text"]
    autocomplete_fields = ["claim"]
    date_hierarchy = "created_at"

    def audit_lookups(self, link: EvidenceLink) -> dict[str, Any]:
        # Evidence is recorded on its claim.
        return {
            "object_type": "claim",
            "object_id": link.claim_id,
            "action__startswith": "evidence.",
        }

    def get_fields(self, request, obj=None):
        fields = ["claim", "url", "title"]
        return fields if obj is None else [*fields, "added_by", "created_at", "audit_history"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["added_by", "created_at", "audit_history"]

    def create(self, request, form):
        return services.evidence_add(actor=request.user, **form.cleaned_data)

    def remove(self, request, link):
        services.evidence_remove(actor=request.user, link=link)


@admin.register(Note)
class NoteAdmin(AddOnlyAdmin):
    audit_object_type = "note"
    list_display = ["__str__", "claim", "author", "created_at"]
    list_select_related = ["claim", "author"]
    search_fields = ["body", "claim__text"]
    autocomplete_fields = ["claim"]
    date_hierarchy = "created_at"

    def get_fields(self, request, obj=None):
        fields = ["claim", "body"]
        return fields if obj is None else [*fields, "author", "created_at", "audit_history"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["author", "created_at", "audit_history"]

    def create(self, request, form):
        return services.note_add(actor=request.user, **form.cleaned_data)

    def remove(self, request, note):
        services.note_delete(actor=request.user, note=note)


# ---------------------------------------------------------------------------
# The audit history: shown, never changed


class ObjectTypeFilter(admin.SimpleListFilter):
    title = "object type"
    parameter_name = "object_type"

    def lookups(self, request, model_admin):
        return [(name, name.replace("_", " ")) for name in AUDIT_OBJECT_TYPES]

    def queryset(self, request, queryset):
        return queryset.filter(object_type=self.value()) if self.value() else queryset


class ObjectIdFilter(admin.SimpleListFilter):
    """The one object whose history is shown; only offered when a link asked for it."""

    title = "object"
    parameter_name = "object_id"

    def lookups(self, request, model_admin):
        value = request.GET.get(self.parameter_name)
        object_type = request.GET.get(ObjectTypeFilter.parameter_name, "").replace("_", " ")
        return [(value, f"{object_type} #{value}".strip())] if value else []

    def queryset(self, request, queryset):
        return queryset.filter(object_id=self.value()) if self.value() else queryset


def _show_value(value: Any) -> str:
    if value is None or value == "":
        return "∅"
    if isinstance(value, dict) and set(value) == {"id", "name"}:
        return f"{value['name']} (#{value['id']})"
    if isinstance(value, str):
        return f"“{value}”"
    return json.dumps(value, ensure_ascii=False)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "short_repr",
        "article_link",
        "short_reason",
    ]
    list_filter = ["action", ObjectTypeFilter, ObjectIdFilter, "created_at"]
    list_select_related = ["article"]
    search_fields = ["object_repr", "actor_name", "reason"]
    date_hierarchy = "created_at"
    # Counting the whole history on every page is a full scan of a table that only grows.
    show_full_result_count = False
    fields = [
        "created_at",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "object_link",
        "object_repr",
        "article_link",
        "reason",
        "change_list",
        "prev_hash",
        "hash",
    ]
    readonly_fields = fields
    actions = ["export_csv"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(*self.list_select_related)
            .defer("article__text")
        )

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("factcheck.export_claim")

    @admin.action(permissions=["export"], description="Export selected events as CSV")
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        """Download the selected events as the audit CSV, oldest first, audited."""
        return export_views.audit_csv_response(
            actor=request.user,
            events=AuditEvent.objects.filter(pk__in=queryset.order_by().values("pk")),
            filters={"admin_selected": queryset.count()},
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="Article", ordering="article")
    def article_link(self, event: AuditEvent) -> str:
        if event.article_id is None:
            return "—"
        if event.article is None:
            return f"#{event.article_id} (deleted)"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:factcheck_article_change", args=[event.article_id]),
            Truncator(event.article.title).chars(40),
        )

    @admin.display(description="Object repr", ordering="object_repr")
    def short_repr(self, event: AuditEvent) -> str:
        return Truncator(event.object_repr).chars(50)

    @admin.display(description="Reason")
    def short_reason(self, event: AuditEvent) -> str:
        return Truncator(event.reason).chars(80)

    @admin.display(description="Object")
    def object_link(self, event: AuditEvent) -> str:
        model = AUDIT_OBJECT_TYPES.get(event.object_type)
        if model is None or not event.object_id.isdigit():
            return "—"
        if not model._default_manager.filter(pk=event.object_id).exists():
            return f"{event.object_type} #{event.object_id} (deleted)"
        opts = model._meta
        return format_html(
            '<a href="{}">{} #{}</a>',
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[event.object_id]),
            event.object_type.replace("_", " "),
            event.object_id,
        )

    @admin.display(description="Changes")
    def change_list(self, event: AuditEvent) -> str:
        if not event.changes:
            return "—"
        rows = []
        for field, change in event.changes.items():
            if isinstance(change, list) and len(change) == 2:
                rows.append((field, _show_value(change[0]), _show_value(change[1])))
            else:
                rows.append((field, "", _show_value(change)))
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li><strong>{}</strong>: {} → {}</li>", rows),
        )


# ---------------------------------------------------------------------------
# Suggestions: what the suggester proposed, decided through the services


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the admin shows but never writes: they change through the services only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Suggestions are read by whoever reads claims (the roles have no grant of their own).
        return request.user.has_perm("factcheck.view_claim")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.display(description="suggester version", ordering="model_version")
def suggester_version(obj: Suggestion | SuggestionRun) -> str:
    return obj.model_version or NO_VERSION


@admin.register(SuggestionRun)
class SuggestionRunAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "article",
        "state",
        "count",
        "model_name",
        suggester_version,
        "created_at",
        "finished_at",
    ]
    list_filter = ["state", "model_name", "model_version", "created_at"]
    list_select_related = ["article"]
    search_fields = ["article__title", "error"]
    autocomplete_fields = ["article"]
    date_hierarchy = "created_at"


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "article",
        "short_claim",
        "source_text",
        "source_type_slug",
        "named",
        "confidence",
        "state",
        "decided_by",
        suggester_version,
    ]
    list_filter = ["state", "model_version", "source_type_slug", "named", "quote_mode"]
    list_select_related = ["article", "decided_by"]
    search_fields = ["claim_text", "source_text", "canonical_source", "article__title"]
    actions = ["accept_selected", "reject_selected"]

    @admin.display(description="claim")
    def short_claim(self, obj: Suggestion) -> str:
        return obj.claim_text if len(obj.claim_text) <= 80 else obj.claim_text[:77] + "…"

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("factcheck.add_claim")

    def _decide(self, request: HttpRequest, queryset: QuerySet, decide, verb: str) -> None:
        """Decide each selected suggestion through its service; name the ones refused and why."""
        done, refused = 0, []
        for suggestion in queryset.order_by("pk"):
            try:
                decide(suggestion)
            except services.DomainError as error:
                refused.append(f"#{suggestion.pk}: {error.message}")
            else:
                done += 1
        self.message_user(request, f"{verb} {done} suggestion(s).", messages.SUCCESS)
        if refused:
            self.message_user(request, "Not done: " + "; ".join(refused), messages.WARNING)

    @admin.action(permissions=["decide"], description="Accept selected suggestions")
    def accept_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(
            request,
            queryset,
            lambda s: services.suggestion_accept(actor=request.user, suggestion=s),
            "Accepted",
        )

    @admin.action(permissions=["decide"], description="Reject selected suggestions")
    def reject_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(
            request,
            queryset,
            lambda s: services.suggestion_reject(actor=request.user, suggestion=s),
            "Rejected",
        )
