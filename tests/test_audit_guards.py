"""The audit chain's smaller promises, each of which a mutation of factcheck/audit.py or
checkpoints.py broke without a test noticing: the hashed form of an event and of a
checkpoint, the key check, the walk's verdicts, where and how checkpoints are written."""

import datetime
import hashlib
import hmac
import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.test import override_settings

from factcheck import audit, checkpoints, services
from factcheck.models import AuditEvent, CheckpointRecord
from tests import factories
from tests.test_audit import (
    delete_events,
    make_legacy_events,
    raw,
    rehash_from,
)


@pytest.fixture
def history(reviewer):
    """Six audited events: an account, an article, a claim, its status, a source, a link."""
    claim = factories.make_claim(actor=reviewer)
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    source = factories.make_source("Ministry of Health", actor=reviewer)
    services.attribution_add(actor=reviewer, claim=claim, source=source)
    return list(AuditEvent.objects.order_by("id"))


FIXED_KEY = "a-fixed-audit-key-for-the-canonical-form"


def fixed_event(**overrides) -> AuditEvent:
    fields = {
        "created_at": datetime.datetime(
            2026, 11, 3, 10, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
        ),
        "actor_id": 7,
        "actor_name": "rita",
        "action": "claim.status_changed",
        "object_type": "claim",
        "object_id": 42,
        "object_repr": "Unemployment fell",
        "article_id": 3,
        "claim_id": 42,
        "changes": {"status": ["draft", "in_progress"]},
        "reason": "Checked with the ministry’s café",
        "prev_hash": "ab" * 32,
        "key_id": "0123456789abcdef",
    }
    return AuditEvent(**(fields | overrides))


# What an event of this version is hashed from. Every chain written so far was hashed from
# exactly these bytes: a change here (a renamed key, another time zone, escaped accents)
# makes every existing event fail verification after the upgrade.
CANONICAL = (
    '{"action":"claim.status_changed","actor_id":7,"actor_name":"rita","article_id":3,'
    '"changes":{"status":["draft","in_progress"]},"claim_id":42,'
    '"created_at":"2026-11-03T08:04:05+00:00","key_id":"0123456789abcdef",'
    '"object_id":"42","object_repr":"Unemployment fell","object_type":"claim",'
    '"prev_hash":"' + "ab" * 32 + '","reason":"Checked with the ministry’s café"}'
)


def test_the_hashed_form_of_an_event_is_the_one_existing_chains_were_hashed_from():
    event = fixed_event()

    with override_settings(AUDIT_KEY=FIXED_KEY):
        digest = audit.compute_hash(event)

    assert audit.canonical_content(event) == CANONICAL
    assert digest == hmac.new(FIXED_KEY.encode(), CANONICAL.encode(), hashlib.sha256).hexdigest()


def test_the_hashed_form_is_in_utc_whatever_the_server_time_zone():
    with override_settings(TIME_ZONE="Europe/Paris"):
        content = audit.canonical_content(fixed_event())

    assert content == CANONICAL


def test_a_key_is_named_and_a_text_signed_the_same_way_in_every_version():
    # Checkpoints and events store these: another derivation orphans all of them.
    key = FIXED_KEY.encode()

    assert (
        audit.key_id(key)
        == (hmac.new(key, b"factcheck audit key id", hashlib.sha256).hexdigest()[:16])
    )
    assert audit.mac("a checkpoint line", key) == (
        hmac.new(key, b"a checkpoint line", hashlib.sha256).hexdigest()
    )
    assert audit.key_id(key) != audit.key_id()


def test_a_legacy_event_is_hashed_without_a_key_id_and_with_plain_sha256():
    event = fixed_event(key_id=audit.LEGACY_KEY_ID)
    legacy = CANONICAL.replace('"key_id":"0123456789abcdef",', "")

    assert audit.canonical_content(event) == legacy
    assert audit.compute_hash(event) == hashlib.sha256(legacy.encode()).hexdigest()


def test_a_chain_of_legacy_events_only_passes_the_key_check(db):
    make_legacy_events(2)

    audit.check_key()  # nothing was signed with a key yet: no key to be wrong about


