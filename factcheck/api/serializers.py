"""What the API shows of each object, and what it reads from a request."""

from rest_framework import serializers

from factcheck.models import Article, Attribution, Claim, Source, VerificationStatus


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
