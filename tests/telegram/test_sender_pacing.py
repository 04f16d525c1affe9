"""The outbox sender waits for the shared send budget before every part it sends."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.model import Reply
from bot.storage import Storage
from bot.telegram.ratelimit import SendLimits, SendPacer
from bot.telegram.sender import OutboxSender, SenderSettings
from tests.auxil.botapi_standin import BotApiStandIn
from tests.auxil.telegram_parts import OFFLINE_BASE_URL, TOKEN, offline_request

LONG_TEXT = ("A session is supervised from start to finish. " * 120)[:5000]  # two parts


@pytest.fixture
def standin() -> BotApiStandIn:
    return BotApiStandIn(token=TOKEN)


@pytest.fixture
async def bot(standin: BotApiStandIn, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Bot]:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    async with Bot(TOKEN, base_url=OFFLINE_BASE_URL, request=offline_request(standin)) as bot:
        yield bot


@pytest.fixture
def turns(monkeypatch: pytest.MonkeyPatch, standin: BotApiStandIn) -> list[tuple[int, int]]:
    """Each ``wait_turn`` call as (chat, sendMessage calls made before it)."""
    seen: list[tuple[int, int]] = []

    async def wait_turn(self: SendPacer, chat_id: int) -> float:
        seen.append((chat_id, len(standin.calls("sendMessage"))))
        return 0.0

    monkeypatch.setattr(SendPacer, "wait_turn", wait_turn)
    return seen


def enqueue(storage: Storage, chat_id: int, text: str) -> None:
    with storage.conversation(f"tg:{chat_id}") as tx:
        assert tx is not None
        tx.enqueue(str(chat_id), Reply(text))


async def test_every_part_waits_for_its_turn_before_it_is_sent(
    bot: Bot, sqlite_storage: Storage, standin: BotApiStandIn, turns: list[tuple[int, int]]
) -> None:
    enqueue(sqlite_storage, 7, LONG_TEXT)
    sender = OutboxSender(bot, sqlite_storage, SenderSettings(limits=SendLimits()))
    assert await sender.flush(timeout=10) == 2  # one row per part, split where it was queued
    assert len(standin.sent_messages(7)) == 2
    assert turns == [(7, 0), (7, 1)]


async def test_without_limits_nothing_waits(
    bot: Bot, sqlite_storage: Storage, standin: BotApiStandIn, turns: list[tuple[int, int]]
) -> None:
    enqueue(sqlite_storage, 8, "Hello")
    sender = OutboxSender(bot, sqlite_storage)
    assert await sender.send_due() == 1
    assert standin.sent_texts(8) == ["Hello"]
    assert turns == []