def test_the_key_check_names_the_last_keyed_event_and_its_key(reviewer):
    factories.make_claim(actor=reviewer)
    last = AuditEvent.objects.order_by("-id").first()

    with (
        override_settings(AUDIT_KEY="another-key-that-never-signed-this-chain"),
        pytest.raises(audit.WrongAuditKey) as refused,
    ):
        audit.check_key()

    assert f"its last event, #{last.id}, was signed with key id {last.key_id!r}" in str(
        refused.value
    )


def test_a_long_object_name_is_cut_to_what_the_column_holds(db):
    with transaction.atomic():
        event = audit.record(
            actor=None,
            action="source.created",
            object_type="source",
            object_id=1,
            object_repr="x" * 400,
        )

    assert len(AuditEvent.objects.get(pk=event.pk).object_repr) == 300


def test_an_event_records_who_acted_why_and_when(reviewer):
    signed_off_at = datetime.datetime(2026, 11, 3, 9, 0, tzinfo=datetime.UTC)

    with transaction.atomic():
        by_reviewer = audit.record(
            actor=reviewer,
            action="verdict.signed_off",
            object_type="claim",
            object_id=5,
            object_repr="A claim",
            changes={"signed_off_at": [None, signed_off_at]},
            reason="Two sources agree",
        )
        by_nobody = audit.record(
            actor=None,
            action="source.created",
            object_type="source",
            object_id=1,
            object_repr="A source",
        )

    event = AuditEvent.objects.get(pk=by_reviewer.pk)
    assert (event.actor_id, event.actor_name, event.reason) == (
        reviewer.pk,
        "rita",
        "Two sources agree",
    )
    assert event.changes == {"signed_off_at": [None, "2026-11-03T09:00:00Z"]}
    assert AuditEvent.objects.get(pk=by_nobody.pk).actor_name == "system"


@pytest.mark.django_db(transaction=True)
def test_an_event_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError) as refused:
        audit.record(
            actor=None,
            action="source.created",
            object_type="source",
            object_id=1,
            object_repr="A source",
        )

    assert str(refused.value) == "audit.record() must run inside the change's transaction"
    assert not AuditEvent.objects.exists()


def test_a_change_under_another_key_is_refused_with_both_key_ids(reviewer):
    factories.make_claim(actor=reviewer)
    right = audit.key_id()

    with override_settings(AUDIT_KEY="another-key-that-never-signed-this-chain"):
        wrong = audit.key_id()
        with pytest.raises(audit.WrongAuditKey) as refused, transaction.atomic():
            audit.record(
                actor=None,
                action="source.created",
                object_type="source",
                object_id=1,
                object_repr="A source",
            )

    assert str(refused.value) == (
        f"AUDIT_KEY (key id {wrong!r}) is not the key that signed the audit history: "
        f"its last event was signed with key id {right!r}. Set AUDIT_KEY to that key (from "
        "the secret store or the demo's .env); nothing was written under the wrong key."
    )


def test_an_anonymous_actor_is_recorded_as_nobody(db):
    with transaction.atomic():
        event = audit.record(
            actor=AnonymousUser(),
            action="user.login_failed",
            object_type="user",
            object_id=1,
            object_repr="rita",
        )

    assert AuditEvent.objects.get(pk=event.pk).actor_id is None


def tamper(event_id: int, column: str, value) -> None:
    audit.remove_triggers()
    try:
        raw(f"UPDATE factcheck_auditevent SET {column} = %s WHERE id = %s", [value, event_id])
    finally:
        audit.install_triggers()


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        (
            "prev_hash",
            "cd" * 32,
            "its link to the previous event is broken (an event was removed or inserted)",
        ),
        (
            "reason",
            "nothing happened",
            "its content does not match its hash (it was altered, or forged without the key)",
        ),
        ("key_id", "mallory", "it was made with an unknown key (id 'mallory', the current "),
    ],
)
def test_the_walk_names_the_broken_event_and_what_is_wrong_with_it(
    reviewer, column, value, problem
):
    factories.make_claim(actor=reviewer)
    events = list(AuditEvent.objects.order_by("id"))
    tampered = events[-2]
    tamper(tampered.id, column, value)

    *intact, broken = audit.verify_chain()

    assert intact == [event.id for event in events[:-2]]
    assert broken.event_id == tampered.id
    assert broken.problem.startswith(problem)


