"""The outbox sender: deliver committed replies to Telegram, retrying until they go out.

The sender claims due messages (at most one per chat, oldest first, leased), sends each as one or
more plain-text ``sendMessage`` calls, and records the result:

- sent: marked sent with Telegram's message id as ``sent_ref``;
- ``RetryAfter`` (flood control): due again after the time Telegram asks for;
- network errors, Telegram 5xx, other transient errors: due again after an exponential backoff
  with jitter, capped at :attr:`SenderSettings.backoff_cap`;
- the bot was blocked, the chat is gone, or Telegram rejects the message itself: marked dead
  (retrying cannot help) and an error in the log.

Results are recorded as soon as each message is done, several in one transaction: while one
transaction is being written the next results gather, and go in the next one together (group
commit), so a round costs a few transactions instead of one per message and a sent message is
marked without waiting for the slowest chat of its round.

It is woken right after every commit (:meth:`OutboxSender.wake`) and otherwise checks on a short
tick, which picks up retries that became due and leases that ran out (a crashed sender's
messages). Telegram's rate limits: with :attr:`SenderSettings.limits` set (``crisisbot run``
does), every part waits for its slot in the send budget that all replicas share
(:mod:`bot.telegram.ratelimit`); the bot's ``AIORateLimiter`` stays as a per-process fence.

Every row is one message: whatever enters the outbox was split to fit there, once
(:func:`bot.storage.outbox.enqueue`), so the sender sends each row as it is and ``sent_ref`` is
its Telegram message id.

:meth:`OutboxSender.send_directly` bypasses the outbox: the service calls it from its worker
thread when a crisis reply could not be stored (safety before consistency, see
:mod:`bot.core.service`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bot.model import MESSAGE_LIMIT, Reply
from bot.storage.outbox import Delivery
from bot.storage.parts import split_reply
from bot.telegram.batching import Batches
from bot.telegram.offload import Offload
from bot.telegram.outgoing import keyboard_for
from bot.telegram.ratelimit import SendLimits, SendPacer

if TYPE_CHECKING:
    from bot.storage import Storage
    from bot.storage.outbox import OutboxMessage

_LOGGER = logging.getLogger(__name__)

#: The longest a worker thread waits for a direct (unstored) crisis reply to go out.
DIRECT_SEND_TIMEOUT = 30.0
#: The most delivery results recorded in one transaction (a round claims 50 chats by default).
MAX_RECORDED = 256
#: ``sendMessage`` as the outbox sends it. The Bot API's method names are case-insensitive; this
#: spelling is none of python-telegram-bot's own method names, so ``do_api_request`` sends it as
#: given (no warning that ``Bot.send_message`` exists) and returns the raw answer.
SEND_MESSAGE = "sendmessage"


@dataclass(frozen=True, slots=True)
class SenderSettings:
    """How the sender paces itself."""

    batch_size: int = 50  # chats served per round
    lease_seconds: float = 15.0  # longer than a round takes; after a crash, the wait to resend
    claimer: str | None = None  # this replica's stable name: it releases its leases at start
    tick_seconds: float = 1.0  # how often to look for due retries without a wake-up
    backoff_base: float = 1.0  # seconds before the first retry after a network error
    backoff_cap: float = 300.0  # the longest wait between two attempts
    limits: SendLimits | None = None  # the send budget shared by replicas; None: none kept here


def claimer_name(port: int) -> str:
    """A replica's name for its outbox leases: stable across its restarts, unique among replicas.

    The host name and the webhook port: two replicas on one host listen on different ports.
    """
    return f"{socket.gethostname()}:{port}"


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for, whichever type this python-telegram-bot version returns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return float(value.total_seconds() if isinstance(value, timedelta) else value)


def backoff_seconds(
    attempts: int, settings: SenderSettings, jitter: Callable[[], float] = random.random
) -> float:
    """Exponential backoff after ``attempts`` earlier failures, with 50-100% jitter, capped."""
    ceiling = min(settings.backoff_cap, settings.backoff_base * 2.0 ** min(attempts, 30))
    return ceiling * (0.5 + 0.5 * jitter())


class OutboxSender:
    """Sends what the outbox holds; run :meth:`run` as a task and :meth:`stop` it at shutdown."""

    def __init__(
        self,
        bot: Bot,
        storage: Storage,
        settings: SenderSettings | None = None,
        *,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._bot = bot
        self._storage = storage
        self._offload = Offload.for_storage(storage)
        self.settings = settings or SenderSettings()
        self._clock = clock
        self._jitter = jitter
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._recorder = _Recorder(storage, clock, self._offload)
        limits = self.settings.limits
        self._pacer = SendPacer.for_storage(storage, limits) if limits is not None else None

    @property
    def running(self) -> bool:
        """Whether :meth:`run` is sending (and :meth:`send_directly` can be used)."""
        return self._loop is not None and not self._stopping

    def wake(self) -> None:
        """Look at the outbox now (called after each commit)."""
        self._wakeup.set()

    def stop(self) -> None:
        """Finish the current round, then let :meth:`run` return."""
        self._stopping = True
        self._wakeup.set()

    async def run(self) -> None:
        """Send rounds until stopped; a storage failure is logged and retried on the next tick."""
        self._loop = asyncio.get_running_loop()
        await self._release_own_claims()
        while not self._stopping:
            self._wakeup.clear()
            try:
                if await self.send_due():
                    continue  # a chat may have more queued behind what was just sent
            except Exception:
                _LOGGER.exception(
                    "outbox round failed; retrying in %ss", self.settings.tick_seconds
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self.settings.tick_seconds)

    async def send_due(self) -> int:
        """One round: claim what is due, send it chat by chat concurrently; return how many."""
        messages = await self._offload.run(
            self._storage.claim_outbox,
            now=self._clock(),
            limit=self.settings.batch_size,
            lease_seconds=self.settings.lease_seconds,
            claimer=self.settings.claimer,
        )
        results = await asyncio.gather(
            *(self._deliver(message) for message in messages), return_exceptions=True
        )
        for message, result in zip(messages, results, strict=True):
            if isinstance(result, BaseException):
                # Storage failed while recording the result: the lease runs out and the message
                # is claimed again, so it is sent at least once.
                _LOGGER.error("outbox message %s: %r", message.id, result)
        return len(messages)

    async def _release_own_claims(self) -> None:
        """After a restart, what this replica had leased is not in flight: claim it again now."""
        claimer = self.settings.claimer
        if claimer is None:
            return
        try:
            released = await asyncio.to_thread(
                self._storage.release_claims, claimer, now=self._clock()
            )
        except Exception:
            _LOGGER.exception("could not release this replica's earlier outbox leases")
            return
        if released:
            _LOGGER.warning(
                "released %s outbox messages this replica had claimed before it stopped; "
                "any of them Telegram had already accepted will arrive twice",
                released,
            )

    def send_directly(self, chat_id: str, parts: Sequence[Reply]) -> None:
        """Send ``parts`` to ``chat_id`` now, outside the outbox; call from a worker thread.

        For replies that could not be stored: no retry, no record, no send budget (Telegram's
        own limits still apply through the bot). Raises what sending raised, or
        :class:`RuntimeError` while the sender is not running.
        """
        loop = self._loop
        if loop is None or not self.running:
            raise RuntimeError("the outbox sender is not running")
        future = asyncio.run_coroutine_threadsafe(self._send_parts(int(chat_id), parts), loop)
        future.result(timeout=DIRECT_SEND_TIMEOUT)

    async def _send_parts(self, chat_id: int, parts: Sequence[Reply]) -> None:
        for part in parts:
            await self._bot.send_message(
                chat_id=chat_id, text=part.text, reply_markup=keyboard_for(part.buttons)
            )

    async def flush(self, timeout: float) -> int:
        """Send until nothing is due or ``timeout`` seconds passed; return how many were sent.

        Used at shutdown; whatever is left stays in the outbox for the next start.
        """
        handled = 0
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while count := await self.send_due():
                    handled += count
        return handled

    async def _deliver(self, message: OutboxMessage) -> None:
        """Send one outbox message as it is and record the result."""
        reply = message.reply
        try:
            if not reply.text.strip():
                raise ValueError("the reply has no text")
            chat_id = int(message.chat_id)
            if self._pacer is not None:
                await self._pacer.wait_turn(chat_id)
            sent_ref = await self._send_row(chat_id, reply)
        except RetryAfter as error:
            wait = retry_after_seconds(error)
            await self._retry(message, wait, f"flood control: retry after {wait:g}s")
        except ChatMigrated as error:
            await self._give_up(message, f"the group became supergroup {error.new_chat_id}")
        except (Forbidden, BadRequest) as error:  # BadRequest first: it is a NetworkError too
            await self._give_up(message, f"{type(error).__name__}: {error.message}")
        except TelegramError as error:  # NetworkError, TimedOut, 5xx, a revoked token
            wait = backoff_seconds(message.attempts, self.settings, self._jitter)
            await self._retry(message, wait, f"{type(error).__name__}: {error.message}")
        except ValueError as error:
            await self._give_up(message, f"cannot be sent: {error}")
        else:
            await self._recorder.record(Delivery(message.id, sent_ref=sent_ref))

    async def _send_row(self, chat_id: int, reply: Reply) -> str:
        """Send one outbox row; Telegram's id for it (ids joined by commas for several).

        Rows are split where they are queued, so a row is one message. A row longer than a
        message can only have been queued whole by an older crisisbot still running beside this
        one during a rolling upgrade (its sender split at send time): it is sent in parts, as
        that version would have, rather than refused by Telegram and lost. If a later part
        fails, the whole row is tried again, so its first parts may arrive twice.
        """
        if len(reply.text) * 2 <= MESSAGE_LIMIT:  # within the limit in any UTF-16 count
            return str(await self._send_one(chat_id, reply.text, keyboard_for(reply.buttons)))
        ids: list[int] = []
        for part in split_reply(reply):
            if ids and self._pacer is not None:
                await self._pacer.wait_turn(chat_id)
            ids.append(await self._send_one(chat_id, part.text, keyboard_for(part.buttons)))
        return ",".join(map(str, ids))

    async def _send_one(
        self, chat_id: int, text: str, keyboard: InlineKeyboardMarkup | None
    ) -> int:
        """Send one message; return Telegram's id for it.

        Through ``do_api_request`` with :data:`SEND_MESSAGE`: python-telegram-bot then returns
        Telegram's answer as it came instead of building a ``Message`` (with its chat, sender
        and entities) from it, which took most of the CPU of a send; only the id is kept.
        Errors are raised as ``send_message`` raises them (``RetryAfter``, ``Forbidden``, ...).
        """
        arguments: dict[str, object] = {"chat_id": chat_id, "text": text}
        if keyboard is not None:
            arguments["reply_markup"] = keyboard
        sent = await self._bot.do_api_request(SEND_MESSAGE, api_kwargs=arguments)
        if not isinstance(sent, dict) or "message_id" not in sent:
            raise NetworkError(f"{SEND_MESSAGE} answered without a message id")
        return int(sent["message_id"])

    async def _retry(self, message: OutboxMessage, wait: float, reason: str) -> None:
        _LOGGER.warning(
            "outbox message %s (%s) not sent, attempt %s: %s; next try in %.1fs",
            message.id,
            message.kind,
            message.attempts + 1,
            reason,
            wait,
        )
        retry_at = self._clock() + wait
        await self._recorder.record(Delivery(message.id, retry_at=retry_at, error=reason))

    async def _give_up(self, message: OutboxMessage, reason: str) -> None:
        _LOGGER.error(
            "outbox message %s (%s) will not be sent: %s", message.id, message.kind, reason
        )
        await self._recorder.record(Delivery(message.id, dead=True, error=reason))


class _Recorder:
    """Writes delivery results in as few transactions as possible (group commit).

    :meth:`record` returns once the result is committed, or raises what storage raised. The
    results handed in while one transaction is written go in the next, together (see
    :class:`~bot.telegram.batching.Batches`).
    """

    def __init__(self, storage: Storage, clock: Callable[[], float], offload: Offload) -> None:
        self._storage = storage
        self._offload = offload
        self._clock = clock
        self._batches = Batches(self._write, _not_recorded, max_batch=MAX_RECORDED)

    async def record(self, delivery: Delivery) -> None:
        """Commit ``delivery`` together with whatever else is waiting."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._batches.add((delivery, done))
        await done  # a cancelled caller cancels only its own future; the batch is written

    async def _write(self, batch: list[tuple[Delivery, asyncio.Future[None]]]) -> None:
        try:
            await self._offload.run(
                self._storage.record_deliveries,
                [delivery for delivery, _ in batch],
                now=self._clock(),
            )
        except Exception as error:
            _settle(batch, error)
        else:
            _settle(batch, None)


def _not_recorded(batch: list[tuple[Delivery, asyncio.Future[None]]]) -> None:
    _settle(batch, RuntimeError("the outbox sender stopped before the result was recorded"))


def _settle(batch: list[tuple[Delivery, asyncio.Future[None]]], error: Exception | None) -> None:
    for _, future in batch:
        if future.done():
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)
