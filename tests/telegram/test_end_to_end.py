"""The real ``crisisbot run`` process against the Bot API stand-in, polling and webhook.

Each scenario drives invented conversations through Telegram-shaped updates and checks what the
stand-in received: topic answers, button presses, crisis replies holding the US line 988 (the
example config's default country), the text-only reply to a sticker, a long paste, and then a
restart that keeps every conversation's state, crisis mode included, and sends nothing twice.
Every wait polls the stand-in's recorded calls (or storage) until a deadline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.model import ConversationRecord
from bot.storage import Storage
from bot.storage.tables import outbox
from tests.auxil.botapi_standin import BotApiStandIn
from tests.auxil.botprocess import BotProcess, free_port, write_config
from tests.auxil.updates import UpdateFactory

pytestmark = pytest.mark.e2e

TOKEN = "123:abc"
CRISIS_LINE = "988"
TOPIC_QUESTION = "how does ketamine actually work in the brain?"
CRISIS_MESSAGE = "lately I keep thinking everyone would be better off if I killed myself"
EDITED_TO_CRISIS = "honestly I just want to die"
READY_TIMEOUT = 60.0


@pytest.fixture
def standin() -> Iterator[BotApiStandIn]:
    with BotApiStandIn(token=TOKEN) as standin:
        yield standin


@pytest.fixture
def processes() -> Iterator[list[BotProcess]]:
    """Every process a test starts; any still running at the end is killed."""
    started: list[BotProcess] = []
    yield started
    for process in started:
        process.ensure_stopped()


class Scenario:
    """One bot process at a time against the stand-in, and the people who write to it."""

    def __init__(
        self, standin: BotApiStandIn, config: Path, processes: list[BotProcess], webhook: bool
    ) -> None:
        self.standin = standin
        self.config = config
        self.processes = processes
        self.webhook = webhook
        self.make = UpdateFactory(first_update_id=10_000)
        self.process: BotProcess | None = None

    def start(self) -> None:
        """Start ``crisisbot run`` and wait until it takes updates."""
        ready_calls = "setWebhook" if self.webhook else "getUpdates"
        before = len(self.standin.calls(ready_calls))
        self.process = BotProcess(self.config, base_url=self.standin.base_url, token=TOKEN)
        self.processes.append(self.process.start())
        self.wait(lambda: len(self.standin.calls(ready_calls)) > before, READY_TIMEOUT)

    def stop(self) -> int:
        assert self.process is not None
        return self.process.stop()

    def wait(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        """Wait for ``predicate``; on failure show what the bot process wrote."""
        try:
            self.standin.wait_for(predicate, timeout)
        except AssertionError:
            log = self.process.stderr() if self.process else ""
            raise AssertionError(f"timed out; bot stderr:\n{log[-4000:]}") from None

    def send(self, update: dict[str, Any]) -> None:
        """Deliver an update as Telegram would in this mode."""
        if self.webhook:
            assert self.standin.post_to_webhook(update) == 200
        else:
            self.standin.push_update(update)

    def exchange(self, chat_id: int, update: dict[str, Any], replies: int = 1) -> list[str]:
        """Deliver ``update`` and return the next ``replies`` texts the chat receives."""
        before = len(self.standin.sent_messages(chat_id))
        self.send(update)
        self.wait(lambda: len(self.standin.sent_messages(chat_id)) >= before + replies)
        return self.standin.sent_texts(chat_id)[before:]

    def last_sent(self, chat_id: int) -> dict[str, Any]:
        return self.standin.sent_messages(chat_id)[-1]


def record_of(config: Path, chat_id: int) -> ConversationRecord:
    storage = Storage.from_url(f"sqlite:///{config.parent / 'bot.db'}")
    try:
        with storage.conversation(f"tg:{chat_id}") as tx:
            assert tx is not None
            record = tx.load()
    finally:
        storage.close()
    assert record is not None
    return record


def press_first_button(scenario: Scenario, chat_id: int) -> tuple[str, list[str]]:
    """Press the first button under the bot's last message; its label and the replies."""
    message = scenario.last_sent(chat_id)
    button = message["reply_markup"]["inline_keyboard"][0][0]
    shown = scenario.make.bot_message(
        chat_id, message["text"], [(b["text"], b["callback_data"]) for b in _buttons(message)]
    )
    answered = len(scenario.standin.calls("answerCallbackQuery"))
    replies = scenario.exchange(
        chat_id, scenario.make.callback(chat_id, button["callback_data"], message=shown)
    )
    scenario.wait(lambda: len(scenario.standin.calls("answerCallbackQuery")) > answered)
    return str(button["text"]), replies


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [button for row in message["reply_markup"]["inline_keyboard"] for button in row]


