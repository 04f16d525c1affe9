"""Updates through the real Application (process_update), offline, with the echo core."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from bot.model import ConversationRecord, InboundKind, Outcome, Reply, Risk, Route
from bot.storage import Storage
from bot.telegram.application import TelegramBot
from bot.telegram.logs import UPDATE_LOGGER, UpdateLog, hash_key_from_token
from bot.telegram.results import UpdateResult
from bot.telegram.stuck import MAX_ATTEMPTS, failure_notice
from tests.auxil.botapi_standin import BotApiStandIn
from tests.auxil.telegram_parts import MODERATION_CHAT, TOKEN, EchoService, as_update
from tests.auxil.updates import UpdateFactory


async def deliver(bot: TelegramBot, payload: dict[str, Any]) -> bool:
    return await bot.process(as_update(payload, bot))


@pytest.mark.parametrize(
    ("build", "kind"),
    [
        (lambda make: make.text(7, "what is it"), InboundKind.TEXT),
        (lambda make: make.command(7, "crisis"), InboundKind.COMMAND),
        (lambda make: make.edited(7, 1, "changed words"), InboundKind.EDIT),
        (lambda make: make.photo(7, caption="look"), InboundKind.CAPTION),
        (lambda make: make.sticker(7), InboundKind.NON_TEXT),
    ],
    ids=["text", "command", "edit", "caption", "sticker"],
)
async def test_each_message_kind_reaches_the_core_once_and_its_reply_is_queued(
    telegram_bot: TelegramBot,
    echo_service: EchoService,
    sqlite_storage: Storage,
    updates: UpdateFactory,
    build: Any,
    kind: InboundKind,
) -> None:
    assert await deliver(telegram_bot, build(updates))
    [inbound] = echo_service.inbounds
    assert inbound.kind is kind
    [queued] = sqlite_storage.claim_outbox(now=inbound.received_at + 1)
    assert queued.chat_id == "7"
    assert queued.reply.text.startswith(kind.value)


async def test_button_press_reaches_the_core_and_the_spinner_is_stopped(
    telegram_bot: TelegramBot,
    echo_service: EchoService,
    standin: BotApiStandIn,
    updates: UpdateFactory,
) -> None:
    message = updates.bot_message(7, "Pick", [("How it works", "f:ketamine:how")])
    press = updates.callback(7, "f:ketamine:how", message=message)
    assert await deliver(telegram_bot, press)
    [inbound] = echo_service.inbounds
    assert (inbound.kind, inbound.button, inbound.text) == (
        InboundKind.BUTTON,
        "f:ketamine:how",
        "How it works",
    )
    [answer] = standin.calls("answerCallbackQuery")
    assert answer.params["callback_query_id"] == press["callback_query"]["id"]


async def test_button_is_answered_even_when_storing_fails(
    telegram_bot: TelegramBot,
    echo_service: EchoService,
    standin: BotApiStandIn,
    updates: UpdateFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    echo_service.failing = True
    press = updates.callback(7, "f:x", message=updates.bot_message(7, "Pick", [("X", "f:x")]))
    with caplog.at_level(logging.ERROR):
        assert not await deliver(telegram_bot, press)
    assert len(standin.calls("answerCallbackQuery")) == 1


async def test_a_redelivered_update_is_processed_once(
    telegram_bot: TelegramBot,
    echo_service: EchoService,
    sqlite_storage: Storage,
    updates: UpdateFactory,
) -> None:
    payload = updates.text(7, "hello")
    assert await deliver(telegram_bot, payload)
    assert await deliver(telegram_bot, payload)  # committed before: still success, no new work
    assert len(echo_service.inbounds) == 1
    assert sqlite_storage.outbox_depth() == 1


async def test_failure_to_store_is_reported_so_the_update_is_offered_again(
    telegram_bot: TelegramBot,
    echo_service: EchoService,
    sqlite_storage: Storage,
    updates: UpdateFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    echo_service.failing = True
    payload = updates.text(7, "this must not be lost")
    with caplog.at_level(logging.ERROR):
        assert not await deliver(telegram_bot, payload)
    assert "StorageError" in caplog.text
    assert "this must not be lost" not in caplog.text
    echo_service.failing = False
    assert await deliver(telegram_bot, payload)
    assert [inbound.text for inbound in echo_service.inbounds] == ["this must not be lost"]


async def test_group_gets_one_notice_per_update_and_its_words_reach_only_the_gate(
    telegram_bot: TelegramBot,
    echo_service: EchoService,
    sqlite_storage: Storage,
    updates: UpdateFactory,
) -> None:
    payload = updates.text(-42, "words in a group", chat_type="group")
    assert await deliver(telegram_bot, payload)
    assert await deliver(telegram_bot, payload)
    assert echo_service.inbounds == []
    assert echo_service.group_texts == ["words in a group", "words in a group"]
    [notice] = sqlite_storage.claim_outbox(now=2e9)
    assert (notice.chat_id, notice.kind) == ("-42", "notice")
    assert "private message" in notice.reply.text
    assert sqlite_storage.outbox_depth() == 1


@pytest.mark.parametrize(
    "build",
    [
        lambda make: make.text(MODERATION_CHAT, "moderators talking", chat_type="supergroup"),
        lambda make: make.channel_post(-1007, "channel news"),
        lambda make: make.text(9, "from another bot", from_bot=True),
    ],
    ids=["moderation-chat", "channel-post", "other-bot"],
)
async def test_ignored_updates_change_nothing(
    telegram_bot: TelegramBot,
    echo_service: EchoService,
    sqlite_storage: Storage,
    updates: UpdateFactory,
    build: Any,
) -> None:
    assert await deliver(telegram_bot, build(updates))
    assert echo_service.inbounds == []
    assert sqlite_storage.outbox_depth() == 0


async def test_one_log_line_per_update_with_hashed_chat_and_no_text(
    telegram_bot: TelegramBot, updates: UpdateFactory, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=UPDATE_LOGGER):
        await deliver(telegram_bot, updates.text(777001, "private words"))
    [record] = [r for r in caplog.records if r.name == UPDATE_LOGGER]
    line = json.loads(record.getMessage())
    assert line["kind"] == "text"
    assert line["result"] == "handled"
    assert line["route"] == "answer"
    assert line["latency_ms"] >= 0
    assert len(line["chat"]) == 12
    assert "777001" not in record.getMessage()
    assert "private words" not in caplog.text


def test_a_check_in_is_logged_with_its_route(caplog: pytest.LogCaptureFixture) -> None:
    record = ConversationRecord("tg:5", "ketamine", "1", "menu", 0.0, 0.0)
    outcome = Outcome(Route.CHECK_IN, (Reply("a check-in"),), record)
    with caplog.at_level(logging.INFO, logger=UPDATE_LOGGER):
        UpdateLog(hash_key_from_token(TOKEN)).record(
            update_id=1, chat_id=5, kind="text", result="handled", latency_ms=1.0, outcome=outcome
        )
    [line] = [json.loads(r.getMessage()) for r in caplog.records if r.name == UPDATE_LOGGER]
    assert line["route"] == "check_in"
    assert line["risk"] is None


def test_log_text_adds_the_words_only_when_configured(caplog: pytest.LogCaptureFixture) -> None:
    key = hash_key_from_token(TOKEN)
    with caplog.at_level(logging.INFO, logger=UPDATE_LOGGER):
        for log_text in (False, True):
            UpdateLog(key, log_text=log_text).record(
                update_id=1, chat_id=5, kind="text", result="handled", latency_ms=1.0, text="hi"
            )
    without, with_text = (json.loads(r.getMessage()) for r in caplog.records)
    assert "text" not in without
    assert with_text["text"] == "hi"


@pytest.mark.parametrize(
    "text", ["plain", 'quo"te \\ back\nslash', "Grüße 🙂 \u2028 \x01", ""], ids=range(4)
)
def test_the_line_is_what_json_dumps_writes(caplog: pytest.LogCaptureFixture, text: str) -> None:
    record = ConversationRecord("tg:5", "ketamine", "1", "menu", 0.0, 0.0)
    outcome = Outcome(Route.CRISIS, (Reply("lines"),), record, risk=Risk.HIGH)
    log = UpdateLog(hash_key_from_token(TOKEN), log_text=True)
    with caplog.at_level(logging.INFO, logger=UPDATE_LOGGER):
        log.record(
            update_id=12,
            chat_id=5,
            kind="text",
            result=UpdateResult.HANDLED,
            latency_ms=3.14159,
            outcome=outcome,
            text=text,
        )
        log.record(
            update_id=13, chat_id=None, kind="other", result=UpdateResult.FAILED, latency_ms=0.0
        )
    first, second = (r.getMessage() for r in caplog.records if r.name == UPDATE_LOGGER)
    expected = {
        "event": "update",
        "update_id": 12,
        "chat": log.chat_hash(5),
        "kind": "text",
        "result": "handled",
        "route": "crisis",
        "risk": "high",
        "latency_ms": 3.1,
        "text": text,
    }
    assert first == json.dumps(expected, ensure_ascii=False, separators=(",", ":"))
    assert json.loads(second) == {
        "event": "update",
        "update_id": 13,
        "chat": "-",
        "kind": "other",
        "result": "failed",
        "route": None,
        "risk": None,
        "latency_ms": 0.0,
    }


def test_chat_hash_depends_on_the_token() -> None:
    one = UpdateLog(hash_key_from_token("1:a")).chat_hash(5)
    two = UpdateLog(hash_key_from_token("2:b")).chat_hash(5)
    assert one != two
    assert UpdateLog(hash_key_from_token("1:a")).chat_hash(None) == "-"


async def test_an_update_failing_alone_is_let_go_with_a_notice_to_its_chat(
    telegram_bot: TelegramBot,
    echo_service: EchoService,
    sqlite_storage: Storage,
    updates: UpdateFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    echo_service.poison.add("a message the core trips on")
    poison = updates.text(7, "a message the core trips on")
    with caplog.at_level(logging.ERROR):
        for attempt in range(1, MAX_ATTEMPTS):
            assert not await deliver(telegram_bot, poison), attempt
            assert await deliver(telegram_bot, updates.text(8, f"fine {attempt}"))
        assert await deliver(telegram_bot, poison)  # the last attempt lets it go
    notices = [m for m in sqlite_storage.claim_outbox(now=2e9) if m.chat_id == "7"]
    assert [m.reply for m in notices] == [failure_notice()]
    assert "send it again" in failure_notice().text
    assert "findahelpline.com" in failure_notice().text
    assert await deliver(telegram_bot, poison)  # re-delivered later: already settled
    assert "letting it go" in caplog.text


async def test_while_storage_is_down_nothing_is_let_go(
    telegram_bot: TelegramBot,
    echo_service: EchoService,
    sqlite_storage: Storage,
    updates: UpdateFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    echo_service.failing = True
    payload = updates.text(7, "hello")
    with caplog.at_level(logging.ERROR):
        for _ in range(MAX_ATTEMPTS * 2):
            assert not await deliver(telegram_bot, payload)
    assert sqlite_storage.outbox_depth() == 0
