"""Storage calls from the event loop: short ones on the loop's thread, the rest on a worker.

A call runs on the loop's thread only on an embedded database, only once it has been measured,
and only while its runs stay within the budget; whatever it raises reaches the caller from
either thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

import pytest
from telegram import Update

from bot.storage import Storage
from bot.storage.inbox import Arrival
from bot.telegram.inbox import InboxWriter
from bot.telegram.offload import Offload
from tests.auxil.updates import UpdateFactory


class SteppedClock:
    """A clock that moves by ``step`` seconds each time it is read twice (start, end)."""

    def __init__(self, steps: Iterator[float]) -> None:
        self._steps = steps
        self._now = 0.0
        self._reads = 0

    def __call__(self) -> float:
        self._reads += 1
        if self._reads % 2 == 0:
            self._now += next(self._steps)
        return self._now


def where_run() -> int:
    return threading.get_ident()


def offload_taking(seconds: list[float], *, on_loop: bool = True, budget: float = 0.005) -> Offload:
    """An Offload whose measured runs (on either thread) take ``seconds`` in turn."""
    steps = iter(seconds)
    return Offload(
        on_loop=on_loop,
        budget_seconds=budget,
        wall_clock=SteppedClock(steps),
        thread_clock=SteppedClock(steps),
    )


async def test_a_first_call_runs_on_a_worker_thread() -> None:
    offload = offload_taking([0.001])
    assert await offload.run(where_run) != threading.get_ident()
    assert offload.expected_seconds(where_run) == pytest.approx(0.001)


async def test_a_call_measured_short_runs_on_the_loops_thread_next() -> None:
    offload = offload_taking([0.001, 0.001, 0.001])
    await offload.run(where_run)
    assert await offload.run(where_run) == threading.get_ident()
    assert await offload.run(where_run) == threading.get_ident()


async def test_a_server_databases_calls_always_run_on_a_worker_thread() -> None:
    offload = offload_taking([0.0001] * 3, on_loop=False)
    for _ in range(3):
        assert await offload.run(where_run) != threading.get_ident()


async def test_a_call_measured_longer_than_the_budget_stays_on_a_worker_thread() -> None:
    offload = offload_taking([0.020, 0.020])
    await offload.run(where_run)
    assert await offload.run(where_run) != threading.get_ident()


async def test_one_slow_run_on_the_loop_sends_the_next_runs_to_a_worker_thread() -> None:
    # first run 1 ms (worker), second 100 ms on the loop (a lock wait, say): average 20.8 ms
    offload = offload_taking([0.001, 0.100, 0.001, 0.001])
    await offload.run(where_run)
    assert await offload.run(where_run) == threading.get_ident()
    assert await offload.run(where_run) != threading.get_ident()
    assert offload.expected_seconds(where_run) == pytest.approx(0.0168, abs=1e-4)


async def test_what_a_call_raises_reaches_the_caller_from_either_thread() -> None:
    offload = offload_taking([0.001, 0.001])

    def broken() -> None:
        raise ValueError("the disk is full")

    for _ in range(2):  # a worker thread, then the loop's
        with pytest.raises(ValueError, match="the disk is full"):
            await offload.run(broken)
    assert offload.expected_seconds(broken) == pytest.approx(0.001)


async def test_arguments_reach_the_call_on_either_thread() -> None:
    offload = offload_taking([0.001, 0.001])

    def joined(first: str, *, second: str) -> str:
        return first + second

    assert await offload.run(joined, "a", second="b") == "ab"
    assert await offload.run(joined, "c", second="d") == "cd"


def test_sqlite_is_embedded(sqlite_storage: Storage) -> None:
    assert sqlite_storage.embedded is True


def test_postgresql_is_not_embedded(postgres_url: str) -> None:
    storage = Storage.from_url(postgres_url)
    try:
        assert storage.embedded is False
    finally:
        storage.close()


async def test_the_inbox_stores_on_the_loops_thread_once_its_writes_are_known_short(
    sqlite_storage: Storage, updates: UpdateFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[int] = []
    put_inbox = sqlite_storage.put_inbox

    def noted(arrivals: Sequence[Arrival]) -> None:
        threads.append(threading.get_ident())
        put_inbox(arrivals)

    monkeypatch.setattr(sqlite_storage, "put_inbox", noted)
    writer = InboxWriter(sqlite_storage, offload=Offload(on_loop=True, budget_seconds=60.0))
    arriving = [Update.de_json(updates.text(chat, "hello"), None) for chat in (1, 2)]
    for update in arriving:
        assert await writer.accept(update)
    assert threads == [threads[0], threading.get_ident()]
    assert threads[0] != threading.get_ident()
    assert sqlite_storage.inbox_figures().waiting == 2
