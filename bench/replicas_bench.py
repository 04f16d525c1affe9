"""Replicas under load: updates/s and latency per setup, per-update cost by stored conversations.

    .venv/bin/python bench/replicas_bench.py [--chats 200] [--messages 10]
                                             [--sizes 1000,100000] [--pg-url URL]

1. Real ``crisisbot run`` processes in webhook mode, a Bot API stand-in and a Telegram-like load
   generator (per chat in order, chats concurrently, 40 connections; each chat's messages
   alternate between the replicas): one replica on SQLite, one on PostgreSQL, two on PostgreSQL.
   With ``--rates``, the same load is also offered at a steady arrival rate (an open load, as
   Telegram delivers: a chat's next update still waits for the previous one's 200), which says
   how fast a replica answers below its capacity rather than how much queues at its capacity.
   Reported: updates acknowledged per second, p50/p99 of the webhook's answer (POST to 200,
   which comes once the update is committed to the inbox), p50/p99 of what a person waits for
   (from the update's first POST to its first reply reaching the Bot API stand-in), when the
   last reply was out, and the replicas' CPU per update during the load (their webhook processes
   and sending the replies included; PostgreSQL's own CPU not). Replies are sent meanwhile
   (send budget 1,000/s).
2. python-telegram-bot's bare ``ConversationHandler`` on the same messages, in the same run
   (``bench/telegram_bench.py``'s baseline): the ratio of each setup to it.
3. The full service (gate, flows, storage, outbox) called in-process on a database already
   holding 1,000 or 100,000 conversations: milliseconds per update, bytes per stored
   conversation (table and indexes), and how much the process's resident memory grew while
   storing them and handling the updates (the bot keeps no conversation in memory).

Everything runs on this machine, so the load generator, the stand-in, PostgreSQL and the replicas
share its CPUs. PostgreSQL databases are created fresh and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tests' stand-in, cluster helpers and load generator

from sqlalchemy import select, text  # noqa: E402

from bench.storage_bench import percentile, table_bytes  # noqa: E402
from bench.telegram_bench import bench_conversation_handler, interleaved_updates  # noqa: E402
from bot.app import build_service  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.model import ConversationRecord, Inbound, InboundKind  # noqa: E402
from bot.storage import Storage  # noqa: E402
from bot.storage.conversation import SqlConversationTx  # noqa: E402
from bot.storage.tables import outbox  # noqa: E402
from tests.auxil.botapi_standin import BotApiStandIn  # noqa: E402
from tests.replicas.cluster import (  # noqa: E402
    fresh_database,
    prepare_replicas,
    start_replicas,
    wait_until,
)
from tests.replicas.loadgen import (  # noqa: E402
    QUESTIONS,
    Delivery,
    LoadGenerator,
    Replica,
    chat_updates,
)

TOKEN = "123:abc"
SECRET = "bench-secret"
MOD_CHAT = -100_900_900


@contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    """A fresh database URL of ``backend``."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    with fresh_database() as url:
        yield url


def cluster_run(
    backend: str, replicas: int, chats: int, messages: int, rate: float | None = None
) -> dict[str, float]:
    """Start the replicas, deliver the load, wait for every reply; return the figures."""
    with (
        tempfile.TemporaryDirectory(prefix="crisisbot-replicas-") as tmp,
        database(backend, Path(tmp)) as url,
        BotApiStandIn(token=TOKEN) as standin,
    ):
        processes, ports = prepare_replicas(
            Path(tmp),
            [f"r{n}" for n in range(replicas)],
            storage_url=url,
            bot_api_url=standin.base_url,
            token=TOKEN,
            secret=SECRET,
            moderation_chat=MOD_CHAT,
            moderators=(501,),
        )
        storage = Storage.from_url(url)
        try:
            start_replicas(processes, ports)
            cpu_before = children_cpu_seconds()
            harness_before = time.process_time()
            targets = [
                Replica(str(n), f"http://127.0.0.1:{p}/telegram") for n, p in enumerate(ports)
            ]
            started = time.perf_counter()
            delivery = asyncio.run(
                LoadGenerator(targets, SECRET, rate=rate).deliver(chat_updates(chats, messages))
            )
            committed = time.perf_counter() - started
            wait_until(
                # the inbox first: once empty, every decision and its replies are committed
                lambda: storage.inbox_figures().waiting == 0 and storage.outbox_depth() == 0,
                600,
                "every update decided and every reply sent",
            )
            drained = time.perf_counter() - started
            cpu = children_cpu_seconds() - cpu_before  # the replicas' work on this load
            harness = time.process_time() - harness_before  # load generator and stand-in
            for process in processes:
                process.stop()
            answers = reply_times(storage, standin, chat_updates(chats, messages), delivery)
        finally:
            for process in processes:
                process.ensure_stopped()
            storage.close()
    latencies = [seconds * 1000 for seconds in delivery.latencies]
    return {
        "updates_per_s": delivery.acked / committed,
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
        "reply_p50_ms": statistics.median(answers) if answers else float("nan"),
        "reply_p99_ms": percentile(answers, 0.99) if answers else float("nan"),
        "replies_matched": len(answers),
        "drained_s": drained,
        "cpu_ms_per_update": cpu * 1000 / delivery.acked,
        "harness_cores": harness / drained,
    }


