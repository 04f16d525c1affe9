"""The inbox in front of the core: acknowledged once stored, decided after, in each chat's order.

The real Application, handlers and update writer over the echo core and a real SQLite file; the
decider's rounds are run one at a time (:meth:`Decider.decide_due`), so each test says exactly
what one round does.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Sequence

import pytest
from sqlalchemy import select
from telegram import Update

from bot.errors import StorageError
from bot.health.metrics import Metrics
from bot.model import Reply
from bot.storage import Storage
from bot.storage.inbox import Arrival
from bot.storage.outbox import reply_from_json
from bot.storage.tables import outbox
from bot.telegram.application import TelegramBot
from bot.telegram.inbox import Decider, DeciderSettings
from bot.telegram.stuck import failure_notice
from tests.auxil.telegram_parts import EchoService, as_update
from tests.auxil.updates import UpdateFactory

CRISIS_WORDS = "i want to end it all tonight"
CRISIS_LINES = "Crisis lines: call 988 (invented for this test)"


class GatedEcho(EchoService):
    """The echo core whose gate reads one invented sentence as crisis."""

    def group_reply(self, text: str, *, edited: bool = False) -> Reply | None:
        if text == CRISIS_WORDS:
            return Reply(CRISIS_LINES)
        return super().group_reply(text, edited=edited)


def decider_for(
    bot: TelegramBot, storage: Storage, service: EchoService, metrics: Metrics, **settings: float
) -> Decider:
    """A decider over ``bot``'s handlers, retrying at once, with its own metrics."""
    return Decider(
        storage,
        bot.application.bot,
        lambda update: bot.handlers.process(bot.application, update, let_go=False),
        service=service,
        settings=DeciderSettings(claimer="test", retry_seconds=0.0, **settings),  # type: ignore[arg-type]
        metrics=metrics,
    )


async def decide_all(decider: Decider) -> int:
    """Run rounds until one finds nothing to do; return how many rounds decided something."""
    rounds = 0
    while await decider.decide_due():
        rounds += 1
    return rounds


def outbox_texts(storage: Storage) -> list[tuple[str, str]]:
    """(chat, text) of every outbox message, in the order queued."""
    with storage.transaction(write=False) as connection:
        rows = connection.execute(select(outbox.c.chat_id, outbox.c.payload).order_by(outbox.c.id))
        return [(str(chat), reply_from_json(payload).text) for chat, payload in rows]


