"""The processor: one chat at a time in arrival order, chats concurrently, bounded, no leaks.

Every wait below is on an event a step sets; ``asyncio.timeout`` only turns a hang into a failure.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Coroutine
from typing import Any

import pytest
from telegram import Update

from bot.telegram.processor import ChatOrderedProcessor, chat_key
from tests.auxil.updates import UpdateFactory

make = UpdateFactory()


def update_for(chat_id: int) -> Update:
    update = Update.de_json(make.text(chat_id, "hello"), None)
    assert update is not None
    return update


class Steps:
    """Coroutines that log when they start and end, and wait for a release when asked to."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.started: dict[str, asyncio.Event] = {}
        self.release: dict[str, asyncio.Event] = {}

    def step(self, name: str, *, hold: bool = False) -> Coroutine[Any, Any, None]:
        self.started[name] = asyncio.Event()
        self.release[name] = asyncio.Event()
        if not hold:
            self.release[name].set()

        async def run() -> None:
            self.log.append(f"start {name}")
            self.started[name].set()
            await self.release[name].wait()
            self.log.append(f"end {name}")

        return run()


async def test_one_chat_runs_in_arrival_order_one_at_a_time() -> None:
    processor = ChatOrderedProcessor()
    steps = Steps()
    chat = update_for(1)
    tasks = [
        asyncio.create_task(processor.process_update(chat, steps.step("a1", hold=True))),
        asyncio.create_task(processor.process_update(chat, steps.step("a2"))),
        asyncio.create_task(processor.process_update(chat, steps.step("a3"))),
    ]
    async with asyncio.timeout(5):
        await steps.started["a1"].wait()
        assert steps.log == ["start a1"]
        assert processor.lanes_in_use == 1
        steps.release["a1"].set()
        await asyncio.gather(*tasks)
    assert steps.log == ["start a1", "end a1", "start a2", "end a2", "start a3", "end a3"]


async def test_other_chats_are_not_held_up_by_a_busy_chat() -> None:
    processor = ChatOrderedProcessor()
    steps = Steps()
    busy = asyncio.create_task(processor.process_update(update_for(1), steps.step("a", hold=True)))
    other = asyncio.create_task(processor.process_update(update_for(2), steps.step("b")))
    async with asyncio.timeout(5):
        await other
        assert steps.log == ["start a", "start b", "end b"]
        steps.release["a"].set()
        await busy


async def test_active_chats_are_bounded() -> None:
    processor = ChatOrderedProcessor(max_active_chats=2)
    steps = Steps()
    tasks = [
        asyncio.create_task(processor.process_update(update_for(chat), steps.step(name, hold=True)))
        for chat, name in [(1, "a"), (2, "b"), (3, "c")]
    ]
    async with asyncio.timeout(5):
        await steps.started["a"].wait()
        await steps.started["b"].wait()
        assert "start c" not in steps.log
        steps.release["a"].set()
        await steps.started["c"].wait()
        steps.release["b"].set()
        steps.release["c"].set()
        await asyncio.gather(*tasks)


async def test_idle_chats_hold_no_lock() -> None:
    processor = ChatOrderedProcessor()
    steps = Steps()
    await asyncio.gather(
        *(processor.process_update(update_for(chat), steps.step(str(chat))) for chat in range(50))
    )
    assert processor.lanes_in_use == 0


async def test_cancelled_waiting_update_is_closed_not_left_unawaited() -> None:
    processor = ChatOrderedProcessor()
    steps = Steps()
    holder = asyncio.create_task(
        processor.process_update(update_for(1), steps.step("a", hold=True))
    )
    waiting_step = steps.step("b")
    waiting = asyncio.create_task(processor.process_update(update_for(1), waiting_step))
    async with asyncio.timeout(5):
        await steps.started["a"].wait()
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        steps.release["a"].set()
        await holder
    assert inspect.getcoroutinestate(waiting_step) == inspect.CORO_CLOSED
    assert "start b" not in steps.log
    assert processor.lanes_in_use == 0


async def test_update_without_a_chat_still_runs() -> None:
    processor = ChatOrderedProcessor()
    steps = Steps()
    await processor.process_update(object(), steps.step("x"))
    assert steps.log == ["start x", "end x"]
    assert chat_key(object()) is None


def test_needs_at_least_one_active_chat() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ChatOrderedProcessor(max_active_chats=0)
