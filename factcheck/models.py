"""The workbench's domain: articles, claims, sources, attributions and their audit trail.

Models hold data and the invariants the database can enforce. Every change
goes through `factcheck.services`, which validates, saves and audits.
"""

import hashlib
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Cast, Coalesce, Lower
from django.utils import timezone


def text_hash(text: str) -> str:
    """Return the SHA-256 of an article text, the key that de-duplicates imports."""
    # surrogatepass: a lone surrogate ("\ud800", from a JSON escape) hashes
    # rather than raising; the import refuses such a text with a reason.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class VerificationStatus(models.TextChoices):
    UNVERIFIED = "unverified", "Unverified"
    IN_PROGRESS = "in_progress", "In progress"
    VERIFIED = "verified", "Verified"
    PARTLY_VERIFIED = "partly_verified", "Partly verified"
    FALSE = "false", "False"
    MISLEADING = "misleading", "Misleading"
    UNVERIFIABLE = "unverifiable", "Unverifiable"

    @classmethod
    def verdicts(cls) -> set[str]:
        return set(cls.verdicts_in_order())

    @classmethod
    def verdicts_in_order(cls) -> list["VerificationStatus"]:
        """The verdicts in the order pages list them: verified first, unverifiable last."""
        return [cls.VERIFIED, cls.PARTLY_VERIFIED, cls.FALSE, cls.MISLEADING, cls.UNVERIFIABLE]


class WorkflowStep(models.Func):
    """A claim's status as its place in the workflow: 0 for unverified, 1 in progress, …

    The queue's status sort orders by this, and an index holds the same expression.
    The steps are written into the SQL as literals, not parameters: SQLite uses an
    expression index only for a query that spells the expression the same way.
    """

    arity = 1
    output_field = models.IntegerField()
    template = (
        "CASE %(expressions)s "
        + " ".join(f"WHEN '{value}' THEN {step}" for step, value in enumerate(VerificationStatus))
        + f" ELSE {len(VerificationStatus)} END"
    )

    def __init__(self, field: str = "status", **extra):
        super().__init__(models.F(field), **extra)


def workflow_step() -> WorkflowStep:
    return WorkflowStep()


class QuoteMode(models.TextChoices):
    DIRECT = "direct", "Direct quote"
    PARAPHRASE = "paraphrase", "Paraphrase"
    MIXED = "mixed", "Mixed"
    NONE = "none", "None"


class GroundRule(models.TextChoices):
    """How an anonymous source spoke, in the terms of AP's and the NYT's standards."""

    UNSPECIFIED = "", "Not stated"
    BACKGROUND = "background", "Background"
    DEEP_BACKGROUND = "deep_background", "Deep background"
    OFF_THE_RECORD = "off_the_record", "Off the record"