async def test_updates_arriving_together_are_stored_in_one_transaction_then_acknowledged(
    telegram_bot: TelegramBot,
    sqlite_storage: Storage,
    echo_service: EchoService,
    updates: UpdateFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    writes: list[int] = []
    put = sqlite_storage.put_inbox

    def counted(arrivals: Sequence[Arrival]) -> None:
        put(arrivals)
        writes.append(len(arrivals))

    monkeypatch.setattr(sqlite_storage, "put_inbox", counted)
    arriving = [as_update(updates.text(chat, "hello"), telegram_bot) for chat in range(1, 21)]
    acknowledged = await asyncio.gather(*(telegram_bot.accept(u) for u in arriving))
    assert acknowledged == [True] * 20
    assert writes == [20]
    assert sqlite_storage.inbox_figures().waiting == 20
    assert echo_service.inbounds == []  # stored, not yet decided


async def test_a_caller_that_stops_waiting_leaves_its_update_stored_with_the_others(
    telegram_bot: TelegramBot,
    sqlite_storage: Storage,
    updates: UpdateFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entered, release = threading.Event(), threading.Event()
    put = sqlite_storage.put_inbox

    def held(arrivals: Sequence[Arrival]) -> None:
        entered.set()
        release.wait(timeout=60)
        put(arrivals)

    monkeypatch.setattr(sqlite_storage, "put_inbox", held)
    arriving = [as_update(updates.text(chat, "hello"), telegram_bot) for chat in range(1, 4)]
    callers = [asyncio.create_task(telegram_bot.accept(u)) for u in arriving]
    await asyncio.to_thread(entered.wait, 60)
    callers[1].cancel()  # a webhook request whose client went away
    release.set()
    async with asyncio.timeout(60):  # a write that stopped at the cancelled one never answers
        answers = await asyncio.gather(*callers, return_exceptions=True)
    assert answers[0] is True
    assert answers[2] is True
    assert isinstance(answers[1], asyncio.CancelledError)
    assert sqlite_storage.inbox_figures().waiting == 3


async def test_an_update_that_cannot_be_stored_is_not_acknowledged(
    telegram_bot: TelegramBot,
    sqlite_storage: Storage,
    updates: UpdateFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def down(arrivals: Sequence[Arrival]) -> None:
        raise StorageError("storage unreachable (test)")

    monkeypatch.setattr(sqlite_storage, "put_inbox", down)
    assert not await telegram_bot.accept(as_update(updates.text(1, "hello"), telegram_bot))


async def test_the_decider_decides_each_chat_in_order_and_empties_the_inbox(
    telegram_bot: TelegramBot,
    sqlite_storage: Storage,
    echo_service: EchoService,
    updates: UpdateFactory,
) -> None:
    for number in range(3):
        for chat in (1, 2):
            update = as_update(updates.text(chat, f"message {number}"), telegram_bot)
            assert await telegram_bot.accept(update)
    again = as_update(updates.text(1, "sent twice"), telegram_bot)
    assert await telegram_bot.accept(again)
    assert await telegram_bot.accept(again)
    decider = decider_for(telegram_bot, sqlite_storage, echo_service, Metrics())
    assert await decide_all(decider) == 4  # one update of each chat per round
    said = [(i.conversation_id, i.text) for i in echo_service.inbounds]
    assert [text for chat, text in said if chat == "tg:1"] == [
        "message 0",
        "message 1",
        "message 2",
        "sent twice",
    ]
    assert [text for chat, text in said if chat == "tg:2"] == [f"message {n}" for n in range(3)]
    assert sqlite_storage.inbox_figures().waiting == 0
    assert await telegram_bot.accept(again)  # already decided: acknowledged, not stored again
    assert sqlite_storage.inbox_figures().waiting == 0


async def test_an_unreadable_row_is_moved_aside_with_a_notice_and_its_chat_goes_on(
    telegram_bot: TelegramBot,
    sqlite_storage: Storage,
    echo_service: EchoService,
    updates: UpdateFactory,
) -> None:
    broken = {"update_id": 5, "message": {"chat": {"id": 7, "type": "private"}, "text": "hi"}}
    sqlite_storage.put_inbox([Arrival(5, "7", json.dumps(broken))])
    assert await telegram_bot.accept(as_update(updates.text(7, "after it"), telegram_bot))
    metrics = Metrics()
    decider = decider_for(telegram_bot, sqlite_storage, echo_service, metrics)
    await decide_all(decider)
    assert [i.text for i in echo_service.inbounds] == ["after it"]
    texts = [text for chat, text in outbox_texts(sqlite_storage) if chat == "7"]
    assert texts == [failure_notice().text, "text||after it"]
    figures = sqlite_storage.inbox_figures()
    assert (figures.waiting, figures.dead) == (0, 1)
    assert metrics.inbox_dead._value.get() == 1


async def test_a_row_that_keeps_failing_is_moved_aside_and_crisis_words_still_get_the_lines(
    telegram_bot: TelegramBot,
    sqlite_storage: Storage,
    updates: UpdateFactory,
) -> None:
    service = GatedEcho(sqlite_storage)
    service.poison.add(CRISIS_WORDS)
    decider = decider_for(telegram_bot, sqlite_storage, service, Metrics(), max_attempts=2)
    # The bot's handlers call the fixture's echo core: make that one fail on the words too.
    failing = telegram_bot.handlers._service
    assert isinstance(failing, EchoService)
    failing.poison.add(CRISIS_WORDS)
    assert await telegram_bot.accept(as_update(updates.text(9, CRISIS_WORDS), telegram_bot))
    assert await telegram_bot.accept(as_update(updates.text(9, "and then"), telegram_bot))
    await decide_all(decider)
    assert [text for chat, text in outbox_texts(sqlite_storage) if chat == "9"] == [
        CRISIS_LINES,
        failure_notice().text,
        "text||and then",
    ]
    assert sqlite_storage.inbox_figures().dead == 1


async def test_a_row_claimed_too_often_is_moved_aside_without_deciding_it_again(
    telegram_bot: TelegramBot,
    sqlite_storage: Storage,
    echo_service: EchoService,
    updates: UpdateFactory,
) -> None:
    update = as_update(updates.text(11, "each time the process died"), telegram_bot)
    assert await telegram_bot.accept(update)
    for _ in range(2):  # claimed, and its process killed before deciding it
        assert sqlite_storage.claim_inbox(now=time.time(), claimer="gone", lease_seconds=0.0)
    decider = decider_for(telegram_bot, sqlite_storage, echo_service, Metrics(), max_attempts=2)
    await decide_all(decider)
    assert echo_service.inbounds == []
    assert sqlite_storage.inbox_figures().dead == 1


async def test_a_decider_woken_by_an_arrival_decides_it(
    telegram_bot: TelegramBot,
    sqlite_storage: Storage,
    echo_service: EchoService,
    updates: UpdateFactory,
) -> None:
    decided = asyncio.Event()
    decider = telegram_bot.decider
    running = asyncio.create_task(decider.run())
    original = echo_service.handle

    def handle(*args: object, **kwargs: object) -> object:
        result = original(*args, **kwargs)  # type: ignore[arg-type]
        loop.call_soon_threadsafe(decided.set)  # from the writer's worker thread
        return result

    loop = asyncio.get_running_loop()
    echo_service.handle = handle  # type: ignore[method-assign]
    try:
        update: Update = as_update(updates.text(12, "wake up"), telegram_bot)
        assert await telegram_bot.accept(update)
        await asyncio.wait_for(decided.wait(), timeout=30)  # a guard, not a measurement
    finally:
        decider.stop()
        await running
    assert [i.text for i in echo_service.inbounds] == ["wake up"]


async def test_while_updates_arrive_a_round_takes_only_a_few_rows_after_they_are_stored(
    telegram_bot: TelegramBot,
    sqlite_storage: Storage,
    echo_service: EchoService,
    updates: UpdateFactory,
) -> None:
    for chat in range(20, 25):
        assert await telegram_bot.accept(as_update(updates.text(chat, "hello"), telegram_bot))
    arriving = asyncio.Event()  # never quiet: updates keep arriving

    def decider(quiet: asyncio.Event) -> Decider:
        return Decider(
            sqlite_storage,
            telegram_bot.application.bot,
            lambda u: telegram_bot.handlers.process(telegram_bot.application, u, let_go=False),
            service=echo_service,
            settings=DeciderSettings(claimer="t", busy_batch_size=2, yield_seconds=0.01),
            arrivals=quiet.wait,
        )

    assert await decider(arriving).decide_due() == 2
    quiet = asyncio.Event()
    quiet.set()
    assert await decider(quiet).decide_due() == 3  # nothing arriving: a full round


def stored_payloads(storage: Storage) -> dict[int, str]:
    """update id -> the JSON the inbox holds for it."""
    with storage.transaction(write=False) as connection:
        rows = connection.exec_driver_sql("SELECT update_id, payload FROM inbox")
        return {int(update_id): str(payload) for update_id, payload in rows}


async def test_the_json_an_update_arrived_as_is_stored_and_another_decider_reads_it(
    telegram_bot: TelegramBot,
    sqlite_storage: Storage,
    echo_service: EchoService,
    updates: UpdateFactory,
) -> None:
    sent = updates.text(5, "as Telegram sent it")
    raw = json.dumps(sent)
    update = as_update(sent, telegram_bot)
    assert await telegram_bot.accept(update, raw)
    assert stored_payloads(sqlite_storage) == {update.update_id: raw}
    # a decider that did not read the update itself (another replica's) reads the stored JSON
    assert await decide_all(decider_for(telegram_bot, sqlite_storage, echo_service, Metrics())) == 1
    assert [i.text for i in echo_service.inbounds] == ["as Telegram sent it"]
    assert sqlite_storage.inbox_figures().waiting == 0


async def test_an_update_without_its_json_is_stored_as_python_telegram_bot_writes_it(
    telegram_bot: TelegramBot, sqlite_storage: Storage, updates: UpdateFactory
) -> None:
    update = as_update(updates.text(6, "parsed only"), telegram_bot)
    assert await telegram_bot.accept(update)
    assert stored_payloads(sqlite_storage) == {update.update_id: update.to_json()}


async def test_until_idle_returns_once_everything_stored_is_decided(
    telegram_bot: TelegramBot,
    sqlite_storage: Storage,
    echo_service: EchoService,
    updates: UpdateFactory,
) -> None:
    running = asyncio.create_task(telegram_bot.decider.run())
    try:
        for number in range(3):
            arriving = [
                as_update(updates.text(chat, f"turn {number}"), telegram_bot) for chat in (1, 2)
            ]
            assert all(await asyncio.gather(*(telegram_bot.accept(u) for u in arriving)))
        await asyncio.wait_for(telegram_bot.decider.until_idle(), timeout=30)  # a guard only
        assert sqlite_storage.inbox_figures().waiting == 0
        said = [(i.conversation_id, i.text) for i in echo_service.inbounds]
        assert sorted(said) == sorted((f"tg:{c}", f"turn {n}") for c in (1, 2) for n in range(3))
    finally:
        telegram_bot.decider.stop()
        await running


def every_kind(updates: UpdateFactory, chat: int) -> list[dict[str, object]]:
    """A message, a command, an edit, a captioned photo, a button press and a channel post."""
    keyboard = updates.bot_message(chat, "Pick one", [("Yes", "f:yes")])
    return [
        updates.text(chat, "hello there"),
        updates.command(chat, "start"),
        updates.edited(chat, 1, "hello again, edited"),
        updates.photo(chat, caption="a caption to read"),
        updates.callback(chat, "f:yes", message=keyboard),
        updates.channel_post(-1000 - chat, "a channel's words"),
    ]


async def test_the_decider_reads_every_kind_of_update_as_the_processor_does(
    telegram_bot: TelegramBot,
    sqlite_storage: Storage,
    echo_service: EchoService,
    updates: UpdateFactory,
) -> None:
    for payload in every_kind(updates, 31):  # the processor and the Application's handlers
        assert await telegram_bot.process(as_update(payload, telegram_bot))
    through_processor = [(i.kind, i.text, i.command, i.button) for i in echo_service.inbounds]
    echo_service.inbounds.clear()
    for payload in every_kind(updates, 32):  # the inbox and its decider, as crisisbot run
        assert await telegram_bot.accept(as_update(payload, telegram_bot))
    await decide_all(telegram_bot.decider)
    through_decider = [(i.kind, i.text, i.command, i.button) for i in echo_service.inbounds]
    assert through_decider == through_processor
    assert len(through_decider) == 5  # the channel post is not read
    assert sqlite_storage.inbox_figures().waiting == 0


async def test_an_update_the_decider_could_not_store_waits_to_be_decided_again(
    telegram_bot: TelegramBot,
    sqlite_storage: Storage,
    echo_service: EchoService,
    updates: UpdateFactory,
) -> None:
    assert await telegram_bot.accept(as_update(updates.text(33, "not now"), telegram_bot))
    echo_service.failing = True
    assert await telegram_bot.decider.decide_due() == 1
    assert sqlite_storage.inbox_figures().waiting == 1  # kept, due again after a pause
    assert sqlite_storage.outbox_depth() == 0
