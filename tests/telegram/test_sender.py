"""The outbox sender over real SQLite storage and the stand-in's answers (offline)."""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

import pytest
from sqlalchemy import text as sql
from telegram import Bot
from telegram.error import RetryAfter

from bot.errors import StorageError
from bot.model import Button, Reply
from bot.storage import Priority, Storage
from bot.storage.outbox import Delivery, reply_to_json
from bot.telegram.sender import (
    OutboxSender,
    SenderSettings,
    backoff_seconds,
    retry_after_seconds,
)
from tests.auxil.botapi_standin import BotApiStandIn
from tests.auxil.telegram_parts import OFFLINE_BASE_URL, TOKEN, offline_request
from tests.auxil.waiting import eventually

LATER = time.time() + 3600.0  # the sender's clock: after every enqueue of the test
LONG_TEXT = ("Sessions are supervised and last about two hours. " * 100)[:5000]


@pytest.fixture
async def bot(standin: BotApiStandIn) -> AsyncIterator[Bot]:
    """A Bot whose requests the stand-in answers in-process."""
    async with Bot(TOKEN, base_url=OFFLINE_BASE_URL, request=offline_request(standin)) as bot:
        yield bot


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    """Starts after every enqueue of the test, so everything queued is due."""
    return Clock(LATER)


@pytest.fixture
def sender(bot: Bot, sqlite_storage: Storage, clock: Clock) -> OutboxSender:
    """A sender on the test's clock, with no jitter (each backoff is its ceiling)."""
    return OutboxSender(bot, sqlite_storage, clock=clock, jitter=lambda: 1.0)


def enqueue(storage: Storage, chat_id: int, reply: Reply, kind: str = "reply") -> int:
    with storage.conversation(f"tg:{chat_id}") as tx:
        assert tx is not None
        return tx.enqueue(str(chat_id), reply, kind=kind)


async def test_sends_plain_text_with_the_keyboard_and_marks_it_sent(
    sender: OutboxSender, sqlite_storage: Storage, standin: BotApiStandIn
) -> None:
    enqueue(sqlite_storage, 7, Reply("Hello <b>there</b> & *you*", (Button("More", "f:more"),)))
    assert await sender.send_due() == 1
    [sent] = standin.sent_messages(7)
    assert sent["text"] == "Hello <b>there</b> & *you*"
    assert "parse_mode" not in sent
    assert sent["reply_markup"] == {
        "inline_keyboard": [[{"text": "More", "callback_data": "f:more"}]]
    }
    assert sqlite_storage.outbox_depth() == 0


async def test_long_reply_goes_out_in_two_messages_buttons_on_the_last(
    sender: OutboxSender, sqlite_storage: Storage, standin: BotApiStandIn
) -> None:
    enqueue(sqlite_storage, 7, Reply(LONG_TEXT, (Button("More", "f:more"),)))
    assert await sender.flush(timeout=10) == 2  # split where it was queued: one row a message
    first, second = standin.sent_messages(7)
    assert len(first["text"]) <= 4096
    assert len(second["text"]) <= 4096
    assert "reply_markup" not in first
    assert "reply_markup" in second
    assert sqlite_storage.outbox_depth() == 0


async def test_flood_control_reschedules_after_the_time_telegram_asks(
    sender: OutboxSender, sqlite_storage: Storage, standin: BotApiStandIn
) -> None:
    enqueue(sqlite_storage, 7, Reply("hello"))
    standin.fail_next_sends(1, status=429, retry_after=7)
    await sender.send_due()
    assert standin.sent_messages(7) == []
    assert sqlite_storage.claim_outbox(now=LATER + 6.9) == []
    [message] = sqlite_storage.claim_outbox(now=LATER + 7.0)
    assert message.attempts == 1


@pytest.mark.parametrize(("failures", "wait"), [(1, 1.0), (2, 2.0), (3, 4.0)])
async def test_network_errors_back_off_exponentially(
    sender: OutboxSender,
    sqlite_storage: Storage,
    standin: BotApiStandIn,
    clock: Clock,
    failures: int,
    wait: float,
) -> None:
    enqueue(sqlite_storage, 7, Reply("hello"))
    standin.fail_next_sends(failures, status=500)
    for attempt in range(failures):
        await sender.send_due()
        if attempt < failures - 1:
            clock.now += 2.0**attempt  # the next round runs when the retry is due
    assert sqlite_storage.claim_outbox(now=clock.now + wait - 0.01) == []
    [message] = sqlite_storage.claim_outbox(now=clock.now + wait)
    assert message.attempts == failures


