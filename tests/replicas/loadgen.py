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
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

QUESTIONS = (
    "what is ketamine therapy",
    "how does ketamine work in the brain",
    "what side effects can it have",
    "how quickly do people notice a change",
    "is esketamine the same thing",
    "what does the research say",
)
"""Invented ordinary questions the benchmarks send (none touches the crisis gate's rules)."""


def chat_updates(
    chats: int, messages: int, *, first: int = 1_000_000
) -> dict[int, list[dict[str, Any]]]:
    """Invented private-chat questions by chat, update ids after ``first`` interleaved across
    chats as Telegram's are."""
    by_chat: dict[int, list[dict[str, Any]]] = {}
    update_id = first
    for turn in range(messages):
        for chat in range(1, chats + 1):
            update_id += 1
            by_chat.setdefault(chat, []).append(
                {
                    "update_id": update_id,
                    "message": {
                        "message_id": turn + 1,
                        "date": 1_700_000_000,
                        "chat": {"id": chat, "type": "private"},
                        "from": {"id": chat, "is_bot": False, "first_name": "P"},
                        "text": QUESTIONS[(chat + turn) % len(QUESTIONS)],
                    },
                }
            )
    return by_chat


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
    first_tried: dict[int, float] = field(default_factory=dict)  # update_id -> epoch of 1st try


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
        release = self._release_times(updates_by_chat)
        slots: asyncio.Queue[_Connection] = asyncio.Queue()
        for _ in range(self.connections):
            slots.put_nowait(_Connection())
        began = time.monotonic()

        async def one_chat(updates: list[dict[str, Any]]) -> None:
            for number, update in enumerate(updates):
                if release:  # open load: not before its place in the arrival schedule
                    await asyncio.sleep(began + release[update["update_id"]] - time.monotonic())
                connection = await slots.get()
                try:
                    await self._post(connection, update, number, deadline)
                finally:
                    slots.put_nowait(connection)

        try:
            await asyncio.gather(*(one_chat(updates) for updates in updates_by_chat.values()))
        finally:
            while not slots.empty():
                slots.get_nowait().close()
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
        self, connection: _Connection, update: dict[str, Any], number: int, deadline: float
    ) -> None:
        attempt = 0
        body = json.dumps(update).encode()
        started = time.perf_counter()
        self.delivery.first_tried[int(update["update_id"])] = time.time()
        while True:
            replica = self._pick(number + attempt)
            try:
                outcome = str(await connection.post(replica.url, body, self.secret))
            except (OSError, EOFError, ValueError) as error:  # refused, reset, cut short
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


class _Connection:
    """One connection of the generator: POSTs of JSON over HTTP/1.1, kept alive per replica.

    Written on asyncio's streams rather than httpx: httpx took 1.5-5 ms of CPU per request here
    (its pool looks at every connection it holds on each request), more than the replica spent
    answering it, and the generator shares the machine with the replicas it measures.
    """

    def __init__(self, timeout: float = 60.0) -> None:
        self._timeout = timeout
        self._open: dict[tuple[str, int], tuple[asyncio.StreamReader, asyncio.StreamWriter]] = {}

    async def post(self, url: str, body: bytes, secret: str) -> int:
        """POST ``body`` to ``url``; the answer's status code (its body is read and dropped).

        A kept connection the server closed meanwhile is opened again once, as httpx does.
        """
        parts = urlsplit(url)
        where = (parts.hostname or "127.0.0.1", parts.port or 80)
        request = (
            f"POST {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: application/json\r\n{SECRET_HEADER}: {secret}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        async with asyncio.timeout(self._timeout):
            kept = self._open.pop(where, None)
            if kept is not None:
                try:
                    return await self._exchange(where, kept, request)
                except (OSError, asyncio.IncompleteReadError):
                    pass  # closed by the server while idle: open a new one
            return await self._exchange(where, await asyncio.open_connection(*where), request)

    async def _exchange(
        self,
        where: tuple[str, int],
        streams: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        request: bytes,
    ) -> int:
        reader, writer = streams
        try:
            writer.write(request)
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
            status = int(head.split(" ", 2)[1])
            length, close = 0, False
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name == "content-length":
                    length = int(value)
                elif name == "connection":
                    close = value.strip() == "close"
            await reader.readexactly(length)
        except BaseException:
            writer.close()
            raise
        if close:
            writer.close()
        else:
            self._open[where] = streams
        return status

    def close(self) -> None:
        """Close every kept connection."""
        for _reader, writer in self._open.values():
            writer.close()
        self._open.clear()
