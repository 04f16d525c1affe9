"""Fixtures for the fault tests: the real wiring (core, storage, desk) behind the offline bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import Wiring, build_service
from bot.config import PTB_TIMEDELTA_ENV, load_config
from bot.storage import Storage
from bot.telegram.application import TelegramBot, assemble, build_application
from tests.auxil.botapi_standin import BotApiStandIn
from tests.auxil.telegram_parts import OFFLINE_BASE_URL, TOKEN, offline_request
from tests.faults.wiring import MOD_CHAT, moderated_config_file


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PTB_TIMEDELTA_ENV, "true")


@pytest.fixture
def wiring(storage_url: str, tmp_path: Path) -> Iterator[Wiring]:
    """The real service, storage and desk on each backend."""
    fresh = Storage.from_url(storage_url)
    fresh.upgrade()
    fresh.close()
    config = load_config(moderated_config_file(tmp_path, storage_url))
    wired = build_service(config)
    yield wired
    wired.storage.close()


@pytest.fixture
def standin() -> BotApiStandIn:
    return BotApiStandIn(token=TOKEN)


@pytest.fixture
async def real_bot(standin: BotApiStandIn, wiring: Wiring) -> AsyncIterator[TelegramBot]:
    """The Application with the real core, answered offline by the stand-in."""
    application = build_application(
        TOKEN,
        base_url=OFFLINE_BASE_URL,
        request=offline_request(standin),
        get_updates_request=offline_request(standin),
        rate_limited=False,
    )
    bot = assemble(
        application,
        wiring.service,
        wiring.storage,
        token=TOKEN,
        moderation_chat_id=MOD_CHAT,
        desk=wiring.desk,
    )
    async with application:
        yield bot
