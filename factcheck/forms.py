"""Forms of the review screens: they parse and type the input; the services judge it."""

import re
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

from factcheck.models import GroundRule, QuoteMode, Source, SourceType, VerificationStatus

# The largest id a BigAutoField holds, and the largest offset or version a
# PositiveIntegerField holds on every database. Larger numbers are refused by
# the form, before the database sees them: SQLite raises OverflowError on a
# 20-digit id, PostgreSQL "integer out of range".
MAX_ID = 2**63 - 1
MAX_OFFSET = 2**31 - 1

# The source type of a claim nobody is quoted for; no source may have it.
UNATTRIBUTED_TYPE = "unattributed"


class ModelIdsField(forms.ModelMultipleChoiceField):
    """Several objects by id, each id a whole number within the id range."""

    def _check_values(self, value: Any) -> Any:
        for pk in value:
            text = str(pk).strip()
            # The length first: Python refuses int() of more than 4,300 digits.
            if not (
                text.isascii() and text.isdigit() and len(text) <= 19 and 1 <= int(text) <= MAX_ID
            ):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


# A whole number as the page's script writes it. Python's int() also reads any
# Unicode digit ("٣" and "３" are 3) and underscores ("1_0" is 10).
ASCII_NUMBER = re.compile(r"-?[0-9]+")


class OffsetField(forms.IntegerField):
    """A position in an article's text, in code points, in ASCII digits only."""

    def to_python(self, value: Any) -> int | None:
        if value not in self.empty_values and not ASCII_NUMBER.fullmatch(str(value).strip()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


def offset_field(*, min_value: int = 0, **kwargs: Any) -> OffsetField:
    """A position in an article's text, in code points."""
    return OffsetField(min_value=min_value, max_value=MAX_OFFSET, **kwargs)


class PasteArticleForm(forms.Form):
    title = forms.CharField(max_length=500)
    outlet = forms.CharField(max_length=200, required=False)
    url = forms.URLField(label="URL", max_length=2000, required=False, assume_scheme="https")
    published_on = forms.DateField(
        label="Published", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    language = forms.CharField(max_length=16, initial="en", help_text="en, ar, he…")
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14, "dir": "auto"}),
        strip=False,
        max_length=2 * 1024 * 1024,
        help_text="Claim offsets will point into this text; it is frozen once it has claims.",
    )


class VersionedForm(forms.Form):
    """A form that names the claim version it was loaded at, for optimistic locking."""

    version = forms.IntegerField(min_value=1, max_value=MAX_OFFSET, widget=forms.HiddenInput)


class ClaimCreateForm(forms.Form):
    start = offset_field()
    end = offset_field(min_value=1)
    text = forms.CharField(strip=False, max_length=100_000)
    # Set once the person was told another claim covers nearly the same words.
    near_ok = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ClaimSpanForm(VersionedForm):
    """A claim's span corrected by its words: found in the article nearest the old span."""

    text = forms.CharField(label="The claim's words", strip=False, max_length=100_000)
    reason = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args: Any, claim: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.claim = claim

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        words = (data.get("text") or "").strip()
        if self.claim is not None and "text" in data:
            found = locate_near(self.claim.article.text, words, self.claim.start, self.claim.end)
            if found is None:
                self.add_error(
                    "text", "These words are not in the article: copy them from the text."
                )
            else:
                data["start"], data["end"] = found
        return data


class StatusForm(VersionedForm):
    status = forms.ChoiceField(choices=VerificationStatus.choices)
    reason = forms.CharField(required=False, max_length=2000)


class RationaleForm(VersionedForm):
    rationale = forms.CharField(required=False, widget=forms.Textarea, max_length=20_000)
    reason = forms.CharField(required=False, max_length=2000)


class AssignForm(VersionedForm):
    """Who the claim is assigned to: one of the people the view offers, or nobody."""

    assigned_to = forms.ModelChoiceField(queryset=None, required=False, label="Assigned to")
    reason = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args: Any, assignees: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = assignees


