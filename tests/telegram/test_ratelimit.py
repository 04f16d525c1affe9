"""The shared send budget: GCRA arithmetic, the SQL budget on both backends, and the pacer."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from bot.storage import Storage
from bot.telegram.ratelimit import (
    BOT_KEY,
    CLEANUP_EVERY_SECONDS,
    Limit,
    MemoryBudget,
    SendLimits,
    SendPacer,
    SqlBudget,
    chat_key,
    gcra_reserve,
)
from bot.telegram.tables import send_budget

NOW = 1_750_000_000.0
StorageFactory = Callable[[], Storage]


def starts_of(reserve: Callable[[str, Limit, float], float], limit: Limit, times: list[float]):
    return [reserve("k", limit, at) - NOW for at in times]


@pytest.mark.parametrize(
    ("limit", "offsets", "expected"),
    [
        (Limit(10.0), [0, 0, 0], [0.0, 0.1, 0.2]),
        (Limit(10.0, burst=3), [0, 0, 0, 0, 0], [0.0, 0.0, 0.0, 0.1, 0.2]),
        (Limit(1.0, burst=3), [0, 0, 0, 0, 5.0, 5.0], [0.0, 0.0, 0.0, 1.0, 5.0, 5.0]),
        (Limit(2.0), [0, 10.0, 10.1, 10.2], [0.0, 10.0, 10.5, 11.0]),
    ],
    ids=["smooth", "burst-then-paced", "idle-refills", "paced-after-idle"],
)
def test_gcra_reservations(limit: Limit, offsets: list[float], expected: list[float]) -> None:
    budget = MemoryBudget()
    starts = starts_of(budget.reserve, limit, [NOW + offset for offset in offsets])
    assert starts == pytest.approx(expected, abs=1e-6)  # epoch seconds: about 0.2 µs apart


@pytest.mark.parametrize(
    "limit", [Limit(30.0), Limit(1.0, burst=3), Limit(0.3, burst=3)], ids=["bot", "chat", "group"]
)
def test_no_window_holds_more_than_the_limit_allows(limit: Limit) -> None:
    rng = random.Random(7)
    tat: float | None = None
    sends = []
    at = NOW
    for _ in range(400):
        at += rng.expovariate(limit.per_second * 3)  # asked three times faster than allowed
        start, tat = gcra_reserve(tat, limit, at)
        assert start >= at
        sends.append(start)
    for window in (1.0, 60.0):
        allowed = limit.burst - 1 + limit.per_second * window + 1e-6
        for first in sends:
            # A millisecond off the window: the float sums of epoch seconds round at its edge.
            inside = sum(1 for send in sends if first <= send < first + window - 1e-3)
            assert inside <= allowed


@pytest.mark.parametrize(
    ("per_second", "burst", "message"),
    [(0.0, 1, "per_second must be above 0"), (1.0, 0, "burst must be at least 1")],
)
def test_limit_refuses_nonsense(per_second: float, burst: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Limit(per_second, burst)


def test_private_chats_and_groups_have_their_own_limits() -> None:
    limits = SendLimits.with_bot_rate(100.0)
    assert limits.bot == Limit(100.0)
    assert limits.for_chat(42) == limits.private_chat
    assert limits.for_chat(-100_42) == limits.group_chat


def test_sql_budget_reserves_like_the_arithmetic(storage: Storage) -> None:
    limit = Limit(10.0, burst=3)
    offsets = [0, 0, 0, 0, 0, 1.0, 1.0, 7.0, 7.05]
    expected = starts_of(MemoryBudget().reserve, limit, [NOW + o for o in offsets])
    starts = starts_of(SqlBudget(storage).reserve, limit, [NOW + o for o in offsets])
    assert starts == pytest.approx(expected, abs=1e-6)  # epoch seconds: about 0.2 µs apart


def test_sql_budget_keys_are_independent(storage: Storage) -> None:
    budget, limit = SqlBudget(storage), Limit(1.0)
    assert budget.reserve(chat_key(1), limit, NOW) == NOW
    assert budget.reserve(chat_key(2), limit, NOW) == NOW
    assert budget.reserve(chat_key(1), limit, NOW) == pytest.approx(NOW + 1.0)


def test_replicas_share_one_budget_and_never_get_the_same_slot(
    storage: Storage, open_storage: StorageFactory
) -> None:
    """Two storages (two replicas), four threads each, all asking at the same moment."""
    limit = Limit(100.0, burst=2)
    replicas = [SqlBudget(storage), SqlBudget(open_storage())]
    starts: list[float] = []
    lock = threading.Lock()

    def ask(budget: SqlBudget) -> None:
        for _ in range(10):
            start = budget.reserve(BOT_KEY, limit, NOW)
            with lock:
                starts.append(start - NOW)

    threads = [threading.Thread(target=ask, args=(replicas[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = [0.0, 0.0] + [limit.interval * n for n in range(1, 79)]
    assert sorted(starts) == pytest.approx(expected)


def test_rows_whose_time_has_passed_are_cleaned_up(storage: Storage) -> None:
    budget = SqlBudget(storage)
    for chat in range(5):
        budget.reserve(chat_key(chat), Limit(1.0), NOW)
    budget.reserve(chat_key(99), Limit(1.0), NOW + CLEANUP_EVERY_SECONDS + 5)
    with storage.transaction(write=False) as connection:
        keys = connection.execute(select(send_budget.c.key)).scalars().all()
        assert keys == [chat_key(99)]
        assert connection.execute(select(func.count()).select_from(send_budget)).scalar() == 1


class FakeTime:
    """A clock that only the pacer's sleeps move."""

    def __init__(self) -> None:
        self.now = NOW
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


