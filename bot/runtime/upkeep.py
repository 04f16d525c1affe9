"""Work ``crisisbot run`` does on a clock rather than on an update.

Every second: re-alert unclaimed cases whose timer is due (the timers live in the database, so a
restart or a second replica loses none and fires none twice), and wake the outbox sender when an
alert was queued. At start-up and then daily: housekeeping, which removes

- transcript lines (and sent moderators' chat messages about a case) older than
  ``moderation.retention_days``;
- processed-update marks older than :data:`PROCESSED_UPDATES_KEEP_SECONDS` (Telegram stops
  re-sending an update long before that);
- sent messages older than ``moderation.retention_days``;
- updates moved aside in the inbox (dead letters, which keep the person's words) that arrived
  more than ``moderation.retention_days`` ago.

A failure (storage briefly unreachable) is logged and the work is tried again later; it never
stops the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from bot.errors import CrisisbotError

if TYPE_CHECKING:
    from bot.moderation import ModerationDesk
    from bot.storage import Storage

_LOGGER = logging.getLogger(__name__)

DAY_SECONDS = 86_400.0
TIMER_SECONDS = 1.0  # how often due re-alerts are looked for
HOUSEKEEPING_SECONDS = DAY_SECONDS
HOUSEKEEPING_RETRY_SECONDS = 600.0  # after a failed housekeeping round
PROCESSED_UPDATES_KEEP_SECONDS = 7 * DAY_SECONDS

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Housekept:
    """How many rows one housekeeping round removed."""

    transcript_lines: int
    processed_updates: int
    sent_messages: int
    dead_updates: int = 0


class Upkeep:
    """Re-alert timers and housekeeping for one storage; run :meth:`run` as a task."""

    def __init__(
        self,
        storage: Storage,
        desk: ModerationDesk | None,
        *,
        retention_days: int,
        wake_sender: Callable[[], None],
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._storage = storage
        self._desk = desk
        self._retention_seconds = retention_days * DAY_SECONDS
        self._wake_sender = wake_sender
        self._clock = clock
        self._monotonic = monotonic

    def fire_timers(self) -> int:
        """Queue the re-alerts that are due; return how many (0 without a desk)."""
        if self._desk is None:
            return 0
        return self._desk.fire_due_timers()

    def housekeeping(self) -> Housekept:
        """Remove what is kept only for a while (see the module docstring)."""
        now = self._clock()
        lines = self._desk.purge_transcripts() if self._desk is not None else 0
        updates = self._storage.forget_processed_updates(
            older_than=now - PROCESSED_UPDATES_KEEP_SECONDS
        )
        sent = self._storage.forget_sent_messages(older_than=now - self._retention_seconds)
        dead = self._storage.forget_dead_updates(older_than=now - self._retention_seconds)
        done = Housekept(lines, updates, sent, dead)
        _LOGGER.info(
            "housekeeping removed %d transcript lines, %d processed-update marks, %d sent "
            "messages, %d dead updates",
            done.transcript_lines,
            done.processed_updates,
            done.sent_messages,
            done.dead_updates,
        )
        return done

    async def run(self, stop: asyncio.Event) -> None:
        """Housekeeping now and daily, due timers every second, until ``stop`` is set."""
        next_housekeeping = self._monotonic()
        while not stop.is_set():
            if self._monotonic() >= next_housekeeping:
                done = await self._attempt("housekeeping", self.housekeeping)
                wait = HOUSEKEEPING_SECONDS if done is not None else HOUSEKEEPING_RETRY_SECONDS
                next_housekeeping = self._monotonic() + wait
            if await self._attempt("re-alert timers", self.fire_timers):
                self._wake_sender()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=TIMER_SECONDS)

    async def _attempt(self, what: str, work: Callable[[], T]) -> T | None:
        """``work()`` in a worker thread; a failure is logged and gives ``None``."""
        try:
            return await asyncio.to_thread(work)
        except Exception as error:
            _LOGGER.error("%s failed; trying again later: %s", what, describe_failure(error))
            return None


def describe_failure(error: BaseException) -> str:
    """The error for the log: crisisbot's own message, else only its type.

    crisisbot's errors are written for operators; another library's message might quote data.
    """
    if isinstance(error, CrisisbotError):
        return f"{type(error).__name__}: {error}"
    return type(error).__name__


__all__ = [
    "HOUSEKEEPING_SECONDS",
    "PROCESSED_UPDATES_KEEP_SECONDS",
    "TIMER_SECONDS",
    "Housekept",
    "Upkeep",
    "describe_failure",
]