class SourceType(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100, help_text="Short label shown on the review page.")
    description = models.CharField(max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in lists.")
    retired = models.BooleanField(
        default=False,
        help_text="Kept for the sources that have it, but no longer offered for new ones.",
    )

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name


class ArticleQuerySet(models.QuerySet):
    def with_text(self, text: str) -> "ArticleQuerySet":
        return self.filter(content_hash=text_hash(text))


class Article(models.Model):
    title = models.CharField(max_length=500, db_index=True)
    outlet = models.CharField(max_length=200, blank=True, db_index=True)
    url = models.URLField("URL", max_length=2000, blank=True)
    published_on = models.DateField(null=True, blank=True, db_index=True)
    language = models.CharField(max_length=16, default="en", help_text="BCP 47 code: en, ar, he.")
    text = models.TextField(
        help_text="The body that claim offsets point into; frozen once the article has claims."
    )
    content_hash = models.CharField(
        max_length=64, unique=True, editable=False, help_text="SHA-256 of the text."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


def claim_date(prefix: str = "") -> Coalesce:
    """A claim's date for the Insights page: its article's publication date, else its creation.

    The creation day is in UTC (the database connection's time zone).
    `prefix` reaches the claim from another model ("claim__").
    """
    return Coalesce(
        f"{prefix}article__published_on", Cast(f"{prefix}created_at", models.DateField())
    )


class ClaimQuerySet(models.QuerySet):
    def signed_off(self) -> "ClaimQuerySet":
        return self.filter(signed_off_at__isnull=False)

    def awaiting_sign_off(self) -> "ClaimQuerySet":
        # Read off claim_awaiting_sign_off (migration 0012), in the page's order.
        from factcheck.planner import Likely

        verdicts = sorted(VerificationStatus.verdicts())
        return self.filter(Likely(models.Q(signed_off_at__isnull=True)), status__in=verdicts)

    def search(self, text: str) -> "ClaimQuerySet":
        """Claims one of whose texts holds every word, "phrase" and prefix* of `text`."""
        from factcheck import search

        return search.claims(self, text)

    # The Insights figures (factcheck.insights), for this selection of claims.

    def insights(self) -> "insights.Insights":
        """Every figure of the Insights page, in a fixed number of queries."""
        return insights.insights(self)

    def sourcing_profile(self) -> dict[str, int]:
        """Claims and attributions counted by how they are sourced (see insights.profile)."""
        return insights.profile(self)

    def by_source_type(self) -> list["insights.Bar"]:
        """Claims citing each source type; claims with no attribution count as unattributed."""
        return insights.source_types(self, self.count())[0]

    def verdicts_by_source_type(self) -> list["insights.Stack"]:
        """Each source type's claims with a verdict, split by verdict."""
        return insights.source_types(self, self.count())[1]

    def by_intermediary(self) -> list["insights.Bar"]:
        """Claims relayed by each intermediary, the busiest first."""
        return insights.by_intermediary(self, self.count())

    def top_sources(self, limit: int = 10) -> list["insights.Bar"]:
        """The most cited sources, with their false-or-misleading share of signed-off claims."""
        return insights.top_sources(self, self.count(), limit)

    def by_outlet(self) -> list["insights.Stack"]:
        """Claims citing an anonymous source, named ones only, or none, per outlet."""
        return insights.by_outlet(self)

    def anonymous_trend(self) -> list["insights.Stack"]:
        """Per week, claims citing an anonymous source, named ones only, or none."""
        return insights.anonymous_trend(self)


class Claim(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="claims")
    start = models.PositiveIntegerField(help_text="Offset in Unicode code points, inclusive.")
    end = models.PositiveIntegerField(help_text="Offset in Unicode code points, exclusive.")
    text = models.TextField(help_text="Exactly article.text[start:end].")
    status = models.CharField(
        max_length=20, choices=VerificationStatus.choices, default=VerificationStatus.UNVERIFIED
    )
    rationale = models.TextField(blank=True, help_text="Why the verdict is what it is.")
    version = models.PositiveIntegerField(
        default=1, help_text="Raised by every change; a save that names an older one is refused."
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    sign_off_snapshot = models.JSONField(
        null=True,
        blank=True,
        editable=False,
        help_text="What the verdict published at sign-off (factcheck.signoff); cleared on reopen.",
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text="When an editor published the signed-off verdict on its public page; "
        "cleared when it is unpublished or reopened.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Indexed with the id (claim_updated): the queue's default order, ties included.
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["article", "start", "end"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__gte=0) & models.Q(start__lt=models.F("end")),
                name="claim_start_before_end",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=VerificationStatus.values),
                name="claim_status_valid",
            ),
            models.UniqueConstraint(
                fields=["article", "start", "end"], name="claim_span_unique_per_article"
            ),
        ]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="claim_updated"),
            models.Index(fields=["status", "-updated_at"], name="claim_status_updated"),
            models.Index(fields=["assigned_to", "status"], name="claim_assignee_status"),
            models.Index(fields=["proposed_by"], name="claim_proposer"),
            models.Index(fields=["signed_off_at", "status"], name="claim_sign_off"),
            models.Index(
                workflow_step(),
                models.F("updated_at").desc(),
                models.F("id"),
                name="claim_workflow_order",
            ),
        ]
        permissions = [
            ("sign_off_claim", "Can sign off a verdict proposed by someone else"),
            ("reopen_claim", "Can reopen a signed-off claim"),
            ("export_claim", "Can export claims and audit history"),
        ]

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 80 else self.text[:77] + "…"
        return f"#{self.pk} {text}"

    @property
    def is_locked(self) -> bool:
        # The sign-off time, not the signer, marks the lock: a signer's account
        # may be deleted (SET_NULL) without unlocking what they signed.
        return self.signed_off_at is not None


