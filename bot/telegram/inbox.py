"""Acknowledge an update once it is stored; decide it afterwards, in its chat's order.

The bot spends 10-17 ms of CPU deciding an update, so a webhook that answered only after the
decision committed queued every request behind the core. Here the webhook's 200 and the
poller's next offset wait only for the update's raw JSON to be committed to the inbox
(:mod:`bot.storage.inbox`):

- :class:`InboxWriter` gathers the updates handed to it while one write runs and stores them in
  one transaction (a group commit); each :meth:`InboxWriter.accept` returns ``True`` once its
  update is committed, ``False`` if it could not be stored (the webhook answers 500, the poller
  fetches it again). An update already processed is not stored again.
- :class:`Decider` claims waiting rows (each chat's oldest, leased like the outbox), runs them
  through the same processor, handlers and group-committed ``Service.handle_many`` as before,
  and the transaction that commits an update's decision deletes its row. A process killed after
  the 200 leaves the row: it is decided on the next start (this claimer's leases are released)
  or by another replica once the lease runs out.

A row that cannot be read, or whose decision failed :data:`MAX_ATTEMPTS` times (claims count,
so a row whose process dies each time counts too), is moved aside (``dead``), logged by update
id and counted (``crisisbot_inbox_dead_total``): its chat goes on. Safety before consistency: if
the gate reads crisis in its text, the crisis lines go to the chat with the failure notice, in
the transaction that moves the row aside, or directly if even that cannot be stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from telegram import Bot, Chat, Update

from bot.health.metrics import Metrics, default_metrics
from bot.model import Reply
from bot.storage.inbox import Arrival, InboxRow
from bot.storage.outbox import Outgoing, Priority
from bot.storage.parts import split_reply
from bot.telegram.adapter import conversation_id_for
from bot.telegram.batching import Batches
from bot.telegram.offload import Offload
from bot.telegram.stuck import failure_notice

if TYPE_CHECKING:
    from bot.storage import Storage

_LOGGER = logging.getLogger(__name__)

#: The most arrivals stored in one transaction.
MAX_ARRIVALS = 256
#: Rows claimed in one round: about one group commit of the update writer.
CLAIM_BATCH = 64
#: How long a claimed row is held; after a crash, how long another replica waits to take it.
LEASE_SECONDS = 15.0
#: Claims of one row before it is moved aside.
MAX_ATTEMPTS = 5
#: How often to look for rows without a wake-up (another replica's, or whose lease ran out).
TICK_SECONDS = 1.0
#: The pause before a failed row is due again (doubling per attempt), and its cap.
RETRY_SECONDS = 2.0
RETRY_CAP_SECONDS = 60.0
#: While updates are arriving, a round takes at most this many rows, after waiting (at most
#: :data:`YIELD_SECONDS`) for the arrivals to be stored: one process decides and acknowledges on
#: one core, and a long round would hold every webhook answer behind it.
BUSY_BATCH = 8
YIELD_SECONDS = 0.25
#: Updates read by this process and kept for its decider, so it does not read them again.
_REMEMBERED = 10_000


class UpdateSink(Protocol):
    """Where the poller and the webhook hand each update they read (``TelegramBot.accept``).

    ``raw`` is the update's JSON as Telegram sent it, when the caller has it: the inbox stores
    that instead of serialising the parsed update again (python-telegram-bot's ``to_json`` walks
    every field of every object, about 60 µs of CPU for a short text message).
    """

    def __call__(self, update: Update, raw: str | None = None, /) -> Awaitable[bool]:
        """``True`` once ``update`` is committed (stored); ``False``: offer it again."""
        ...


def lane_of(update: Update) -> str:
    """The lane an update keeps its order in: its chat, or itself when it has none."""
    chat = update.effective_chat
    return str(chat.id) if chat is not None else f"u{update.update_id}"


class GroupReplies(Protocol):
    """What the decider needs of :class:`bot.core.service.Service` to move a row aside."""

    def group_reply(self, text: str, *, edited: bool = False) -> Reply | None:
        """The gated answer to ``text``; with ``edited``, ``None`` unless it is crisis."""
        ...


@dataclass(frozen=True, slots=True)
class _Waiting:
    arrival: Arrival
    update: Update
    done: asyncio.Future[bool]


class InboxWriter:
    """Stores the updates handed to it in group-committed transactions."""

    def __init__(
        self,
        storage: Storage,
        *,
        on_commit: Callable[[Sequence[Update]], None] = lambda updates: None,
        max_batch: int = MAX_ARRIVALS,
        offload: Offload | None = None,
    ) -> None:
        self._storage = storage
        self._offload = offload or Offload.for_storage(storage)
        #: Called with the updates of each committed write (the decider keeps them, read).
        self.on_commit = on_commit
        self._batches = Batches(self._write, _not_stored, max_batch=max_batch)

    async def quiet(self) -> None:
        """Return once no arrival waits to be stored (at once when none does)."""
        await self._batches.quiet()

    async def accept(self, update: Update, raw: str | None = None) -> bool:
        """Store ``update`` with whatever else arrived; ``True`` once it is committed.

        ``raw`` is the JSON ``update`` was read from, stored as it is; without it the update is
        serialised again.
        """
        payload = update.to_json() if raw is None else raw
        arrival = Arrival(update.update_id, lane_of(update), payload)
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._batches.add(_Waiting(arrival, update, done))
        # A cancelled caller cancels only its own future; the update is still stored with its
        # batch (no ``shield``, as in :meth:`bot.telegram.writer.UpdateWriter.handle`).
        return await done

    async def _write(self, batch: list[_Waiting]) -> None:
        stored = True
        try:
            await self._offload.run(self._storage.put_inbox, [item.arrival for item in batch])
        except Exception as error:
            _LOGGER.error(
                "storing %s arriving updates failed (%s); they are offered again",
                len(batch),
                type(error).__name__,
            )
            stored = False
        if stored:
            self.on_commit([item.update for item in batch])
        for item in batch:
            if not item.done.done():
                item.done.set_result(stored)


def _not_stored(items: list[_Waiting]) -> None:
    for item in items:
        if not item.done.done():
            item.done.set_result(False)


@dataclass(frozen=True, slots=True)
class DeciderSettings:
    """How the decider claims and retries."""

    claimer: str | None = None  # this replica's stable name: it releases its leases at start
    batch_size: int = CLAIM_BATCH
    lease_seconds: float = LEASE_SECONDS
    max_attempts: int = MAX_ATTEMPTS
    tick_seconds: float = TICK_SECONDS
    retry_seconds: float = RETRY_SECONDS
    busy_batch_size: int = BUSY_BATCH  # a round's rows while updates are arriving
    yield_seconds: float = YIELD_SECONDS  # the longest a round waits for arrivals to be stored


class Decider:
    """Takes inbox rows and decides them; :meth:`run` until :meth:`stop`."""

    def __init__(
        self,
        storage: Storage,
        bot: Bot,
        decide: Callable[[Update], Awaitable[bool]],
        *,
        service: GroupReplies,
        settings: DeciderSettings | None = None,
        direct_send: Callable[[str, Sequence[Reply]], None] | None = None,
        on_commit: Callable[[], None] = lambda: None,
        arrivals: Callable[[], Awaitable[None]] | None = None,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``arrivals`` returns once no arriving update waits to be stored (see BUSY_BATCH)."""
        self._storage = storage
        self._offload = Offload.for_storage(storage)
        self._bot = bot
        self._decide = decide
        self._service = service
        self.settings = settings or DeciderSettings()
        self._claimer = self.settings.claimer or f"{socket.gethostname()}:pid{os.getpid()}"
        self.direct_send = direct_send
        self._on_commit = on_commit
        self._arrivals = arrivals
        self._metrics = metrics
        self._clock = clock
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._stopping = False
        self._read: OrderedDict[int, Update] = OrderedDict()
        self._settle: list[int] = []
        self._sent_directly: OrderedDict[int, None] = OrderedDict()

    def remember(self, updates: Sequence[Update]) -> None:
        """Keep updates this process stored, read, for the rows it claims; then wake up."""
        for update in updates:
            self._read[update.update_id] = update
        while len(self._read) > _REMEMBERED:
            self._read.popitem(last=False)
        self.wake()

    def wake(self) -> None:
        """Look at the inbox now."""
        self._idle.clear()
        self._wakeup.set()

    async def until_idle(self) -> None:
        """Return once :meth:`run` found nothing due after the last update stored here.

        Rows due later (a retry's pause, another replica's lease) do not count; benchmarks and
        tests wait on this instead of polling the inbox.
        """
        await self._idle.wait()

    def stop(self) -> None:
        """Finish the current round, then let :meth:`run` return."""
        self._stopping = True
        self._wakeup.set()

    async def run(self) -> None:
        """Decide rounds until stopped; a storage failure is logged and retried on the next tick."""
        await self._release_own_claims()
        while not self._stopping:
            self._wakeup.clear()
            try:
                if await self.decide_due():
                    continue  # a chat may have more waiting behind what was just decided
                if not self._wakeup.is_set():  # nothing stored since the round's claim
                    self._idle.set()
            except Exception:
                _LOGGER.exception("inbox round failed; retrying in %ss", self.settings.tick_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self.settings.tick_seconds)
        if self._settle:
            with contextlib.suppress(Exception):  # left rows are found decided next time
                await self._offload.run(self._storage.settle_inbox, self._settle)

    async def decide_due(self) -> int:
        """One round: claim what is due, decide it (chats concurrently); return how many."""
        limit = self.settings.batch_size
        if self._arrivals is not None:
            waited = time.perf_counter()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrivals(), timeout=self.settings.yield_seconds)
            if time.perf_counter() - waited > 0.001:  # updates were arriving: a short round
                limit = min(limit, self.settings.busy_batch_size)
        settle = self._settle
        rows = await self._offload.run(
            self._storage.claim_inbox,
            now=self._clock(),
            claimer=self._claimer,
            limit=limit,
            lease_seconds=self.settings.lease_seconds,
            settle=settle,
        )
        self._settle = []
        if not rows:
            return 0
        done = await asyncio.gather(*(self._decide_row(row) for row in rows))
        self._settle = [row.update_id for row, ok in zip(rows, done, strict=True) if ok]
        return len(rows)

    async def _decide_row(self, row: InboxRow) -> bool:
        """``True`` once decided (its row is deleted then or by the next claim)."""
        update = self._read.pop(row.update_id, None)
        if update is None:
            try:
                update = Update.de_json(json.loads(row.payload), self._bot)
            except Exception as error:
                await self._bury(row, None, f"unreadable ({type(error).__name__})")
                return False
            if update is None:
                await self._bury(row, None, "unreadable (empty)")
                return False
        if row.attempts > self.settings.max_attempts:  # its process stopped while deciding it
            await self._bury(row, update, f"claimed {row.attempts - 1} times without a decision")
            return False
        try:
            decided = await self._decide(update)
        except Exception as error:
            _LOGGER.error("update %s: deciding raised %s", row.update_id, type(error).__name__)
            decided = False
        if decided:
            return True
        if row.attempts >= self.settings.max_attempts:
            await self._bury(row, update, f"not stored after {row.attempts} attempts")
            return False
        pause = min(RETRY_CAP_SECONDS, self.settings.retry_seconds * 2.0 ** (row.attempts - 1))
        try:
            await asyncio.to_thread(
                self._storage.retry_inbox,
                row.update_id,
                not_before=self._clock() + pause,
                error="not stored",
            )
        except Exception as error:  # the lease runs out and it is claimed again
            _LOGGER.warning(
                "update %s: could not schedule its retry (%s)", row.update_id, type(error).__name__
            )
        return False

    async def _bury(self, row: InboxRow, update: Update | None, reason: str) -> None:
        """Move a row aside: the crisis lines if its text is crisis, a notice in a private chat."""
        chat_id, private, text = _chat_and_text(row.payload, update)
        crisis: Reply | None = None
        if text:
            try:
                crisis = self._service.group_reply(text, edited=True)  # None unless crisis
            except Exception as error:
                _LOGGER.error(
                    "update %s: the gate failed too (%s)", row.update_id, type(error).__name__
                )
        notices: list[Outgoing] = []
        if chat_id is not None:
            owner = conversation_id_for(chat_id) if private else None
            now = time.time()
            if crisis is not None:
                notices.append(
                    Outgoing(str(chat_id), (crisis,), owner, "notice", now, Priority.HIGH)
                )
            if private:
                notices.append(Outgoing(str(chat_id), (failure_notice(),), owner, "notice", now))
        try:
            buried = await asyncio.to_thread(
                self._storage.bury_inbox, row.update_id, error=reason, notices=notices
            )
        except Exception as error:
            _LOGGER.error(
                "update %s could not be moved aside (%s: %s); it is claimed again later",
                row.update_id,
                reason,
                type(error).__name__,
            )
            if crisis is not None and chat_id is not None:
                await self._send_directly(row.update_id, str(chat_id), crisis)
            return
        if not buried:  # another replica decided it or moved it aside meanwhile
            return
        (self._metrics or default_metrics()).inbox_dead.inc()
        _LOGGER.error(
            "update %s moved aside (%s): its chat goes on without it%s",
            row.update_id,
            reason,
            "; its crisis lines are queued" if crisis is not None else "",
        )
        if notices:
            self._on_commit()

    async def _send_directly(self, update_id: int, chat_id: str, reply: Reply) -> None:
        """Send a crisis reply that could not be queued, once per update in this process."""
        if self.direct_send is None or update_id in self._sent_directly:
            return
        self._sent_directly[update_id] = None
        while len(self._sent_directly) > _REMEMBERED:
            self._sent_directly.popitem(last=False)
        parts = list(split_reply(reply) or (reply,))
        try:
            await asyncio.to_thread(self.direct_send, chat_id, parts)
        except Exception as error:
            _LOGGER.error("the direct crisis reply failed too (%s)", type(error).__name__)

    async def _release_own_claims(self) -> None:
        """After a restart, what this replica had claimed is not being decided: take it now."""
        if self.settings.claimer is None:
            return
        try:
            released = await asyncio.to_thread(
                self._storage.release_inbox_claims, self._claimer, now=self._clock()
            )
        except Exception:
            _LOGGER.exception("could not release this replica's earlier inbox leases")
            return
        if released:
            _LOGGER.info("took back %s inbox updates claimed before a restart", released)


