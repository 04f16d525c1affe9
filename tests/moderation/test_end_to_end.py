"""Moderation through the real ``crisisbot run`` process and the Bot API stand-in (polling).

A crisis message puts an alert with buttons in the moderators' group; a member who is not a
moderator is refused privately; a moderator claims, talks with the person (both ways, across a
restart), resolves with a command, and the person's next message gets a normal answer while a
new crisis opens a new case. A second scenario stops the bot right after an alert and checks
that the re-alert timer still fires after the restart. Every wait polls the stand-in's recorded
calls until a deadline.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.moderation import Case, CaseBook
from bot.storage import Storage
from bot.storage.tables import outbox
from tests.auxil.botapi_standin import BotApiStandIn
from tests.auxil.botprocess import BotProcess, write_config
from tests.auxil.moderation_people import HIGH_TEXT, IMMINENT_TEXT, PLAIN_TEXT
from tests.auxil.updates import UpdateFactory

TOKEN = "123:abc"
MOD_GROUP = -100_555
MODERATOR = 501
MEMBER = 909  # in the moderators' group, but not a moderator
PERSON = 3001
CRISIS_LINE = "988"
READY_TIMEOUT = 60.0

pytestmark = pytest.mark.e2e


def moderated_config(folder: Path, *, realert_minutes: float = 15.0) -> Path:
    """The end-to-end config plus a moderators' group with one moderator."""
    path = write_config(folder)
    with path.open("a", encoding="utf-8") as config:
        config.write(
            "moderation:\n"
            f"  chat_id: {MOD_GROUP}\n"
            f"  moderators: [{MODERATOR}]\n"
            "  realert_minutes:\n"
            f"    imminent: {realert_minutes}\n"
            f"    other: {realert_minutes}\n"
        )
    return path


class Desk:
    """The bot process, the person and the moderators' group, seen from the stand-in."""

    def __init__(self, standin: BotApiStandIn, config: Path) -> None:
        self.standin = standin
        self.config = config
        self.make = UpdateFactory(first_update_id=50_000)
        self.process: BotProcess | None = None
        self.started: list[BotProcess] = []
        self.read: dict[int, int] = {}  # per chat: how many sent texts the test has looked at

    def start(self) -> None:
        before = len(self.standin.calls("getUpdates"))
        self.process = BotProcess(self.config, base_url=self.standin.base_url, token=TOKEN)
        self.started.append(self.process.start())
        self.wait(lambda: len(self.standin.calls("getUpdates")) > before, READY_TIMEOUT)

    def stop(self) -> int:
        assert self.process is not None
        return self.process.stop()

    def wait(self, predicate: Any, timeout: float = 30.0) -> None:
        try:
            self.standin.wait_for(predicate, timeout)
        except AssertionError:
            log = self.process.stderr() if self.process else ""
            raise AssertionError(f"timed out; bot stderr:\n{log[-4000:]}") from None

    def expect(self, chat_id: int, update: dict[str, Any] | None) -> list[str]:
        """Deliver ``update`` (if any); return the first text ``chat_id`` gets after it.

        With ``update=None``, the first text ``chat_id`` gets that this test has not read yet.
        """
        if update is not None:
            self.read[chat_id] = len(self.standin.sent_messages(chat_id))
            self.standin.push_update(update)
        start = self.read.get(chat_id, 0)
        self.wait(lambda: len(self.standin.sent_messages(chat_id)) > start)
        self.read[chat_id] = start + 1
        return self.standin.sent_texts(chat_id)[start : start + 1]

    def last_text(self, chat_id: int) -> str:
        """The latest text sent to ``chat_id`` (marked as read)."""
        texts = self.standin.sent_texts(chat_id)
        self.read[chat_id] = len(texts)
        return texts[-1] if texts else ""

    def press(self, user_id: int, data: str) -> dict[str, Any]:
        """A group member presses an alert button; return the bot's answer to the press."""
        alert = next(
            m for m in reversed(self.standin.sent_messages(MOD_GROUP)) if "reply_markup" in m
        )
        buttons = [
            (b["text"], b["callback_data"])
            for row in alert["reply_markup"]["inline_keyboard"]
            for b in row
        ]
        shown = self.make.bot_message(MOD_GROUP, alert["text"], buttons, chat_type="supergroup")
        answered = len(self.standin.calls("answerCallbackQuery"))
        self.standin.push_update(
            self.make.callback(MOD_GROUP, data, message=shown, user_id=user_id)
        )
        self.wait(lambda: len(self.standin.calls("answerCallbackQuery")) > answered)
        return self.standin.calls("answerCallbackQuery")[-1].params

    def moderator_command(self, name: str, args: str) -> dict[str, Any]:
        return self.make.command(MOD_GROUP, name, args, chat_type="supergroup", user_id=MODERATOR)

    def reply_to_relay(self, text: str) -> dict[str, Any]:
        """The moderator's Telegram reply to the latest relayed message, once it is sent."""
        self.wait(lambda: self._relay_ref() is not None)
        ref = self._relay_ref()
        assert ref is not None
        latest = self.standin.sent_messages(MOD_GROUP)[-1]
        replied = self.make.bot_message(MOD_GROUP, latest["text"], [], chat_type="supergroup")
        replied["message_id"] = int(ref.split(",")[-1])
        return self.make.text(
            MOD_GROUP, text, chat_type="supergroup", user_id=MODERATOR, reply_to_message=replied
        )

    def _relay_ref(self) -> str | None:
        """Telegram's id of the latest relayed message, as the sender recorded it (if yet)."""
        storage = Storage.from_url(f"sqlite:///{self.config.parent / 'bot.db'}")
        try:
            with storage.transaction(write=False) as connection:
                ref = connection.execute(
                    select(outbox.c.sent_ref)
                    .where(outbox.c.chat_id == str(MOD_GROUP), outbox.c.kind == "relay")
                    .order_by(outbox.c.id.desc())
                    .limit(1)
                ).scalar_one_or_none()
        finally:
            storage.close()
        return str(ref) if ref else None

    def cases(self) -> list[Case]:
        storage = Storage.from_url(f"sqlite:///{self.config.parent / 'bot.db'}")
        try:
            return CaseBook(storage).cases(include_resolved=True)
        finally:
            storage.close()


