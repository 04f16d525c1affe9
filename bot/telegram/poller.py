"""Long polling that confirms an update to Telegram only after it is committed.

python-telegram-bot's ``Updater`` confirms a batch (the next ``getUpdates`` offset) as soon as
the batch is queued, before any of it is processed, so a crash in between loses those updates.
This poller hands a whole batch to ``process`` and moves the offset only past updates it
reports committed: in ``crisisbot run`` that is the batch stored in the inbox in one transaction
(:mod:`bot.telegram.inbox`), decided afterwards in each chat's order, as the webhook's updates
are. An update that could not be stored stays unconfirmed and is fetched again after a pause;
the ones already stored come back too and are skipped by the ``update_id`` deduplication.

The batch is fetched as raw JSON and read one update at a time: python-telegram-bot reads a whole
batch at once and raises when any update lacks a field it requires (a Bot API newer than the
library), which would stop every chat for good. An update it cannot read is skipped, counted
(``crisisbot_updates_unreadable_total``) and logged by ``update_id`` and its top-level keys only,
never its text; the offset moves past it and the rest of the batch is answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from bot.health.metrics import Metrics, default_metrics
from bot.telegram.inbox import UpdateSink
from bot.telegram.sender import retry_after_seconds

_LOGGER = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
LONG_POLL_SECONDS = 25
PAUSE_AFTER_ERROR_SECONDS = 2.0
PAUSE_CAP_SECONDS = 60.0
_KIND = re.compile(r"^[a-z_]{1,40}$")  # Bot API field names; anything else is not logged
READ_MARGIN_SECONDS = 5.0  # beyond the long poll, as python-telegram-bot's get_updates allows


@dataclass(frozen=True, slots=True)
class Fetched:
    """One entry of a ``getUpdates`` batch: its id, and the update unless it could not be read,
    with the JSON it was read from."""

    update_id: int
    update: Update | None
    raw: str | None = None


async def fetch_updates(
    bot: Bot,
    *,
    offset: int | None,
    timeout: int,
    allowed_updates: Sequence[str],
    metrics: Metrics | None = None,
) -> list[Fetched]:
    """One ``getUpdates`` call, each update read on its own (see the module's docstring)."""
    data = {"timeout": timeout, "offset": offset, "allowed_updates": list(allowed_updates)}
    # Bot.get_updates would read the whole batch at once; _post is the call it makes itself.
    raw = await bot._post("getUpdates", data, read_timeout=READ_MARGIN_SECONDS + timeout)
    return read_batch(raw, bot, metrics or default_metrics())


def read_batch(raw: object, bot: Bot, metrics: Metrics) -> list[Fetched]:
    """The updates in ``raw`` (the ``result`` of getUpdates); unreadable ones have no update."""
    fetched: list[Fetched] = []
    for item in raw if isinstance(raw, list) else []:
        update_id = item.get("update_id") if isinstance(item, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            metrics.unreadable.inc()
            _LOGGER.warning("skipped an entry of getUpdates without an update_id")
            continue
        # Kept before python-telegram-bot reads it, in ASCII: a lone surrogate in a text is valid
        # JSON but no UTF-8, and the database could not store it as it came.
        raw = json.dumps(item, separators=(",", ":"))
        try:
            update = Update.de_json(item, bot)
        except Exception as error:  # any field the library requires and the update lacks
            metrics.unreadable.inc()
            _LOGGER.warning(
                "skipped update %s: python-telegram-bot could not read it (%s; keys %s)",
                update_id,
                type(error).__name__,
                ",".join(sorted(key for key in map(str, item) if _KIND.match(key))[:10]),
            )
            fetched.append(Fetched(update_id, None))
            continue
        fetched.append(Fetched(update_id, update, raw))
    return fetched


class DurablePoller:
    """``getUpdates`` in a loop; :meth:`run` until :meth:`stop`."""

    def __init__(
        self,
        bot: Bot,
        process: UpdateSink,
        *,
        long_poll_seconds: int = LONG_POLL_SECONDS,
        allowed_updates: Sequence[str] = ALLOWED_UPDATES,
        pause_seconds: float = PAUSE_AFTER_ERROR_SECONDS,
        metrics: Metrics | None = None,
    ) -> None:
        self._bot = bot
        self._process = process
        self._long_poll_seconds = long_poll_seconds
        self._allowed_updates = list(allowed_updates)
        self._pause_seconds = pause_seconds
        self._metrics = metrics
        self._offset: int | None = None
        self._stopping = asyncio.Event()
        self._fetch: asyncio.Task[list[Fetched]] | None = None

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

    async def _next_batch(self) -> list[Fetched]:
        self._fetch = asyncio.create_task(
            fetch_updates(
                self._bot,
                offset=self._offset,
                timeout=self._long_poll_seconds,
                allowed_updates=self._allowed_updates,
                metrics=self._metrics,
            )
        )
        try:
            return await self._fetch
        finally:
            self._fetch = None

    async def _process_batch(self, updates: Sequence[Fetched]) -> bool:
        """Process a batch; move the offset past the leading run of committed updates.

        An update that could not be read counts as done: it can never be processed.
        """
        committed = await asyncio.gather(*(self._process_one(item) for item in updates))
        for item, done in zip(updates, committed, strict=True):
            if not done:
                return False
            self._offset = item.update_id + 1
        return True

    async def _process_one(self, item: Fetched) -> bool:
        return True if item.update is None else await self._process(item.update, item.raw)

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
            await self._bot._post("getUpdates", {"offset": self._offset, "timeout": 0, "limit": 1})
        except TelegramError as error:  # they come back next start and are deduplicated
            _LOGGER.info("could not confirm the last updates at shutdown: %s", error)
