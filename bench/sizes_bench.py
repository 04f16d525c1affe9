"""Per-update storage cost with 1,000 and with 1,000,000 stored conversations, paired.

    .venv/bin/python bench/sizes_bench.py [--sizes 1000,1000000] [--backends sqlite,postgres]
                                          [--blocks 12] [--block 160] [--batch 16]

For each backend, one database per size is filled first (rows copied from one record the real
core wrote, in SQL), then blocks of updates are timed on each database in turn (small, large,
small, large...), so that other work on a shared machine slows both alike. Each update goes to a
random stored conversation through ``Service.handle_many`` with the stub core, ``--batch`` chats
per group commit (the lock-free read, the locks, the update marks, the record written, a reply
queued in the outbox): the storage work of an update, without the core's. CPU time
(``time.process_time``: this process only, not the PostgreSQL server's) and wall time per
update, medians of the blocks.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machinery_bench import FreshStorage, StubCore

from bot.app import build_core
from bot.config import load_config
from bot.core.service import Service
from bot.model import ConversationRecord, Inbound, InboundKind
from bot.storage import Storage

ROOT = Path(__file__).resolve().parents[1]


def template_record() -> ConversationRecord:
    """A record as the real core writes it: after /start and one question."""
    core = build_core(load_config(ROOT / "config.example.yaml"))
    outcome = core.process(None, Inbound("tg:0", InboundKind.COMMAND, command="start"))
    question = Inbound("tg:0", InboundKind.TEXT, text="what is ketamine therapy", received_at=1e9)
    record = core.process(outcome.record, question).record
    assert record is not None
    return record


def fill(storage: Storage, record: ConversationRecord, count: int) -> None:
    """``count`` conversations ``tg:1``... holding ``record`` (its id replaced), in SQL."""
    import json

    payload = json.dumps(record.to_dict(), separators=(",", ":"))
    assert '"tg:0"' in payload
    values = {
        "record": payload,
        "flow": record.flow,
        "state": record.state,
        "at": record.updated_at,
    }
    with storage.transaction() as connection:
        if connection.dialect.name == "sqlite":
            source = (
                "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s "
                f"WHERE i < {count}) SELECT 'tg:' || i, "
                "replace(:record, '\"tg:0\"', '\"tg:' || i || '\"'), :flow, :state, :at, 0 FROM s"
            )
        else:
            source = (
                "SELECT 'tg:' || i, replace(:record, '\"tg:0\"', '\"tg:' || i || '\"'), "
                f":flow, :state, :at, false FROM generate_series(1, {count}) AS i"
            )
        from sqlalchemy import text

        connection.execute(
            text(
                "INSERT INTO conversations (conversation_id, record, flow, state, updated_at, "
                f"in_crisis) {source}"
            ),
            values,
        )
        if connection.dialect.name == "postgresql":
            connection.execute(text("ANALYZE conversations"))


def block(
    service: Service, size: int, updates: int, batch: int, first_id: int
) -> tuple[float, float]:
    """CPU and wall µs per update of ``updates`` updates to random stored conversations."""
    rng = random.Random(first_id)
    cpu = wall = 0.0
    update_id = first_id
    for _ in range(updates // batch):
        chats = rng.sample(range(1, size + 1), batch)
        requests = []
        for chat in chats:
            update_id += 1
            inbound = Inbound(
                f"tg:{chat}", InboundKind.TEXT, text="hello", received_at=2e9, update_id=update_id
            )
            requests.append((inbound, str(chat)))
        started, clock = time.process_time(), time.perf_counter()
        results = service.handle_many(requests)
        cpu += time.process_time() - started
        wall += time.perf_counter() - clock
        assert all(result is not None and not isinstance(result, Exception) for result in results)
    done = (updates // batch) * batch
    return cpu / done * 1e6, wall / done * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,1000000")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--blocks", type=int, default=12, help="timed blocks per database")
    parser.add_argument("--block", type=int, default=160, help="updates per block")
    parser.add_argument("--batch", type=int, default=16, help="updates per group commit")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    record = template_record()
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average at start "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"{args.blocks} blocks of {args.block} updates per database, {args.batch} per commit\n")
    print(
        "| backend | stored conversations | CPU µs/update | wall µs/update | blocks CPU min-max |"
    )
    print("|---|---:|---:|---:|---:|")
    for backend in args.backends.split(","):
        with ExitStack() as stack:
            services = {}
            for size in sizes:
                storage = stack.enter_context(FreshStorage(backend, args.pg_url))
                fill(storage, record, size)
                services[size] = Service(StubCore(), storage)  # type: ignore[arg-type]
            cpu: dict[int, list[float]] = {size: [] for size in sizes}
            wall: dict[int, list[float]] = {size: [] for size in sizes}
            next_id = 1
            for number in range(args.blocks + 1):  # block 0 warms up each database
                for size in sizes:
                    figures = block(services[size], size, args.block, args.batch, next_id)
                    next_id += args.block + 1
                    if number:
                        cpu[size].append(figures[0])
                        wall[size].append(figures[1])
            for size in sizes:
                print(
                    f"| {backend} | {size:,} | {statistics.median(cpu[size]):,.0f} "
                    f"| {statistics.median(wall[size]):,.0f} "
                    f"| {min(cpu[size]):,.0f}-{max(cpu[size]):,.0f} |",
                    flush=True,
                )
    print(f"\nload average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