class AttributionForm(VersionedForm):
    """Attribute a claim to a registry source, or to a new one created on the spot."""

    source = forms.ModelChoiceField(queryset=Source.objects.all(), required=False)
    new_source_name = forms.CharField(required=False, max_length=255)
    # "Unattributed" marks a claim with no source; it is not a type a source can have.
    # A retired type stays on its sources but is given to no new one.
    new_source_type = forms.ModelChoiceField(
        queryset=SourceType.objects.exclude(slug=UNATTRIBUTED_TYPE).filter(retired=False),
        required=False,
        to_field_name="slug",
    )
    new_source_affiliation = forms.CharField(required=False, max_length=255)
    new_source_anonymous = forms.BooleanField(required=False)
    mention_text = forms.CharField(required=False, max_length=1000, strip=False)
    mention_start = offset_field(required=False)
    mention_end = offset_field(required=False, min_value=1)
    cue = forms.CharField(required=False, max_length=200)
    quote_mode = forms.ChoiceField(choices=QuoteMode.choices, initial=QuoteMode.PARAPHRASE)
    intermediary = forms.ModelChoiceField(queryset=Source.objects.all(), required=False)
    ground_rule = forms.ChoiceField(choices=GroundRule.choices, required=False)
    anonymity_reason = forms.CharField(required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        if not data.get("source") and not data.get("new_source_name"):
            raise forms.ValidationError("Pick a source from the registry or name a new one.")
        if data.get("source") and data.get("new_source_name", "").strip():
            raise forms.ValidationError(
                f"You picked “{data['source']}” from the registry and typed a new source, "
                f"“{data['new_source_name'].strip()}”: the registry source would be used and "
                "the typed name dropped. Clear one of the two."
            )
        if not data.get("source") and not data.get("new_source_type"):
            self.add_error("new_source_type", "A new source needs a type.")
        return data

    def attribution_fields(self) -> dict:
        """The cleaned values the attribution services take."""
        data = self.cleaned_data
        mention = data["mention_text"] if data["mention_start"] is not None else None
        return {
            "mention_start": data["mention_start"],
            "mention_end": data["mention_end"],
            "mention_text": mention if mention is not None else data["mention_text"].strip(),
            "cue": data["cue"],
            "quote_mode": data["quote_mode"],
            "intermediary": data["intermediary"],
            "ground_rule": data["ground_rule"] or "",
            "anonymity_reason": data["anonymity_reason"],
        }


class AttributionEditForm(VersionedForm):
    mention_text = forms.CharField(required=False, max_length=1000)
    cue = forms.CharField(required=False, max_length=200)
    quote_mode = forms.ChoiceField(choices=QuoteMode.choices)
    intermediary = forms.ModelChoiceField(queryset=Source.objects.all(), required=False)
    ground_rule = forms.ChoiceField(choices=GroundRule.choices, required=False)
    anonymity_reason = forms.CharField(required=False, max_length=2000)


class EvidenceForm(VersionedForm):
    url = forms.CharField(max_length=2000, label="URL")
    title = forms.CharField(required=False, max_length=500)


class NoteForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea, max_length=20_000)


class RemoveForm(VersionedForm):
    reason = forms.CharField(required=False, max_length=2000)


PROGRESS_FILTERS = {
    "": "Any progress",
    "no_claims": "No claims yet",
    "open": "Claims to review",
    "done": "Every claim has a verdict",
}


