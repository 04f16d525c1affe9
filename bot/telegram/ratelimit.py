"""Telegram's send limits for the bot as a whole, shared by every replica through the database.

Telegram lets a bot send about 30 messages a second overall, about one a second to one chat (short
bursts are tolerated) and 20 a minute to one group. ``AIORateLimiter`` counts per process, so two
replicas would together send twice as much. Here each send first *reserves* a slot:

1. in its chat's budget (``chat:<id>``: :attr:`SendLimits.private_chat` or
   :attr:`SendLimits.group_chat`), then, once that slot has come,
2. in the bot's budget (``bot``: :attr:`SendLimits.bot`),

and sleeps until the slot. Reserving the bot's slot only when the chat's slot has come keeps a
slow chat from pushing everyone else's sends back. When the chat's slot is free at once (the
usual case), both are reserved in one transaction.

Each budget is the generic cell rate algorithm (GCRA): one number per key, the *theoretical
arrival time* (TAT). With interval ``T = 1 / per_second`` and tolerance ``τ = (burst - 1) · T``, a
send wanted at ``now`` may go at ``start = max(now, TAT - τ)`` and moves ``TAT`` to
``max(TAT, start) + T``. So in any window of ``w`` seconds at most ``burst - 1 + per_second · w``
messages go out for that key.

Where the budget lives:

- PostgreSQL (several replicas): :class:`SqlBudget`, one ``INSERT ... ON CONFLICT DO UPDATE ...
  RETURNING`` per reservation on the ``send_budget`` table, atomic under concurrent replicas.
  Replicas' clocks must agree (NTP), as the outbox's leases already require.
- SQLite (one process): :class:`MemoryBudget`, the same arithmetic in memory.

Why not a library: ``limits`` has no PostgreSQL storage; ``pyrate-limiter``'s ``PostgresBucket``
stores a row per message in a table it creates itself (outside the migrations) and takes an
exclusive table lock per message, one table per bucket, so a per-chat limit would need a table
per chat. One row per key and one statement per send is smaller and is tested here.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import ColumnElement, Connection, case, delete, literal
from sqlalchemy.dialects import postgresql, sqlite

from bot.health.metrics import default_metrics
from bot.telegram.tables import send_budget

if TYPE_CHECKING:
    from bot.storage import Storage

BOT_KEY = "bot"
#: How often (seconds) a process deletes budget rows whose time has passed.
CLEANUP_EVERY_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``burst - 1 + per_second · w`` messages in any window of ``w`` seconds."""

    per_second: float
    burst: int = 1

    def __post_init__(self) -> None:
        if not self.per_second > 0:
            raise ValueError(f"per_second must be above 0 (got {self.per_second!r})")
        if self.burst < 1:
            raise ValueError(f"burst must be at least 1 (got {self.burst!r})")

    @property
    def interval(self) -> float:
        """Seconds between two sends once the burst is used up."""
        return 1.0 / self.per_second

    @property
    def tolerance(self) -> float:
        """How far ahead of its time a send may go: what makes the burst."""
        return (self.burst - 1) * self.interval


@dataclass(frozen=True, slots=True)
class SendLimits:
    """The limits the sender keeps; the defaults stay inside Telegram's published ones."""

    bot: Limit = Limit(per_second=30.0)  # <= 30 in any second, bot-wide
    private_chat: Limit = Limit(per_second=1.0, burst=3)  # a 3-part crisis reply goes at once
    group_chat: Limit = Limit(per_second=0.3, burst=3)  # <= 20 in any minute

    @classmethod
    def with_bot_rate(cls, per_second: float) -> SendLimits:
        """The default limits with another bot-wide rate (``telegram.max_messages_per_second``)."""
        return cls(bot=Limit(per_second=per_second))

    def for_chat(self, chat_id: int) -> Limit:
        """Private chats have positive ids; groups, supergroups and channels negative ones."""
        return self.private_chat if chat_id > 0 else self.group_chat


def chat_key(chat_id: int) -> str:
    """The budget key of one chat."""
    return f"chat:{chat_id}"


def gcra_reserve(tat: float | None, limit: Limit, now: float) -> tuple[float, float]:
    """``(start, new_tat)``: when a send wanted at ``now`` may go, and the key's next TAT.

    ``tat`` is ``None`` for a key with no row (never used, or cleaned up).
    """
    if tat is None:
        return now, now + limit.interval
    start = max(now, tat - limit.tolerance)
    return start, max(tat, start) + limit.interval


#: One budget to reserve in: its key and its limit.
Step = tuple[str, Limit]


class SendBudget(Protocol):
    """Where the theoretical arrival times are kept."""

    #: ``True`` when :meth:`reserve_chain` does I/O (run it in a worker thread).
    blocking: bool

    def reserve_chain(self, steps: Sequence[Step], now: float) -> list[float]:
        """Reserve a send at ``now`` in each step's budget while the previous one allows ``now``.

        Returns the start of every step reserved: all of them, or up to and including the first
        whose start is later than ``now`` (reserve the rest once that time has come).
        """
        ...


