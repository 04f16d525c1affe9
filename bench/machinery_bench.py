"""CPU per update of the machinery, the core and the whole bot, against a bare ConversationHandler.

    .venv/bin/python bench/machinery_bench.py                   # 7 rounds of 400 updates each
    .venv/bin/python bench/machinery_bench.py --rounds 11 --chats 200 --messages 2
    .venv/bin/python bench/machinery_bench.py --claim           # outbox claim at 0/10k/1M rows
    .venv/bin/python bench/machinery_bench.py --claim --pg-url postgresql://postgres@127.0.0.1/test
    .venv/bin/python bench/machinery_bench.py --service         # group commit, both backends
    .venv/bin/python bench/machinery_bench.py --service --moderation  # ... with moderators' desk
    .venv/bin/python bench/machinery_bench.py --distinct        # no text repeats

Everything runs offline in one process, the four variants interleaved round by round so that a
busy shared machine slows them alike; each round feeds every variant fresh chats and update ids.
CPU time (all threads) per update, median over the rounds:

1. ``ConversationHandler``: python-telegram-bot's bare handler, three states in memory, a reply
   sent per update (the floor without durable state);
2. machinery: the real Application, per-chat processor, handlers, ``Service`` and SQLite storage
   with the core replaced by a stub that returns one reply, then the outbox sender drains;
3. core alone: ``Core.process`` on in-memory records, no Telegram, no storage;
4. whole bot: the real core in the machinery.

Rows 2 and 4 hand each update straight to the processor (``TelegramBot.process``), as the bot did
before the inbox. Two more rows take the path ``crisisbot run`` takes: the updates handed to
``TelegramBot.accept`` in the poller's batches of up to 100 (stored in the inbox, acknowledged),
the inbox's decider running beside them as a task and deciding through the same processor,
handlers and group commit, then the sender drains: "machinery through the inbox" (stub core)
and "whole bot through the inbox" (real core).

``--claim`` times one outbox claim (50 chats due) with 0, 10,000 and 1,000,000 sent rows kept.

``--service`` times ``Service.handle_many`` with the stub core on each backend, 64 chats' updates
in one transaction (a group commit) and one update per transaction; ``--moderation`` adds the
moderators' desk as its listener, as ``crisisbot run`` has it with a moderators' chat.

``--threads 6`` calls ``Service.handle`` with the real core from six threads at once on one SQLite
file (each thread its own chats, in order), as the Telegram layer's worker threads do, and prints
the wall time per update: what waiting for SQLite's write lock adds.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import psycopg
from telegram import Update
from telegram.ext import (
    Application,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))

from telegram_bench import MESSAGES, TOKEN, InstantRequest, conversation_handler_app

from bot.app import build_core
from bot.config import load_config, use_timedelta_periods
from bot.core.service import Service
from bot.model import (
    ConversationRecord,
    Inbound,
    InboundKind,
    Outcome,
    Reply,
    Route,
)
from bot.storage import Storage
from bot.telegram.application import TelegramBot, assemble, build_application

ROOT = Path(__file__).resolve().parents[1]
DEV_SETS = [ROOT.parent / "shared" / "triage" / f for f in ("dev.jsonl", "dev_multilingual.jsonl")]
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class StubCore:
    """The core replaced by one fixed reply and a record that counts turns."""

    def prepare(self, texts: Sequence[str]) -> None:
        """Nothing to encode ahead."""

    def process(self, record: ConversationRecord | None, inbound: Inbound) -> Outcome:
        """One reply; the record's turns go up by one."""
        if record is None:
            record = ConversationRecord(
                inbound.conversation_id, "stub", "1", "start", inbound.received_at, 0.0
            )
        record = record.with_changes(turns=record.turns + 1, updated_at=inbound.received_at)
        return Outcome(Route.ANSWER, (Reply("noted"),), record)

    def group_reply(self, text: str, *, edited: bool = False) -> Reply | None:
        """Nothing in groups."""
        return None


def distinct_texts() -> Iterator[str]:
    """Benign and advice lines of the development sets, each with an opening and a closing from
    short lists, never the same text twice: the encoder's cache cannot answer them."""
    texts: list[str] = []
    for path in DEV_SETS:
        for raw in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(raw) if raw.strip() else {}
            if item.get("expect") in {"benign", "advice"} and "text" in item:
                texts.append(item["text"])
    openings = ["", "hi, ", "ok so ", "quick question: ", "hey. ", "sorry to bother, ", "so "]
    closings = ["", " thanks", " ...", " (asking here first)", "?", " please", " :)", " lol"]
    for closing in closings:
        for opening in openings:
            yield from (f"{opening}{text}{closing}" for text in texts)