@pytest.fixture
def standin() -> Iterator[BotApiStandIn]:
    with BotApiStandIn(token=TOKEN) as standin:
        yield standin


@pytest.fixture
def make_desk(standin: BotApiStandIn) -> Iterator[Any]:
    made: list[Desk] = []

    def make(config: Path) -> Desk:
        made.append(Desk(standin, config))
        return made[-1]

    yield make
    for desk in made:
        for process in desk.started:
            process.ensure_stopped()


def test_alert_refusal_claim_handoff_restart_resolve_and_a_new_case(
    tmp_path: Path, make_desk: Any
) -> None:
    desk = make_desk(moderated_config(tmp_path))
    desk.start()

    [crisis] = desk.expect(PERSON, desk.make.text(PERSON, HIGH_TEXT))
    assert CRISIS_LINE in crisis
    [alert] = desk.expect(MOD_GROUP, None)
    assert alert.startswith("HIGH RISK · case 1")
    keyboard = desk.standin.sent_messages(MOD_GROUP)[-1]["reply_markup"]["inline_keyboard"]
    assert {b["callback_data"] for row in keyboard for b in row} == {
        "mod:claim:1",
        "mod:talk:1",
        "mod:transcript:1",
        "mod:resolve:1",
    }

    refused = desk.press(MEMBER, "mod:claim:1")
    assert refused.get("show_alert") is True
    assert "Only the bot's moderators" in refused["text"]
    assert desk.cases()[0].status.value == "open"

    desk.press(MODERATOR, "mod:claim:1")
    desk.wait(lambda: desk.last_text(MOD_GROUP) == f"Case 1 taken by {MODERATOR}.")

    desk.press(MODERATOR, "mod:talk:1")
    desk.wait(lambda: "has joined this chat" in desk.last_text(PERSON))
    desk.wait(lambda: "is now talking with the person" in desk.last_text(MOD_GROUP))
    [relay] = desk.expect(MOD_GROUP, desk.make.text(PERSON, "is someone really there?"))
    assert "is someone really there?" in relay
    [answer] = desk.expect(PERSON, desk.reply_to_relay("Yes, I'm here. I'm glad you wrote."))
    assert answer == "Team member: Yes, I'm here. I'm glad you wrote."

    assert desk.stop() == 0
    desk.start()
    [relay_after_restart] = desk.expect(MOD_GROUP, desk.make.text(PERSON, "still there?"))
    assert "still there?" in relay_after_restart

    [told] = desk.expect(PERSON, desk.moderator_command("resolve", "1 safe with family"))
    assert "The conversation with the team has ended" in told
    desk.wait(lambda: desk.last_text(MOD_GROUP).startswith("Case 1 resolved by"))
    [normal] = desk.expect(PERSON, desk.make.text(PERSON, PLAIN_TEXT))
    assert CRISIS_LINE not in normal

    desk.expect(PERSON, desk.make.text(PERSON, HIGH_TEXT))
    [second_alert] = desk.expect(MOD_GROUP, None)
    assert second_alert.startswith("HIGH RISK · case 2")
    assert [case.status.value for case in desk.cases()] == ["open", "resolved"]
    assert desk.stop() == 0


def test_a_timer_set_before_a_restart_fires_after_it(tmp_path: Path, make_desk: Any) -> None:
    desk = make_desk(moderated_config(tmp_path, realert_minutes=0.05))  # 3 seconds
    desk.start()
    [alert] = desk.expect(MOD_GROUP, desk.make.text(PERSON, IMMINENT_TEXT))
    assert alert.startswith("🚨 IMMINENT RISK · case 1")
    assert desk.stop() == 0
    desk.last_text(MOD_GROUP)  # whatever was sent before the restart does not count

    desk.start()
    [again] = desk.expect(MOD_GROUP, None)
    assert again.startswith("🚨 IMMINENT RISK · case 1")
    assert "STILL UNCLAIMED" in again
    assert desk.stop() == 0
