"""Short storage calls on the event loop's own thread; the rest on a worker thread.

Every storage call of the Telegram layer blocks, so each used to go through
``asyncio.to_thread``. On SQLite most of them (storing what arrives, claiming the inbox and the
outbox, recording what was sent) take well under a millisecond, and the hand-off costs more
than the call: while the worker runs, the two threads trade the GIL at every SQLite call.
Measured in ``bench/machinery_bench.py``, these calls on the loop's thread took 1-8% off the
machinery's CPU per update in four of five pairs (docs/benchmarks.md).

An :class:`Offload` runs a call on the loop's thread when the same call's recent runs were
shorter than the interpreter's switch interval (5 ms unless changed): no longer than a worker
thread holding the GIL could keep the loop waiting anyway. Otherwise the call goes to a worker
thread, as before.

- Only on an embedded database (SQLite). A PostgreSQL call waits on the network, which the
  loop must never do.
- A call's first run goes to a worker thread, and is measured there.
- The estimate is a moving average of the call's runs. On the loop's thread it is the wall
  time: what the loop waited, a lock wait or a checkpoint's ``fsync`` included. On a worker
  thread it is that thread's CPU time, because waiting for the GIL is not the call's own cost.
  One slow run sends the next runs to a worker thread until they are measured short again.
- Never give an Offload a call that may wait on the loop itself. The core's batch
  (``Service.handle_many``) is one: its rescue of an unstored crisis reply sends through the
  loop and waits for the answer, so it always runs on a worker thread.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from typing import ParamSpec, Protocol, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

#: How much of each new run goes into a call's moving average.
NEW_RUN_WEIGHT = 0.2


class HasBackend(Protocol):
    """What an :class:`Offload` needs to know of the storage it calls."""

    @property
    def embedded(self) -> bool:
        """Whether the database is a file in this process (SQLite), not a server."""
        ...


class Offload:
    """Runs blocking storage calls on the loop's thread when they are short, else on a worker."""

    def __init__(
        self,
        *,
        on_loop: bool,
        budget_seconds: float | None = None,
        wall_clock: Callable[[], float] = time.perf_counter,
        thread_clock: Callable[[], float] = time.thread_time,
    ) -> None:
        """``on_loop``: whether short calls may run on the loop's thread at all;
        ``budget_seconds``: the longest a call may be expected to take there (default: the
        interpreter's switch interval). The clocks measure a run on the loop's thread (wall
        time) and on a worker thread (that thread's CPU time)."""
        self._on_loop = on_loop
        self._budget = sys.getswitchinterval() if budget_seconds is None else budget_seconds
        self._wall_clock = wall_clock
        self._thread_clock = thread_clock
        self._seconds: dict[str, float] = {}

    @classmethod
    def for_storage(cls, storage: HasBackend) -> Offload:
        """Short calls on the loop's thread only for an embedded database."""
        return cls(on_loop=storage.embedded)

    def expected_seconds(self, call: Callable[..., object]) -> float | None:
        """The moving average of ``call``'s runs, or ``None`` before its first."""
        return self._seconds.get(_name_of(call))

    async def run(self, call: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``call(*args, **kwargs)``, on the loop's thread if it is expected to be short."""
        name = _name_of(call)
        expected = self._seconds.get(name)
        if self._on_loop and expected is not None and expected <= self._budget:
            wall_clock = self._wall_clock
            started = wall_clock()
            try:
                return call(*args, **kwargs)
            finally:
                self._learn(name, wall_clock() - started)

        thread_clock = self._thread_clock

        def measured() -> T:
            started = thread_clock()
            try:
                return call(*args, **kwargs)
            finally:
                self._learn(name, thread_clock() - started)

        return await asyncio.to_thread(measured)

    def _learn(self, name: str, seconds: float) -> None:
        before = self._seconds.get(name)
        self._seconds[name] = (
            seconds if before is None else before + NEW_RUN_WEIGHT * (seconds - before)
        )


def _name_of(call: Callable[..., object]) -> str:
    return getattr(call, "__qualname__", None) or type(call).__qualname__


__all__ = ["NEW_RUN_WEIGHT", "HasBackend", "Offload"]
