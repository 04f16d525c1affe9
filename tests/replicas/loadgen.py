"""A load generator that delivers updates to webhook replicas the way Telegram does.

Each chat's updates go one after another (the next only once the previous got its 200), while
different chats run concurrently, at most ``connections`` requests at a time (Telegram's default
``max_connections`` is 40). Update ``k`` of a chat goes to replica ``k % len(replicas)``; when that
replica refuses, fails or is gone, the same update (same ``update_id``) goes again, to the next
replica still alive, until one answers 200. A callback can run once a given number of updates has
been acknowledged (the test kills a replica there).

With ``rate`` set, the load is open: update ``n`` of the whole load (in ``update_id`` order, as
Telegram numbers them) is released ``n / rate`` seconds after the start and goes as soon as it is
released and its chat's previous update was acknowledged; without it, every chat sends its next
update at once (the most the connections allow). The benchmarks use both: one says how many
updates a replica takes, the other how fast it answers at a given arrival rate.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RETRY_PAUSE_SECONDS = 0.05  # Telegram waits before re-sending too; the pause grows per attempt


@dataclass(slots=True)
class Replica:
    """One replica's webhook URL and whether the generator still sends to it."""

    name: str
    url: str
    alive: bool = True


@dataclass(slots=True)
class Delivery:
    """What the generator saw: acknowledged updates, re-sends, and answers other than 200."""

    acked: int = 0
    resent: int = 0
    triggered_at: int | None = None  # how many were acknowledged when the when_acked action ran
    statuses: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)  # seconds from first try to 200


@dataclass(slots=True)
class LoadGenerator:
    """Delivers ``{chat: [update, ...]}`` to ``replicas``; see the module docstring."""

    replicas: Sequence[Replica]
    secret: str
    connections: int = 40
    timeout: float = 300.0  # the whole delivery must finish within this many seconds
    rate: float | None = None  # updates released per second, all chats together; None: at once
    delivery: Delivery = field(default_factory=Delivery)
    _trigger: tuple[int, Callable[[], None]] | None = None

    def when_acked(self, count: int, action: Callable[[], None]) -> None:
        """Run ``action`` (in a worker thread) once ``count`` updates were acknowledged."""
        self._trigger = (count, action)

    async def deliver(self, updates_by_chat: dict[int, list[dict[str, Any]]]) -> Delivery:
        """Deliver every chat's updates in order; fail the test past :attr:`timeout`."""
        deadline = time.monotonic() + self.timeout
        limits = httpx.Limits(max_connections=self.connections)
        gate = asyncio.Semaphore(self.connections)
        release = self._release_times(updates_by_chat)
        async with httpx.AsyncClient(limits=limits, timeout=60.0) as client:
            began = time.monotonic()

            async def one_chat(updates: list[dict[str, Any]]) -> None:
                for number, update in enumerate(updates):
                    if release:  # open load: not before its place in the arrival schedule
                        await asyncio.sleep(began + release[update["update_id"]] - time.monotonic())
                    async with gate:
                        await self._post(client, update, number, deadline)

            await asyncio.gather(*(one_chat(updates) for updates in updates_by_chat.values()))
        return self.delivery

    def _release_times(self, updates_by_chat: dict[int, list[dict[str, Any]]]) -> dict[int, float]:
        """Seconds after the start at which each update id is released (empty: all at once)."""
        if self.rate is None:
            return {}
        ids = sorted(
            update["update_id"] for updates in updates_by_chat.values() for update in updates
        )
        return {update_id: number / self.rate for number, update_id in enumerate(ids)}

    async def _post(
        self, client: httpx.AsyncClient, update: dict[str, Any], number: int, deadline: float
    ) -> None:
        attempt = 0
        started = time.perf_counter()
        while True:
            replica = self._pick(number + attempt)
            try:
                response = await client.post(
                    replica.url, json=update, headers={SECRET_HEADER: self.secret}
                )
                outcome = str(response.status_code)
            except httpx.TransportError as error:
                outcome = type(error).__name__
            if outcome == "200":
                self.delivery.latencies.append(time.perf_counter() - started)
                await self._acknowledged()
                return
            self.delivery.statuses[outcome] = self.delivery.statuses.get(outcome, 0) + 1
            self.delivery.resent += 1
            attempt += 1
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"update {update['update_id']} not accepted before the deadline; "
                    f"answers so far: {self.delivery.statuses}"
                )
            if replica.alive:  # a refusal from a live replica: wait a little, as Telegram does
                await asyncio.sleep(RETRY_PAUSE_SECONDS * min(attempt, 20))

    def _pick(self, turn: int) -> Replica:
        alive = [replica for replica in self.replicas if replica.alive]
        if not alive:
            raise AssertionError("no replica is left to deliver to")
        preferred = self.replicas[turn % len(self.replicas)]
        return preferred if preferred.alive else alive[turn % len(alive)]

    async def _acknowledged(self) -> None:
        self.delivery.acked += 1
        if self._trigger is not None and self.delivery.acked >= self._trigger[0]:
            _count, action = self._trigger
            self._trigger = None
            self.delivery.triggered_at = self.delivery.acked
            await asyncio.to_thread(action)