class Source(models.Model):
    name = models.CharField(
        max_length=255,
        help_text='Display name, or a descriptor for an anonymous source: "unnamed senior '
        'Hamas official".',
    )
    source_type = models.ForeignKey(SourceType, on_delete=models.PROTECT, related_name="sources")
    affiliation = models.CharField(max_length=255, blank=True)
    role = models.CharField("role or title", max_length=255, blank=True)
    is_anonymous = models.BooleanField(
        "anonymous", default=False, help_text="The text does not name this source."
    )
    aliases = models.JSONField(
        default=list, blank=True, help_text="Other names this source appears under."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="source_name_unique_ci"),
        ]
        indexes = [models.Index(fields=["source_type", "is_anonymous"], name="source_type_anon")]
        permissions = [("merge_source", "Can merge duplicate sources")]

    def __str__(self) -> str:
        return self.name


class Attribution(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="attributions")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="attributions")
    mention_start = models.PositiveIntegerField(null=True, blank=True)
    mention_end = models.PositiveIntegerField(null=True, blank=True)
    mention_text = models.CharField(
        max_length=1000,
        blank=True,
        help_text='How the text names the source: "a top Hamas official, speaking on condition '
        'of anonymity".',
    )
    cue = models.CharField(
        max_length=200, blank=True, help_text='The reporting verb: "told", "according to".'
    )
    cue_start = models.PositiveIntegerField(null=True, blank=True)
    cue_end = models.PositiveIntegerField(null=True, blank=True)
    quote_mode = models.CharField(
        max_length=20, choices=QuoteMode.choices, default=QuoteMode.PARAPHRASE
    )
    intermediary = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="relayed_attributions",
        help_text='Who relayed it, such as a wire agency: "told AFP".',
    )
    ground_rule = models.CharField(
        max_length=20, choices=GroundRule.choices, blank=True, default=GroundRule.UNSPECIFIED
    )
    anonymity_reason = models.TextField(
        blank=True, help_text="Why anonymity was granted, as the text states it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["claim", "id"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "source"], name="attribution_unique_source"),
            models.CheckConstraint(
                condition=(
                    models.Q(mention_start__isnull=True, mention_end__isnull=True)
                    | models.Q(mention_start__lt=models.F("mention_end"))
                ),
                name="attribution_mention_span_valid",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(cue_start__isnull=True, cue_end__isnull=True)
                    | models.Q(cue_start__lt=models.F("cue_end"))
                ),
                name="attribution_cue_span_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(quote_mode__in=QuoteMode.values),
                name="attribution_quote_mode_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(intermediary=models.F("source")),
                name="attribution_intermediary_not_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} → claim #{self.claim_id}"

    @property
    def lacks_anonymity_reason(self) -> bool:
        """Flag an anonymous attribution that gives no reason for the anonymity."""
        return self.source.is_anonymous and not self.anonymity_reason.strip()


class EvidenceLink(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    url = models.URLField("URL", max_length=2000)
    title = models.CharField(max_length=500, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "id"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "url"], name="evidence_unique_url"),
        ]

    def __str__(self) -> str:
        return self.title or self.url


class Note(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "created_at", "id"]

    def __str__(self) -> str:
        return self.body[:80]