def reply_times(
    storage: Storage,
    standin: BotApiStandIn,
    load: dict[int, list[dict[str, Any]]],
    delivery: Delivery,
) -> list[float]:
    """Milliseconds from each update's first POST to its first reply reaching the stand-in.

    A decision queues its replies in one call, so they share ``created_at``: per chat, the k-th
    group of outbox rows (in id order) answers the chat's k-th update, and the chat's sends at
    the stand-in arrive in outbox order. A chat whose counts do not line up is left out.
    """
    rows: dict[int, list[float]] = {}
    with storage.transaction(write=False) as connection:
        for chat, created in connection.execute(
            select(outbox.c.chat_id, outbox.c.created_at).order_by(outbox.c.id)
        ):
            rows.setdefault(int(chat), []).append(float(created))
    sends: dict[int, list[float]] = {}
    for call in standin.calls("sendMessage"):
        if "_failed" not in call.params:
            sends.setdefault(int(call.params["chat_id"]), []).append(call.at)
    times: list[float] = []
    for chat, updates in load.items():
        created, sent = rows.get(chat, []), sends.get(chat, [])
        if len(created) != len(sent):
            continue
        firsts = [n for n, at in enumerate(created) if n == 0 or at != created[n - 1]]
        if len(firsts) != len(updates):
            continue
        for update, first in zip(updates, firsts, strict=True):
            tried = delivery.first_tried.get(int(update["update_id"]))
            if tried is not None:
                times.append((sent[first] - tried) * 1000)
    return times


