"""No log line holds a person's words unless ``telegram.log_text`` is on.

python-telegram-bot itself logs CRITICAL "Error while parsing updates! Received data was [...]"
with the whole batch when it cannot read one update; the filter ``crisisbot run`` installs on its
log handlers must keep the words out of that line, and leave them in when log_text is on.
"""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot

from bot.telegram.logs import keep_text_out_of_logs
from tests.auxil.botapi_standin import BotApiStandIn
from tests.auxil.updates import UpdateFactory

TOKEN = "123:abc"
WORDS = "nobody knows about Quillamae and the bridge"


@pytest.fixture
def served() -> Iterator[BotApiStandIn]:
    with BotApiStandIn(token=TOKEN) as standin:
        yield standin


@pytest.fixture
async def bot(served: BotApiStandIn) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=served.base_url) as bot:
        yield bot


@pytest.fixture
def captured() -> Iterator[tuple[logging.Handler, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler, stream
    finally:
        root.removeHandler(handler)


async def library_parse_error(bot: Bot, served: BotApiStandIn) -> None:
    """Make python-telegram-bot log its parsing error: a message without ``date``."""
    update = UpdateFactory().text(9, WORDS)
    del update["message"]["date"]
    served.push_update(update)
    with pytest.raises(KeyError):
        await bot.get_updates(timeout=0)


@pytest.mark.parametrize("log_text", [False, True])
async def test_the_library_parse_error_line_holds_words_only_with_log_text(
    bot: Bot,
    served: BotApiStandIn,
    captured: tuple[logging.Handler, io.StringIO],
    log_text: bool,
) -> None:
    handler, stream = captured
    keep_text_out_of_logs(log_text, [handler])
    await library_parse_error(bot, served)
    output = stream.getvalue()
    assert "Error while parsing updates" in output  # the line itself stays
    assert ("Quillamae" in output) is log_text
