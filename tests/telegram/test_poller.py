"""The durable poller against the stand-in served on 127.0.0.1: confirm only what is committed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot, Update
from telegram.error import InvalidToken
from telegram.request import HTTPXRequest

from bot.health.metrics import Metrics
from bot.telegram.poller import DurablePoller, read_batch
from tests.auxil.botapi_standin import BotApiStandIn
from tests.auxil.telegram_parts import TOKEN
from tests.auxil.updates import UpdateFactory
from tests.auxil.waiting import eventually


@pytest.fixture
def served() -> Iterator[BotApiStandIn]:
    """The stand-in as a real HTTP server."""
    with BotApiStandIn(token=TOKEN) as standin:
        yield standin


@pytest.fixture
async def bot(served: BotApiStandIn) -> AsyncIterator[Bot]:
    request = HTTPXRequest(read_timeout=10)
    async with Bot(TOKEN, base_url=served.base_url, get_updates_request=request) as bot:
        yield bot


class Recorder:
    """A ``process`` callable: records update ids, fails the ones it is told to, once."""

    def __init__(self, fail_once: set[int] | None = None) -> None:
        self.seen: list[int] = []
        self.fail_once = set(fail_once or ())

    async def __call__(self, update: Update, raw: str | None = None) -> bool:
        self.seen.append(update.update_id)
        if update.update_id in self.fail_once:
            self.fail_once.discard(update.update_id)
            return False
        return True


async def run_until(poller: DurablePoller, condition: object) -> None:
    task = asyncio.create_task(poller.run())
    try:
        await eventually(condition)  # type: ignore[arg-type]
    finally:
        poller.stop()
        await asyncio.wait_for(task, timeout=10)


async def test_updates_are_processed_in_order_and_confirmed_after(
    bot: Bot, served: BotApiStandIn
) -> None:
    make = UpdateFactory()
    ids = [served.push_update(make.text(7, f"message {n}")) for n in range(3)]
    recorder = Recorder()
    poller = DurablePoller(bot, recorder, long_poll_seconds=1)
    await run_until(poller, lambda: recorder.seen == ids)
    assert served.pending_updates() == []  # confirmed by the offset of the last call


async def test_an_update_that_was_not_stored_is_fetched_again(
    bot: Bot, served: BotApiStandIn
) -> None:
    make = UpdateFactory()
    first, second, third = (served.push_update(make.text(7, f"m{n}")) for n in range(3))
    recorder = Recorder(fail_once={second})
    poller = DurablePoller(bot, recorder, long_poll_seconds=1, pause_seconds=0.05)
    await run_until(poller, lambda: recorder.seen.count(second) == 2)
    assert recorder.seen == [first, second, third, second, third]  # the first was confirmed
    assert served.pending_updates() == []


async def test_stop_during_a_long_poll_returns_promptly(bot: Bot, served: BotApiStandIn) -> None:
    poller = DurablePoller(bot, Recorder(), long_poll_seconds=20)
    task = asyncio.create_task(poller.run())
    await eventually(lambda: len(served.calls("getUpdates")) >= 1)
    poller.stop()
    await asyncio.wait_for(task, timeout=5)


async def test_unconfirmed_updates_stay_with_telegram_at_stop(
    bot: Bot, served: BotApiStandIn
) -> None:
    make = UpdateFactory()
    update_id = served.push_update(make.text(7, "m"))
    recorder = Recorder(fail_once={update_id})
    poller = DurablePoller(bot, recorder, long_poll_seconds=1, pause_seconds=30)
    await run_until(poller, lambda: recorder.seen == [update_id])
    assert served.pending_updates() == [update_id]


async def test_a_rejected_token_stops_polling_with_invalid_token(served: BotApiStandIn) -> None:
    request = HTTPXRequest()
    bot = Bot("999:wrong", base_url=served.base_url, get_updates_request=request)
    poller = DurablePoller(bot, Recorder(), long_poll_seconds=1)
    try:
        with pytest.raises(InvalidToken):
            await asyncio.wait_for(poller.run(), timeout=10)
    finally:
        await request.shutdown()  # the bot was never initialised, so close its client here


def test_each_update_keeps_the_json_it_was_read_from() -> None:
    item = {
        "update_id": 41,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": 9, "type": "private"},
            "text": "héllo",
        },
    }
    (fetched,) = read_batch([item], Bot(TOKEN), Metrics())
    assert fetched.update is not None
    assert fetched.update.update_id == 41
    assert fetched.raw is not None
    assert json.loads(fetched.raw) == item
