"""Moderators act on cases: refusals, claim, handoff both ways, release, resolve, notes, queue."""

from __future__ import annotations

from typing import Any

import pytest

from bot.model import Risk, Route
from bot.moderation import CaseStatus, ModerationDesk, Who
from bot.storage import Storage
from bot.storage.outbox import NO_CONVERSATION
from tests.auxil.moderation_people import (
    CONCERN_TEXT,
    HIGH_TEXT,
    IMMINENT_TEXT,
    MOD_CHAT,
    MODERATORS,
    OUTSIDER,
    PLAIN_TEXT,
    Clock,
    Person,
    alerts,
    only_case,
    outbox_rows,
)

ALICE, BOB = MODERATORS


def record_of(storage: Storage, person: Person) -> Any:
    """The person's stored conversation record."""
    with storage.conversation(person.id) as tx:
        assert tx is not None
        return tx.load()


def sent(storage: Storage, row_id: int, ref: str) -> None:
    """What the channel's sender does once Telegram accepted a message."""
    storage.mark_sent(row_id, now=0.0, sent_ref=ref)


@pytest.mark.parametrize(
    ("action", "text"),
    [
        ("claim", ""),
        ("talk", ""),
        ("transcript", ""),
        ("resolve", "not mine to close"),
        ("release", ""),
        ("note", "an outsider's note"),
        ("case", ""),
        ("queue", ""),
        ("reply", "hello from an outsider"),
    ],
)
def test_a_non_moderator_is_refused_privately_and_audited(
    storage: Storage, desk: ModerationDesk, person: Person, action: str, text: str
) -> None:
    person.say(HIGH_TEXT)
    case = only_case(desk)
    before = outbox_rows(storage)
    result = desk.act(actor_id=OUTSIDER, action=action, case_id=case.id, text=text)
    assert (result.allowed, result.private, result.queued) == (False, True, ())
    assert "Only the bot's moderators" in result.notice
    assert outbox_rows(storage) == before
    assert only_case(desk) == case
    [entry] = [e for e in desk.book.audit_trail() if e.actor_id == str(OUTSIDER)]
    assert (entry.action, entry.allowed, entry.case_id) == (action, False, case.id)


def test_claim_takes_the_case_and_is_announced(
    storage: Storage, desk: ModerationDesk, person: Person
) -> None:
    person.say(HIGH_TEXT)
    case = only_case(desk)
    result = desk.act(actor_id=ALICE, action="claim", case_id=case.id)
    assert result.allowed
    assert not result.private
    claimed = only_case(desk)
    assert (claimed.status, claimed.claimed_by) == (CaseStatus.CLAIMED, ALICE)
    assert [q.chat_id for q in result.queued] == [str(MOD_CHAT)]
    assert f"Case {case.id} taken by {ALICE}" in result.queued[0].reply.text
    takeover = desk.act(actor_id=BOB, action="claim", case_id=case.id)
    assert f"taken by {BOB} (from {ALICE})" in takeover.notice
    assert [e.action for e in desk.book.audit_trail(case.id)] == ["claim", "claim"]


def test_handoff_both_ways(storage: Storage, desk: ModerationDesk, person: Person) -> None:
    person.say(HIGH_TEXT)
    case = only_case(desk)
    talk = desk.act(actor_id=ALICE, action="talk", case_id=case.id)
    assert only_case(desk).status is CaseStatus.HANDOFF
    assert record_of(storage, person).handoff_case == case.id
    [to_person] = [q for q in talk.queued if q.chat_id == person.chat]
    assert "A person from the team has joined this chat" in to_person.reply.text
    assert "not a clinician" in to_person.reply.text

    # The person writes: relayed to the moderators' chat, no answer from the bot.
    outcome = person.say("are you a real person? i'm scared")
    assert (outcome.route, outcome.replies) == (Route.HANDOFF, ())
    relay = outbox_rows(storage, chat=MOD_CHAT)[-1]
    assert relay.kind == "relay"
    assert "are you a real person? i'm scared" in relay.reply.text
    assert f"case {case.id}" in relay.reply.text

    # A moderator replies to the relayed message (Telegram message 8801 once sent).
    sent(storage, relay.id, "8800,8801")
    answer = desk.act(
        actor_id=BOB, action="reply", case_id=None, text="Yes, I'm Bob.", reply_to_ref="8801"
    )
    assert answer.case_id == case.id
    to_person_row = outbox_rows(storage, chat=person.chat)[-1]
    assert to_person_row.reply.text == "Team member: Yes, I'm Bob."
    whos = [line.who for line in desk.book.transcript(case.id, viewer="test")]
    assert whos[-2:] == [Who.PERSON, Who.MODERATOR]


