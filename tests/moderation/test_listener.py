"""A crisis message opens a case and queues an alert in the same transaction as the crisis reply."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import ModerationConfig
from bot.core.service import Service
from bot.model import Inbound, InboundKind, Outcome, Risk, Route
from bot.moderation import CaseStatus, ModerationDesk, Who
from bot.moderation.texts import risk_label
from bot.storage import ConversationTx, Priority, Storage
from tests.auxil.moderation_people import (
    CONCERN_TEXT,
    HIGH_TEXT,
    IMMINENT_TEXT,
    MOD_CHAT,
    PLAIN_TEXT,
    Clock,
    Person,
    alerts,
    only_case,
    outbox_rows,
)


class Boom(Exception):
    """Raised by a listener after moderation wrote its part."""


class FailingListener:
    """Fails every outcome, as a crash in a later listener would."""

    def on_outcome(self, tx: ConversationTx, inbound: Inbound, outcome: Outcome) -> None:
        raise Boom


@pytest.mark.parametrize(
    ("text", "risk"),
    [(IMMINENT_TEXT, Risk.IMMINENT), (HIGH_TEXT, Risk.HIGH), (CONCERN_TEXT, Risk.CONCERN)],
)
def test_crisis_message_opens_a_case_and_alerts_with_buttons(
    storage: Storage, desk: ModerationDesk, person: Person, text: str, risk: Risk
) -> None:
    outcome = person.say(text)
    assert outcome.route is Route.CRISIS
    assert outcome.risk is risk
    case = only_case(desk)
    assert (case.status, case.risk, case.chat_id) == (CaseStatus.OPEN, risk, person.chat)
    assert case.rule == outcome.rule
    assert case.category == outcome.category
    assert case.alert_count == 1
    [alert] = alerts(storage)
    first_line = alert.reply.text.splitlines()[0]
    assert first_line.startswith(risk_label(risk))
    assert f"case {case.id}" in first_line
    assert text[:40] in alert.reply.text
    assert [button.action for button in alert.reply.buttons] == [
        f"mod:claim:{case.id}",
        f"mod:talk:{case.id}",
        f"mod:transcript:{case.id}",
        f"mod:resolve:{case.id}",
    ]
    assert [row.kind for row in outbox_rows(storage, chat=person.chat)] == ["reply"]


@pytest.mark.parametrize(
    ("text", "alert_priority"),
    [
        (IMMINENT_TEXT, Priority.HIGH),
        (HIGH_TEXT, Priority.HIGH),
        (CONCERN_TEXT, Priority.NORMAL),
    ],
)
def test_alerts_about_urgent_cases_and_every_crisis_reply_go_out_first(
    storage: Storage, person: Person, text: str, alert_priority: Priority
) -> None:
    person.say(text)
    [alert] = alerts(storage)
    assert alert.priority == alert_priority
    [reply] = outbox_rows(storage, chat=person.chat)
    assert reply.priority == Priority.HIGH


def test_ordinary_replies_and_notices_keep_the_normal_priority(
    storage: Storage, person: Person
) -> None:
    person.say(PLAIN_TEXT)
    assert [row.priority for row in outbox_rows(storage)] == [Priority.NORMAL]


def test_imminent_is_marked_as_such(storage: Storage, person: Person) -> None:
    person.say(IMMINENT_TEXT)
    [alert] = alerts(storage)
    assert alert.reply.text.startswith("🚨 IMMINENT RISK")


def test_a_failing_listener_rolls_back_the_crisis_reply_and_the_case(
    core: Any, storage: Storage, desk: ModerationDesk, clock: Clock
) -> None:
    service = Service(core, storage, listeners=[desk.listener(), FailingListener()])
    with pytest.raises(Boom):
        Person(service, clock).say(HIGH_TEXT)
    assert outbox_rows(storage) == []
    assert desk.book.cases(include_resolved=True) == []
    assert storage.count_conversations() == 0


def test_rising_risk_alerts_again_and_says_so(
    storage: Storage, desk: ModerationDesk, person: Person
) -> None:
    person.say(CONCERN_TEXT)
    person.say(IMMINENT_TEXT)
    case = only_case(desk)
    assert case.risk is Risk.IMMINENT
    _first, second = alerts(storage)
    assert "RISK ROSE from CONCERN to 🚨 IMMINENT RISK" in second.reply.text
    assert second.reply.text.startswith("🚨 IMMINENT RISK")
    assert case.alert_count == 2


def test_a_repeated_signal_at_the_same_level_does_not_alert_again(
    storage: Storage, desk: ModerationDesk, person: Person
) -> None:
    person.say(HIGH_TEXT)
    person.say(HIGH_TEXT)
    person.say("i don't know what to do")
    assert len(alerts(storage)) == 1
    lines = desk.book.transcript(only_case(desk).id, viewer="test")
    assert [line.who for line in lines].count(Who.PERSON) == 3


def test_asking_for_a_human_opens_a_flagged_case_and_alerts(
    storage: Storage, desk: ModerationDesk, person: Person
) -> None:
    outcome = person.command("human")
    assert "human_requested" in outcome.events
    case = only_case(desk)
    assert case.human_requested
    assert case.risk is None
    [alert] = alerts(storage)
    assert alert.reply.text.startswith("NO RISK SIGNAL")
    assert "asked to talk with a person" in alert.reply.text


def test_asking_for_a_human_during_a_crisis_alerts_once_more(
    storage: Storage, desk: ModerationDesk, person: Person
) -> None:
    crisis = person.say(HIGH_TEXT)
    human_button = next(b for b in crisis.replies[0].buttons if b.action == "sys:human")
    person.press(human_button.action, human_button.label)
    person.press(human_button.action, human_button.label)
    case = only_case(desk)
    assert case.human_requested
    assert len(alerts(storage)) == 2


def test_ordinary_questions_open_no_case(
    storage: Storage, desk: ModerationDesk, person: Person
) -> None:
    outcome = person.say(PLAIN_TEXT)
    assert outcome.route is not Route.CRISIS
    assert desk.book.cases(include_resolved=True) == []
    assert outbox_rows(storage, chat=MOD_CHAT) == []


def test_without_a_moderators_chat_nothing_is_recorded(
    core: Any, storage: Storage, make_desk: Any, clock: Clock
) -> None:
    desk = make_desk(storage, ModerationConfig(chat_id=None, moderators=(501,)))
    service = Service(core, storage, listeners=[desk.listener()])
    Person(service, clock).say(HIGH_TEXT)
    assert desk.book.cases(include_resolved=True) == []


def test_the_transcript_keeps_the_last_lines_only(desk: ModerationDesk, person: Person) -> None:
    from bot.moderation.journal import MAX_TRANSCRIPT_LINES

    person.say(HIGH_TEXT)
    for number in range(MAX_TRANSCRIPT_LINES):
        person.say(f"invented line {number}")
    lines = desk.book.transcript(only_case(desk).id, viewer="test")
    assert len(lines) == MAX_TRANSCRIPT_LINES
    assert lines[-2].text == f"invented line {MAX_TRANSCRIPT_LINES - 1}"
    assert lines[-1].who is Who.BOT


def test_two_people_get_two_cases(
    service: Any, storage: Storage, desk: ModerationDesk, clock: Clock
) -> None:
    Person(service, clock, chat="111").say(HIGH_TEXT)
    Person(service, clock, chat="222").say(CONCERN_TEXT)
    assert sorted(case.chat_id or "" for case in desk.book.cases()) == ["111", "222"]
    assert len(alerts(storage)) == 2


def test_a_case_opened_early_in_a_group_commit_gets_the_same_chats_later_message(
    service: Any, desk: ModerationDesk, clock: Clock
) -> None:
    # The batch read "no case" for this conversation before its first update opened one; the
    # second update must still be written down in it.
    other = Person(service, clock, chat="333")
    other.say(PLAIN_TEXT)
    requests = [
        (Inbound("person:4242", InboundKind.TEXT, text=HIGH_TEXT, received_at=clock()), "4242"),
        (Inbound("person:333", InboundKind.TEXT, text=PLAIN_TEXT, received_at=clock()), "333"),
        (Inbound("person:4242", InboundKind.TEXT, text="still here", received_at=clock()), "4242"),
    ]
    results = service.handle_many(requests)
    assert all(isinstance(result, Outcome) for result in results)
    case = only_case(desk)
    assert case.conversation_id == "person:4242"
    said = [
        line.text for line in desk.book.transcript(case.id, viewer="test") if line.who is Who.PERSON
    ]
    assert said == [HIGH_TEXT, "still here"]


def test_messages_of_a_person_with_a_case_are_written_down_in_a_group_commit(
    service: Any, desk: ModerationDesk, person: Person, clock: Clock
) -> None:
    person.say(HIGH_TEXT)
    requests = [
        (Inbound("person:555", InboundKind.TEXT, text=PLAIN_TEXT, received_at=clock()), "555"),
        (Inbound(person.id, InboundKind.TEXT, text="one more line", received_at=clock()), "4242"),
    ]
    service.handle_many(requests)
    case = only_case(desk)
    lines = [line.text for line in desk.book.transcript(case.id, viewer="test")]
    assert "one more line" in lines
