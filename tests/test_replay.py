import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from factcheck import replay, services
from factcheck.models import Attribution, Claim, EvidenceLink, GroundRule
from tests import factories

EVIDENCE = "https://example.org/report"


def verify_replay() -> str:
    out = io.StringIO()
    call_command("verify_audit", "--replay", stdout=out)
    return out.getvalue()


def verify_replay_failing() -> str:
    with pytest.raises(CommandError) as failure:
        verify_replay()
    return str(failure.value)


@pytest.fixture
def proposed(reviewer):
    """A claim attributed to a source, with evidence and a verdict proposed by the reviewer."""
    claim = factories.make_claim(actor=reviewer)
    source = factories.make_source("Ministry of Health", actor=reviewer)
    services.attribution_add(actor=reviewer, claim=claim, source=source, cue="said")
    services.evidence_add(actor=reviewer, claim=claim, url=EVIDENCE, title="Report")
    services.claim_update(actor=reviewer, claim=claim, rationale="The report says otherwise.")
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_set_status(actor=reviewer, claim=claim, status="false")
    return Claim.objects.get(pk=claim.pk)


def test_replay_is_clean_after_a_realistic_sequence(reviewer, editor):
    second_editor = factories.make_user("Editor", username="eve")
    article = factories.make_article(actor=reviewer)
    claim = factories.make_claim(article=article, actor=reviewer)
    other = factories.make_claim(
        article=article, phrase="A spokesperson told AFP the figure would rise", actor=reviewer
    )
    ministry = factories.make_source("Ministry of Health", actor=reviewer)
    duplicate = factories.make_source("Health Ministry", actor=reviewer)
    afp = factories.make_source("AFP", type_slug="news_agency", actor=reviewer)
    moved = services.attribution_add(
        actor=reviewer, claim=claim, source=duplicate, intermediary=afp, cue="said"
    )
    services.attribution_add(actor=reviewer, claim=other, source=duplicate)
    services.attribution_add(actor=reviewer, claim=other, source=ministry, quote_mode="direct")
    services.source_merge(actor=editor, source=duplicate, into=ministry, reason="Same ministry")
    services.attribution_update(
        actor=reviewer,
        attribution=Attribution.objects.get(pk=moved.pk),
        ground_rule=GroundRule.BACKGROUND,
        anonymity_reason="Not authorised to speak",
    )
    services.claim_update(actor=reviewer, claim=other, assigned_to=editor)
    services.evidence_add(actor=reviewer, claim=claim, url=EVIDENCE, title="Report")
    link = services.evidence_add(actor=reviewer, claim=claim, url="https://example.org/other")
    services.evidence_remove(actor=reviewer, link=link)
    services.claim_update(actor=reviewer, claim=claim, rationale="The report says otherwise.")
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_set_status(actor=reviewer, claim=claim, status="false")
    services.verdict_sign_off(actor=editor, claim=claim)
    services.claim_reopen(actor=editor, claim=claim, reason="New figures came in")
    services.claim_set_status(actor=reviewer, claim=claim, status="misleading")
    services.claim_undo(actor=reviewer, claim=claim)
    services.claim_set_status(actor=reviewer, claim=claim, status="misleading")
    services.verdict_sign_off(actor=second_editor, claim=claim)
    services.note_add(actor=reviewer, claim=other, body="Ask the desk")
    doomed = factories.make_claim(actor=reviewer)
    services.attribution_add(actor=reviewer, claim=doomed, source=afp)
    services.evidence_add(actor=reviewer, claim=doomed, url=EVIDENCE)
    services.article_delete(actor=editor, article=doomed.article, reason="Duplicate story")
    undone = factories.make_claim(
        article=article, phrase="The ministry said on Monday", actor=reviewer
    )
    services.claim_undo(actor=reviewer, claim=undone)
    services.account_delete(actor=None, user=second_editor)  # the signer goes; the lock stays

    found = replay.replay()

    assert found == []
    assert "Replay: every claim agrees with its history." in verify_replay()
    assert not Claim.objects.filter(pk__in=[doomed.pk, undone.pk]).exists()
    assert Claim.objects.get(pk=claim.pk).is_locked


def test_replay_finds_a_claim_signed_off_by_raw_sql(proposed, editor):
    Claim.objects.filter(pk=proposed.pk).update(signed_off_by=editor, signed_off_at=timezone.now())

    found = replay.replay()

    assert {(d.model, d.pk, d.field) for d in found} == {
        ("claim", proposed.pk, "signed_off_by"),
        ("claim", proposed.pk, "signed_off_at"),
    }
    message = verify_replay_failing()
    assert f"Claim #{proposed.pk}: signed_off_at is 20" in message
    assert "but the history says none (changed behind the history's back)" in message