async def test_pacer_waits_for_the_chat_then_for_the_bot() -> None:
    fake = FakeTime()
    waits: list[float] = []
    limits = SendLimits(bot=Limit(4.0), private_chat=Limit(1.0, burst=2))
    pacer = SendPacer(MemoryBudget(), limits, fake.clock, fake.sleep, waits.append)
    assert await pacer.wait_turn(1) == 0.0  # the first send waits for nothing
    assert await pacer.wait_turn(2) == pytest.approx(0.25)  # another chat: the bot's pace
    assert await pacer.wait_turn(1) == pytest.approx(0.25)  # chat 1's burst, the bot's pace
    assert await pacer.wait_turn(1) == pytest.approx(0.5)  # chat 1's burst is used up
    assert fake.slept == [0.25, 0.25, 0.5]
    assert waits == pytest.approx([0.0, 0.25, 0.25, 0.5])


@pytest.mark.parametrize(
    "storage_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_pacer_shares_the_database_only_on_postgresql(storage: Storage, storage_url: str) -> None:
    pacer = SendPacer.for_storage(storage, SendLimits())
    shared = storage_url.startswith("postgresql")
    assert isinstance(pacer.budget, SqlBudget if shared else MemoryBudget)


@pytest.mark.parametrize(
    ("chat_ahead", "expected_starts"),
    [(False, [0.0, 0.0]), (True, [1.0])],
    ids=["chat-free-so-both-reserved", "chat-busy-so-bot-not-yet"],
)
def test_a_chain_stops_at_the_first_budget_that_must_wait(
    storage: Storage, chat_ahead: bool, expected_starts: list[float]
) -> None:
    steps = [(chat_key(5), Limit(1.0)), (BOT_KEY, Limit(10.0))]
    for budget in (MemoryBudget(), SqlBudget(storage)):
        if chat_ahead:
            budget.reserve(chat_key(5), Limit(1.0), NOW)
        starts = [start - NOW for start in budget.reserve_chain(steps, NOW)]
        assert starts == pytest.approx(expected_starts, abs=1e-6)
    if chat_ahead:  # the bot's budget was left alone
        assert SqlBudget(storage).reserve(BOT_KEY, Limit(10.0), NOW) == NOW
