"""Moderation in the person's language: the alert names it, relays keep the person's words."""

from __future__ import annotations

from bot.model import InboundKind
from bot.moderation import ModerationDesk
from bot.storage import Storage
from tests.auxil.moderation_people import (
    MOD_CHAT,
    MODERATORS,
    Person,
    alerts,
    only_case,
    outbox_rows,
)

GERMAN = "ich will nicht mehr leben, ich will mich umbringen"
ALICE, BOB = MODERATORS


def test_the_alert_says_the_persons_language_and_quotes_their_words(
    storage: Storage, desk: ModerationDesk, person: Person
) -> None:
    person.send(InboundKind.TEXT, text=GERMAN, language_code="de-DE")
    [alert] = alerts(storage)
    assert "Language: German (de)" in alert.reply.text
    assert GERMAN in alert.reply.text  # the person's own words, not a translation


def test_handoff_notices_are_in_the_persons_language_and_relays_keep_their_words(
    storage: Storage, desk: ModerationDesk, person: Person
) -> None:
    person.send(InboundKind.TEXT, text=GERMAN, language_code="de-DE")
    case = only_case(desk)
    talk = desk.act(actor_id=ALICE, action="talk", case_id=case.id)
    [joined] = [q for q in talk.queued if q.chat_id == person.chat]
    assert "Ein Mensch aus dem Team ist diesem Chat beigetreten" in joined.reply.text
    written = "bist du ein echter Mensch? ich habe Angst"
    person.send(InboundKind.TEXT, text=written, language_code="de-DE")
    relay = outbox_rows(storage, chat=MOD_CHAT)[-1]
    assert relay.kind == "relay"
    assert written in relay.reply.text
    desk.act(actor_id=BOB, action="reply", case_id=case.id, text="Ja, ich bin Bob.")
    assert outbox_rows(storage, chat=person.chat)[-1].reply.text == "Teammitglied: Ja, ich bin Bob."
    ended = desk.act(actor_id=BOB, action="resolve", case_id=case.id, text="spoke with them")
    [notice] = [q for q in ended.queued if q.chat_id == person.chat]
    assert "Das Gespräch mit dem Team ist beendet" in notice.reply.text