def round_updates(
    round_number: int, chats: int, messages: int, texts: Iterator[str] | None = None
) -> list[dict[str, Any]]:
    """Fresh chats and update ids for one round; message k of every chat before message k+1.

    Texts cycle through :data:`MESSAGES`, or are taken from ``texts`` (one each) when given.
    """
    batch: list[dict[str, Any]] = []
    first_chat = 1 + round_number * chats
    for turn in range(messages):
        for chat in range(first_chat, first_chat + chats):
            text = MESSAGES[turn % len(MESSAGES)] if texts is None else next(texts)
            message: dict[str, Any] = {
                "message_id": turn + 1,
                "date": 1_700_000_000,
                "chat": {"id": chat, "type": "private"},
                "from": {"id": chat, "is_bot": False, "first_name": "P", "language_code": "en"},
                "text": text,
            }
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
            update_id = round_number * chats * messages + len(batch) + 1
            batch.append({"update_id": update_id, "message": message})
    return batch


def crisisbot_app(core: Any, storage: Storage) -> TelegramBot:
    """The real Application, handlers and sender around ``Service(core, storage)``."""
    application = build_application(
        TOKEN,
        base_url="http://bench.invalid/bot",
        request=InstantRequest(),
        get_updates_request=InstantRequest(),
        rate_limited=False,
    )
    service = Service(core, storage)
    return assemble(application, service, storage, token=TOKEN)


async def run_ch(application: AnyApplication, payloads: list[dict[str, Any]]) -> float:
    """CPU seconds to process ``payloads`` one after another."""
    updates = [Update.de_json(p, application.bot) for p in payloads]
    started = time.process_time()
    await process_each(application, updates)
    return time.process_time() - started


async def process_each(application: AnyApplication, updates: list[Update]) -> None:
    """The ``ConversationHandler``'s round: each update through the Application in turn."""
    for update in updates:
        await application.process_update(update)


#: The most updates one getUpdates call returns (the poller stores a call's updates together).
POLL_BATCH = 100


async def run_inbox(bot: TelegramBot, payloads: list[dict[str, Any]]) -> float:
    """CPU seconds to acknowledge ``payloads`` through the inbox, decide them, send every reply.

    The bot's decider runs as a task (:func:`bench_updates` starts it), as in ``crisisbot run``.
    Reading each update (``Update.de_json``) is left out, as for the ConversationHandler; the
    JSON the poller keeps of it is counted.
    """
    updates = [Update.de_json(p, bot.application.bot) for p in payloads]
    started = time.process_time()
    await accept_and_decide(bot, updates, payloads)
    return time.process_time() - started


async def accept_and_decide(
    bot: TelegramBot, updates: list[Update], payloads: list[dict[str, Any]]
) -> None:
    """The inbox's round: ``updates`` stored in the poller's batches, decided, replies sent."""
    for first in range(0, len(updates), POLL_BATCH):
        batch = range(first, min(first + POLL_BATCH, len(updates)))
        # the poller keeps each update's JSON as it reads it, and the inbox stores that
        raws = [json.dumps(payloads[n], separators=(",", ":")) for n in batch]
        stored = await asyncio.gather(
            *(bot.accept(updates[n], raw) for n, raw in zip(batch, raws, strict=True))
        )
        assert all(stored), "every update must be stored"
    await bot.decider.until_idle()
    await bot.sender.flush(timeout=3600)


async def run_bot(bot: TelegramBot, payloads: list[dict[str, Any]]) -> float:
    """CPU seconds to process and commit ``payloads`` concurrently, then send every reply."""
    updates = [Update.de_json(p, bot.application.bot) for p in payloads]
    started = time.process_time()
    results = await asyncio.gather(*(bot.process(u) for u in updates if u))
    await bot.sender.flush(timeout=3600)
    elapsed = time.process_time() - started
    assert all(results), "every update must commit"
    return elapsed