def test_the_walk_names_an_unkeyed_event_after_keyed_ones(reviewer):
    factories.make_claim(actor=reviewer)
    last = AuditEvent.objects.order_by("-id").first()
    tamper(last.id, "key_id", audit.LEGACY_KEY_ID)

    broken = [link.broken for link in audit.walk_chain() if link.broken]

    assert [b.event_id for b in broken] == [last.id]
    assert broken[0].problem == (
        "it carries an unkeyed (plain SHA-256) hash after the chain was keyed "
        "(it was forged or rehashed without the key)"
    )


def test_without_the_triggers_every_kind_of_rewrite_goes_through(reviewer):
    factories.make_claim(actor=reviewer)
    event = AuditEvent.objects.order_by("id").first()
    columns = [field.column for field in AuditEvent._meta.concrete_fields]

    # A table that is not there (a migration reversed) is passed over, not the end.
    audit.remove_triggers(tables=("factcheck_not_there", "factcheck_auditevent"))
    try:
        raw("UPDATE factcheck_auditevent SET reason = 'rewritten' WHERE id = %s", [event.id])
        if connection.vendor == "sqlite":
            # SQLite's own way to replace a row, which its third trigger refuses.
            raw(
                f"INSERT OR REPLACE INTO factcheck_auditevent ({', '.join(columns)}) "
                f"SELECT {', '.join(columns)} FROM factcheck_auditevent WHERE id = %s",
                [event.id],
            )
        raw("DELETE FROM factcheck_auditevent WHERE id = %s", [event.id])
    finally:
        audit.install_triggers()

    assert not AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_checkpoint_is_signed_in_the_form_existing_stores_were_signed_in(tmp_path):
    store = tmp_path / "store.jsonl"

    with override_settings(TIME_ZONE="Europe/Paris"):
        written = checkpoints.append(last_id=7, hash="ab" * 32, count=3, path=store)

    assert written["kind"] == "verify"
    assert written["at"].endswith("+00:00")
    signed = (
        'factcheck audit checkpoint\n{"at":"'
        + written["at"]
        + '","count":3,"hash":"'
        + "ab" * 32
        + '","key_id":"'
        + audit.key_id()
        + '","kind":"verify","last_id":7,"v":1}'
    )
    assert written["mac"] == audit.mac(signed)
    assert json.loads(store.read_text()) == written
    assert checkpoints.read(store) == (
        [
            checkpoints.Checkpoint(
                1, "verify", 7, "ab" * 32, 3, written["at"], audit.key_id(), written["mac"]
            )
        ],
        [],
    )


def test_a_checkpoint_store_is_made_where_it_is_named_and_only_its_owner_reads_it(tmp_path):
    store = tmp_path / "not" / "made" / "yet" / "store.jsonl"

    checkpoints.append(last_id=1, hash="cd" * 32, count=1, path=store)

    assert store.exists()
    assert store.stat().st_mode & 0o777 == 0o600
    assert not checkpoints.checkpoint_path().exists()


def test_each_checkpoint_written_is_numbered_and_names_its_head(reviewer, tmp_path):
    store = tmp_path / "store.jsonl"
    factories.make_claim(actor=reviewer)
    checkpoints.verify_and_record(store)
    head = factories.make_source("Ministry of Health", actor=reviewer)
    checkpoints.verify_and_record(store)

    last = AuditEvent.objects.order_by("-id").first()
    assert list(CheckpointRecord.objects.order_by("number").values_list("number", "last_id")) == [
        (1, last.id - 1),
        (2, last.id),
    ]
    assert last.object_id == str(head.pk)