class MemoryBudget:
    """The budget of one process (embedded SQLite: there is only one)."""

    blocking = False

    def __init__(self) -> None:
        self._tat: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, key: str, limit: Limit, now: float) -> float:
        """Reserve one send for ``key`` wanted at ``now``; return when it may go."""
        return self.reserve_chain([(key, limit)], now)[0]

    def reserve_chain(self, steps: Sequence[Step], now: float) -> list[float]:
        """See :meth:`SendBudget.reserve_chain`."""
        starts: list[float] = []
        with self._lock:
            for key, limit in steps:
                start, self._tat[key] = gcra_reserve(self._tat.get(key), limit, now)
                starts.append(start)
                if start > now:
                    break
            if len(self._tat) > 10_000:  # forget keys whose time has passed
                self._tat = {k: t for k, t in self._tat.items() if t > now}
        return starts


class SqlBudget:
    """The budget in the ``send_budget`` table, shared by every process on the database."""

    blocking = True

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._next_cleanup = 0.0

    def reserve(self, key: str, limit: Limit, now: float) -> float:
        """Reserve one send for ``key`` wanted at ``now``; return when it may go."""
        return self.reserve_chain([(key, limit)], now)[0]

    def reserve_chain(self, steps: Sequence[Step], now: float) -> list[float]:
        """See :meth:`SendBudget.reserve_chain`; one transaction for the whole chain.

        Each step is one atomic upsert: the row is locked until the commit, so concurrent
        replicas queue up behind each other and each gets its own slot.
        """
        starts: list[float] = []
        with self._storage.transaction(write=True) as connection:
            for key, limit in steps:
                new_tat = _upsert_tat(connection, key, limit, now)
                # The upsert computed new_tat = max(tat, start) + T; recover start from it.
                starts.append(max(now, new_tat - limit.interval - limit.tolerance))
                if starts[-1] > now:
                    break
            if now >= self._next_cleanup:
                self._next_cleanup = now + CLEANUP_EVERY_SECONDS
                connection.execute(delete(send_budget).where(send_budget.c.tat < now))
        return starts


def _upsert_tat(connection: Connection, key: str, limit: Limit, now: float) -> float:
    """Insert or advance ``key``'s TAT as :func:`gcra_reserve` does; return the new TAT."""
    insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(
        send_budget
    )
    old = send_budget.c.tat  # in ON CONFLICT DO UPDATE: the row as it was
    start = _greatest(old - limit.tolerance, literal(now))
    statement = (
        insert.values(key=key, tat=now + limit.interval)
        .on_conflict_do_update(
            index_elements=[send_budget.c.key],
            set_={"tat": _greatest(old, start) + limit.interval},
        )
        .returning(send_budget.c.tat)
    )
    return float(connection.execute(statement).scalar_one())


def _greatest(left: ColumnElement[float], right: ColumnElement[float]) -> ColumnElement[float]:
    """The larger of two numbers, in SQL both dialects understand."""
    return case((left > right, left), else_=right)


@dataclass(slots=True)
class SendPacer:
    """Waits, before each send, until the chat's and the bot's budgets allow it."""

    budget: SendBudget
    limits: SendLimits = field(default_factory=SendLimits)
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    on_wait: Callable[[float], None] | None = None  # told how long each send waited

    @classmethod
    def for_storage(
        cls,
        storage: Storage,
        limits: SendLimits,
        *,
        on_wait: Callable[[float], None] | None = None,
    ) -> SendPacer:
        """A pacer sharing the budget through PostgreSQL, or in memory on SQLite.

        ``on_wait`` defaults to the process's ``crisisbot_send_wait_seconds`` histogram.
        """
        if on_wait is None:
            on_wait = default_metrics().observe_send_wait
        with storage.transaction(write=False) as connection:
            shared = connection.dialect.name == "postgresql"
        budget: SendBudget = SqlBudget(storage) if shared else MemoryBudget()
        return cls(budget, limits, on_wait=on_wait)

    async def wait_turn(self, chat_id: int) -> float:
        """Sleep until one message may go to ``chat_id``; return the seconds waited."""
        started = self.clock()
        steps: Sequence[Step] = [
            (chat_key(chat_id), self.limits.for_chat(chat_id)),
            (BOT_KEY, self.limits.bot),
        ]
        while steps:  # usually one round: the chat's slot is free, so the bot's is taken too
            now = self.clock()
            if self.budget.blocking:
                starts = await asyncio.to_thread(self.budget.reserve_chain, steps, now)
            else:
                starts = self.budget.reserve_chain(steps, now)
            steps = steps[len(starts) :]
            delay = starts[-1] - self.clock()
            if delay > 0:
                await self.sleep(delay)
        waited = max(0.0, self.clock() - started)
        if self.on_wait is not None:
            self.on_wait(waited)
        return waited


__all__ = [
    "BOT_KEY",
    "Limit",
    "MemoryBudget",
    "SendBudget",
    "SendLimits",
    "SendPacer",
    "SqlBudget",
    "Step",
    "chat_key",
    "gcra_reserve",
]