def run_core(core: Any, payloads: list[dict[str, Any]]) -> float:
    """CPU seconds for ``Core.process`` alone on in-memory records."""
    records: dict[str, ConversationRecord | None] = {}
    inbounds = []
    for payload in payloads:
        message = payload["message"]
        conversation = f"tg:{message['chat']['id']}"
        text = str(message["text"])
        if text.startswith("/"):
            inbound = Inbound(conversation, InboundKind.COMMAND, command=text[1:], received_at=1e9)
        else:
            inbound = Inbound(conversation, InboundKind.TEXT, text=text, received_at=1e9)
        inbounds.append(inbound)
    started = time.process_time()
    for inbound in inbounds:
        outcome = core.process(records.get(inbound.conversation_id), inbound)
        records[inbound.conversation_id] = outcome.record
    return time.process_time() - started


async def bench_updates(
    rounds: int, chats: int, messages: int, *, freeze: bool = True, distinct: bool = False
) -> None:
    """The four variants interleaved; prints medians and ratios.

    With ``distinct`` the core and the whole bot each get texts never seen before (the semantic
    encoder's cache answers repeated texts, which real traffic rarely repeats).
    """
    texts = distinct_texts() if distinct else None
    core = build_core(load_config(ROOT / "config.example.yaml"))
    per_round = chats * messages
    names = ("ch", "machinery", "machinery_inbox", "core", "bot", "bot_inbox")
    cpu: dict[str, list[float]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as folder:
        stores = {}
        for name in ("machinery", "machinery_inbox", "bot", "bot_inbox"):
            stores[name] = Storage.from_url(f"sqlite:///{Path(folder) / name}.db")
            stores[name].ensure_schema()
        machinery = crisisbot_app(StubCore(), stores["machinery"])
        machinery_inbox = crisisbot_app(StubCore(), stores["machinery_inbox"])
        whole = crisisbot_app(core, stores["bot"])
        whole_inbox = crisisbot_app(core, stores["bot_inbox"])
        ch = conversation_handler_app(InstantRequest())
        bots = (machinery, machinery_inbox, whole, whole_inbox)
        async with AsyncExitStack() as stack:
            for application in (ch, *(bot.application for bot in bots)):
                await stack.enter_async_context(application)
            deciders = [
                asyncio.create_task(bot.decider.run()) for bot in (machinery_inbox, whole_inbox)
            ]
            if freeze:  # as ``crisisbot run`` does once started
                gc.freeze()
            for number in range(rounds + 1):  # round 0 warms up and is not counted
                payloads = round_updates(number, chats, messages)
                core_payloads = round_updates(number, chats, messages, texts) if texts else payloads
                bot_payloads = round_updates(number, chats, messages, texts) if texts else payloads
                inbox_payloads = (
                    round_updates(number, chats, messages, texts) if texts else payloads
                )
                figures = {
                    "ch": await run_ch(ch, payloads),
                    "machinery": await run_bot(machinery, payloads),
                    "machinery_inbox": await run_inbox(machinery_inbox, payloads),
                    "core": run_core(core, core_payloads),
                    "bot": await run_bot(whole, bot_payloads),
                    "bot_inbox": await run_inbox(whole_inbox, inbox_payloads),
                }
                if number:
                    for name, seconds in figures.items():
                        cpu[name].append(seconds / per_round * 1e6)
            for bot in (machinery_inbox, whole_inbox):
                bot.decider.stop()
            await asyncio.gather(*deciders)
        for name in ("machinery_inbox", "bot_inbox"):
            left = stores[name].inbox_figures()
            assert (left.waiting, left.dead) == (0, 0), f"{name}: {left}"
        for storage in stores.values():
            storage.close()
    median = {name: statistics.median(values) for name, values in cpu.items()}
    print(f"{rounds} rounds x {per_round} updates ({chats} chats x {messages} messages), offline")
    if distinct:
        print("texts: distinct for the core and the whole bot (none repeats)")
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}")
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print(
        "| what | CPU µs/update (median) | min-max | ratio to ConversationHandler "
        "| updates/s per core |"
    )
    print("|---|---:|---:|---:|---:|")
    labels = {
        "ch": "python-telegram-bot ConversationHandler, reply sent",
        "machinery": "machinery with a stub core (dispatch, SQLite, outbox, send)",
        "machinery_inbox": "machinery with a stub core through the inbox (as crisisbot run)",
        "core": "core alone (gate, advice guard, flows)",
        "bot": "whole bot (machinery and the real core)",
        "bot_inbox": "whole bot through the inbox (as crisisbot run)",
    }
    for name, label in labels.items():
        values = cpu[name]
        print(
            f"| {label} | {median[name]:,.0f} | {min(values):,.0f}-{max(values):,.0f} | "
            f"{median[name] / median['ch']:.2f} | {1e6 / median[name]:,.0f} |"
        )


