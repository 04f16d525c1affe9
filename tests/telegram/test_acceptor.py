"""The webhook's own process: it stores and answers while the bot's process is busy.

A real acceptor process (:func:`bot.telegram.acceptor.start_acceptor`) on a SQLite file, with
this test as the bot's side of the pair. The bot's event loop is held the way a long decide
batch or a burst of sends would hold it; a request posted meanwhile is still stored and answered
200, and the bot's side hears of the commit only once its loop runs again.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import httpx
import pytest
from sqlalchemy import select

from bot.storage import Storage
from bot.storage.tables import inbox
from bot.telegram.acceptor import Acceptor, AcceptorSettings, start_acceptor
from bot.telegram.webhook import SECRET_HEADER
from tests.auxil.updates import UpdateFactory
from tests.replicas.cluster import wait_ready

pytestmark = pytest.mark.e2e

TOKEN = "123:abc"
SECRET = "acceptor-secret"
PAGE = b"# the bot's metrics page\ncrisisbot_invented_total 1.0\n"


@dataclass
class BotSide:
    """What the bot's process does with the acceptor's messages, recorded."""

    acceptor: Acceptor
    port: int
    storage: Storage
    committed: asyncio.Event = field(default_factory=asyncio.Event)
    unreadable: int = 0
    page: bytes | None = PAGE  # None: rendering the metrics fails


@pytest.fixture
async def bot_side(tmp_path: Path) -> AsyncIterator[BotSide]:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    storage = Storage.from_url(url)
    storage.ensure_schema()
    listener = socket.create_server(("127.0.0.1", 0))
    port = int(listener.getsockname()[1])
    try:
        acceptor = await start_acceptor(listener, AcceptorSettings(url, "/telegram", SECRET, TOKEN))
    finally:
        listener.close()
    side = BotSide(acceptor, port, storage)

    def unreadable() -> None:
        side.unreadable += 1

    def metrics_page() -> bytes:
        if side.page is None:
            raise RuntimeError("the metrics could not be rendered")
        return side.page

    serving = asyncio.create_task(
        acceptor.serve(
            on_commit=side.committed.set, on_unreadable=unreadable, metrics_page=metrics_page
        )
    )
    try:
        await asyncio.to_thread(wait_ready, port)
        yield side
    finally:
        await side.acceptor.stop()
        serving.cancel()
        storage.close()


def _post(port: int, body: dict[str, object]) -> int:
    response = httpx.post(
        f"http://127.0.0.1:{port}/telegram",
        content=json.dumps(body),
        headers={SECRET_HEADER: SECRET},
        timeout=60,
    )
    return response.status_code


def _waiting(storage: Storage) -> list[int]:
    with storage.transaction(write=False) as connection:
        return [int(u) for u in connection.execute(select(inbox.c.update_id)).scalars()]


async def test_an_update_is_stored_and_answered_while_the_bots_loop_is_held(
    bot_side: BotSide,
) -> None:
    update = UpdateFactory(first_update_id=5_000).text(42, "what is ketamine therapy")
    answers: list[int] = []
    answered = threading.Event()

    def post() -> None:
        answers.append(_post(bot_side.port, update))
        answered.set()

    poster = threading.Thread(target=post)
    poster.start()
    # The bot's loop is held here, as a long decide batch would hold it: nothing of the bot's
    # process runs until the acceptor answered.
    answered.wait(timeout=60)
    poster.join()
    assert answers == [200]
    assert _waiting(bot_side.storage) == [update["update_id"]]  # committed before the 200
    assert not bot_side.committed.is_set()  # the bot's side has not run yet
    await asyncio.wait_for(bot_side.committed.wait(), timeout=30)  # then hears of the commit


async def test_metrics_come_from_the_bots_process_and_unreadable_updates_are_counted_there(
    bot_side: BotSide,
) -> None:
    page = await asyncio.to_thread(httpx.get, f"http://127.0.0.1:{bot_side.port}/metrics")
    assert page.status_code == 200
    assert page.content == PAGE
    unreadable = {"update_id": 7, "message": {"text": "no chat, no date"}}
    assert await asyncio.to_thread(_post, bot_side.port, unreadable) == 400
    second = await asyncio.to_thread(httpx.get, f"http://127.0.0.1:{bot_side.port}/metrics")
    assert second.content == PAGE  # answered after the count went over the same pair
    assert bot_side.unreadable == 1


async def test_a_metrics_page_that_cannot_be_rendered_fails_that_scrape_only(
    bot_side: BotSide,
) -> None:
    bot_side.page = None
    failed = await asyncio.to_thread(httpx.get, f"http://127.0.0.1:{bot_side.port}/metrics")
    assert failed.status_code == 500
    bot_side.page = PAGE
    page = await asyncio.to_thread(httpx.get, f"http://127.0.0.1:{bot_side.port}/metrics")
    assert (page.status_code, page.content) == (200, PAGE)


async def test_sigterm_stops_it_cleanly(bot_side: BotSide) -> None:
    assert await bot_side.acceptor.stop() == 0
    with pytest.raises(httpx.ConnectError):
        await asyncio.to_thread(httpx.get, f"http://127.0.0.1:{bot_side.port}/healthz")


async def test_it_stops_when_the_bots_process_is_gone(bot_side: BotSide) -> None:
    bot_side.acceptor.close_channel()  # what the kernel does when the bot's process is killed
    assert await asyncio.wait_for(bot_side.acceptor.process.wait(), timeout=60) == 0
    with pytest.raises(httpx.ConnectError):
        await asyncio.to_thread(httpx.get, f"http://127.0.0.1:{bot_side.port}/healthz")


async def test_a_reset_of_the_pair_ends_serving_like_a_close() -> None:
    ours, theirs = socket.socketpair()
    reader, writer = await asyncio.open_unix_connection(sock=ours)
    writer.write(b"a page the acceptor never read\n")
    await writer.drain()
    theirs.close()  # closed with bytes unread: the kernel resets the pair
    acceptor = Acceptor(cast(asyncio.subprocess.Process, None), reader, writer)
    heard: list[str] = []
    await acceptor.serve(
        on_commit=lambda: heard.append("committed"),
        on_unreadable=lambda: heard.append("unreadable"),
        metrics_page=lambda: PAGE,
    )
    writer.close()
    assert heard == []


def test_the_acceptors_settings_keep_the_token_secret_and_database_url_out_of_their_repr() -> None:
    settings = AcceptorSettings("postgresql://bot:hunter2@db/crisisbot", "/telegram", SECRET, TOKEN)
    shown = repr(settings)
    assert TOKEN not in shown
    assert SECRET not in shown
    assert "hunter2" not in shown
    assert "/telegram" in shown
