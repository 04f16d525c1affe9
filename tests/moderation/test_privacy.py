"""Privacy: transcripts expire after retention_days; /forget erases them and anonymises cases."""

from __future__ import annotations

from typing import Any

from bot.config import ModerationConfig
from bot.core.service import Service
from bot.moderation import CaseStatus, ModerationDesk
from bot.moderation.models import FORGOTTEN_PREFIX
from bot.storage import Storage
from tests.auxil.moderation_people import (
    HIGH_TEXT,
    MOD_CHAT,
    MODERATORS,
    Clock,
    Person,
    alerts,
    only_case,
    outbox_rows,
)

DAY = 86_400.0


def test_retention_removes_old_transcript_lines_and_keeps_the_case(
    storage: Storage, desk: ModerationDesk, person: Person, clock: Clock
) -> None:
    person.say(HIGH_TEXT)
    [alert] = alerts(storage)
    storage.mark_sent(alert.id, now=clock(), sent_ref="9001")
    case = only_case(desk)
    clock.advance(31 * DAY)
    person.say("an invented message a month later")
    removed = desk.purge_transcripts()
    assert removed == 2  # the first message and the bot's crisis reply
    lines = desk.book.transcript(case.id, viewer="test")
    assert lines[0].text == "an invented message a month later"
    assert only_case(desk).id == case.id
    assert alert.id not in {row.id for row in outbox_rows(storage)}
    assert desk.purge_transcripts() == 0


def test_forget_erases_transcripts_and_keeps_an_anonymised_case(
    storage: Storage, desk: ModerationDesk, person: Person, clock: Clock
) -> None:
    person.say(HIGH_TEXT)
    case = only_case(desk)
    desk.act(actor_id=MODERATORS[0], action="note", case_id=case.id, text="invented note")
    [alert] = alerts(storage)
    storage.mark_sent(alert.id, now=clock(), sent_ref="9002")

    person.command("forget")
    outcome = person.press("sys:forget:yes", "Yes, delete")
    assert "forget" in outcome.events

    # Only crisis mode outlives /forget, until its cool-down (safety before privacy).
    assert storage.count_conversations() == 1
    with storage.conversation(person.id) as tx:
        assert tx is not None
        record = tx.load()
    assert record is not None
    assert record.crisis is not None
    assert (record.signals, record.turns, record.handoff_case) == ((), 0, None)
    kept = desk.book.case(case.id)
    assert kept is not None
    assert kept.conversation_id == f"{FORGOTTEN_PREFIX}{case.id}"
    assert kept.chat_id is None
    assert (kept.status, kept.resolved_by) == (CaseStatus.RESOLVED, "person")
    assert (kept.risk, kept.category, kept.rule) == (case.risk, case.category, case.rule)
    assert desk.book.transcript(case.id, viewer="test") == []
    mod_rows = outbox_rows(storage, chat=MOD_CHAT)
    assert alert.id not in {row.id for row in mod_rows}, "the sent alert quoted the person"
    assert "deleted their data with /forget" in mod_rows[-1].reply.text
    assert all(HIGH_TEXT not in row.reply.text for row in outbox_rows(storage))
    assert ("person", "forget") in {(e.actor_id, e.action) for e in desk.book.audit_trail()}


def test_after_forget_a_new_signal_opens_a_new_case(desk: ModerationDesk, person: Person) -> None:
    person.say(HIGH_TEXT)
    first = only_case(desk)
    person.command("forget")
    person.press("sys:forget:yes", "Yes, delete")
    person.say(HIGH_TEXT)
    second = only_case(desk)
    assert second.id != first.id
    assert second.chat_id == person.chat


def test_forget_of_a_resolved_case_removes_the_resolution_text(
    desk: ModerationDesk, person: Person
) -> None:
    person.say(HIGH_TEXT)
    case = only_case(desk)
    desk.act(actor_id=MODERATORS[0], action="resolve", case_id=case.id, text="invented reason")
    person.command("forget")
    person.press("sys:forget:yes", "Yes, delete")
    kept = desk.book.case(case.id)
    assert kept is not None
    assert kept.resolution == "removed: the person used /forget"
    assert kept.resolved_by == str(MODERATORS[0])


def test_forget_anonymises_cases_even_after_moderation_was_switched_off(
    core: Any, storage: Storage, make_desk: Any, person: Person, clock: Clock
) -> None:
    person.say(HIGH_TEXT)
    case = only_case(make_desk(storage))
    switched_off = make_desk(storage, ModerationConfig(chat_id=None, moderators=()))
    later = Person(Service(core, storage, listeners=[switched_off.listener()]), clock)
    later.command("forget")
    later.press("sys:forget:yes", "Yes, delete")
    kept = switched_off.book.case(case.id)
    assert kept is not None
    assert kept.chat_id is None
    assert switched_off.book.transcript(case.id, viewer="test") == []