def fill_sent_rows(storage: Storage, count: int) -> None:
    """``count`` outbox rows already sent, as housekeeping keeps them (spread over 5,000 chats)."""
    with storage.transaction() as connection:
        if connection.dialect.name == "sqlite":
            source = (
                f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {count})"
                " SELECT 'tg:' || (i % 5000), '' || (i % 5000), 'reply', '{\"text\":\"x\"}', "
                "1, 1, 2 FROM s"
            )
            connection.exec_driver_sql(
                "INSERT INTO outbox (conversation_id, chat_id, kind, payload, created_at, "
                f"not_before, sent_at) {source}"
            )
        else:
            connection.exec_driver_sql(
                "INSERT INTO outbox (conversation_id, chat_id, kind, payload, created_at, "
                "not_before, sent_at) SELECT 'tg:' || mod(i, 5000), '' || mod(i, 5000), "
                "'reply', '{\"text\":\"x\"}', 1, 1, 2 "
                f"FROM generate_series(1, {count}) AS i"
            )
            connection.exec_driver_sql("ANALYZE outbox")


def time_claims(storage: Storage, repeats: int = 15) -> float:
    """Median milliseconds of one claim of 50 due chats (their leases run out between claims)."""
    for chat in range(50):
        with storage.conversation(f"tg:{100_000 + chat}") as tx:
            assert tx is not None
            tx.enqueue(str(100_000 + chat), Reply("hello"))
    times = []
    for repeat in range(repeats):
        started = time.perf_counter()
        claimed = storage.claim_outbox(now=3e9 + repeat * 100, lease_seconds=1.0)
        times.append((time.perf_counter() - started) * 1000)
        assert len(claimed) == 50, len(claimed)
    return statistics.median(times)


def bench_claims(backends: list[str], pg_url: str) -> None:
    """Claim cost with 0, 10,000 and 1,000,000 sent rows kept, on each backend."""
    print("| backend | sent rows kept | claim of 50 chats, ms (median of 15) |")
    print("|---|---:|---:|")
    for backend in backends:
        for kept in (0, 10_000, 1_000_000):
            with FreshStorage(backend, pg_url) as storage:
                fill_sent_rows(storage, kept)
                print(f"| {backend} | {kept:,} | {time_claims(storage):.2f} |", flush=True)


class FreshStorage:
    """An empty upgraded database: a temporary SQLite file or a PostgreSQL schema of its own."""

    def __init__(self, backend: str, pg_url: str) -> None:
        self._backend = backend
        self._pg_url = pg_url
        self._cleanup: Callable[[], None] = lambda: None

    def __enter__(self) -> Storage:
        if self._backend == "sqlite":
            folder = tempfile.TemporaryDirectory()
            self._cleanup = folder.cleanup
            url = f"sqlite:///{folder.name}/claim.db"
        else:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            conninfo = self._pg_url.replace("postgresql://", "postgresql://", 1)
            with psycopg.connect(conninfo, autocommit=True) as connection:
                connection.execute(f'CREATE SCHEMA "{schema}"')

            def drop() -> None:
                with psycopg.connect(conninfo, autocommit=True) as connection:
                    connection.execute(f'DROP SCHEMA "{schema}" CASCADE')

            self._cleanup = drop
            url = f"{self._pg_url}?options=-csearch_path%3D{schema}"
        self._storage = Storage.from_url(url)
        self._storage.upgrade()
        return self._storage

    def __exit__(self, *_exc: object) -> None:
        self._storage.close()
        self._cleanup()


