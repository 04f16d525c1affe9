"""Through the real Application: a crisis message whose transaction fails still gets its reply.

The outbox table is dropped from the bot's real SQLite file, so nothing can be committed. The
crisis reply reaches the Bot API stand-in through the outbox sender's direct path, the update is
reported as not stored (to be offered again), and an ordinary message gets nothing directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from bot.app import build_core
from bot.config import load_config
from bot.core.service import Service
from bot.model import Inbound, InboundKind, Route
from bot.storage import Storage
from bot.telegram.application import TelegramBot, assemble, build_application
from bot.telegram.outgoing import split_reply
from tests.auxil.botapi_standin import BotApiStandIn
from tests.auxil.conversations import EXAMPLE_CONFIG
from tests.auxil.telegram_parts import OFFLINE_BASE_URL, TOKEN, as_update, offline_request
from tests.auxil.updates import UpdateFactory
from tests.auxil.waiting import eventually

CRISIS_TEXT = "i keep thinking about killing myself"


@pytest.fixture
def service(sqlite_storage: Storage) -> Service:
    """The real core behind the test's SQLite file, replies split as `crisisbot run` does."""
    return Service(build_core(load_config(EXAMPLE_CONFIG)), sqlite_storage)


@pytest.fixture
async def running_bot(
    standin: BotApiStandIn, sqlite_storage: Storage, service: Service
) -> AsyncIterator[TelegramBot]:
    """The real Application and sender around ``service``, the sender running."""
    application = build_application(
        TOKEN,
        base_url=OFFLINE_BASE_URL,
        request=offline_request(standin),
        get_updates_request=offline_request(standin),
        rate_limited=False,
    )
    bot = assemble(application, service, sqlite_storage, token=TOKEN)
    async with application:
        sending = asyncio.create_task(bot.sender.run())
        await eventually(lambda: bot.sender.running)
        yield bot
        bot.sender.stop()
        await sending


async def test_the_crisis_reply_goes_out_although_nothing_can_be_stored(
    running_bot: TelegramBot,
    service: Service,
    sqlite_storage: Storage,
    standin: BotApiStandIn,
    updates: UpdateFactory,
) -> None:
    decided = service.core.process(None, Inbound("tg:31", InboundKind.TEXT, text=CRISIS_TEXT))
    assert decided.route is Route.CRISIS
    with sqlite_storage.transaction() as connection:
        connection.execute(text("DROP TABLE outbox"))

    stored = await running_bot.process(as_update(updates.text(31, CRISIS_TEXT), running_bot))
    assert stored is False
    texts = [message["text"] for message in standin.sent_messages(31)]
    assert texts == [part.text for reply in decided.replies for part in split_reply(reply)]

    ordinary = as_update(updates.text(32, "what is esketamine"), running_bot)
    stored = await running_bot.process(ordinary)
    assert stored is False
    assert standin.sent_messages(32) == []