def test_the_gate_keeps_running_during_a_handoff_and_raises_the_case(
    storage: Storage, desk: ModerationDesk, person: Person
) -> None:
    person.say(CONCERN_TEXT)
    case = only_case(desk)
    desk.act(actor_id=ALICE, action="talk", case_id=case.id)
    outcome = person.say(IMMINENT_TEXT)
    assert outcome.route is Route.CRISIS
    assert "relay" in outcome.events
    raised = only_case(desk)
    assert (raised.risk, raised.status) == (Risk.IMMINENT, CaseStatus.HANDOFF)
    mod_rows = outbox_rows(storage, chat=MOD_CHAT)
    assert "RISK ROSE" in mod_rows[-2].reply.text
    assert mod_rows[-1].kind == "relay"
    assert "The crisis gate fired on this message" in mod_rows[-1].reply.text


def test_a_reply_outside_a_handoff_sends_nothing_to_the_person(
    storage: Storage, desk: ModerationDesk, person: Person
) -> None:
    person.say(HIGH_TEXT)
    case = only_case(desk)
    before = outbox_rows(storage, chat=person.chat)
    result = desk.act(actor_id=ALICE, action="reply", case_id=case.id, text="hello")
    assert "not in a handoff" in result.notice
    assert outbox_rows(storage, chat=person.chat) == before


def test_a_reply_to_a_message_of_no_case_is_ignored(
    storage: Storage, desk: ModerationDesk, person: Person
) -> None:
    person.say(HIGH_TEXT)
    before = outbox_rows(storage)
    result = desk.act(
        actor_id=ALICE, action="reply", case_id=None, text="lunch?", reply_to_ref="123456"
    )
    assert (result.case_id, result.queued) == (None, ())
    assert outbox_rows(storage) == before


def test_release_ends_the_handoff_and_tells_the_person(
    storage: Storage, desk: ModerationDesk, person: Person
) -> None:
    person.say(HIGH_TEXT)
    case = only_case(desk)
    desk.act(actor_id=ALICE, action="talk", case_id=case.id)
    desk.act(actor_id=ALICE, action="release", case_id=case.id)
    assert only_case(desk).status is CaseStatus.CLAIMED
    record = record_of(storage, person)
    assert record.handoff_case is None
    assert record.crisis is not None, "releasing is not resolving: crisis mode stays"
    assert "left this chat" in outbox_rows(storage, chat=person.chat)[-1].reply.text
    assert person.say("hello?").route is Route.CRISIS


def test_resolve_ends_crisis_mode_and_a_new_signal_opens_a_new_case(
    storage: Storage, desk: ModerationDesk, person: Person
) -> None:
    person.say(HIGH_TEXT)
    first = only_case(desk)
    desk.act(actor_id=ALICE, action="talk", case_id=first.id)
    result = desk.act(actor_id=ALICE, action="resolve", case_id=first.id, text="has a safety plan")
    resolved = desk.book.case(first.id)
    assert resolved is not None
    assert (resolved.status, resolved.resolved_by, resolved.resolution) == (
        CaseStatus.RESOLVED,
        str(ALICE),
        "has a safety plan",
    )
    assert record_of(storage, person).crisis is None
    assert record_of(storage, person).handoff_case is None
    told = [q for q in result.queued if q.chat_id == person.chat]
    assert "The conversation with the team has ended" in told[0].reply.text
    assert "/crisis" in told[0].reply.text

    assert person.say(PLAIN_TEXT).route is not Route.CRISIS
    assert desk.book.cases() == []

    person.say(HIGH_TEXT)
    second = only_case(desk)
    assert second.id != first.id
    assert second.status is CaseStatus.OPEN


def test_acting_on_a_resolved_case_changes_nothing(desk: ModerationDesk, person: Person) -> None:
    person.say(HIGH_TEXT)
    case = only_case(desk)
    desk.act(actor_id=ALICE, action="resolve", case_id=case.id, text="done")
    result = desk.act(actor_id=BOB, action="talk", case_id=case.id)
    assert "is resolved" in result.notice
    assert desk.book.case(case.id).status is CaseStatus.RESOLVED  # type: ignore[union-attr]


def test_notes_case_card_and_transcript_go_to_the_moderators_chat(
    desk: ModerationDesk, person: Person
) -> None:
    person.say(HIGH_TEXT)
    case = only_case(desk)
    note = desk.act(actor_id=ALICE, action="note", case_id=case.id, text="invented note")
    card = desk.act(actor_id=ALICE, action="case", case_id=case.id)
    transcript = desk.act(actor_id=BOB, action="transcript", case_id=case.id)
    assert note.queued[0].reply.text == f"Note added to case {case.id} by {ALICE}."
    assert card.queued[0].reply.text.startswith(f"HIGH RISK · case {case.id} · open")
    assert HIGH_TEXT in transcript.queued[0].reply.text
    assert "note: invented note" in transcript.queued[0].reply.text
    audit = [(e.actor_id, e.action, e.detail) for e in desk.book.audit_trail(case.id)]
    assert (str(BOB), "transcript", "viewed transcript") in audit


