"""Forms of the editors' tools: sources (edit, merge, delete, replace), types, article details
and deletion.

They parse and type the input; the services judge it.
"""

from typing import Any

from django import forms

from factcheck.forms import MAX_ID, UNATTRIBUTED_TYPE
from factcheck.models import Source, SourceType


def offered_types(keep: SourceType | None = None) -> Any:
    """The types a source may be given: not retired, never "unattributed"; `keep` stays offered."""
    offered = SourceType.objects.exclude(slug=UNATTRIBUTED_TYPE).filter(retired=False)
    if keep is not None:
        offered = SourceType.objects.filter(pk=keep.pk) | offered
    return offered.order_by("position", "slug")


class SourceIdField(forms.ModelChoiceField):
    """A source by id: a whole number within the id range, then a row that exists."""

    def to_python(self, value: Any) -> Any:
        text = str(value).strip() if value is not None else ""
        if text and not (text.isascii() and text.isdigit() and len(text) <= 19):
            raise forms.ValidationError(f"“{text}” is not a source number.", code="invalid")
        if text and not 1 <= int(text) <= MAX_ID:
            raise forms.ValidationError(f"“{text}” is not a source number.", code="invalid")
        return super().to_python(value)


class SourceEditForm(forms.Form):
    name = forms.CharField(max_length=255, label="Name or descriptor")
    source_type = forms.ModelChoiceField(
        queryset=SourceType.objects.none(), to_field_name="slug", label="Type"
    )
    affiliation = forms.CharField(max_length=255, required=False)
    role = forms.CharField(max_length=255, required=False, label="Role or title")
    is_anonymous = forms.BooleanField(
        required=False, label="Anonymous (the text does not name this source)"
    )
    aliases = forms.CharField(
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
        label="Other names (aliases)",
        help_text="One per line.",
    )
    reason = forms.CharField(required=False, max_length=2000, label="Reason (optional)")

    def __init__(self, *args: Any, source: Source, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["source_type"].queryset = offered_types(keep=source.source_type)
        self.fields["source_type"].error_messages["invalid_choice"] = (
            "That type cannot be given to a source (it is retired, or it does not exist)."
        )

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values `services.source_update` takes."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "source_type": data["source_type"],
            "affiliation": data["affiliation"],
            "role": data["role"],
            "is_anonymous": data["is_anonymous"],
            "aliases": [line for line in data["aliases"].splitlines() if line.strip()],
        }


class MergeForm(forms.Form):
    into = SourceIdField(
        queryset=Source.objects.all(),
        label="Merge into",
        error_messages={
            "required": "Choose the source to merge into.",
            "invalid_choice": "That source does not exist (any more); search again.",
        },
    )
    reason = forms.CharField(required=False, max_length=2000, label="Reason (optional)")


class SourceDeleteForm(forms.Form):
    """Delete a source nothing cites, or replace it with another (`by`) and delete it."""

    action = forms.ChoiceField(
        choices=[("delete", "Delete"), ("replace", "Replace and delete")],
        widget=forms.HiddenInput,
        error_messages={"required": "Say whether to delete the source or replace it."},
    )
    by = SourceIdField(
        queryset=Source.objects.all(),
        required=False,
        label="Replace with",
        error_messages={"invalid_choice": "That source does not exist (any more); search again."},
    )
    reason = forms.CharField(required=False, max_length=2000, label="Reason (optional)")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") == "replace" and not data.get("by") and "by" not in self.errors:
            self.add_error("by", "Choose the source that replaces this one.")
        return data


class SourceTypeAddForm(forms.Form):
    name = forms.CharField(max_length=100)
    description = forms.CharField(max_length=255, required=False, label="What it covers")


class SourceTypeChangeForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("save", "Save"), ("retire", "Retire"), ("restore", "Bring back")],
        error_messages={"required": "Say what to do with the type: save, retire or bring back."},
    )
    name = forms.CharField(max_length=100, required=False)
    description = forms.CharField(max_length=255, required=False, label="What it covers")
    reason = forms.CharField(required=False, max_length=2000)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") == "save" and not (data.get("name") or "").strip():
            self.add_error("name", "A source type needs a name.")
        return data


class ArticleDeleteForm(forms.Form):
    """The typed confirmation: the article's number, as the page shows it."""

    confirmation = forms.CharField(
        max_length=40,
        label="Type the article's number to confirm",
        error_messages={"required": "Type the article's number to confirm."},
    )
    reason = forms.CharField(required=False, max_length=2000, label="Reason (optional)")

    def __init__(self, *args: Any, article_id: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.article_id = article_id

    def clean_confirmation(self) -> str:
        typed = self.cleaned_data["confirmation"].strip().removeprefix("#").strip()
        if typed != str(self.article_id):
            raise forms.ValidationError(
                f"You typed “{self.cleaned_data['confirmation'].strip()}”, not the article's "
                f"number, {self.article_id}; nothing was deleted."
            )
        return typed


class ArticleDetailsForm(forms.Form):
    """Where an article appeared, as ClaimReview says it: title, outlet, address, date."""

    title = forms.CharField(max_length=500)
    outlet = forms.CharField(max_length=200, required=False)
    url = forms.URLField(
        label="Address (URL)", max_length=2000, required=False, assume_scheme="https"
    )
    published_on = forms.DateField(
        label="Published on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="As the outlet dates it.",
    )
    language = forms.CharField(max_length=16, help_text="BCP 47 code: en, ar, he.")
