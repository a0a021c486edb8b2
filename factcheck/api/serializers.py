"""What the API shows of each object, and what it reads from a request."""

from rest_framework import serializers

from factcheck.models import (
    Article,
    Attribution,
    AuditEvent,
    Claim,
    GroundRule,
    QuoteMode,
    Source,
    Suggestion,
    SuggestionRun,
    VerificationStatus,
)


class SourceSerializer(serializers.ModelSerializer):
    source_type = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Source
        fields = ["id", "name", "source_type", "affiliation", "role", "is_anonymous", "aliases"]


class AttributionSerializer(serializers.ModelSerializer):
    source = SourceSerializer(read_only=True)
    intermediary = serializers.SerializerMethodField()

    class Meta:
        model = Attribution
        fields = [
            "id",
            "source",
            "mention_text",
            "mention_start",
            "mention_end",
            "cue",
            "cue_start",
            "cue_end",
            "quote_mode",
            "intermediary",
            "ground_rule",
            "anonymity_reason",
        ]

    def get_intermediary(self, attribution: Attribution) -> dict | None:
        via = attribution.intermediary
        return None if via is None else {"id": via.pk, "name": via.name}


def _username(user) -> str | None:
    return None if user is None else user.get_username()


class ClaimSerializer(serializers.ModelSerializer):
    """A claim as the queue row and the panel show it; its `version` is what If-Match names."""

    attributions = AttributionSerializer(many=True, read_only=True)
    assigned_to = serializers.SerializerMethodField()
    proposed_by = serializers.SerializerMethodField()
    signed_off_by = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id",
            "article",
            "start",
            "end",
            "text",
            "status",
            "rationale",
            "version",
            "assigned_to",
            "proposed_by",
            "proposed_at",
            "signed_off_by",
            "signed_off_at",
            "created_at",
            "updated_at",
            "attributions",
        ]

    def get_assigned_to(self, claim: Claim) -> str | None:
        return _username(claim.assigned_to)

    def get_proposed_by(self, claim: Claim) -> str | None:
        return _username(claim.proposed_by)

    def get_signed_off_by(self, claim: Claim) -> str | None:
        return _username(claim.signed_off_by)


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=VerificationStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ArticleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Article
        fields = ["id", "title", "outlet", "url", "published_on", "language", "created_at"]


class ArticleDetailSerializer(ArticleSerializer):
    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "text"]


class ArticleCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=500)
    text = serializers.CharField(trim_whitespace=False)
    outlet = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    url = serializers.URLField(max_length=2000, required=False, allow_blank=True, default="")
    published_on = serializers.DateField(required=False, allow_null=True, default=None)
    language = serializers.CharField(max_length=16, required=False, default="en")


class ClaimCreateSerializer(serializers.Serializer):
    start = serializers.IntegerField(min_value=0, max_value=10_000_000)
    end = serializers.IntegerField(min_value=0, max_value=10_000_000)
    text = serializers.CharField(
        trim_whitespace=False,
        help_text="The words at [start, end) as you read them: refused when the text differs.",
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ClaimChangeSerializer(serializers.Serializer):
    rationale = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=20_000
    )
    assigned_to = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=150,
        help_text="A user name, or null to unassign.",
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class EvidenceSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000)
    title = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class NoteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=20_000)


class SuggestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Suggestion
        fields = [
            "id",
            "article",
            "claim_start",
            "claim_end",
            "claim_text",
            "source_text",
            "source_start",
            "source_end",
            "canonical_source",
            "cue",
            "cue_start",
            "cue_end",
            "source_type_slug",
            "named",
            "quote_mode",
            "via_text",
            "ground_rule",
            "anonymity_reason",
            "confidence",
            "model_version",
            "state",
            "claim",
            "created_at",
        ]


class SuggestionEditsSerializer(serializers.Serializer):
    """A reviewer's edits of a suggestion before accepting it: its own fields, or sources by id."""

    claim_start = serializers.IntegerField(required=False, min_value=0, max_value=10_000_000)
    claim_end = serializers.IntegerField(required=False, min_value=0, max_value=10_000_000)
    source_text = serializers.CharField(required=False, allow_blank=True, max_length=500)
    source_start = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=10_000_000
    )
    source_end = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=10_000_000
    )
    cue = serializers.CharField(required=False, allow_blank=True, max_length=200)
    source_type_slug = serializers.SlugField(required=False, max_length=50)
    named = serializers.BooleanField(required=False)
    quote_mode = serializers.CharField(required=False, max_length=20)
    canonical_source = serializers.CharField(required=False, allow_blank=True, max_length=300)
    source = serializers.PrimaryKeyRelatedField(
        queryset=Source.objects.all(), required=False, help_text="A registry source's id."
    )
    intermediary = serializers.PrimaryKeyRelatedField(
        queryset=Source.objects.all(), required=False, allow_null=True
    )


class SuggestionAcceptSerializer(serializers.Serializer):
    edits = SuggestionEditsSerializer(required=False)
    new_sources = serializers.ListField(
        child=serializers.CharField(max_length=300),
        required=False,
        max_length=500,
        help_text="The new registry names you agree to create; leave out to allow any.",
    )


class AcceptAboveSerializer(serializers.Serializer):
    threshold = serializers.FloatField(min_value=0, max_value=1, default=0.8)
    new_sources = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, max_length=500
    )


class SuggestionRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = SuggestionRun
        fields = [
            "id",
            "article",
            "state",
            "error",
            "model_version",
            "count",
            "created_at",
            "started_at",
            "finished_at",
        ]


class AuditEventSerializer(serializers.ModelSerializer):
    summary = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor_name",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "reason",
            "via",
            "summary",
        ]

    def get_summary(self, event: AuditEvent) -> str:
        from factcheck.history import summary_of

        return summary_of(event)


class AttributionWriteSerializer(serializers.Serializer):
    """An attribution as written: the registry source by id, the mention and cue by offsets."""

    source = serializers.PrimaryKeyRelatedField(queryset=Source.objects.all())
    mention_start = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=10_000_000
    )
    mention_end = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=10_000_000
    )
    mention_text = serializers.CharField(required=False, allow_blank=True, max_length=500)
    cue = serializers.CharField(required=False, allow_blank=True, max_length=200)
    cue_start = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=10_000_000
    )
    cue_end = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=10_000_000
    )
    quote_mode = serializers.ChoiceField(choices=QuoteMode.choices, required=False)
    intermediary = serializers.PrimaryKeyRelatedField(
        queryset=Source.objects.all(), required=False, allow_null=True
    )
    ground_rule = serializers.ChoiceField(choices=GroundRule.choices, required=False)
    anonymity_reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class AttributionChangeSerializer(AttributionWriteSerializer):
    source = serializers.PrimaryKeyRelatedField(queryset=Source.objects.all(), required=False)
