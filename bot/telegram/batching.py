"""Group commit on the event loop: what is handed in while one batch is written joins the next.

:class:`UpdateWriter` (decisions) and :class:`InboxWriter` (arrivals) both gather work from many
handlers or requests and write it in as few transactions as possible. This is the part they
share: a list of waiting items, one drainer task that writes them in batches of at most
``max_batch`` until nothing waits, and what happens to items left behind when that task is
cancelled. Each owner keeps its own item type, its own write and its own futures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

ItemT = TypeVar("ItemT")


class Batches(Generic[ItemT]):
    """Items handed to :meth:`add` written by ``write`` in batches, one batch at a time.

    ``abandon`` receives the items still waiting when the drainer stops early (cancelled); it
    must settle whatever their senders wait on.
    """

    def __init__(
        self,
        write: Callable[[list[ItemT]], Awaitable[None]],
        abandon: Callable[[list[ItemT]], None],
        *,
        max_batch: int,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._write = write
        self._abandon = abandon
        self._max_batch = max_batch
        self._waiting: list[ItemT] = []
        self._drainer: asyncio.Task[None] | None = None
        self._quiet = asyncio.Event()
        self._quiet.set()

    def add(self, item: ItemT) -> None:
        """Queue ``item`` for the next batch; start writing if nothing is being written."""
        self._waiting.append(item)
        self._quiet.clear()
        if self._drainer is None:
            self._drainer = asyncio.create_task(self._drain())

    async def quiet(self) -> None:
        """Return once nothing waits to be written (at once when nothing does)."""
        await self._quiet.wait()

    async def _drain(self) -> None:
        try:
            await asyncio.sleep(0)  # let what is ready now join the first batch
            while self._waiting:
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                await self._write(batch)
        finally:
            self._drainer = None
            left, self._waiting = self._waiting, []
            self._quiet.set()
            if left:  # only when cancelled
                self._abandon(left)


__all__ = ["Batches"]