def test_replay_finds_a_status_and_proposer_set_by_raw_sql(proposed, editor):
    Claim.objects.filter(pk=proposed.pk).update(status="verified", proposed_by=editor)

    found = replay.replay()

    assert {d.field for d in found} == {"status", "proposed_by"}


def test_replay_finds_a_span_and_rationale_changed_by_raw_sql(proposed):
    Claim.objects.filter(pk=proposed.pk).update(end=proposed.end - 1, rationale="Edited")

    assert {d.field for d in replay.replay()} == {"end", "rationale"}


def test_replay_finds_an_attribution_inserted_by_raw_sql(proposed):
    source = factories.make_source("Smuggled in")
    smuggled = Attribution.objects.create(claim=proposed, source=source)

    found = replay.replay()

    assert [(d.model, d.pk) for d in found] == [("attribution", smuggled.pk)]
    assert "no audit event added it" in str(found[0])


def test_replay_finds_an_attribution_changed_by_raw_sql(proposed):
    Attribution.objects.filter(claim=proposed).update(
        quote_mode="direct", anonymity_reason="Invented"
    )

    assert {d.field for d in replay.replay()} == {"quote_mode", "anonymity_reason"}


def test_replay_finds_an_attribution_moved_to_another_claim_by_raw_sql(proposed, reviewer):
    other = factories.make_claim(
        article=proposed.article,
        phrase="A spokesperson told AFP the figure would rise",
        actor=reviewer,
    )
    moved = Attribution.objects.get(claim=proposed)
    Attribution.objects.filter(claim=proposed).update(claim=other)

    found = replay.replay()

    assert [(d.model, d.pk, d.field) for d in found] == [("attribution", moved.pk, "claim")]
    message = verify_replay_failing()
    assert (
        f"Attribution #{moved.pk}: is on claim #{other.pk} in the table, but the history put it "
        f"on claim #{proposed.pk}"
    ) in message


def test_replay_finds_an_attribution_deleted_by_raw_sql(proposed):
    Attribution.objects.filter(claim=proposed).delete()

    found = replay.replay()

    assert len(found) == 1
    assert "missing from the table" in str(found[0])


def test_replay_finds_an_evidence_link_deleted_by_raw_sql(proposed):
    EvidenceLink.objects.filter(claim=proposed).delete()

    found = replay.replay()

    assert [(d.model, d.pk, d.field) for d in found] == [("claim", proposed.pk, "evidence")]
    assert EVIDENCE in str(found[0])


def test_replay_finds_an_evidence_link_inserted_by_raw_sql(proposed):
    EvidenceLink.objects.create(claim=proposed, url="https://example.org/smuggled")

    found = replay.replay()

    assert [d.model for d in found] == ["evidence"]
    assert "https://example.org/smuggled" in str(found[0])


def test_replay_finds_a_claim_with_no_created_event(article):
    smuggled = Claim.objects.create(article=article, start=0, end=5, text=article.text[:5])

    found = replay.replay()

    assert [(d.model, d.pk) for d in found] == [("claim", smuggled.pk)]
    assert "no audit event created it" in str(found[0])


def test_replay_finds_a_claim_deleted_by_raw_sql(proposed):
    Claim.objects.filter(pk=proposed.pk).delete()

    found = replay.replay()

    assert [(d.model, d.pk) for d in found] == [("claim", proposed.pk)]
    assert "missing from the table" in str(found[0])


def test_replay_is_clean_on_an_empty_database(db):
    assert replay.replay() == []


# ---------------------------------------------------------------------------
# Every row, not only the claims: articles, sources, source types, notes,
# suggestions and accounts with their grants


@pytest.fixture
def desk(reviewer, editor):
    """An article with a claim, a note, a source and a pending suggestion, all made as usual."""
    from tests.test_suggestions import TEXT, proposal, record_run

    article = factories.make_article(text=TEXT, actor=reviewer)
    claim = factories.make_claim(article=article, phrase="The ministry said 12 people were hurt.")
    source = factories.make_source("Health Ministry", type_slug="ministry", actor=reviewer)
    services.attribution_add(actor=reviewer, claim=claim, source=source)
    note = services.note_add(actor=reviewer, claim=claim, body="Call the ministry")
    outcome = record_run(article, proposal(TEXT, "The talks will go on,", "John Kirby"))
    return {
        "article": article,
        "source": source,
        "note": note,
        "suggestion": outcome.stored[0],
        "reviewer": reviewer,
        "editor": editor,
    }