def test_the_upgrade_checkpoint_goes_to_the_store_it_is_given(reviewer, tmp_path):
    store = tmp_path / "store.jsonl"
    factories.make_claim(actor=reviewer)

    written = checkpoints.record_upgrade(path=store)

    assert json.loads(store.read_text())["kind"] == "upgrade"
    assert written["last_id"] == AuditEvent.objects.order_by("-id").first().id
    assert not checkpoints.checkpoint_path().exists()


def test_a_store_with_blank_garbled_and_foreign_lines_still_yields_every_good_one(tmp_path):
    store = tmp_path / "store.jsonl"
    first = checkpoints.append(last_id=1, hash="cd" * 32, count=1, path=store)
    with override_settings(AUDIT_KEY="another-key-that-never-signed-this-chain"):
        foreign = checkpoints.append(last_id=2, hash="ef" * 32, count=2, path=store)
        foreign_key_id = audit.key_id()
    with store.open("ab") as lines:
        lines.write(b"\n\xff\xfe not a checkpoint\n\n")
    last = checkpoints.append(last_id=None, hash=audit.GENESIS_HASH, count=0, path=store)

    found, problems = checkpoints.read(store)

    assert [(c.line, c.last_id, c.mac) for c in found] == [
        (1, 1, first["mac"]),
        (6, None, last["mac"]),
    ]
    assert problems == [
        f"Checkpoint line 2 ({foreign['at']}) was signed with another key "
        f"(id {foreign_key_id!r}, the current AUDIT_KEY is {audit.key_id()!r}); "
        "it cannot be checked.",
        f"Checkpoint line 4 of {store} is not a checkpoint (it was altered).",
    ]


def test_a_missing_store_named_by_the_caller_is_reported_by_its_name(reviewer, tmp_path):
    store = tmp_path / "store.jsonl"
    factories.make_claim(actor=reviewer)
    checkpoints.verify_and_record(store)
    recorded = CheckpointRecord.objects.get()
    store.unlink()

    problems = checkpoints.verify(store).problems

    assert problems == [
        f"The checkpoint store {store} is missing, but the database records 1 checkpoint(s) "
        f"written to it, the last on {recorded.written_at:%Y-%m-%d %H:%M:%S %Z}: it was deleted "
        "or moved. Put it back from a copy; until then the history's tail cannot be vouched for."
    ]


def test_a_shortened_store_is_reported_with_the_checkpoints_it_lacks(reviewer, tmp_path):
    store = tmp_path / "store.jsonl"
    factories.make_claim(actor=reviewer)
    checkpoints.verify_and_record(store)
    kept = store.read_text()
    checkpoints.verify_and_record(store)
    store.write_text(kept)
    recorded = CheckpointRecord.objects.order_by("number").last()

    problems = checkpoints.verify(store).problems

    assert problems == [
        f"The checkpoint store {store} holds 1 checkpoint(s), but the database records 2 "
        f"checkpoint(s) written to it, the last on "
        f"{recorded.written_at:%Y-%m-%d %H:%M:%S %Z}; 1 of them, the last (number 2, of event "
        f"#{recorded.last_id}), are not in it (it was shortened, or an older copy was put back)."
    ]


def test_a_store_named_by_the_caller_is_the_one_read_and_written(history, tmp_path):
    store = tmp_path / "store.jsonl"

    first = checkpoints.verify_and_record(store)
    second = checkpoints.verify_and_record(store)

    assert (first.problems, second.problems, second.checkpoints) == ([], [], 1)
    assert len(store.read_text().splitlines()) == 2
    assert not checkpoints.checkpoint_path().exists()


def test_the_verification_counts_the_legacy_events(db):
    make_legacy_events(3)
    checkpoints.record_upgrade()

    result = checkpoints.verify()

    assert (result.count, result.legacy, result.problems) == (3, 3, [])


def test_legacy_events_no_checkpoint_covers_are_reported_word_for_word(db):
    legacy = make_legacy_events(2)

    assert checkpoints.verify().problems == [
        f"Audit events #{legacy[0].id}–#{legacy[1].id} were hashed with plain SHA-256 before "
        "the chain was keyed, and no signed checkpoint covers them (anyone with database "
        "access could have rewritten them)."
    ]


