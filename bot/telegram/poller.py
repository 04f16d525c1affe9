"""Long polling that confirms an update to Telegram only after it is committed.

python-telegram-bot's ``Updater`` confirms a batch (the next ``getUpdates`` offset) as soon as
the batch is queued, before any of it is processed, so a crash in between loses those updates.
This poller processes a whole batch (each chat in order, chats concurrently) and moves the
offset only past updates whose state change is committed. An update that could not be stored
stays unconfirmed and is fetched again after a pause; the ones already committed come back too
and are skipped by the ``update_id`` deduplication in storage.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from bot.telegram.sender import retry_after_seconds

_LOGGER = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
LONG_POLL_SECONDS = 25
PAUSE_AFTER_ERROR_SECONDS = 2.0
PAUSE_CAP_SECONDS = 60.0


class DurablePoller:
    """``getUpdates`` in a loop; :meth:`run` until :meth:`stop`."""

    def __init__(
        self,
        bot: Bot,
        process: Callable[[Update], Awaitable[bool]],
        *,
        long_poll_seconds: int = LONG_POLL_SECONDS,
        allowed_updates: Sequence[str] = ALLOWED_UPDATES,
        pause_seconds: float = PAUSE_AFTER_ERROR_SECONDS,
    ) -> None:
        self._bot = bot
        self._process = process
        self._long_poll_seconds = long_poll_seconds
        self._allowed_updates = list(allowed_updates)
        self._pause_seconds = pause_seconds
        self._offset: int | None = None
        self._stopping = asyncio.Event()
        self._fetch: asyncio.Task[tuple[Update, ...]] | None = None

    def stop(self) -> None:
        """Stop fetching; a batch being processed is finished first."""
        self._stopping.set()
        if self._fetch is not None:
            self._fetch.cancel()  # nothing fetched by a cancelled call is confirmed

    async def run(self) -> None:
        """Poll, process and confirm until stopped. A rejected token raises InvalidToken."""
        failures = 0
        while not self._stopping.is_set():
            try:
                updates = await self._next_batch()
            except asyncio.CancelledError:
                if self._stopping.is_set():
                    break
                raise
            except InvalidToken:
                raise
            except TelegramError as error:
                failures += 1
                await self._pause(error, failures)
                continue
            if updates and not await self._process_batch(updates):
                failures += 1
                await self._pause(None, failures)
                continue
            failures = 0
        await self._confirm_last()

    async def _next_batch(self) -> tuple[Update, ...]:
        self._fetch = asyncio.create_task(
            self._bot.get_updates(
                offset=self._offset,
                timeout=self._long_poll_seconds,
                allowed_updates=self._allowed_updates,
            )
        )
        try:
            return await self._fetch
        finally:
            self._fetch = None

    async def _process_batch(self, updates: Sequence[Update]) -> bool:
        """Process a batch; move the offset past the leading run of committed updates."""
        committed = await asyncio.gather(*(self._process(update) for update in updates))
        for update, done in zip(updates, committed, strict=True):
            if not done:
                return False
            self._offset = update.update_id + 1
        return True

    async def _pause(self, error: TelegramError | None, failures: int) -> None:
        if isinstance(error, RetryAfter):
            wait = retry_after_seconds(error)
        else:
            wait = min(PAUSE_CAP_SECONDS, self._pause_seconds * 2.0 ** min(failures - 1, 6))
        if isinstance(error, Conflict):
            _LOGGER.error(
                "getUpdates conflict: another process polls with this token or a webhook is "
                "set; stop the other process or use telegram.mode: webhook (retrying in %.0fs)",
                wait,
            )
        elif error is not None:
            _LOGGER.warning("getUpdates failed: %s (retrying in %.0fs)", error, wait)
        else:
            _LOGGER.warning("an update could not be stored; fetching it again in %.0fs", wait)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=wait)

    async def _confirm_last(self) -> None:
        """Tell Telegram which updates are done, so the next start does not fetch them again."""
        if self._offset is None:
            return
        try:
            await self._bot.get_updates(offset=self._offset, timeout=0, limit=1)
        except TelegramError as error:  # they come back next start and are deduplicated
            _LOGGER.info("could not confirm the last updates at shutdown: %s", error)
