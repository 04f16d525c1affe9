"""Process one chat's updates one at a time, in arrival order; different chats concurrently.

python-telegram-bot's ``concurrent_updates`` gives no per-chat ordering, and a conversation whose
messages overtake each other can lose a crisis signal that builds over two turns. This processor
keeps a FIFO lock per chat: an update waits for the chat's earlier updates, never for other
chats'. The base class's semaphore is sized generously so that it never reorders a chat's updates
while they queue; :attr:`ChatOrderedProcessor.max_active_chats` bounds how many chats run at once.

A chat's lock is dropped as soon as no update of that chat is running or waiting, so memory stays
proportional to the chats that are busy right now.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates allowed to wait inside the processor at once (all chats together). The base class
# admits updates through a semaphore that is not strictly FIFO once full; sizing it far above
# the active-chat bound keeps arrival order for every realistic backlog.
_ADMISSION_LIMIT = 100_000


@dataclass(slots=True)
class _ChatLane:
    """The lock of one chat and how many of its updates hold or wait for it."""

    lock: asyncio.Lock
    users: int = 0


def chat_key(update: object) -> int | None:
    """The chat an update belongs to, or ``None`` when it has none (processed unordered)."""
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return None


@asynccontextmanager
async def _closing_if_unstarted(coroutine: Awaitable[Any]) -> AsyncIterator[None]:
    """Close ``coroutine`` if waiting for its turn is cancelled, so it is not left unawaited."""
    try:
        yield
    except asyncio.CancelledError:
        if (
            inspect.iscoroutine(coroutine)
            and inspect.getcoroutinestate(coroutine) == "CORO_CREATED"
        ):
            coroutine.close()
        raise


class ChatOrderedProcessor(BaseUpdateProcessor):
    """A :class:`~telegram.ext.BaseUpdateProcessor` with one FIFO lane per chat."""

    __slots__ = ("_active", "_lanes", "max_active_chats")

    def __init__(self, max_active_chats: int = 64) -> None:
        if max_active_chats < 1:
            raise ValueError("max_active_chats must be at least 1")
        super().__init__(max_concurrent_updates=_ADMISSION_LIMIT)
        self.max_active_chats = max_active_chats
        self._active = asyncio.Semaphore(max_active_chats)
        self._lanes: dict[int, _ChatLane] = {}

    @property
    def lanes_in_use(self) -> int:
        """Chats with an update running or waiting (idle chats hold no lock)."""
        return len(self._lanes)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for this chat's earlier updates, then for a free slot, then run ``coroutine``."""
        key = chat_key(update)
        if key is None:
            async with _closing_if_unstarted(coroutine), self._active:
                await coroutine
            return
        # No await between here and lock.acquire(): the lane's FIFO order is the arrival order.
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _ChatLane(asyncio.Lock())
        lane.users += 1
        try:
            async with _closing_if_unstarted(coroutine), lane.lock, self._active:
                await coroutine
        finally:
            lane.users -= 1
            if lane.users == 0:
                del self._lanes[key]

    async def initialize(self) -> None:
        """Nothing to set up: lanes are created on demand."""

    async def shutdown(self) -> None:
        """Nothing to free: lanes disappear when their chat goes idle."""