class AuditEvent(models.Model):
    """One entry of the append-only, hash-chained audit history.

    Database triggers refuse UPDATE and DELETE (see `factcheck.audit`); each
    event's hash is an HMAC, keyed with AUDIT_KEY, of its content and the
    previous event's hash, so `manage.py verify_audit` can prove the chain intact.
    """

    created_at = models.DateTimeField(db_index=True)
    # No database constraint: a user may go, their history stays.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150)
    via = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="Where the change came from when not from the pages: “API token fcp_1a2b3c4d”.",
    )
    action = models.CharField(
        max_length=64,
        db_index=True,
        help_text="What was done, as a code: the kind of thing, then what happened to it "
        "(“claim.status_changed”: a claim's status was changed). The activity feed says it in "
        "words.",
    )
    object_type = models.CharField(max_length=32)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    article = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # The claim an event belongs to (its attributions, evidence and notes
    # included), for the claim's timeline and undo. No constraint: deleted
    # claims keep their history.
    claim = models.ForeignKey(
        Claim,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    changes = models.JSONField(default=dict, help_text="{field: [old, new]}")
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(
        max_length=16,
        blank=True,
        default="",
        help_text="Which AUDIT_KEY made the hash (an HMAC); empty for events hashed with plain "
        "SHA-256 before the chain was keyed.",
    )

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["article", "-id"], name="audit_article"),
            models.Index(fields=["claim", "-id"], name="audit_claim"),
            models.Index(fields=["actor", "-id"], name="audit_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} #{self.object_id} by {self.actor_name}"


class SuggestionRunState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class SuggestionState(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    EDITED = "edited", "Edited and accepted"
    REJECTED = "rejected", "Rejected"


# How a suggestion made before the suggester's version was recorded shows its version.
NO_VERSION = "before versions were recorded"


class SuggestionRunQuerySet(models.QuerySet):
    def with_counts(self) -> "SuggestionRunQuerySet":
        """Annotate each run with how many of its suggestions are in each state."""
        return self.annotate(
            **{
                f"{state}_count": models.Count(
                    "suggestions", filter=models.Q(suggestions__state=state)
                )
                for state in SuggestionState.values
            }
        )

    def latest_per_article(self) -> "SuggestionRunQuerySet":
        """Keep only each article's newest run (the one the articles list shows)."""
        newest = SuggestionRun.objects.filter(article=models.OuterRef("article")).order_by(
            "-created_at", "-id"
        )
        return self.filter(pk=models.Subquery(newest.values("pk")[:1]))


class SuggestionRun(models.Model):
    """One pass of the attribution suggester over an article, queued as a background task."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="suggestion_runs")
    state = models.CharField(
        max_length=20, choices=SuggestionRunState.choices, default=SuggestionRunState.QUEUED
    )
    error = models.TextField(blank=True, help_text="Why the run failed.")
    model_name = models.CharField(
        max_length=200, blank=True, help_text="The spaCy pipeline the suggester used."
    )
    model_version = models.CharField(
        max_length=40,
        blank=True,
        help_text="The suggester's version (rules and learnt files) that ran; empty for runs "
        "made before versions were recorded.",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task_id = models.CharField(
        max_length=64, blank=True, help_text="The background task's result id (django.tasks)."
    )
    count = models.PositiveIntegerField(default=0, help_text="Suggestions the run stored.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = SuggestionRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=SuggestionRunState.values),
                name="suggestion_run_state_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["article", "-created_at"], name="suggestion_run_article"),
            models.Index(fields=["state"], name="suggestion_run_by_state"),
        ]

    def __str__(self) -> str:
        return f"Suggestion run #{self.pk} of article #{self.article_id} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in {SuggestionRunState.QUEUED, SuggestionRunState.RUNNING}


class SuggestionQuerySet(models.QuerySet):
    def pending(self) -> "SuggestionQuerySet":
        return self.filter(state=SuggestionState.PENDING)

    def decided(self) -> "SuggestionQuerySet":
        return self.exclude(state=SuggestionState.PENDING)

    def above(self, threshold: float) -> "SuggestionQuerySet":
        return self.filter(confidence__gt=threshold)

    def state_counts(self) -> dict[str, int]:
        """Count the suggestions in each state: {"pending": n, "accepted": n, ...}."""
        counts = dict.fromkeys(SuggestionState.values, 0)
        for row in self.order_by().values("state").annotate(n=models.Count("id")):
            counts[row["state"]] = row["n"]
        return counts

    def by_model_version(self) -> list[dict[str, Any]]:
        """Per suggester version, in one query: how many it made, how many are in each state,
        and the share of the reviewed ones that were kept (accepted as is or edited); the
        newest version (by its first suggestion) first, those made before versions were
        recorded last."""
        rows = (
            self.order_by()
            .values("model_version")
            .annotate(
                made=models.Count("id"),
                first_made=models.Min("created_at"),
                **{
                    state: models.Count("id", filter=models.Q(state=state))
                    for state in SuggestionState.values
                },
            )
        )
        found = []
        for row in rows:
            kept = row[SuggestionState.ACCEPTED] + row[SuggestionState.EDITED]
            reviewed = kept + row[SuggestionState.REJECTED]
            row["version"] = row["model_version"] or NO_VERSION
            row["reviewed"] = reviewed
            row["acceptance"] = kept / reviewed if reviewed else None
            found.append(row)
        found.sort(key=lambda row: (bool(row["model_version"]), row["first_made"]), reverse=True)
        return found

    def precision(self) -> float | None:
        """The share of decided suggestions that reviewers accepted as proposed or edited."""
        counts = self.state_counts()
        decided = sum(counts.values()) - counts[SuggestionState.PENDING]
        if not decided:
            return None
        return (counts[SuggestionState.ACCEPTED] + counts[SuggestionState.EDITED]) / decided


class Suggestion(models.Model):
    """A claim and its attribution as the suggester proposed them, kept apart until decided."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="suggestions")
    run = models.ForeignKey(SuggestionRun, on_delete=models.CASCADE, related_name="suggestions")
    claim_start = models.PositiveIntegerField(help_text="Offset in code points, inclusive.")
    claim_end = models.PositiveIntegerField(help_text="Offset in code points, exclusive.")
    claim_text = models.TextField(help_text="Exactly article.text[claim_start:claim_end].")
    source_text = models.CharField(
        max_length=1000, blank=True, help_text="The source mention as written; empty if none."
    )
    source_start = models.PositiveIntegerField(null=True, blank=True)
    source_end = models.PositiveIntegerField(null=True, blank=True)
    cue = models.CharField(max_length=200, blank=True)
    cue_start = models.PositiveIntegerField(null=True, blank=True)
    cue_end = models.PositiveIntegerField(null=True, blank=True)
    source_type_slug = models.SlugField(max_length=50, help_text="The proposed source type.")
    named = models.BooleanField(default=True, help_text="False for an anonymous source.")
    quote_mode = models.CharField(
        max_length=20, choices=QuoteMode.choices, default=QuoteMode.PARAPHRASE
    )
    via_text = models.CharField(
        max_length=255, blank=True, help_text='The intermediary as written: "AFP".'
    )
    via_start = models.PositiveIntegerField(null=True, blank=True)
    via_end = models.PositiveIntegerField(null=True, blank=True)
    ground_rule = models.CharField(
        max_length=20, choices=GroundRule.choices, blank=True, default=GroundRule.UNSPECIFIED
    )
    anonymity_reason = models.TextField(blank=True)
    canonical_source = models.CharField(
        max_length=255,
        blank=True,
        help_text='The full name the mention refers to ("John Kirby" for "he").',
    )
    confidence = models.FloatField(help_text="0–1; above 0.8 should be safe to accept.")
    model_version = models.CharField(
        max_length=40,
        blank=True,
        help_text="The suggester's version (rules and learnt files) that made it; empty for "
        "suggestions made before versions were recorded.",
    )
    state = models.CharField(
        max_length=20, choices=SuggestionState.choices, default=SuggestionState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    claim = models.ForeignKey(
        Claim,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suggestions",
        help_text="The claim accepting it made (or found).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["article", "claim_start", "claim_end", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(claim_start__lt=models.F("claim_end")),
                name="suggestion_claim_span_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=SuggestionState.values),
                name="suggestion_state_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["article", "state"], name="suggestion_article_state"),
            models.Index(fields=["run", "state"], name="suggestion_run_state"),
        ]

    def __str__(self) -> str:
        text = self.claim_text if len(self.claim_text) <= 60 else self.claim_text[:59] + "…"
        return f"Suggestion #{self.pk} {text}"

    @property
    def span_key(self) -> tuple[int, int, int | None, int | None]:
        """What makes two suggestions the same: the claim span and the source span."""
        return (self.claim_start, self.claim_end, self.source_start, self.source_end)


# Imported last: the Insights figures build on the models above (ClaimQuerySet calls them).
from factcheck import insights  # noqa: E402


class CheckpointRecord(models.Model):
    """That a checkpoint of the audit chain was written to the checkpoint store.

    Append-only like the audit table (`factcheck.audit.APPEND_ONLY_TABLES`): once
    the chain has been checkpointed, verification finds a store that is missing,
    emptied, shortened or put back from an older copy by the checkpoints recorded
    here that it lacks (`factcheck.checkpoints`).
    """

    number = models.PositiveIntegerField(unique=True, help_text="1 for the first checkpoint.")
    written_at = models.DateTimeField()
    last_id = models.BigIntegerField(
        null=True, help_text="The audit event that was the chain's head, none for an empty chain."
    )
    count = models.PositiveBigIntegerField(help_text="How many events the chain held.")
    mac = models.CharField(
        max_length=64, unique=True, help_text="The checkpoint's signature, as in the store."
    )

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Checkpoint {self.number} ({self.written_at:%Y-%m-%d %H:%M})"


class ApiScope(models.TextChoices):
    """What a personal access token may do, beyond what its owner's role allows."""

    READ = "read", "Read"
    WRITE = "write", "Write"
    SIGN_OFF = "sign_off", "Sign off"


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        """Tokens that authenticate now: neither revoked nor expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A personal access token for the API; the secret is shown once and only its digest kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for, in its owner's words")
    prefix = models.CharField(
        max_length=16,
        unique=True,
        help_text="The token's first characters, to tell tokens apart; never enough to use it",
    )
    digest = models.CharField(
        max_length=64, unique=True, help_text="SHA-256 of the whole token, in hexadecimal."
    )
    scopes = models.JSONField(default=list, help_text="Codes of ApiScope: read, write, sign_off.")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(help_text="After this the token is refused.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


class WebhookEventType(models.TextChoices):
    """What a subscriber can be told of, each named after the audit actions it stands for."""

    ARTICLE_IMPORTED = "article.imported", "An article was imported"
    SUGGESTIONS_READY = "suggestions.ready", "The suggester read an article"
    CLAIM_CREATED = "claim.created", "A claim was marked"
    CLAIM_STATUS_CHANGED = "claim.status_changed", "A claim's status changed"
    VERDICT_PROPOSED = "verdict.proposed", "A verdict was proposed"
    VERDICT_SIGNED_OFF = "verdict.signed_off", "A verdict was signed off"
    VERDICT_REOPENED = "verdict.reopened", "A signed-off claim was reopened"
    VERDICT_PUBLISHED = "verdict.published", "A verdict was published"


class WebhookSubscription(models.Model):
    """A URL told of chosen events, each delivery signed as Standard Webhooks says."""

    url = models.URLField("URL", max_length=2000, help_text="Where events are POSTed (https).")
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="Codes of WebhookEventType.")
    secret = models.CharField(
        max_length=100, help_text="The signing secret (whsec_…), shown to the editor who made it."
    )
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    failures = models.PositiveIntegerField(
        default=0, help_text="Deliveries failed in a row; reset by one that succeeds."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.description or self.url


class WebhookDeliveryState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed for good"


class WebhookDelivery(models.Model):
    """One event sent (or to send) to one subscription, with what the receiver answered."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    message_id = models.CharField(max_length=40, unique=True)
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    state = models.CharField(
        max_length=10, choices=WebhookDeliveryState.choices, default=WebhookDeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_answer = models.CharField(max_length=500, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_type} to {self.subscription_id} ({self.state})"