@pytest.mark.parametrize("status", [403, 400], ids=["blocked", "chat-not-found"])
async def test_blocked_or_missing_chat_is_given_up(
    sender: OutboxSender, sqlite_storage: Storage, standin: BotApiStandIn, status: int
) -> None:
    enqueue(sqlite_storage, 7, Reply("hello"))
    enqueue(sqlite_storage, 7, Reply("second"))
    standin.fail_next_sends(1, status=status)
    await sender.send_due()
    assert sqlite_storage.outbox_depth() == 1  # the first is dead, the second still waits
    await sender.send_due()
    assert standin.sent_texts(7) == ["second"]


async def test_retry_after_a_failed_second_part_sends_only_that_part(
    sender: OutboxSender, sqlite_storage: Storage, standin: BotApiStandIn, clock: Clock
) -> None:
    enqueue(sqlite_storage, 7, Reply(LONG_TEXT))
    standin.fail_next_sends(1, status=429, retry_after=1, after=1)
    await sender.send_due()  # the first part's row
    await sender.send_due()  # the second part's row: flood control
    assert len(standin.sent_messages(7)) == 1
    clock.now += 1.0
    await sender.send_due()
    first, second = standin.sent_texts(7)
    assert first != second
    assert len(first) + len(second) >= 4990
    assert sqlite_storage.outbox_depth() == 0


async def test_alerts_and_notices_go_to_their_chat_the_same_way(
    sender: OutboxSender, sqlite_storage: Storage, standin: BotApiStandIn
) -> None:
    enqueue(sqlite_storage, -100500, Reply("case 12 needs a person"), kind="alert")
    await sender.send_due()
    assert standin.sent_texts(-100500) == ["case 12 needs a person"]


async def test_a_chat_gets_its_messages_in_order_across_rounds(
    sender: OutboxSender, sqlite_storage: Storage, standin: BotApiStandIn
) -> None:
    for text in ["one", "two", "three"]:
        enqueue(sqlite_storage, 7, Reply(text))
    enqueue(sqlite_storage, 8, Reply("other chat"))
    assert await sender.flush(timeout=10) == 4
    assert standin.sent_texts(7) == ["one", "two", "three"]
    assert standin.sent_texts(8) == ["other chat"]


async def test_run_sends_when_woken_after_a_commit(
    bot: Bot, sqlite_storage: Storage, standin: BotApiStandIn
) -> None:
    sender = OutboxSender(bot, sqlite_storage, SenderSettings(tick_seconds=3600))
    running = asyncio.create_task(sender.run())
    try:
        enqueue(sqlite_storage, 7, Reply("after commit"))
        sender.wake()
        await eventually(lambda: standin.sent_texts(7) == ["after commit"])
    finally:
        sender.stop()
        await running


async def test_empty_reply_is_given_up_with_a_reason(
    sender: OutboxSender, sqlite_storage: Storage, standin: BotApiStandIn
) -> None:
    enqueue(sqlite_storage, 7, Reply("   "))
    await sender.send_due()
    assert standin.sent_messages(7) == []
    assert sqlite_storage.outbox_depth() == 0


