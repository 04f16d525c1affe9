"""The running bot's upkeep: due re-alerts every second, housekeeping at start and daily.

Clocks are injected: a case's re-alert becomes due by moving the desk's clock, not by waiting.
The loop is stopped by the event it watches, set from the callbacks the test gives it.
"""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from bot.app import build_core
from bot.config import ModerationConfig, RealertConfig, load_config
from bot.core.service import Service
from bot.errors import StorageError
from bot.model import Inbound, InboundKind, Reply
from bot.moderation import ModerationDesk
from bot.runtime.upkeep import DAY_SECONDS, Upkeep
from bot.storage import Storage
from bot.storage.inbox import Arrival
from tests.auxil.moderation_people import EXAMPLE_CONFIG, HIGH_TEXT, Clock

MOD_CHAT = -100_321
RETENTION_DAYS = 30


def enqueue_sent(storage: Storage, chat: str, *, sent_at: float) -> None:
    with storage.conversation(f"tg:{chat}") as tx:
        assert tx is not None
        [message_id] = tx.enqueue(chat, Reply("an invented reply"))
    storage.mark_sent(message_id, now=sent_at)


def mark_processed(storage: Storage, update_id: int) -> None:
    with storage.conversation("tg:1", update_id=update_id) as tx:
        assert tx is not None


def housekeeper(storage: Storage, at: float) -> Upkeep:
    """Upkeep without a desk whose clock reads ``at``."""
    return Upkeep(
        storage, None, retention_days=RETENTION_DAYS, wake_sender=lambda: None, clock=lambda: at
    )


@pytest.mark.parametrize(
    ("days_later", "updates_removed", "sent_removed"),
    [(0.0, 0, 0), (8.0, 1, 0), (RETENTION_DAYS + 1.0, 1, 1)],
    ids=["fresh", "after-a-week", "after-retention"],
)
def test_housekeeping_removes_only_what_outlived_its_keep(
    sqlite_storage: Storage, days_later: float, updates_removed: int, sent_removed: int
) -> None:
    now = time.time()
    mark_processed(sqlite_storage, 1)
    enqueue_sent(sqlite_storage, "7", sent_at=now)
    done = housekeeper(sqlite_storage, now + days_later * DAY_SECONDS + 1.0).housekeeping()
    assert (done.processed_updates, done.sent_messages) == (updates_removed, sent_removed)
    assert done.transcript_lines == 0


async def test_a_due_re_alert_is_queued_and_wakes_the_sender(sqlite_storage: Storage) -> None:
    clock = Clock()
    core = build_core(load_config(EXAMPLE_CONFIG), handoff_available=True)
    config = ModerationConfig(
        chat_id=MOD_CHAT, moderators=(501,), realert_minutes=RealertConfig(imminent=5, other=5)
    )
    desk = ModerationDesk(sqlite_storage, core, config, clock=clock)
    service = Service(core, sqlite_storage, listeners=[desk.listener()])
    inbound = Inbound("tg:3001", InboundKind.TEXT, text=HIGH_TEXT, received_at=clock())
    assert service.handle(inbound, deliver_to="3001") is not None
    clock.advance(6 * 60)  # past the five minutes of re-alert time

    stop = asyncio.Event()
    woken: list[bool] = []

    def wake() -> None:
        woken.append(True)
        stop.set()

    upkeep = Upkeep(sqlite_storage, desk, retention_days=RETENTION_DAYS, wake_sender=wake)
    await asyncio.wait_for(upkeep.run(stop), timeout=30)
    assert woken == [True]
    case = desk.book.case(1)
    assert case is not None
    assert case.alert_count == 2  # the first alert, then the re-alert


class FailingStorage:
    """Storage that is down; the first call also asks the loop to stop."""

    def __init__(self, stop: asyncio.Event, loop: asyncio.AbstractEventLoop) -> None:
        self.stop = stop
        self.loop = loop

    def forget_processed_updates(self, *, older_than: float) -> int:
        self.loop.call_soon_threadsafe(self.stop.set)
        raise StorageError("cannot reach the database at sqlite:///invented.db; check the path")


async def test_a_failing_round_is_logged_and_does_not_end_the_bot(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stop = asyncio.Event()
    storage = FailingStorage(stop, asyncio.get_running_loop())
    upkeep = Upkeep(
        storage,  # type: ignore[arg-type]
        None,
        retention_days=RETENTION_DAYS,
        wake_sender=lambda: None,
    )
    with caplog.at_level(logging.ERROR):
        await asyncio.wait_for(upkeep.run(stop), timeout=30)
    assert "housekeeping failed; trying again later: StorageError: cannot reach" in caplog.text


@pytest.mark.parametrize(("days_later", "removed"), [(1.0, 0), (RETENTION_DAYS + 1.0, 1)])
def test_housekeeping_forgets_dead_updates_after_retention_and_never_waiting_ones(
    sqlite_storage: Storage, days_later: float, removed: int
) -> None:
    sqlite_storage.put_inbox(
        [Arrival(41, "7", '{"update_id": 41}'), Arrival(42, "8", '{"update_id": 42}')]
    )
    assert sqlite_storage.bury_inbox(41, error="could not be decided")
    later = housekeeper(sqlite_storage, time.time() + days_later * DAY_SECONDS)
    assert later.housekeeping().dead_updates == removed
    figures = sqlite_storage.inbox_figures()
    assert (figures.waiting, figures.dead) == (1, 1 - removed)
