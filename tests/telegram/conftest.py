"""Fixtures for the Telegram layer: an offline Application over the stand-in's answers.

``telegram_bot`` is the real Application with crisisbot's processor, handlers and outbox sender,
whose HTTP requests are answered in-process by a :class:`BotApiStandIn` (no server, no network).
Its core is :class:`EchoService`, which stores and answers through the real storage without the
crisis gate, so these tests exercise the Telegram layer alone; the end-to-end tests run the real
core.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import pytest

from bot.config import PTB_TIMEDELTA_ENV
from bot.storage import Storage
from bot.telegram.application import TelegramBot, assemble, build_application
from tests.auxil.botapi_standin import BotApiStandIn
from tests.auxil.telegram_parts import (
    MODERATION_CHAT,
    OFFLINE_BASE_URL,
    TOKEN,
    EchoService,
    offline_request,
)
from tests.auxil.updates import UpdateFactory


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """What build_application opts in to, for tests that build a plain Bot too."""
    monkeypatch.setenv(PTB_TIMEDELTA_ENV, "true")


@pytest.fixture
def process_logging() -> Iterator[None]:
    """Undo the logging set-up ``crisisbot run`` makes for its process, for a test running it here.

    ``run_command`` configures the process's logging: levels, and a filter that blanks the
    library's payloads on every root handler. In a test process the root handlers include
    pytest's own, which live for the whole session, so the filter would stay on them and blank
    the words in every later test's log records, also for handlers that ask for them.
    """
    root = logging.getLogger()
    handlers = {handler: list(handler.filters) for handler in root.handlers}
    names = ("", "bot", "httpx", "httpcore")
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    for handler, filters in handlers.items():
        handler.filters[:] = filters
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
def standin() -> BotApiStandIn:
    """The Bot API stand-in, answering in-process (not started as a server)."""
    return BotApiStandIn(token=TOKEN)


@pytest.fixture
def updates() -> UpdateFactory:
    """Builds update payloads with fresh ids."""
    return UpdateFactory()


@pytest.fixture
def echo_service(sqlite_storage: Storage) -> EchoService:
    """The core stand-in over the test's storage."""
    return EchoService(sqlite_storage)


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
