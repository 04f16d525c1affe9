"""Fixtures for the Telegram layer: an offline Application over the stand-in's answers.

``telegram_bot`` is the real Application with crisisbot's processor, handlers and outbox sender,
whose HTTP requests are answered in-process by a :class:`BotApiStandIn` (no server, no network).
Its core is :class:`EchoService`, which stores and answers through the real storage without the
crisis gate, so these tests exercise the Telegram layer alone; the end-to-end tests run the real
core.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from telegram import Update
from telegram.request import HTTPXRequest

from bot.errors import StorageError
from bot.model import Button, ConversationRecord, Inbound, Outcome, Reply, Route
from bot.storage import Storage
from bot.telegram.application import (
    PTB_TIMEDELTA_ENV,
    TelegramBot,
    assemble,
    build_application,
)
from tests.auxil.botapi_standin import BotApiStandIn, offline_transport
from tests.auxil.updates import UpdateFactory

TOKEN = "123:abc"
OFFLINE_BASE_URL = "http://botapi.invalid/bot"
MODERATION_CHAT = -100500


class EchoService:
    """A core stand-in: answers each inbound with one reply naming what it received."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.inbounds: list[Inbound] = []
        self.failing = False  # every inbound fails, as when storage is down
        self.poison: set[str] = set()  # texts that always fail, as a bug on one message would
        self.group_texts: list[str] = []  # words from groups, seen only by the gate

    def group_reply(self, text: str, *, edited: bool = False) -> Reply | None:
        """Like the core: every group message is gated; here, a fixed notice unless edited."""
        self.group_texts.append(text)
        return None if edited else Reply("Please send me a private message instead.")

    def handle(self, inbound: Inbound, *, deliver_to: str | None = None) -> Outcome | None:
        """Dedupe, record and answer ``inbound`` in one storage transaction."""
        if self.failing:  # the message quotes the text, as a careless error might
            raise StorageError(f"storage is down while storing {inbound.text!r}")
        with self.storage.conversation(inbound.conversation_id, update_id=inbound.update_id) as tx:
            if tx is None:
                return None
            if inbound.text in self.poison:  # inside the transaction, like the core: rolled back
                raise ValueError("the core cannot handle this message")
            self.inbounds.append(inbound)
            reply = Reply(
                f"{inbound.kind.value}|{inbound.command or ''}|{inbound.text}",
                (Button("More", "f:more"),),
            )
            if deliver_to is not None:
                tx.enqueue(deliver_to, reply)
            record = ConversationRecord(inbound.conversation_id, "echo", "1", "start", 0.0, 0.0)
            return Outcome(Route.ANSWER, (reply,), record)


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """What build_application opts in to, for tests that build a plain Bot too."""
    monkeypatch.setenv(PTB_TIMEDELTA_ENV, "true")


@pytest.fixture
def standin() -> BotApiStandIn:
    """The Bot API stand-in, answering in-process (not started as a server)."""
    return BotApiStandIn(token=TOKEN)


@pytest.fixture
def updates() -> UpdateFactory:
    """Builds update payloads with fresh ids."""
    return UpdateFactory()


@pytest.fixture
def sqlite_storage(tmp_path: Path) -> Iterator[Storage]:
    """A fresh SQLite storage on the current schema."""
    storage = Storage.from_url(f"sqlite:///{tmp_path / 'telegram.db'}")
    storage.ensure_schema()
    yield storage
    storage.close()


@pytest.fixture
def echo_service(sqlite_storage: Storage) -> EchoService:
    """The core stand-in over the test's storage."""
    return EchoService(sqlite_storage)


def offline_request(standin: BotApiStandIn) -> HTTPXRequest:
    """An HTTPXRequest whose calls ``standin`` answers without a network."""
    return HTTPXRequest(httpx_kwargs={"transport": offline_transport(standin)})


@pytest.fixture
async def telegram_bot(
    standin: BotApiStandIn, echo_service: EchoService, sqlite_storage: Storage
) -> AsyncIterator[TelegramBot]:
    """The real Application, initialised (getMe answered offline), with the echo core."""
    application = build_application(
        TOKEN,
        base_url=OFFLINE_BASE_URL,
        request=offline_request(standin),
        get_updates_request=offline_request(standin),
        rate_limited=False,
    )
    bot = assemble(
        application,
        echo_service,
        sqlite_storage,
        token=TOKEN,
        moderation_chat_id=MODERATION_CHAT,
    )
    async with application:
        yield bot


def as_update(payload: dict[str, object], bot: TelegramBot) -> Update:
    """The payload as python-telegram-bot parses it, bound to the bot."""
    update = Update.de_json(payload, bot.application.bot)
    assert update is not None
    return update