@pytest.mark.parametrize(
    ("action", "case_id", "expected"),
    [("case", None, "Commands: /queue"), ("claim", 999_999, "There is no case 999999.")],
)
def test_a_missing_or_unknown_case_number_gets_an_answer(
    desk: ModerationDesk, action: str, case_id: int | None, expected: str
) -> None:
    result = desk.act(actor_id=ALICE, action=action, case_id=case_id)
    assert result.allowed
    assert result.queued[0].reply.text.startswith(expected)


def test_queue_lists_most_urgent_then_oldest_first(
    service: Any, desk: ModerationDesk, clock: Clock
) -> None:
    Person(service, clock, chat="1").say(CONCERN_TEXT)
    Person(service, clock, chat="2").say(HIGH_TEXT)
    Person(service, clock, chat="3").say(IMMINENT_TEXT)
    Person(service, clock, chat="4").say(HIGH_TEXT)
    Person(service, clock, chat="5").say(CONCERN_TEXT)
    order = [case.chat_id for case in desk.book.cases()]
    assert order == ["3", "2", "4", "1", "5"]
    result = desk.act(actor_id=ALICE, action="queue", case_id=None)
    lines = result.queued[0].reply.text.splitlines()
    assert lines[0] == "Open cases: 5"
    assert lines[1].startswith("🚨 IMMINENT RISK")
    assert [line.split(" · ")[0] for line in lines[1:]] == [
        "🚨 IMMINENT RISK",
        "HIGH RISK",
        "HIGH RISK",
        "CONCERN",
        "CONCERN",
    ]


def test_the_queue_listing_belongs_to_no_conversation(
    service: Any, desk: ModerationDesk, clock: Clock, storage: Storage
) -> None:
    Person(service, clock, chat="1").say(HIGH_TEXT)
    [queued] = desk.act(actor_id=ALICE, action="queue", case_id=None).queued
    [row] = [row for row in outbox_rows(storage) if row.id in queued.outbox_ids]
    assert (row.chat_id, row.conversation_id) == (str(MOD_CHAT), NO_CONVERSATION)


def test_an_unknown_action_is_a_programming_error(desk: ModerationDesk) -> None:
    with pytest.raises(ValueError, match="unknown moderation action 'ban'"):
        desk.act(actor_id=ALICE, action="ban", case_id=1)


def test_each_moderator_action_is_audited(
    storage: Storage, desk: ModerationDesk, person: Person
) -> None:
    person.say(HIGH_TEXT)
    case = only_case(desk)
    for action in ("claim", "talk", "release", "resolve"):
        desk.act(actor_id=ALICE, action=action, case_id=case.id, text="invented reason")
    trail = desk.book.audit_trail(case.id)
    assert [(e.action, e.allowed, e.actor_id) for e in trail] == [
        ("claim", True, str(ALICE)),
        ("talk", True, str(ALICE)),
        ("release", True, str(ALICE)),
        ("resolve", True, str(ALICE)),
    ]
    assert all("invented reason" not in (e.detail or "") for e in trail)
    assert len(alerts(storage)) == 1


def test_a_redelivered_update_acts_once(
    storage: Storage, desk: ModerationDesk, person: Person
) -> None:
    person.say(HIGH_TEXT)
    case = only_case(desk)
    desk.act(actor_id=ALICE, action="talk", case_id=case.id, update_id=70_001)
    first = desk.act(
        actor_id=ALICE, action="reply", case_id=case.id, text="I'm here.", update_id=70_002
    )
    again = desk.act(
        actor_id=ALICE, action="reply", case_id=case.id, text="I'm here.", update_id=70_002
    )
    assert (first.duplicate, again.duplicate, again.queued) == (False, True, ())
    to_person = [r.reply.text for r in outbox_rows(storage, chat=person.chat)]
    assert to_person.count("Team member: I'm here.") == 1
    refused = [desk.act(actor_id=OUTSIDER, action="queue", case_id=None, update_id=70_003)]
    refused.append(desk.act(actor_id=OUTSIDER, action="queue", case_id=None, update_id=70_003))
    assert [r.duplicate for r in refused] == [False, True]
    assert [e.allowed for e in desk.book.audit_trail()].count(False) == 1
