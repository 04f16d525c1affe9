"""Throughput and latency of the core, for docs/benchmarks.md.

    .venv/bin/python bench/core_bench.py [--conversations 10000] [--turns 3]

Measures (1) the crisis gate alone, (2) the pure pipeline (gate, guard, flows) with records kept in
memory, (3) the whole service with every record read and written in a SQLite file, and the bytes
per stored conversation. Messages are a fixed mix of topic questions, advice requests, figurative
speech, chit-chat and crisis messages. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bot.app import build_core
from bot.config import load_config
from bot.core.service import Service
from bot.model import ConversationRecord, Inbound, InboundKind
from bot.storage import Storage

ROOT = Path(__file__).resolve().parents[1]
MIX = [
    "how does ketamine work",
    "what are the side effects of spravato",
    "how much does it cost with insurance",
    "this exam is killing me",
    "hi there",
    "can i take it with my other meds",
    "what is treatment resistant depression",
    "i don't want to be here anymore",
    "tell me about the research",
    "thanks!",
]


def timed(label: str, count: int, step: Callable[[int], object]) -> dict[str, str]:
    """Run ``step`` ``count`` times; messages per second and p50/p99 in milliseconds."""
    latencies = []
    started = time.perf_counter()
    for index in range(count):
        t0 = time.perf_counter()
        step(index)
        latencies.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "what": label,
        "messages": str(count),
        "msg/s": f"{count / elapsed:,.0f}",
        "p50 ms": f"{statistics.median(latencies):.3f}",
        "p99 ms": f"{latencies[int(len(latencies) * 0.99) - 1]:.3f}",
    }


def main() -> None:
    """Run the three measurements and print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--turns", type=int, default=3)
    args = parser.parse_args()
    total = args.conversations * args.turns
    config = load_config(ROOT / "config.example.yaml")
    core = build_core(config)
    gate = core.gate

    def text(index: int) -> str:
        return MIX[index % len(MIX)]

    def inbound(index: int) -> Inbound:
        conversation = index % args.conversations
        return Inbound(
            f"bench:{conversation}", InboundKind.TEXT, text=text(index), received_at=1e6 + index
        )

    rows = [timed("crisis gate alone", total, lambda i: gate.assess(text(i)))]
    records: dict[str, ConversationRecord] = {}

    def pure(index: int) -> None:
        message = inbound(index)
        records[message.conversation_id] = core.process(
            records.get(message.conversation_id), message
        ).record

    rows.append(timed("pipeline, records in memory", total, pure))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        storage = Storage.from_url(f"sqlite:///{path}")
        storage.ensure_schema()
        service = Service(core, storage)
        rows.append(
            timed(
                "service, SQLite file (WAL)",
                total,
                lambda i: service.handle(inbound(i), deliver_to="1"),
            )
        )
        storage.close()
        size = sum(f.stat().st_size for f in Path(folder).iterdir())
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"{args.conversations:,} conversations x {args.turns} turns\n")
    print("| " + " | ".join(rows[0]) + " |")
    print("|" + "---|" * len(rows[0]))
    for row in rows:
        print("| " + " | ".join(row.values()) + " |")
    print(
        f"\nSQLite file with outbox rows: {size / args.conversations:,.0f} bytes per conversation"
    )


if __name__ == "__main__":
    main()