class ArticleListForm(forms.Form):
    """The articles list's search and filters, read from the query string."""

    q = forms.CharField(label="Search", required=False, max_length=500)
    outlet = forms.CharField(label="Outlet", required=False, max_length=200)
    progress = forms.ChoiceField(
        label="Progress", required=False, choices=list(PROGRESS_FILTERS.items())
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # `from` is a Python keyword, so these two cannot be declared above.
        self.fields["from"] = forms.DateField(label="Published from", required=False)
        self.fields["to"] = forms.DateField(label="Published to", required=False)


class SourceSearchForm(forms.Form):
    """What the source picker types: the words, and which picker asks."""

    q = forms.CharField(label="Search", required=False, max_length=255)
    q_intermediary = forms.CharField(label="Search", required=False, max_length=255)
    field = forms.ChoiceField(
        label="Picker",
        required=False,
        choices=[("source", "Source"), ("intermediary", "Relayed by")],
    )


def labelled_errors(form: forms.Form) -> list[tuple[str, str]]:
    """A form's errors as (field as the page labels it, message) pairs."""
    return [
        (form.fields[name].label or name if name in form.fields else "", " ".join(problems))
        for name, problems in form.errors.items()
    ]


class LoginForm(AuthenticationForm):
    """The login form, refusing a user name longer than any account's before it is checked.

    Django sets the field's max_length only for the browser; a longer name
    reached django-axes, whose failure record PostgreSQL refuses over 255
    characters.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class SuggestionDecisionForm(forms.Form):
    """What the reviewer decided on a suggestion's card; `edit` brings the edit form's fields."""

    decision = forms.ChoiceField(
        choices=[("accept", "Accept"), ("edit", "Accept with changes"), ("reject", "Reject")],
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(required=False, max_length=2000)
    # Decided from the panel of the claim it covers: the answer is that claim's panel again.
    from_claim = forms.BooleanField(required=False, widget=forms.HiddenInput)


class AcceptAboveForm(forms.Form):
    """ "Accept all above": the threshold, and once asked, the new sources the person confirmed."""

    threshold = forms.FloatField(min_value=0.5, max_value=1.0, widget=forms.HiddenInput)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    new_source = forms.MultipleChoiceField(required=False, widget=forms.MultipleHiddenInput)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Names, not choices: a name the person confirmed may no longer be needed.
        names = self.data.getlist("new_source") if hasattr(self.data, "getlist") else []
        self.fields["new_source"].choices = [(name, name) for name in names if len(name) <= 255]


class SuggestRequestForm(forms.Form):
    """ "Suggest again": names the latest run the page showed, so a second click queues nothing."""

    after_run = forms.IntegerField(min_value=0, max_value=MAX_ID, widget=forms.HiddenInput)


def locate_near(text: str, phrase: str, start: int, end: int) -> tuple[int, int] | None:
    """Where the phrase is in the text nearest the span [start, end), if it is there at all.

    The reviewer corrects a span by its words (a word more, a word less): the
    occurrence that overlaps the old span, else the closest, is the one meant.
    """
    if not phrase.strip():
        return None
    best = None
    at = text.find(phrase)
    while at != -1:
        candidate = (at, at + len(phrase))
        distance = max(0, candidate[0] - end, start - candidate[1])
        if best is None or distance < best[0]:
            best = (distance, candidate)
        at = text.find(phrase, at + 1)
    return best[1] if best is not None else None


class SuggestionEditForm(forms.Form):
    """A suggestion as the reviewer corrects it before accepting: the claim's words, the
    mention, the registry source, and the attribution's fields."""

    claim_text = forms.CharField(
        label="Claim",
        required=False,
        strip=False,
        max_length=100_000,
        widget=forms.Textarea,
        help_text="The claim's words: take a word off or add one from the text around it.",
    )
    mention = forms.CharField(
        label="Mention", required=False, max_length=1000, help_text="The source as written."
    )
    registry_source = forms.ModelChoiceField(
        label="Registry source", queryset=Source.objects.all(), required=False
    )
    source_name = forms.CharField(
        label="Source", required=False, max_length=255, help_text="The registry name."
    )
    add_alias = forms.BooleanField(label="Keep the mention as an alias", required=False)
    source_type = forms.ChoiceField(label="Type", choices=())
    anonymous = forms.BooleanField(required=False)
    cue = forms.CharField(required=False, max_length=200)
    quote_mode = forms.ChoiceField(choices=QuoteMode.choices)
    intermediary = forms.CharField(label="Relayed by", required=False, max_length=255)

    def __init__(self, *args: Any, suggestion: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.suggestion = suggestion
        self.fields["source_type"].choices = SourceType.objects.values_list("slug", "name")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        suggestion = self.suggestion
        claim_text = data.get("claim_text") or ""
        if suggestion is not None and claim_text.strip() and claim_text != suggestion.claim_text:
            text = suggestion.article.text
            found = locate_near(
                text, claim_text.strip(), suggestion.claim_start, suggestion.claim_end
            )
            if found is None:
                self.add_error(
                    "claim_text",
                    "These words are not in the article: copy the claim's words from the text.",
                )
            else:
                data["claim_span"] = found
        return data

    def edits(self, suggestion: Any, text: str) -> dict[str, Any]:
        """The fields the reviewer changed, under the suggestion's own names."""
        data = self.cleaned_data
        edits: dict[str, Any] = {}
        if "claim_span" in data and data["claim_span"] != (
            suggestion.claim_start,
            suggestion.claim_end,
        ):
            edits["claim_start"], edits["claim_end"] = data["claim_span"]
        mention = " ".join((data.get("mention") or "").split())
        if (
            data.get("mention") is not None
            and "mention" in self.data
            and (mention != " ".join(suggestion.source_text.split()))
        ):
            edits["source_text"] = mention
            near = (
                (suggestion.source_start, suggestion.source_end)
                if suggestion.source_start is not None
                else (suggestion.claim_start, suggestion.claim_end)
            )
            # The corrected mention is the words of the text nearest the proposed one.
            found = locate_near(text, mention, *near) if mention else None
            edits["source_start"], edits["source_end"] = found or (None, None)
        if data.get("registry_source") is not None:
            edits["source"] = data["registry_source"]
        if data.get("add_alias"):
            edits["add_alias"] = True
        name = " ".join(data["source_name"].split())
        if name != (suggestion.canonical_source or suggestion.source_text):
            edits["canonical_source"] = name
            if not suggestion.source_text.strip() and "source_text" not in edits:
                # Nothing in the text names the source: the typed name stands in for it.
                edits["source_text"] = name
        if data["source_type"] != suggestion.source_type_slug:
            edits["source_type_slug"] = data["source_type"]
        if data["anonymous"] == suggestion.named:
            edits["named"] = not data["anonymous"]
        cue = data["cue"].strip()
        if cue != suggestion.cue.strip():
            edits["cue"] = cue
            start, end = suggestion.cue_start, suggestion.cue_end
            if start is None or text[start:end] != cue:
                # The typed cue is not the span the suggester found.
                edits["cue_start"] = edits["cue_end"] = None
        if data["quote_mode"] != suggestion.quote_mode:
            edits["quote_mode"] = data["quote_mode"]
        via = " ".join(data["intermediary"].split())
        if via != suggestion.via_text.strip():
            edits["via_text"] = via
        return edits
