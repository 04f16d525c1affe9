"""Hot reload of the flows in ``crisisbot run``: on a timer and on SIGHUP.

Every :data:`POLL_SECONDS` the flows folder is checked for changes; SIGHUP (``kill -HUP``) checks
it at once and reloads even when nothing seems to have changed. The work is
:class:`~bot.runtime.reload.FlowReloader`'s: a changed folder is loaded and checked in a worker
thread while the bot keeps answering, and swapped in only when clean.

A rejected edit is logged by the reloader; here it is also announced in the moderators' chat
(when one is configured), through the outbox like every other message, so the team learns that
the running flows were kept and why. The notice holds the checker's findings (file, line,
problem), never anything a person wrote.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.model import Reply
from bot.runtime.reload import FlowReloader, ReloadResult
from bot.runtime.upkeep import describe_failure
from bot.storage import outbox

if TYPE_CHECKING:
    from bot.storage import Storage

_LOGGER = logging.getLogger(__name__)

POLL_SECONDS = 2.0
NOTICE_PROBLEMS = 10  # findings listed in the moderators' chat; the log has them all


def rejected_notice(result: ReloadResult) -> Reply:
    """What the moderators' chat is told about a rejected reload."""
    shown = result.errors[:NOTICE_PROBLEMS]
    lines = [
        "Flow reload rejected: the bot keeps answering with the flows it had. "
        f"Problems found ({len(result.errors)}):",
        *(f"• {error}" for error in shown),
    ]
    if len(result.errors) > len(shown):
        lines.append(f"… and {len(result.errors) - len(shown)} more in the bot's log.")
    lines.append("Fix the files (crisisbot check lists every problem); they are checked again.")
    return Reply("\n".join(lines))


class FlowWatch:
    """Runs a :class:`FlowReloader` on a timer and on :meth:`hangup`; run :meth:`run` as a task."""

    def __init__(
        self,
        reloader: FlowReloader,
        storage: Storage,
        *,
        moderation_chat_id: int | None,
        wake_sender: Callable[[], None],
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._reloader = reloader
        self._storage = storage
        self._moderation_chat_id = moderation_chat_id
        self._wake_sender = wake_sender
        self._poll_seconds = poll_seconds
        self._forced = asyncio.Event()

    def hangup(self) -> None:
        """Reload now, changed or not (the SIGHUP handler)."""
        self._forced.set()

    def check(self, *, force: bool = False) -> ReloadResult:
        """One reload attempt; a rejected one is queued for the moderators' chat.

        Runs in a worker thread: wake the sender afterwards when :meth:`announces` the result.
        """
        result = self._reloader.poll(force=force)
        if self.announces(result):
            self._announce(rejected_notice(result))
        return result

    def announces(self, result: ReloadResult) -> bool:
        """Whether ``result`` puts a notice in the outbox (a rejected edit, a moderators' chat)."""
        return result.changed and not result.swapped and self._moderation_chat_id is not None

    async def run(self, stop: asyncio.Event) -> None:
        """Check every ``poll_seconds`` and on :meth:`hangup`, until ``stop`` is set."""
        while not stop.is_set():
            force = self._forced.is_set()
            self._forced.clear()
            try:
                result = await asyncio.to_thread(self.check, force=force)
            except Exception as error:
                _LOGGER.error("flow reload check failed: %s", describe_failure(error))
            else:
                if self.announces(result):
                    self._wake_sender()
            await _first_of(stop, self._forced, timeout=self._poll_seconds)

    def _announce(self, notice: Reply) -> None:
        """Queue ``notice`` for the moderators' chat in a transaction of its own."""
        assert self._moderation_chat_id is not None
        with self._storage.transaction() as connection:
            outbox.enqueue(
                connection,
                str(self._moderation_chat_id),
                (notice,),
                conversation_id=None,  # about the flows, no one's conversation
                kind="notice",
                now=time.time(),
            )


async def _first_of(first: asyncio.Event, second: asyncio.Event, *, timeout: float) -> None:
    """Return when either event is set or after ``timeout`` seconds."""
    waiters = {asyncio.create_task(first.wait()), asyncio.create_task(second.wait())}
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


__all__ = ["POLL_SECONDS", "FlowWatch", "rejected_notice"]
