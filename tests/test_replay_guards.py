"""What the replay reports, word for word where a person acts on it, and the histories it
must read without tripping: each test kills a mutant of factcheck/replay.py that survived."""

import datetime

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from factcheck import replay, services
from factcheck.models import Attribution, AuditEvent, Claim, SourceType
from tests import factories


def raw_sql(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def reports() -> list[str]:
    return [str(disagreement) for disagreement in replay.replay()]


def test_a_seeded_source_type_deleted_through_the_workbench_replays_clean(editor):
    # No event made the seeded types: deleting one is the first the history hears of it.
    seeded = SourceType.objects.filter(sources__isnull=True).exclude(slug="unattributed").first()

    services.source_type_delete(actor=editor, source_type=seeded)

    assert replay.replay() == []


def test_an_account_made_before_the_history_and_deleted_replays_clean(db):
    early = get_user_model().objects.create_user("early", password="pw-for-tests-123")

    services.account_delete(actor=None, user=early)

    assert replay.replay() == []


def test_an_account_recorded_as_it_stood_is_followed_from_then_on(db):
    early = get_user_model().objects.create_user("early", password="pw-for-tests-123")
    services.accounts_record_existing()

    get_user_model().objects.filter(pk=early.pk).update(is_staff=True)

    assert reports() == [
        f"Account #{early.pk}: “early”: is_staff is True in the table, but the history says "
        "False (changed behind the history's back)"
    ]


def test_a_deleted_account_put_back_names_the_event_that_deleted_it(reviewer):
    pk = reviewer.pk
    services.account_delete(actor=None, user=reviewer)
    deleted_by = AuditEvent.objects.order_by("-id").first().id

    get_user_model().objects.create_user("rita", password="pw-for-tests-123", id=pk)

    assert reports() == [
        f"Account #{pk}: “rita”: deleted by audit event #{deleted_by}, yet still in "
        "the table (restored behind the history's back)"
    ]


def test_a_deleted_note_put_back_and_a_vanished_one_name_their_events(reviewer):
    claim = factories.make_claim(actor=reviewer)
    gone = services.note_add(actor=reviewer, claim=claim, body="Call the ministry")
    kept = services.note_add(actor=reviewer, claim=claim, body="Ask for the report")
    made_by = AuditEvent.objects.order_by("-id").first().id
    gone_pk = gone.pk
    services.note_delete(actor=reviewer, note=gone)
    deleted_by = AuditEvent.objects.order_by("-id").first().id

    raw_sql(
        "INSERT INTO factcheck_note (id, claim_id, body, author_id, created_at) "
        "SELECT %s, claim_id, 'Call the ministry', author_id, created_at FROM factcheck_note "
        "WHERE id = %s",
        [gone_pk, kept.pk],
    )
    raw_sql("DELETE FROM factcheck_note WHERE id = %s", [kept.pk])

    assert sorted(reports()) == [
        f"Note #{gone_pk}: deleted by audit event #{deleted_by}, yet still in the table "
        "(restored behind the history's back)",
        f"Note #{kept.pk}: created by audit event #{made_by} and never deleted in the history, "
        "but missing from the table (deleted behind the history's back)",
    ]


def test_a_vanished_attribution_names_the_event_that_added_it(reviewer):
    claim = factories.make_claim(actor=reviewer)
    source = factories.make_source("Ministry of Health", actor=reviewer)
    attribution = services.attribution_add(actor=reviewer, claim=claim, source=source)
    added_by = AuditEvent.objects.order_by("-id").first().id

    Attribution.objects.filter(pk=attribution.pk).delete()

    assert reports() == [
        f"Attribution #{attribution.pk}: on claim #{claim.pk}, added by audit event "
        f"#{added_by} and never removed in the history, is missing from the table (deleted "
        "behind the history's back)"
    ]


def test_a_field_only_some_events_carry_is_compared_once_one_has(reviewer, editor):
    claim = factories.make_claim(actor=reviewer)
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_update(actor=reviewer, claim=claim, rationale="The report says otherwise.")
    services.evidence_add(
        actor=reviewer, claim=claim, url="https://example.org/report", title="Report"
    )
    services.claim_set_status(actor=reviewer, claim=claim, status="false")
    services.verdict_sign_off(actor=editor, claim=claim)

    Claim.objects.filter(pk=claim.pk).update(sign_off_snapshot={"status": "verified"})

    assert {(d.pk, d.field) for d in replay.replay()} == {(claim.pk, "sign_off_snapshot")}


def test_a_value_in_a_report_is_cut_at_sixty_characters_and_an_empty_one_says_none(reviewer):
    claim = factories.make_claim(actor=reviewer)
    services.claim_update(actor=reviewer, claim=claim, rationale="x" * 60)

    Claim.objects.filter(pk=claim.pk).update(rationale="y" * 61)
    first = reports()
    Claim.objects.filter(pk=claim.pk).update(rationale="")
    second = reports()

    assert first == [
        f"Claim #{claim.pk}: rationale is {'y' * 59}… in the table, but the history says "
        f"{'x' * 60} (changed behind the history's back)"
    ]
    assert second == [
        f"Claim #{claim.pk}: rationale is none in the table, but the history says {'x' * 60} "
        "(changed behind the history's back)"
    ]


def test_a_person_in_a_report_is_named_by_account_number(reviewer, editor):
    claim = factories.make_claim(actor=reviewer)
    services.claim_update(actor=reviewer, claim=claim, assigned_to=reviewer)

    Claim.objects.filter(pk=claim.pk).update(assigned_to=editor)

    assert reports() == [
        f"Claim #{claim.pk}: assigned_to is {editor.pk} in the table, but the history says "
        f"{reviewer.pk} (changed behind the history's back)"
    ]


def test_a_claim_moved_to_another_article_is_reported(reviewer):
    claim = factories.make_claim(actor=reviewer)
    other = factories.make_article(actor=reviewer)

    Claim.objects.filter(pk=claim.pk).update(article=other)

    found = replay.replay()
    assert [(d.model, d.pk, d.claim_id, d.field) for d in found] == [
        ("claim", claim.pk, claim.pk, "article")
    ]
    assert str(found[0]) == (
        f"Claim #{claim.pk}: belongs to article #{other.pk} in the table, but the history "
        f"created it in article #{claim.article_id}"
    )


def test_a_deleted_claim_put_back_names_the_event_that_deleted_it(reviewer):
    claim = factories.make_claim(actor=reviewer)
    pk, article_id, start, end, text = (
        claim.pk,
        claim.article_id,
        claim.start,
        claim.end,
        claim.text,
    )
    services.claim_delete(actor=reviewer, claim=claim)
    deleted_by = AuditEvent.objects.order_by("-id").first().id

    Claim.objects.create(pk=pk, article_id=article_id, start=start, end=end, text=text)

    found = replay.replay()
    assert [(d.pk, d.claim_id) for d in found] == [(pk, pk)]
    assert str(found[0]) == (
        f"Claim #{pk}: deleted by audit event #{deleted_by}, yet still in the table "
        "(restored behind the history's back)"
    )


def test_a_claim_inserted_behind_the_history_does_not_hide_the_claims_after_it(reviewer):
    first = factories.make_claim(actor=reviewer)
    article = first.article
    smuggled = Claim.objects.create(article=article, start=0, end=5, text=article.text[:5])
    last = factories.make_claim(actor=reviewer)

    Claim.objects.filter(pk=last.pk).update(rationale="Edited")
    Claim.objects.filter(pk=first.pk).delete()

    assert [(d.pk, d.claim_id, d.field) for d in replay.replay()] == [
        (smuggled.pk, smuggled.pk, None),
        (last.pk, last.pk, "rationale"),
        (first.pk, first.pk, None),
    ]
    assert reports()[0] == (
        f"Claim #{smuggled.pk}: no audit event created it (it was inserted behind the "
        "history's back)"
    )


def test_a_vanished_claim_names_the_event_that_created_it(reviewer):
    claim = factories.make_claim(actor=reviewer)
    created_by = AuditEvent.objects.filter(action="claim.created", claim_id=claim.pk).get().id

    Claim.objects.filter(pk=claim.pk).delete()

    assert reports() == [
        f"Claim #{claim.pk}: created by audit event #{created_by} and never deleted in the "
        "history, but missing from the table (deleted behind the history's back)"
    ]


def signed_off(reviewer, editor) -> Claim:
    claim = factories.make_claim(actor=reviewer)
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_update(actor=reviewer, claim=claim, rationale="The report says otherwise.")
    services.evidence_add(
        actor=reviewer, claim=claim, url="https://example.org/report", title="Report"
    )
    services.claim_set_status(actor=reviewer, claim=claim, status="false")
    return services.verdict_sign_off(actor=editor, claim=claim)


def test_a_sign_off_time_erased_behind_the_history_is_reported(reviewer, editor):
    claim = signed_off(reviewer, editor)

    Claim.objects.filter(pk=claim.pk).update(signed_off_at=None)

    assert {(d.pk, d.field) for d in replay.replay()} == {(claim.pk, "signed_off_at")}


def test_a_sign_off_time_moved_by_a_millisecond_is_reported(reviewer, editor):
    claim = signed_off(reviewer, editor)
    recorded = AuditEvent.objects.filter(action="verdict.signed_off").get()
    at = datetime.datetime.fromisoformat(recorded.changes["signed_off_at"][1])

    Claim.objects.filter(pk=claim.pk).update(signed_off_at=at + datetime.timedelta(milliseconds=1))

    assert {(d.pk, d.field) for d in replay.replay()} == {(claim.pk, "signed_off_at")}


def test_a_vanished_account_names_the_event_that_created_it(reviewer):
    created_by = AuditEvent.objects.filter(action="user.created", object_id=str(reviewer.pk))
    pk = reviewer.pk

    raw_sql("DELETE FROM auth_user_groups WHERE user_id = %s", [pk])
    raw_sql("DELETE FROM auth_user WHERE id = %s", [pk])

    assert reports() == [
        f"Account #{pk}: created by audit event #{created_by.get().id} and never deleted in "
        "the history, but missing from the table (deleted behind the history's back)"
    ]


def test_an_attribution_changed_behind_the_history_is_reported_on_its_claim(reviewer):
    claim = factories.make_claim(actor=reviewer)
    smuggled = Claim.objects.create(
        article=claim.article, start=0, end=5, text=claim.article.text[:5]
    )
    source = factories.make_source("Ministry of Health", actor=reviewer)
    Attribution.objects.create(claim=smuggled, source=source)
    attribution = services.attribution_add(actor=reviewer, claim=claim, source=source, cue="said")

    Attribution.objects.filter(pk=attribution.pk).update(cue="denied")

    found = [d for d in replay.replay() if d.model == "attribution"]
    assert [(d.pk, d.claim_id, d.field) for d in found] == [(attribution.pk, claim.pk, "cue")]
    assert str(found[0]) == (
        f"Attribution #{attribution.pk}: on claim #{claim.pk}: cue is denied in the table, "
        "but the history says said (changed behind the history's back)"
    )