def test_backoff_doubles_and_is_capped_with_jitter_between_half_and_full() -> None:
    settings = SenderSettings(backoff_base=1.0, backoff_cap=300.0)
    assert [backoff_seconds(n, settings, lambda: 1.0) for n in range(4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff_seconds(50, settings, lambda: 1.0) == 300.0
    assert backoff_seconds(3, settings, lambda: 0.0) == 4.0


@pytest.mark.parametrize("given", [5, timedelta(seconds=5)], ids=["int", "timedelta"])
def test_retry_after_is_read_without_deprecation_warnings(given: int | timedelta) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert retry_after_seconds(RetryAfter(given)) == 5.0


async def test_send_directly_sends_from_a_worker_thread_without_the_outbox(
    sender: OutboxSender, sqlite_storage: Storage, standin: BotApiStandIn
) -> None:
    parts = [Reply("Please call a crisis line now."), Reply("Or talk to a person here.")]
    with pytest.raises(RuntimeError, match="not running"):
        await asyncio.to_thread(sender.send_directly, "17", parts)
    running = asyncio.create_task(sender.run())
    try:
        await eventually(lambda: sender.running)
        await asyncio.to_thread(sender.send_directly, "17", parts)
    finally:
        sender.stop()
        await running
    assert [sent["text"] for sent in standin.sent_messages(17)] == [part.text for part in parts]
    assert sqlite_storage.outbox_depth() == 0


async def test_a_long_row_an_older_version_queued_whole_is_sent_in_parts_not_lost(
    sender: OutboxSender, sqlite_storage: Storage, standin: BotApiStandIn
) -> None:
    """During a rolling upgrade a replica of the previous version may still queue a long
    transcript as one row (its sender split at send time); this sender must not lose it."""
    with sqlite_storage.transaction() as connection:
        connection.execute(
            sql(
                "INSERT INTO outbox (conversation_id, chat_id, kind, payload, created_at,"
                " not_before) VALUES ('', '7', 'transcript', :payload, 0, 0)"
            ),
            {"payload": reply_to_json(Reply(LONG_TEXT, (Button("Claim", "mod:claim:1"),)))},
        )
    assert await sender.send_due() == 1
    first, second = standin.sent_messages(7)
    assert len(first["text"]) <= 4096
    assert len(second["text"]) <= 4096
    assert (first["text"] + second["text"]).replace(" ", "") == LONG_TEXT.replace(" ", "")
    assert "reply_markup" not in first
    assert "reply_markup" in second
    assert sqlite_storage.outbox_depth() == 0


async def test_a_crisis_reply_goes_out_in_the_first_round_ahead_of_a_backlog(
    bot: Bot, sqlite_storage: Storage, clock: Clock, standin: BotApiStandIn
) -> None:
    for chat_id in range(100, 130):
        enqueue(sqlite_storage, chat_id, Reply(f"ordinary answer for {chat_id}"))
    with sqlite_storage.conversation("tg:7") as tx:
        assert tx is not None
        tx.enqueue("7", Reply("crisis lines"), priority=Priority.HIGH)
    sender = OutboxSender(bot, sqlite_storage, SenderSettings(batch_size=10), clock=clock)
    assert await sender.send_due() == 10
    assert standin.sent_texts(7) == ["crisis lines"]
    assert sum(1 for chat_id in range(100, 130) if standin.sent_texts(chat_id)) == 9


async def test_a_rounds_results_are_recorded_together_in_few_transactions(
    sender: OutboxSender,
    sqlite_storage: Storage,
    standin: BotApiStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    written: list[int] = []
    record = sqlite_storage.record_deliveries

    def counted(deliveries: Sequence[Delivery], *, now: float) -> None:
        record(deliveries, now=now)
        written.append(len(deliveries))

    monkeypatch.setattr(sqlite_storage, "record_deliveries", counted)
    for chat in range(1, 21):
        enqueue(sqlite_storage, chat, Reply(f"hello {chat}"))
    assert await sender.send_due() == 20
    assert sum(written) == 20
    assert len(written) < 20  # results that waited together went in one transaction
    assert sqlite_storage.outbox_depth() == 0
    assert all(standin.sent_messages(chat) for chat in range(1, 21))


async def test_results_that_cannot_be_recorded_leave_the_messages_to_be_claimed_again(
    sender: OutboxSender,
    sqlite_storage: Storage,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def down(deliveries: Sequence[Delivery], *, now: float) -> None:
        raise StorageError("storage unreachable (test)")

    for chat in range(1, 4):
        enqueue(sqlite_storage, chat, Reply(f"hello {chat}"))
    with monkeypatch.context() as patch:
        patch.setattr(sqlite_storage, "record_deliveries", down)
        assert await sender.send_due() == 3  # each send's failure is logged, not raised
    assert sqlite_storage.outbox_depth() == 3  # not marked sent: sent again after the lease
    assert await sender.send_due() == 0  # still leased
    clock.now += sender.settings.lease_seconds + 1
    assert await sender.send_due() == 3
    assert sqlite_storage.outbox_depth() == 0
