"""Waiting for a condition in tests: check it repeatedly until a deadline, never a bare sleep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

POLL_SECONDS = 0.02


async def eventually(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Return once ``predicate()`` holds; fail the test after ``timeout`` seconds.

    Between checks the event loop runs other tasks, which is what makes the condition come true.
    """
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(POLL_SECONDS)
