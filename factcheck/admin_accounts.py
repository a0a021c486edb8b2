"""The admin's accounts pages, writing through the account services so every grant is audited.

Django's own UserAdmin saves accounts, their groups (our roles), flags and
passwords straight to the tables; this one hands each change to
`services.account_*`, which records it, so `verify_audit --replay` can tell a
role granted here from one granted behind the history's back.
"""

from contextvars import ContextVar

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm

from factcheck import services

User = get_user_model()

# Who is changing a password: the admin's password view builds its form without the request.
_acting: ContextVar = ContextVar("factcheck_admin_acting", default=None)
# Fields of the change form that the account services take.
AUDITED = ("username", "is_active", "is_staff", "is_superuser")
GRANTS = ("groups", "user_permissions")


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    def set_password_and_save(self, user, password_field_name="password1", commit=True):
        usable = self.cleaned_data.get("set_usable_password", True)
        password = self.cleaned_data[password_field_name] if usable else None
        return services.account_update(actor=_acting.get(), user=user, password=password)


class AccountAdmin(UserAdmin):
    change_password_form = AuditedPasswordChangeForm

    def save_model(self, request, obj, form, change):
        if not change:
            usable = form.cleaned_data.get("set_usable_password", True)
            created = services.account_create(
                actor=request.user,
                username=form.cleaned_data["username"],
                password=form.cleaned_data.get("password1") if usable else None,
            )
            obj.pk = created.pk
            obj._state.adding = False
            obj._state.db = created._state.db
            return
        profile = [name for name in form.changed_data if name not in (*AUDITED, *GRANTS)]
        # Names and e-mail grant nothing; they are saved as Django saves them. The flags
        # go with the groups in save_related: one form sent, one event.
        if profile:
            obj.save(update_fields=profile)

    def save_related(self, request, form, formsets, change):
        fields = {
            name: form.cleaned_data[name]
            for name in AUDITED
            if change and name in form.changed_data
        }
        fields |= {
            name: list(form.cleaned_data[name])
            for name in GRANTS
            if name in form.changed_data and name in form.cleaned_data
        }
        if fields:
            services.account_update(actor=request.user, user=form.instance, **fields)
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        services.account_delete(actor=request.user, user=obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            services.account_delete(actor=request.user, user=user)

    def user_change_password(self, request, id, form_url=""):
        token = _acting.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _acting.reset(token)


admin.site.unregister(User)
admin.site.register(User, AccountAdmin)