def children_cpu_seconds() -> float:
    """User and system CPU so far of this process's running descendants (the replicas and their
    webhook processes; Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    parents = ["self"]
    while parents:
        children: list[str] = []
        for parent in parents:
            for listing in Path(f"/proc/{parent}/task").glob("*/children"):
                with contextlib.suppress(OSError):  # exited meanwhile
                    children += listing.read_text().split()
        for pid in children:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # exited meanwhile
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        parents = children
    return total


def rss_bytes() -> int:
    """This process's resident memory now (Linux ``/proc/self/statm``)."""
    resident_pages = int(Path("/proc/self/statm").read_text().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def stored_cost(backend: str, size: int, updates: int, folder: Path) -> dict[str, float]:
    """Per-update time and memory with ``size`` conversations already stored."""
    config = load_config(ROOT / "config.example.yaml")
    with database(backend, folder / f"{backend}-{size}") as url:
        if backend == "sqlite":
            (folder / f"{backend}-{size}").mkdir(exist_ok=True)
        else:  # build_service upgrades only SQLite; a PostgreSQL database is migrated first
            migrating = Storage.from_url(url)
            migrating.upgrade()
            migrating.close()
        service, storage, _desk = build_service(config, storage_url=url)
        try:
            template = _record_from_the_core(service)
            rss_before = rss_bytes()
            for start in range(0, size, 1000):
                with storage.transaction() as connection:
                    for n in range(start, min(start + 1000, size)):
                        record = template.with_changes(conversation_id=f"tg:{n + 1}")
                        SqlConversationTx(connection, record.conversation_id).save(record)
            with storage.transaction() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(text("ANALYZE conversations"))
                stored = table_bytes(connection)
            timings = []
            rng = random.Random(7)
            for update_id in range(1, updates + 1):
                chat = rng.randrange(1, size + 1)
                inbound = Inbound(
                    f"tg:{chat}",
                    InboundKind.TEXT,
                    text=QUESTIONS[update_id % len(QUESTIONS)],
                    received_at=time.time(),
                    update_id=update_id,
                )
                began = time.perf_counter()
                service.handle(inbound, deliver_to=str(chat))
                timings.append((time.perf_counter() - began) * 1000)
            rss_after = rss_bytes()
        finally:
            storage.close()
    return {
        "p50_ms": statistics.median(timings),
        "p99_ms": percentile(timings, 0.99),
        "bytes_per_conversation": stored / size,
        "rss_growth_mb": (rss_after - rss_before) / 1e6,
    }


def _record_from_the_core(service: Any) -> ConversationRecord:
    """A record as the core writes it: one conversation after /start and one question."""
    service.handle(Inbound("tg:0", InboundKind.COMMAND, command="start", received_at=time.time()))
    outcome = service.handle(
        Inbound("tg:0", InboundKind.TEXT, text=QUESTIONS[0], received_at=time.time())
    )
    return outcome.record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument(
        "--sizes", default="1000,100000", help="stored conversations, commas ('': skip)"
    )
    parser.add_argument("--updates", type=int, default=1000, help="updates timed per size")
    parser.add_argument(
        "--rates",
        default="",
        help="also offer the load at these rates (updates/s, commas) instead of all at once",
    )
    parser.add_argument(
        "--setups",
        default="sqlite:1,postgres:1,postgres:2",
        help="backend:replicas pairs, commas",
    )
    args = parser.parse_args()
    total = args.chats * args.messages
    print(f"{args.chats} chats x {args.messages} messages = {total} updates per setup")
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}\n")

    baseline = asyncio.run(
        bench_conversation_handler(interleaved_updates(args.chats, args.messages))
    )
    baseline_rate = baseline["updates"] / baseline["process_s"]
    print(
        "| setup | updates/s | webhook p50 ms | webhook p99 ms | reply p50 ms | reply p99 ms "
        "| all replies sent after | replica CPU ms/update | harness CPU | ratio to CH |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    setups = [(pair.split(":")[0], int(pair.split(":")[1])) for pair in args.setups.split(",")]
    rates: list[float | None] = [None, *(float(r) for r in args.rates.split(",") if r)]
    for (backend, replicas), rate in ((setup, rate) for setup in setups for rate in rates):
        row = cluster_run(backend, replicas, args.chats, args.messages, rate)
        offered = "all at once" if rate is None else f"{rate:g}/s offered"
        print(
            f"| {replicas} replica{'s' if replicas > 1 else ''}, {backend}, {offered} "
            f"| {row['updates_per_s']:,.0f} | {row['p50_ms']:.0f} | {row['p99_ms']:.0f} "
            f"| {row['reply_p50_ms']:.0f} | {row['reply_p99_ms']:.0f} "
            f"({row['replies_matched']:.0f} matched) "
            f"| {row['drained_s']:.1f} s | {row['cpu_ms_per_update']:.1f} "
            f"| {row['harness_cores']:.0%} of a core "
            f"| {row['updates_per_s'] / baseline_rate:.3f} |"
        )
    print(
        f"| ConversationHandler, in memory, in-process | {baseline_rate:,.0f} | | | | | | | | 1 |\n"
    )
    if not args.sizes:
        return

    print("| backend | stored | update p50 ms | p99 ms | disk bytes/conv. | RSS growth |")
    print("|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="crisisbot-sizes-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            for backend in ("sqlite", "postgres"):
                row = stored_cost(backend, size, args.updates, Path(tmp))
                print(
                    f"| {backend} | {size:,} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} "
                    f"| {row['bytes_per_conversation']:,.0f} | {row['rss_growth_mb']:.1f} MB |"
                )


if __name__ == "__main__":
    main()