def test_a_broken_chain_comes_first_in_the_report(history, audit_checkpoints):
    checkpoints.verify_and_record()
    with audit_checkpoints.open("a") as lines:
        lines.write("{not json\n")
    delete_events("WHERE id = %s", [history[2].id])

    problems = checkpoints.verify().problems

    assert problems[0].startswith(f"Audit event #{history[3].id} does not verify: its link")
    assert f"Checkpoint line 2 of {audit_checkpoints} is not a checkpoint" in problems[1]


def test_a_cut_tail_is_reported_once(history):
    checkpoints.verify_and_record()
    line = checkpoints.read()[0][0]
    delete_events("WHERE id >= %s", [history[4].id])

    assert checkpoints.verify().problems == [
        f"The audit chain has 4 event(s), fewer than the 6 recorded at {line}, and its head "
        f"then, event #{history[-1].id}, is missing (the history was cut)."
    ]


def test_a_head_deleted_and_replaced_is_reported_word_for_word(history, reviewer):
    checkpoints.verify_and_record()
    line = checkpoints.read()[0][0]
    delete_events("WHERE id = %s", [history[-1].id])
    factories.make_source("Replacement one", actor=reviewer)

    assert checkpoints.verify().problems == [
        f"Audit event #{history[-1].id}, the head recorded at {line}, is missing (it was deleted)."
    ]


def test_a_rewritten_head_is_reported_word_for_word(history):
    checkpoints.verify_and_record()
    line = checkpoints.read()[0][0]
    history[-1].reason = "rewritten"
    rehash_from(history, len(history) - 1, audit.compute_hash)

    assert checkpoints.verify().problems == [
        f"Audit event #{history[-1].id} differs from {line}: its hash is not the one "
        "recorded then (it was rewritten)."
    ]


def test_a_head_that_moved_in_the_chain_is_reported_word_for_word(history):
    checkpoints.verify_and_record()
    line = checkpoints.read()[0][0]
    delete_events("WHERE id = %s", [history[0].id])

    assert checkpoints.verify().problems == [
        f"Audit event #{history[1].id} does not verify: its link to the previous event is "
        "broken (an event was removed or inserted). 0 event(s) before it are intact.",
        f"Audit event #{history[-1].id} is event number 5 of the chain, but {line} recorded it "
        "as number 6 (events before it were removed or inserted).",
    ]


@pytest.mark.parametrize("garbled", [20, 21])
def test_a_report_lists_twenty_problems_and_counts_the_rest(history, audit_checkpoints, garbled):
    audit_checkpoints.write_text("{not json\n" * garbled)

    problems = checkpoints.verify().problems

    assert problems[:20] == [
        f"Checkpoint line {n} of {audit_checkpoints} is not a checkpoint (it was altered)."
        for n in range(1, 21)
    ]
    assert problems[20:] == ([] if garbled == 20 else ["…and 1 more problem(s) like these."])


def test_an_event_made_through_the_api_records_the_channel_and_hashes_it(db):
    with audit.changes_via("API token fcp_" + "x" * 80), transaction.atomic():
        event = audit.record(
            actor=None,
            action="source.created",
            object_type="source",
            object_id=1,
            object_repr="A source",
        )

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.via == ("API token fcp_" + "x" * 80)[:64]
    assert audit.canonical_content(fixed_event(via="API token fcp_1")) == (
        CANONICAL[:-1] + ',"via":"API token fcp_1"}'
    )


def test_a_forged_line_is_reported_and_the_lines_after_it_still_count(tmp_path):
    store = tmp_path / "store.jsonl"
    forged = checkpoints.append(last_id=1, hash="cd" * 32, count=1, path=store)
    kept = checkpoints.append(last_id=2, hash="ef" * 32, count=2, path=store)
    store.write_text(
        json.dumps(forged | {"count": 5}) + "\n" + store.read_text().splitlines()[1] + "\n"
    )

    found, problems = checkpoints.read(store)

    assert [c.mac for c in found] == [kept["mac"]]
    assert problems == [
        f"Checkpoint line 1 ({forged['at']}) of {store}: its signature does not verify "
        "(the line was altered or forged)."
    ]