def raw_sql(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_replay_is_clean_after_registry_and_account_changes(desk):
    reviewer, editor = desk["reviewer"], desk["editor"]
    services.article_update(actor=editor, article=desk["article"], title="Talks resume in Cairo")
    services.source_update(actor=editor, source=desk["source"], name="Ministry of Health")
    kind = services.source_type_create(actor=editor, slug="court", name="Court")
    services.source_type_update(actor=editor, source_type=kind, name="Court or tribunal")
    services.note_delete(actor=reviewer, note=desk["note"])
    services.suggestion_reject(actor=reviewer, suggestion=desk["suggestion"])
    services.account_update(actor=None, user=reviewer, groups=["Editor"], password="new-pw-456")
    services.account_update(actor=None, user=editor, is_active=False)

    assert replay.replay() == []


RAW_CHANGES = {
    "article text": (
        "UPDATE factcheck_article SET text = replace(text, '12', '21')",
        "article",
        "its text is not the text the history recorded",
    ),
    "article title": (
        "UPDATE factcheck_article SET title = 'Forged'",
        "article",
        "title is Forged",
    ),
    "source renamed": ("UPDATE factcheck_source SET name = 'Forged'", "source", "name is Forged"),
    "source retyped": (
        "UPDATE factcheck_source SET source_type_id = "
        "(SELECT id FROM factcheck_sourcetype WHERE slug = 'document')",
        "source",
        "source_type is",
    ),
    "note deleted": ("DELETE FROM factcheck_note", "note", "missing from the table"),
    "suggestion flipped": (
        "UPDATE factcheck_suggestion SET state = 'rejected'",
        "suggestion",
        "is rejected in the table, but the history says it is pending",
    ),
    "source type renamed": (
        "UPDATE factcheck_sourcetype SET name = 'Forged' WHERE slug = 'ministry'",
        "source type",
        "name is Forged",
    ),
    "a second editor": (
        "INSERT INTO auth_user_groups (user_id, group_id) SELECT u.id, g.id FROM auth_user u, "
        "auth_group g WHERE u.username = 'rita' AND g.name = 'Editor'",
        "account",
        "groups is ['Editor', 'Reviewer'] in the table",
    ),
    "a superuser": (
        "UPDATE auth_user SET is_superuser = %s WHERE username = 'rita'",
        "account",
        "is_superuser is True in the table",
    ),
    "a password": (
        "UPDATE auth_user SET password = 'pbkdf2_sha256$1$x$y' WHERE username = 'rita'",
        "account",
        "password changed in the table",
    ),
}


@pytest.mark.parametrize("change", list(RAW_CHANGES))
def test_replay_finds_a_row_changed_behind_the_history(desk, change):
    sql, model, words = RAW_CHANGES[change]

    raw_sql(sql, [True] if "%s" in sql else [])

    found = [str(d) for d in replay.replay()]
    assert any(d.startswith(model.capitalize()) and words in d for d in found), found
    assert words in verify_replay_failing()


def test_an_account_made_behind_the_history_is_found(db):
    from django.contrib.auth.models import User

    User.objects.create_superuser("mallory", password="pw-for-tests-123")

    assert "“mallory”: no audit event created it" in verify_replay_failing()


def test_granting_a_role_leaves_an_event_from_every_path(admin_client, reviewer):
    from django.contrib.auth.models import Group, User

    from factcheck.models import AuditEvent
    from tests.test_admin import form_data

    url = f"/admin/auth/user/{reviewer.pk}/change/"
    data = form_data(admin_client.get(url))
    data["groups"] = [Group.objects.get(name="Editor").pk]
    data.pop("date_joined")  # a split date and time on the page
    data["date_joined_0"] = f"{reviewer.date_joined:%Y-%m-%d}"
    data["date_joined_1"] = f"{reviewer.date_joined:%H:%M:%S}"
    data["is_staff"] = "on"
    saved = admin_client.post(url, data)
    password = admin_client.post(
        f"/admin/auth/user/{reviewer.pk}/password/",
        {"password1": "a-new-pass-789!", "password2": "a-new-pass-789!", "usable_password": "true"},
    )
    call_command("create_demo_users", stdout=io.StringIO())

    assert saved.status_code == 302, saved.context["adminform"].form.errors
    assert password.status_code == 302
    changes = [
        event.changes
        for event in AuditEvent.objects.filter(action="user.changed", object_id=str(reviewer.pk))
    ]
    assert {"groups": [["Reviewer"], ["Editor"]], "is_staff": [False, True]} in changes
    assert any(set(change) == {"password"} for change in changes)
    demo = set(
        AuditEvent.objects.filter(action__in=["user.created", "user.changed"]).values_list(
            "object_repr", flat=True
        )
    )
    assert {"reviewer", "editor", "editor2", "viewer", "admin"} <= demo
    assert User.objects.get(pk=reviewer.pk).groups.get().name == "Editor"
    assert replay.replay() == []
