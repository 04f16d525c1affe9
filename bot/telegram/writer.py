"""One writer per process: the private chats' updates decided and committed in batches.

Each handler hands its update to :meth:`UpdateWriter.handle` and waits. The writer takes every
update waiting, runs them through ``Service.handle_many`` in one worker thread (one read, the
core on each, one transaction for all: a group commit) and answers each handler with its own
result once that transaction committed. While one batch is being written the next gathers, so
a busy process pays one thread hop and one COMMIT per batch instead of per update.

What stays as it was:

- per-chat order: a chat's next update reaches its handler only after the earlier one's
  handler returned, that is after its commit (the inbox's decider claims a chat's next row only
  then; the update processor does the same for what the Application is handed), so a batch
  holds at most one update of a chat (and ``handle_many`` keeps arrival order if it ever holds
  more);
- an update's inbox row (:mod:`bot.telegram.inbox`) is deleted by the transaction that
  commits its decision, so an acknowledged update is decided even if the process dies first;
- one update's failure is its own: ``handle_many`` writes each update alone when a batch fails,
  and rescues an unstored crisis reply as before; the handler then raises that update's error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.model import Inbound, Outcome
from bot.telegram.batching import Batches

_LOGGER = logging.getLogger(__name__)

#: The most updates written in one transaction.
MAX_BATCH = 64


class BatchService(Protocol):
    """What the writer needs of :class:`bot.core.service.Service`."""

    def handle_many(
        self, requests: Sequence[tuple[Inbound, str | None]]
    ) -> list[Outcome | Exception | None]:
        """Each request's outcome, ``None`` (seen before) or the error that kept it unstored."""
        ...


@dataclass(frozen=True, slots=True)
class _Waiting:
    inbound: Inbound
    deliver_to: str | None
    done: asyncio.Future[Outcome | None]


class UpdateWriter:
    """Batches the updates handed to it into group-committed ``handle_many`` calls."""

    def __init__(self, service: BatchService, *, max_batch: int = MAX_BATCH) -> None:
        self._service = service
        self._batches = Batches(self._write, _stopped, max_batch=max_batch)

    async def handle(self, inbound: Inbound, *, deliver_to: str | None) -> Outcome | None:
        """Decide and commit ``inbound`` with whatever else is waiting; return its outcome.

        ``None`` means the update was processed before; an update that could not be stored
        raises what kept it from being stored.
        """
        done: asyncio.Future[Outcome | None] = asyncio.get_running_loop().create_future()
        self._batches.add(_Waiting(inbound, deliver_to, done))
        # Each update has its own future, so a cancelled handler cancels only that future: the
        # batch runs on in the drainer's task and skips it (no ``shield``: 5 µs per update).
        return await done

    async def _write(self, batch: list[_Waiting]) -> None:
        requests = [(item.inbound, item.deliver_to) for item in batch]
        try:
            results = await asyncio.to_thread(self._service.handle_many, requests)
        except Exception as error:  # handle_many reports failures per update, not like this
            _LOGGER.error(
                "writing a batch of %s updates failed: %s", len(batch), type(error).__name__
            )
            _fail(batch, error)
            return
        except BaseException:
            _fail(batch, RuntimeError("the update writer stopped"))
            raise
        for item, result in zip(batch, results, strict=True):
            if item.done.done():
                continue
            if isinstance(result, Exception):
                item.done.set_exception(result)
            else:
                item.done.set_result(result)


def _stopped(items: list[_Waiting]) -> None:
    _fail(items, RuntimeError("the update writer stopped"))


def _fail(items: list[_Waiting], error: Exception) -> None:
    for item in items:
        if not item.done.done():
            item.done.set_exception(error)


__all__ = ["MAX_BATCH", "BatchService", "UpdateWriter"]
