import pytest
from django.urls import reverse

from factcheck import services
from factcheck.models import (
    Article,
    Attribution,
    AuditEvent,
    Claim,
    EvidenceLink,
    Note,
    Source,
    SourceType,
    VerificationStatus,
)
from tests import factories


def events(**filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


def only_new_event(before: int) -> AuditEvent:
    new = list(AuditEvent.objects.filter(id__gt=before).order_by("id"))
    assert len(new) == 1, [e.action for e in new]
    return new[0]


def last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


# --- Articles -------------------------------------------------------------


def test_article_create_writes_article_and_event(reviewer, seed_text):
    before = last_id()

    article = services.article_create(
        actor=reviewer, title="", text=seed_text, outlet="Daily Sabah"
    )

    assert article.title == "Netanyahu obstructing Gaza cease-fire negotiations: Hamas"
    assert article.text == seed_text
    event = only_new_event(before)
    assert event.action == "article.created"
    assert event.actor == reviewer
    assert event.actor_name == "rita"
    assert event.article_id == article.pk
    assert event.changes["outlet"] == [None, "Daily Sabah"]
    assert event.changes["content_hash"] == [None, article.content_hash]


def test_article_create_refuses_same_text_twice(reviewer, seed_text):
    first = services.article_create(actor=reviewer, title="A", text=seed_text)
    before = last_id()

    with pytest.raises(services.DuplicateArticle) as refused:
        services.article_create(actor=reviewer, title="B", text=seed_text + "\n\n")

    assert refused.value.existing == first
    assert Article.objects.count() == 1
    assert last_id() == before


def test_article_create_refuses_empty_text(reviewer):
    before = last_id()

    with pytest.raises(services.DomainError, match="empty"):
        services.article_create(actor=reviewer, title="Nothing", text=" \n\t ")

    assert not Article.objects.exists()
    assert last_id() == before


def test_article_update_records_old_and_new(reviewer, article):
    before = last_id()

    services.article_update(actor=reviewer, article=article, outlet="AP", reason="typo")

    event = only_new_event(before)
    assert event.action == "article.changed"
    assert event.changes == {"outlet": ["", "AP"]}
    assert event.reason == "typo"


def test_article_update_that_changes_nothing_writes_nothing(reviewer, article):
    before = last_id()

    services.article_update(actor=reviewer, article=article, title=article.title, outlet="")

    assert last_id() == before


def test_article_text_is_frozen_once_it_has_claims(reviewer, claim):
    article = claim.article
    before = last_id()

    with pytest.raises(services.DomainError, match="claims point into it"):
        services.article_update(actor=reviewer, article=article, text="Something else entirely")

    article.refresh_from_db()
    assert article.text.startswith("Story")
    assert last_id() == before


def test_article_text_may_change_without_claims(reviewer, article):
    old_hash = article.content_hash

    services.article_update(actor=reviewer, article=article, text="A new body")

    article.refresh_from_db()
    assert article.text == "A new body"
    assert AuditEvent.objects.get(action="article.changed").changes == {
        "content_hash": [old_hash, article.content_hash]
    }


def test_article_delete_records_and_removes_claims(editor, claim):
    article = claim.article

    services.article_delete(actor=editor, article=article, reason="duplicate upload")

    assert not Article.objects.exists()
    assert not Claim.objects.exists()
    event = AuditEvent.objects.get(action="article.deleted")
    assert event.changes["claims"] == [1, 0]
    assert event.reason == "duplicate upload"


# --- Claims ---------------------------------------------------------------


def test_claim_create_from_seed_offsets(reviewer, seed_text):
    article = services.article_create(actor=reviewer, title="", text=seed_text)
    before = last_id()

    claim = services.claim_create(
        actor=reviewer,
        article=article,
        start=206,
        end=298,
        text="Israel's Prime Minister Benjamin Netanyahu is obstructing the ongoing "
        "cease-fire discussions",
    )

    assert claim.text == seed_text[206:298]
    assert claim.status == VerificationStatus.UNVERIFIED
    assert claim.version == 1
    event = only_new_event(before)
    assert event.action == "claim.created"
    assert event.object_id == str(claim.pk)
    assert event.article_id == article.pk
    assert event.changes["start"] == [None, 206]
    assert event.changes["text"] == [None, claim.text]


def test_claim_whose_text_does_not_match_its_offsets_is_refused(reviewer, seed_text):
    article = services.article_create(actor=reviewer, title="", text=seed_text)
    before = last_id()

    with pytest.raises(services.DomainError) as refused:
        services.claim_create(
            actor=reviewer, article=article, start=206, end=298, text="Netanyahu is obstructing"
        )

    assert "does not match the article at 206–298" in refused.value.message
    assert "Israel's Prime Minister" in refused.value.message
    assert not Claim.objects.exists()
    assert last_id() == before


@pytest.mark.parametrize(
    ("start", "end"),
    [(-1, 5), (5, 5), (10, 3), (0, 100_000), ("0", "5"), (None, 4), (1.0, 4)],
)
def test_claim_offsets_outside_the_text_are_refused(reviewer, article, start, end):
    before = last_id()

    with pytest.raises(services.DomainError):
        services.claim_create(actor=reviewer, article=article, start=start, end=end)

    assert not Claim.objects.exists()
    assert last_id() == before


def test_claim_offsets_count_code_points_not_utf16_units(reviewer):
    text = "Title\n\nThe minister 👩🏽‍⚕️ said: «ستستمر المفاوضات» and שלום, café naïve."
    article = services.article_create(actor=reviewer, title="Mixed", text=text)
    phrase = "«ستستمر المفاوضات» and שלום"
    start = text.index(phrase)

    claim = services.claim_create(
        actor=reviewer, article=article, start=start, end=start + len(phrase), text=phrase
    )

    assert claim.text == phrase
    assert Claim.objects.get().text == article.text[claim.start : claim.end]


def test_overlapping_and_nested_claims_are_allowed_but_not_identical_spans(reviewer, article):
    outer = factories.make_claim(article=article, phrase="The ministry said on Monday")
    inner = factories.make_claim(article=article, phrase="ministry said")

    with pytest.raises(services.DomainError, match="already covers exactly this span"):
        factories.make_claim(article=article, phrase="ministry said")

    assert inner.start > outer.start and inner.end < outer.end
    assert Claim.objects.count() == 2


def test_claim_update_with_stale_version_is_refused(reviewer, claim):
    services.claim_update(
        actor=reviewer, claim=claim, expected_version=1, rationale="First reviewer's note"
    )
    before = last_id()

    with pytest.raises(services.Conflict) as refused:
        services.claim_update(
            actor=reviewer, claim=claim, expected_version=1, rationale="Second, stale"
        )

    assert refused.value.current.rationale == "First reviewer's note"
    assert refused.value.current.version == 2
    claim.refresh_from_db()
    assert claim.rationale == "First reviewer's note"
    assert last_id() == before


def test_claim_update_records_old_and_new_and_bumps_version(reviewer, claim):
    before = last_id()

    updated = services.claim_update(
        actor=reviewer, claim=claim, expected_version=1, rationale="Figures match the report."
    )

    assert updated.version == 2
    event = only_new_event(before)
    assert event.action == "claim.changed"
    assert event.changes == {"rationale": ["", "Figures match the report."]}


def test_claim_update_that_changes_nothing_writes_nothing(reviewer, claim):
    before = last_id()

    services.claim_update(actor=reviewer, claim=claim, rationale="", start=claim.start)

    claim.refresh_from_db()
    assert claim.version == 1
    assert last_id() == before


def test_claim_status_change_is_audited(reviewer, claim):
    before = last_id()

    services.claim_set_status(
        actor=reviewer, claim=claim, status="in_progress", expected_version=1, reason="on it"
    )

    event = only_new_event(before)
    assert event.action == "claim.status_changed"
    assert event.changes == {"status": ["unverified", "in_progress"]}
    assert event.reason == "on it"
    assert Claim.objects.get().status == "in_progress"


def test_status_cannot_jump_from_unverified_to_a_verdict(reviewer, claim):
    before = last_id()

    with pytest.raises(services.DomainError, match="cannot go from unverified to false"):
        services.claim_set_status(actor=reviewer, claim=claim, status="false")

    assert Claim.objects.get().status == "unverified"
    assert last_id() == before


def test_unknown_status_is_refused(reviewer, claim):
    with pytest.raises(services.DomainError, match="not a verification status"):
        services.claim_set_status(actor=reviewer, claim=claim, status="probably")


def test_verdict_needs_rationale_and_evidence(reviewer, claim):
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")

    with pytest.raises(services.DomainError, match="rationale"):
        services.claim_set_status(actor=reviewer, claim=claim, status="false")
    services.claim_update(actor=reviewer, claim=claim, rationale="The report says otherwise.")
    with pytest.raises(services.DomainError, match="evidence link"):
        services.claim_set_status(actor=reviewer, claim=claim, status="false")
    services.evidence_add(actor=reviewer, claim=claim, url="https://example.org/report")
    proposed = services.claim_set_status(actor=reviewer, claim=claim, status="false")

    assert proposed.status == "false"
    assert proposed.proposed_by == reviewer
    event = AuditEvent.objects.get(action="verdict.proposed")
    assert event.changes["status"] == ["in_progress", "false"]
    assert event.changes["proposed_by"] == [None, {"id": reviewer.pk, "name": "rita"}]


def test_unverifiable_needs_a_rationale_but_no_evidence(reviewer, claim):
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_update(actor=reviewer, claim=claim, rationale="No record exists either way.")

    claim = services.claim_set_status(actor=reviewer, claim=claim, status="unverifiable")

    assert claim.status == "unverifiable"


def test_claim_delete_is_audited(reviewer, claim):
    before = last_id()

    services.claim_delete(actor=reviewer, claim=claim, reason="not a claim")

    event = only_new_event(before)
    assert event.action == "claim.deleted"
    assert event.changes["text"] == [claim.text, None]
    assert not Claim.objects.exists()


# --- Attributions ---------------------------------------------------------


@pytest.fixture
def seeded(reviewer, seed_text):
    """The seed article with the anonymous-official claim of the annotation file."""
    article = services.article_create(actor=reviewer, title="", text=seed_text)
    claim = services.claim_create(actor=reviewer, article=article, start=820, end=931)
    official = factories.make_source(
        "Unnamed senior Hamas official", type_slug="anonymous_official", affiliation="Hamas"
    )
    afp = factories.make_source("AFP", type_slug="news_agency")
    return claim, official, afp


def test_attribution_add_records_mention_cue_relay(reviewer, seeded):
    claim, official, afp = seeded
    before = last_id()

    attribution = services.attribution_add(
        actor=reviewer,
        claim=claim,
        source=official,
        mention_start=748,
        mention_end=804,
        cue="told",
        cue_start=806,
        cue_end=810,
        quote_mode="mixed",
        intermediary=afp,
        expected_version=1,
    )

    assert attribution.mention_text == "A top Hamas official, speaking on condition of anonymity"
    assert attribution.lacks_anonymity_reason
    claim.refresh_from_db()
    assert claim.version == 2
    event = only_new_event(before)
    assert event.action == "attribution.added"
    assert event.article_id == claim.article_id
    assert event.changes["intermediary"] == [None, {"id": afp.pk, "name": "AFP"}]
    assert event.changes["quote_mode"] == [None, "mixed"]
    assert event.changes["cue"] == [None, "told"]


def test_attribution_mention_not_matching_the_text_is_refused(reviewer, seeded):
    claim, official, _ = seeded
    before = last_id()

    with pytest.raises(services.DomainError, match="mention text does not match"):
        services.attribution_add(
            actor=reviewer,
            claim=claim,
            source=official,
            mention_start=748,
            mention_end=804,
            mention_text="A Hamas official",
        )

    assert not Attribution.objects.exists()
    assert last_id() == before


def test_attribution_source_cannot_relay_itself(reviewer, seeded):
    claim, official, _ = seeded

    with pytest.raises(services.DomainError, match="relay its own"):
        services.attribution_add(
            actor=reviewer, claim=claim, source=official, intermediary=official
        )

    assert not Attribution.objects.exists()


def test_attribution_to_the_same_source_twice_is_refused(reviewer, seeded):
    claim, official, _ = seeded
    services.attribution_add(actor=reviewer, claim=claim, source=official)

    with pytest.raises(services.DomainError, match="already attributed"):
        services.attribution_add(actor=reviewer, claim=claim, source=official)

    assert Attribution.objects.count() == 1


def test_attribution_update_records_old_and_new(reviewer, seeded):
    claim, official, _afp = seeded
    attribution = services.attribution_add(actor=reviewer, claim=claim, source=official)
    before = last_id()

    services.attribution_update(
        actor=reviewer,
        attribution=attribution,
        expected_version=2,
        ground_rule="background",
        anonymity_reason="not authorised to speak to the media",
    )

    event = only_new_event(before)
    assert event.action == "attribution.changed"
    assert event.changes == {
        "ground_rule": ["", "background"],
        "anonymity_reason": ["", "not authorised to speak to the media"],
    }
    attribution.refresh_from_db()
    assert not attribution.lacks_anonymity_reason


def test_attribution_update_with_stale_version_is_refused(reviewer, seeded):
    claim, official, _ = seeded
    attribution = services.attribution_add(actor=reviewer, claim=claim, source=official)

    with pytest.raises(services.Conflict):
        services.attribution_update(
            actor=reviewer, attribution=attribution, expected_version=1, cue="said"
        )

    attribution.refresh_from_db()
    assert attribution.cue == ""


def test_attribution_update_that_changes_nothing_writes_nothing(reviewer, seeded):
    claim, official, _ = seeded
    attribution = services.attribution_add(actor=reviewer, claim=claim, source=official)
    before = last_id()

    services.attribution_update(
        actor=reviewer, attribution=attribution, source=official, quote_mode="paraphrase"
    )

    assert last_id() == before


def test_attribution_remove_is_audited(reviewer, seeded):
    claim, official, _ = seeded
    attribution = services.attribution_add(actor=reviewer, claim=claim, source=official)
    before = last_id()

    services.attribution_remove(actor=reviewer, attribution=attribution, reason="wrong source")

    event = only_new_event(before)
    assert event.action == "attribution.removed"
    assert event.changes["source"] == [{"id": official.pk, "name": official.name}, None]
    assert not Attribution.objects.exists()


# --- Sources --------------------------------------------------------------


def test_source_create_defaults_anonymity_from_type(reviewer):
    source = services.source_create(
        actor=reviewer,
        name="  Unnamed   Hamas source ",
        source_type=factories.source_type("anonymous_official"),
        aliases=["a Hamas source", "A HAMAS SOURCE", ""],
    )

    assert source.name == "Unnamed Hamas source"
    assert source.is_anonymous
    assert source.aliases == ["a Hamas source"]
    event = AuditEvent.objects.get(action="source.created")
    assert event.changes["source_type"] == [
        None,
        {"id": source.source_type_id, "name": "Anonymous official"},
    ]


def test_source_names_are_unique_ignoring_case(reviewer):
    factories.make_source("John Kirby", type_slug="named_spokesperson")

    with pytest.raises(services.DomainError, match="already has a source named “John Kirby”"):
        factories.make_source("john kirby", type_slug="named_spokesperson")

    assert Source.objects.count() == 1


def test_source_update_records_old_and_new(editor):
    source = factories.make_source("Kirby", type_slug="named_spokesperson")
    before = last_id()

    services.source_update(
        actor=editor, source=source, name="John Kirby", aliases=["Kirby"], role="spokesperson"
    )

    event = only_new_event(before)
    assert event.changes == {
        "name": ["Kirby", "John Kirby"],
        "role": ["", "spokesperson"],
        "aliases": [[], ["Kirby"]],
    }


def test_source_in_use_cannot_be_deleted(editor, seeded):
    claim, official, _ = seeded
    services.attribution_add(actor=editor, claim=claim, source=official)

    with pytest.raises(services.DomainError, match="merge it into another source"):
        services.source_delete(actor=editor, source=official)

    assert Source.objects.filter(pk=official.pk).exists()


def test_source_merge_moves_attributions_and_names(editor, seeded):
    claim, official, afp = seeded
    duplicate = factories.make_source("Top Hamas official", type_slug="anonymous_official")
    services.attribution_add(actor=editor, claim=claim, source=duplicate, intermediary=afp)

    merged = services.source_merge(actor=editor, source=duplicate, into=official, reason="same")

    assert merged.aliases == ["Top Hamas official"]
    assert Attribution.objects.get().source == official
    assert not Source.objects.filter(pk=duplicate.pk).exists()
    event = AuditEvent.objects.get(action="source.merged")
    assert event.object_id == str(official.pk)
    assert event.changes["merged_from"] == [None, {"id": duplicate.pk, "name": duplicate.name}]
    assert AuditEvent.objects.filter(action="source.deleted", object_id=duplicate.pk).exists()


def test_source_type_is_editable_and_audited(editor):
    ministry = SourceType.objects.get(slug="ministry")

    services.source_type_update(actor=editor, source_type=ministry, name="Ministry / agency")

    event = AuditEvent.objects.get(action="source_type.changed")
    assert event.changes == {"name": ["Ministry", "Ministry / agency"]}


def test_source_type_in_use_cannot_be_deleted(editor):
    factories.make_source("Gaza Health Ministry", type_slug="ministry")

    with pytest.raises(services.DomainError, match="give them another type"):
        services.source_type_delete(
            actor=editor, source_type=SourceType.objects.get(slug="ministry")
        )

    assert SourceType.objects.filter(slug="ministry").exists()


# --- Evidence and notes ---------------------------------------------------


@pytest.mark.parametrize(
    "url", ["", "not a url", "ftp://example.org/file", "javascript:alert(1)", "example.org"]
)
def test_evidence_must_be_an_http_link(reviewer, claim, url):
    with pytest.raises(services.DomainError, match="http:// or https://"):
        services.evidence_add(actor=reviewer, claim=claim, url=url)

    assert not EvidenceLink.objects.exists()
    assert not AuditEvent.objects.filter(action="evidence.added").exists()


def test_evidence_add_and_remove_are_audited(reviewer, claim):
    link = services.evidence_add(
        actor=reviewer, claim=claim, url="https://www.un.org/report", title="UN report"
    )
    services.evidence_remove(actor=reviewer, link=link, reason="dead link")

    added, removed = events(action__startswith="evidence.")
    assert added.changes == {
        "evidence": [None, {"url": "https://www.un.org/report", "title": "UN report"}]
    }
    assert removed.changes == {
        "evidence": [{"url": "https://www.un.org/report", "title": "UN report"}, None]
    }
    assert removed.reason == "dead link"
    claim.refresh_from_db()
    assert claim.version == 3


def test_note_add_and_delete_are_audited(reviewer, claim):
    note = services.note_add(actor=reviewer, claim=claim, body="  Called the ministry.  ")
    services.note_delete(actor=reviewer, note=note)

    added, deleted = events(action__startswith="note.")
    assert added.changes["body"] == [None, "Called the ministry."]
    assert deleted.changes["body"] == ["Called the ministry.", None]
    assert not Note.objects.exists()


def test_empty_note_is_refused(reviewer, claim):
    with pytest.raises(services.DomainError, match="cannot be empty"):
        services.note_add(actor=reviewer, claim=claim, body="   ")

    assert not Note.objects.exists()


# --- Permissions ----------------------------------------------------------


def test_viewer_cannot_change_anything(viewer, claim):
    before = last_id()

    with pytest.raises(services.NotAllowed):
        services.claim_set_status(actor=viewer, claim=claim, status="in_progress")
    with pytest.raises(services.NotAllowed):
        services.article_create(actor=viewer, title="x", text="Some text")
    with pytest.raises(services.NotAllowed):
        services.note_add(actor=viewer, claim=claim, body="hi")

    assert Claim.objects.get().status == "unverified"
    assert last_id() == before


def test_reviewer_cannot_merge_sources_or_edit_source_types(reviewer):
    a = factories.make_source("A")
    b = factories.make_source("B")

    with pytest.raises(services.NotAllowed):
        services.source_merge(actor=reviewer, source=a, into=b)
    with pytest.raises(services.NotAllowed):
        services.source_type_update(actor=reviewer, source_type=a.source_type, name="Something")

    assert Source.objects.count() == 2


# --- Undo -----------------------------------------------------------------


def test_undo_reverts_own_status_change_and_is_audited(reviewer, claim):
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    change = AuditEvent.objects.order_by("-id").first()

    undone = services.claim_undo(actor=reviewer, claim=claim, expected_version=2)

    assert undone.status == "unverified"
    assert undone.version == 3
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "claim.status_changed"
    assert event.changes == {"status": ["in_progress", "unverified"]}
    assert event.reason == f"Undo of event #{change.pk}"


def test_undo_reverts_attribution_add_and_remove(reviewer, seeded):
    claim, official, afp = seeded
    services.attribution_add(
        actor=reviewer, claim=claim, source=official, cue="told", intermediary=afp
    )
    attribution = Attribution.objects.get()
    services.attribution_remove(actor=reviewer, attribution=attribution)

    services.claim_undo(actor=reviewer, claim=claim)

    restored = Attribution.objects.get()
    assert (restored.source, restored.cue, restored.intermediary) == (official, "told", afp)
    services.claim_undo(actor=reviewer, claim=claim)
    assert not Attribution.objects.exists()


def test_undo_reverts_an_attribution_edit(reviewer, seeded):
    claim, official, _ = seeded
    attribution = services.attribution_add(actor=reviewer, claim=claim, source=official)
    services.attribution_update(actor=reviewer, attribution=attribution, cue="said")

    services.claim_undo(actor=reviewer, claim=claim)

    attribution.refresh_from_db()
    assert attribution.cue == ""


def test_undo_of_claim_creation_deletes_the_claim(reviewer, article):
    claim = factories.make_claim(article=article, actor=reviewer)

    result = services.claim_undo(actor=reviewer, claim=claim)

    assert result is None
    assert not Claim.objects.exists()
    assert AuditEvent.objects.order_by("-id").first().action == "claim.deleted"


def test_undo_is_refused_after_someone_else_changed_the_claim(reviewer, editor, claim):
    services.claim_update(actor=reviewer, claim=claim, rationale="mine")
    services.claim_update(actor=editor, claim=claim, rationale="theirs")
    before = last_id()

    with pytest.raises(services.DomainError, match="nothing of yours to undo"):
        services.claim_undo(actor=reviewer, claim=claim)

    claim.refresh_from_db()
    assert claim.rationale == "theirs"
    assert last_id() == before


def test_undo_with_a_stale_version_is_refused(reviewer, claim):
    services.claim_update(actor=reviewer, claim=claim, rationale="mine")

    with pytest.raises(services.Conflict):
        services.claim_undo(actor=reviewer, claim=claim, expected_version=1)

    claim.refresh_from_db()
    assert claim.rationale == "mine"


def test_editing_a_cue_taken_from_the_text_types_it_anew(reviewer, seeded):
    claim, official, _ = seeded
    attribution = services.attribution_add(
        actor=reviewer, claim=claim, source=official, cue="told", cue_start=806, cue_end=810
    )
    before = last_id()

    services.attribution_update(actor=reviewer, attribution=attribution, cue="said")

    attribution.refresh_from_db()
    assert (attribution.cue, attribution.cue_start, attribution.cue_end) == ("said", None, None)
    assert only_new_event(before).changes == {
        "cue": ["told", "said"],
        "cue_start": [806, None],
        "cue_end": [810, None],
    }


def test_article_delete_records_each_claim(editor, claim):
    services.article_delete(actor=editor, article=claim.article)

    event = AuditEvent.objects.get(action="claim.deleted")
    assert event.claim_id == claim.pk
    assert event.changes["text"] == [claim.text, None]


def test_source_merge_records_on_each_claim_and_bumps_versions(editor, seeded):
    claim, official, afp = seeded
    duplicate = factories.make_source("Top Hamas official", type_slug="anonymous_official")
    services.attribution_add(actor=editor, claim=claim, source=duplicate, intermediary=afp)
    version = Claim.objects.get(pk=claim.pk).version

    services.source_merge(actor=editor, source=duplicate, into=official)

    event = AuditEvent.objects.filter(claim_id=claim.pk).order_by("-id").first()
    assert event.action == "attribution.changed"
    assert event.changes["source"] == [
        {"id": duplicate.pk, "name": duplicate.name},
        {"id": official.pk, "name": official.name},
    ]
    assert Claim.objects.get(pk=claim.pk).version == version + 1


def test_source_merge_is_refused_for_signed_off_claims(reviewer, editor, seeded):
    claim, official, _ = seeded
    duplicate = factories.make_source("Top Hamas official", type_slug="anonymous_official")
    services.attribution_add(actor=None, claim=claim, source=duplicate)
    services.claim_update(actor=None, claim=claim, rationale="Denied by mediators.")
    services.evidence_add(actor=None, claim=claim, url="https://example.org/statement")
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_set_status(actor=reviewer, claim=claim, status="false")
    services.verdict_sign_off(actor=editor, claim=claim)
    before = last_id()

    with pytest.raises(services.DomainError, match="signed-off claims"):
        services.source_merge(actor=editor, source=duplicate, into=official)

    assert Attribution.objects.get(claim=claim).source == duplicate
    assert last_id() == before


# --- Guards that a regression could drop ----------------------------------


def test_a_note_of_someone_else_is_deleted_only_with_the_permission(reviewer, editor, claim):
    author = factories.make_user("Reviewer", username="author")
    note = services.note_add(actor=author, claim=claim, body="Called the ministry.")
    before = last_id()

    with pytest.raises(services.NotAllowed):
        services.note_delete(actor=reviewer, note=note)

    assert Note.objects.filter(pk=note.pk).exists()
    assert last_id() == before
    services.note_delete(actor=editor, note=note)
    assert not Note.objects.filter(pk=note.pk).exists()
    assert only_new_event(before).actor == editor


def test_an_article_with_a_signed_off_claim_cannot_be_deleted(reviewer, editor, claim):
    services.claim_update(actor=reviewer, claim=claim, rationale="No such record exists.")
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_set_status(actor=reviewer, claim=claim, status="unverifiable")
    services.verdict_sign_off(actor=editor, claim=claim)
    before = last_id()

    with pytest.raises(services.DomainError, match="signed-off claims"):
        services.article_delete(actor=editor, article=claim.article)

    assert Article.objects.filter(pk=claim.article_id).exists()
    assert Claim.objects.get(pk=claim.pk).signed_off_by == editor
    assert last_id() == before


def test_source_merge_drops_an_attribution_the_claim_already_has(editor, seeded):
    claim, official, _ = seeded
    duplicate = factories.make_source("Top Hamas official", type_slug="anonymous_official")
    kept = services.attribution_add(actor=editor, claim=claim, source=official, cue="told")
    dropped = services.attribution_add(actor=editor, claim=claim, source=duplicate, cue="said")

    services.source_merge(actor=editor, source=duplicate, into=official)

    assert list(Attribution.objects.filter(claim=claim).values_list("pk", "cue")) == [
        (kept.pk, "told")
    ]
    removed = AuditEvent.objects.get(action="attribution.removed")
    assert (removed.object_id, removed.claim_id) == (str(dropped.pk), claim.pk)
    assert "already attributed" in removed.reason
    merged = AuditEvent.objects.get(action="source.merged")
    assert merged.changes["duplicate_attributions_removed"] == [None, [dropped.pk]]
    assert merged.changes["attributions_moved"] == [None, []]
    assert not Source.objects.filter(pk=duplicate.pk).exists()


@pytest.mark.parametrize("bad", ["\x00", "\ud800"], ids=["nul", "surrogate"])
@pytest.mark.parametrize("field", ["title", "text"])
def test_article_create_refuses_text_no_database_keeps_alike(db, bad, field):
    values = {"title": "A title", "text": "Body of the story."}
    values[field] = values[field] + bad

    with pytest.raises(services.DomainError, match=field):
        services.article_create(actor=None, **values)

    assert not Article.objects.exists()


def test_a_source_type_code_starting_with_a_dash_is_refused(editor):
    # Django's slug validator allows a leading "-"; the claims CSV would then
    # carry a cell a spreadsheet reads as a formula.
    before = AuditEvent.objects.count()

    with pytest.raises(services.DomainError, match="must start with a letter or a digit") as error:
        services.source_type_create(actor=editor, name="Command", slug="-cmd")

    assert error.value.field == "slug"
    assert not SourceType.objects.filter(name="Command").exists()
    assert AuditEvent.objects.count() == before


def test_renaming_a_source_type_code_to_start_with_a_dash_is_refused(editor):
    ministry = factories.source_type("ministry")

    with pytest.raises(services.DomainError, match="must start with a letter or a digit"):
        services.source_type_update(actor=editor, source_type=ministry, slug="-ministry")

    assert SourceType.objects.get(pk=ministry.pk).slug == "ministry"


def test_the_admin_shows_why_a_source_type_code_is_refused(admin_client):
    response = admin_client.post(
        reverse("admin:factcheck_sourcetype_add"),
        {"slug": "-cmd", "name": "Command", "description": "", "position": 0},
    )

    assert response.status_code == 200
    assert "must start with a letter or a digit" in response.content.decode()
    assert not SourceType.objects.filter(slug="-cmd").exists()
