"""CPU per ordinary message of the core's own reading: the lexicon gate, advice guard and flows.

    .venv/bin/python bench/core_goal_bench.py [--messages 3000] [--chats 200] [--batch 64]

Issue 13's goal for the core: the lexicon gate, the advice guard and the flows together at most
150 µs at p50 and 1 ms at p99 per ordinary message. The semantic encoder is not part of that
goal: in ``crisisbot run`` a group commit's texts are encoded together first (``Core.prepare``),
and each update is then decided alone, finding its vectors and similarities ready. So this times
``Core.process`` per message after its batch was prepared, which is what is left of the core
once the encoder has run: the gate's lexicon, signals and crisis terms, reading the prepared
similarities, the advice guard, the flows (with their topic lookup by meaning read from the same
cache) and the record's changes. ``prepare`` is timed apart, per message of its batch.

Messages: the benign and advice lines of the development sets (``../shared/triage``), each with
an opening and a closing from short lists so no text repeats, spread over ``--chats`` people,
records kept in memory. Every regular expression of the gate and the guard is compiled first,
as ``crisisbot run`` does in the background once it serves (``--lazy``: compiled on first use
instead, as ``chat`` and ``triage`` do, so some timed messages pay for a compile); the first
``--warm`` messages are not counted; then ``gc.freeze()``, as ``crisisbot run`` does once
started. CPU time (``time.process_time``) of each call.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machinery_bench import distinct_texts

from bot.app import build_core
from bot.config import load_config
from bot.model import ConversationRecord, Inbound, InboundKind

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], share: float) -> float:
    """The value at ``share`` of the sorted values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--warm", type=int, default=640)
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--batch", type=int, default=64, help="texts prepared together")
    parser.add_argument("--lazy", action="store_true", help="compile regexes on first use")
    args = parser.parse_args()
    core = build_core(load_config(ROOT / "config.example.yaml"))
    if not args.lazy:
        core.compile_all()
    texts = distinct_texts()
    records: dict[str, ConversationRecord | None] = {}
    decide: list[float] = []
    prepare: list[float] = []
    total = args.warm + args.messages
    number = 0
    while number < total:
        if number == args.warm:
            gc.freeze()
            decide.clear()
            prepare.clear()
        size = min(args.batch, total - number)
        inbounds = [
            Inbound(
                f"tg:{(number + k) % args.chats}",
                InboundKind.TEXT,
                text=next(texts),
                received_at=1e9 + number + k,
            )
            for k in range(size)
        ]
        started = time.process_time()
        core.prepare([inbound.text for inbound in inbounds])
        prepare.append((time.process_time() - started) / size * 1e6)
        for inbound in inbounds:
            started = time.process_time()
            outcome = core.process(records.get(inbound.conversation_id), inbound)
            decide.append((time.process_time() - started) * 1e6)
            records[inbound.conversation_id] = outcome.record
        number += size
    compiled = "on first use" if args.lazy else "ahead"
    print(
        f"{len(decide):,} ordinary messages (distinct), {args.chats} people, prepared in "
        f"batches of {args.batch}, regexes compiled {compiled}; "
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"Core.process after prepare, CPU µs per message: p50 {statistics.median(decide):,.0f}, "
        f"p99 {percentile(decide, 0.99):,.0f}, mean {statistics.fmean(decide):,.0f}, "
        f"max {max(decide):,.0f}"
    )
    print(
        f"Core.prepare (the encoder, batched), CPU µs per message: median of batches "
        f"{statistics.median(prepare):,.0f}"
    )


if __name__ == "__main__":
    main()