def converse_and_restart(scenario: Scenario) -> None:
    """The shared scenario of both modes."""
    person, editor, sticker_fan, long_writer = 1001, 1002, 1003, 1004
    scenario.start()

    [menu] = scenario.exchange(person, scenario.make.command(person, "start"))
    assert _buttons(scenario.last_sent(person)), "the menu comes with topic buttons"
    assert CRISIS_LINE not in menu

    [answer] = scenario.exchange(person, scenario.make.text(person, TOPIC_QUESTION))
    assert CRISIS_LINE not in answer
    state_after_question = record_of(scenario.config, person).state

    label, [after_press] = press_first_button(scenario, person)
    assert after_press != answer
    pressed_state = record_of(scenario.config, person)
    assert pressed_state.state != state_after_question, f"pressing {label!r} moves on"

    [crisis] = scenario.exchange(editor, scenario.make.text(editor, CRISIS_MESSAGE))
    assert CRISIS_LINE in crisis

    question = scenario.make.text(sticker_fan, "what is esketamine")
    scenario.exchange(sticker_fan, question)
    edit = scenario.make.edited(sticker_fan, question["message"]["message_id"], EDITED_TO_CRISIS)
    [edit_reply] = scenario.exchange(sticker_fan, edit)
    assert CRISIS_LINE in edit_reply

    [sticker_reply] = scenario.exchange(long_writer, scenario.make.sticker(long_writer))
    assert "text" in sticker_reply.lower()
    assert CRISIS_LINE in sticker_reply

    # A 5,000-character paste reaches the bot as two messages (4,096 + 904), as Telegram
    # clients send it; the crisis words at its end are in the second one.
    paste = (
        ("I have read a great deal about ketamine clinics and treatments. " * 80)[
            : 5000 - len(CRISIS_MESSAGE) - 1
        ]
        + " "
        + CRISIS_MESSAGE
    )
    head, tail = paste[:4096], paste[4096:]
    [first] = scenario.exchange(long_writer, scenario.make.text(long_writer, head))
    [second] = scenario.exchange(long_writer, scenario.make.text(long_writer, tail))
    assert CRISIS_LINE in second
    assert record_of(scenario.config, long_writer).crisis is not None
    del first

    assert scenario.stop() == 0
    sent_before_restart = len(scenario.standin.sent_messages())
    person_turns = record_of(scenario.config, person).turns

    scenario.start()
    assert len(scenario.standin.sent_messages()) == sent_before_restart, "nothing sent twice"

    [still_crisis] = scenario.exchange(long_writer, scenario.make.text(long_writer, "thanks"))
    assert CRISIS_LINE in still_crisis, "crisis mode survives the restart"

    scenario.exchange(person, scenario.make.text(person, "what do the trials show?"))
    continued = record_of(scenario.config, person)
    assert continued.turns == person_turns + 1, "the conversation continues where it was"
    assert continued.crisis is None
    assert scenario.stop() == 0


def test_polling_end_to_end_with_restart(
    standin: BotApiStandIn, tmp_path: Path, processes: list[BotProcess]
) -> None:
    scenario = Scenario(standin, write_config(tmp_path), processes, webhook=False)
    converse_and_restart(scenario)
    assert standin.pending_updates() == [], "every update was confirmed to Telegram"


def test_webhook_end_to_end_with_restart_secret_and_resent_update(
    standin: BotApiStandIn, tmp_path: Path, processes: list[BotProcess]
) -> None:
    config = write_config(tmp_path, mode="webhook", webhook_port=free_port())
    scenario = Scenario(standin, config, processes, webhook=True)
    converse_and_restart(scenario)

    scenario.start()
    chat = 1005
    update = scenario.make.command(chat, "start")
    assert standin.post_to_webhook(update, use_secret=False) == 403
    assert standin.post_to_webhook(update, secret="not-the-secret") == 403
    assert standin.sent_messages(chat) == []
    scenario.exchange(chat, update)
    assert standin.post_to_webhook(update) == 200  # Telegram re-sends: processed once
    scenario.exchange(chat, scenario.make.text(chat, "what is esketamine"))
    assert len(standin.sent_messages(chat)) == 2
    assert scenario.stop() == 0


def test_reply_committed_before_a_crash_is_sent_once_after_restart(
    standin: BotApiStandIn, tmp_path: Path, processes: list[BotProcess]
) -> None:
    config = write_config(tmp_path)
    scenario = Scenario(standin, config, processes, webhook=False)
    scenario.start()
    chat = 2001
    standin.fail_next_sends(100, status=500)
    scenario.send(scenario.make.command(chat, "start"))
    scenario.wait(lambda: _outbox_row_waiting_for_retry(config))
    assert scenario.process is not None
    scenario.process.kill()

    standin.clear_failures()
    scenario.start()
    scenario.wait(lambda: len(standin.sent_messages(chat)) == 1)
    scenario.exchange(chat, scenario.make.text(chat, "what is esketamine"))
    assert len(standin.sent_messages(chat)) == 2, "the /start reply went out exactly once"
    assert record_of(config, chat).turns == 2, "the update was processed once"
    assert scenario.stop() == 0


def _outbox_row_waiting_for_retry(config: Path) -> bool:
    """A send failed and the sender recorded it (so the crash leaves no lease behind)."""
    storage = Storage.from_url(f"sqlite:///{config.parent / 'bot.db'}")
    try:
        with storage.transaction(write=False) as connection:
            rows = connection.execute(
                select(outbox.c.attempts, outbox.c.leased_until).where(outbox.c.sent_at.is_(None))
            ).all()
    finally:
        storage.close()
    return any(row.attempts >= 1 and row.leased_until is None for row in rows)


@pytest.mark.parametrize(
    ("token", "expected"),
    [("", "TELEGRAM_BOT_TOKEN is not set"), ("999:rejected", "rejected the token")],
    ids=["missing", "rejected"],
)
def test_missing_or_rejected_token_is_one_line_and_exit_2(
    standin: BotApiStandIn, tmp_path: Path, token: str, expected: str
) -> None:
    process = BotProcess(write_config(tmp_path), base_url=standin.base_url, token=token).start()
    try:
        assert process.run_to_end() == 2
    finally:
        process.ensure_stopped()
    output = process.stderr().strip().splitlines()
    assert len(output) == 1, output
    assert expected in output[0]
    assert "999:rejected" not in output[0]