def bench_service(
    backends: list[str], pg_url: str, rounds: int = 20, *, moderation: bool = False
) -> None:
    """CPU and wall µs per update of ``Service.handle_many`` (stub core), by batch size.

    With ``moderation``, the moderators' desk listens as in ``crisisbot run`` with a
    moderators' chat (the stub core's replies open no case).
    """
    print("| backend | updates per transaction | CPU µs/update | wall µs/update |")
    print("|---|---:|---:|---:|")
    for backend in backends:
        with FreshStorage(backend, pg_url) as storage:
            listeners = []
            if moderation:
                from bot.config import ModerationConfig
                from bot.moderation import ModerationDesk

                config = ModerationConfig(chat_id=-100, moderators=(1,))
                listeners = [ModerationDesk(storage, StubCore(), config).listener()]  # type: ignore[arg-type]
            service = Service(StubCore(), storage, listeners)
            update_id = 0
            for size in (64, 1):
                cpu, wall = [], []
                for number in range(rounds + 3):  # three rounds warm up
                    requests = []
                    for chat in range(size):
                        update_id += 1
                        inbound = Inbound(
                            f"tg:{(number % 5) * size + chat}",
                            InboundKind.TEXT,
                            text="hello there",
                            received_at=1e9,
                            update_id=update_id,
                        )
                        requests.append((inbound, str(chat)))
                    started, clock = time.process_time(), time.perf_counter()
                    results = service.handle_many(requests)
                    if number >= 3:
                        cpu.append((time.process_time() - started) / size * 1e6)
                        wall.append((time.perf_counter() - clock) / size * 1e6)
                    assert all(isinstance(result, Outcome) for result in results)
                print(
                    f"| {backend} | {size} | {statistics.median(cpu):,.0f} | "
                    f"{statistics.median(wall):,.0f} |",
                    flush=True,
                )


def bench_threads(threads: int, updates: int) -> None:
    """Wall milliseconds per ``Service.handle`` with ``threads`` threads on one SQLite file."""
    from concurrent.futures import ThreadPoolExecutor

    core = build_core(load_config(ROOT / "config.example.yaml"))
    with tempfile.TemporaryDirectory() as folder:
        storage = Storage.from_url(f"sqlite:///{folder}/threads.db")
        storage.ensure_schema()
        service = Service(core, storage)
        payloads = round_updates(0, threads * 10, max(1, updates // (threads * 10)))

        def chats_of(worker: int) -> list[float]:
            waits = []
            for payload in payloads:
                message = payload["message"]
                if message["chat"]["id"] % threads != worker:
                    continue
                text_ = str(message["text"])
                inbound = Inbound(
                    f"tg:{message['chat']['id']}",
                    InboundKind.COMMAND if text_.startswith("/") else InboundKind.TEXT,
                    text="" if text_.startswith("/") else text_,
                    command=text_[1:] if text_.startswith("/") else None,
                    received_at=1e9,
                    update_id=payload["update_id"],
                )
                started = time.perf_counter()
                service.handle(inbound, deliver_to=str(message["chat"]["id"]))
                waits.append((time.perf_counter() - started) * 1000)
            return waits

        with ThreadPoolExecutor(threads) as pool:
            waits = sorted(w for part in pool.map(chats_of, range(threads)) for w in part)
        storage.close()
    p50, p99 = waits[len(waits) // 2], waits[int(len(waits) * 0.99)]
    print(f"{len(waits)} updates, {threads} threads, one SQLite file, real core")
    print(f"wall ms per update: p50 {p50:.1f}, p99 {p99:.1f}, max {waits[-1]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--messages", type=int, default=2)
    parser.add_argument("--claim", action="store_true", help="time outbox claims instead")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--threads", type=int, default=0, help="time Service.handle in threads")
    parser.add_argument(
        "--service", action="store_true", help="time Service.handle_many by batch size instead"
    )
    parser.add_argument(
        "--moderation", action="store_true", help="with --service: the moderators' desk listens"
    )
    parser.add_argument("--thread-updates", type=int, default=1200)
    parser.add_argument(
        "--distinct", action="store_true", help="never repeat a text to the core or the bot"
    )
    parser.add_argument(
        "--no-freeze", action="store_true", help="leave out gc.freeze() after start-up"
    )
    args = parser.parse_args()
    if args.threads:
        bench_threads(args.threads, args.thread_updates)
    elif args.service:
        bench_service(args.backends.split(","), args.pg_url, moderation=args.moderation)
    elif args.claim:
        bench_claims(args.backends.split(","), args.pg_url)
    else:
        asyncio.run(
            bench_updates(
                args.rounds,
                args.chats,
                args.messages,
                freeze=not args.no_freeze,
                distinct=args.distinct,
            )
        )


if __name__ == "__main__":
    use_timedelta_periods()
    main()