def _chat_and_text(payload: str, update: Update | None) -> tuple[int | None, bool, str | None]:
    """The chat, whether it is private, and the text of an update, read or raw."""
    if update is not None:
        chat = update.effective_chat
        message = update.effective_message
        text = None if message is None else (message.text or message.caption)
        if update.callback_query is not None:
            text = None  # a button's data is not the person's words
        if chat is None:
            return None, False, text
        return chat.id, chat.type == Chat.PRIVATE, text
    try:
        data: Any = json.loads(payload)
    except ValueError:
        return None, False, None
    for kind in ("message", "edited_message"):
        message = data.get(kind) if isinstance(data, dict) else None
        if isinstance(message, dict):
            chat = message.get("chat")
            chat_id = chat.get("id") if isinstance(chat, dict) else None
            text = message.get("text") or message.get("caption")
            return (
                chat_id if isinstance(chat_id, int) else None,
                isinstance(chat, dict) and chat.get("type") == Chat.PRIVATE,
                text if isinstance(text, str) else None,
            )
    return None, False, None


__all__ = [
    "CLAIM_BATCH",
    "LEASE_SECONDS",
    "MAX_ATTEMPTS",
    "Decider",
    "DeciderSettings",
    "GroupReplies",
    "InboxWriter",
    "UpdateSink",
    "lane_of",
]
