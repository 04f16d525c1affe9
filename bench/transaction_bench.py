"""CPU of one empty transaction of ``Storage.transaction`` on SQLite, for one or more trees.

    .venv/bin/python bench/transaction_bench.py [--rounds 5] [--count 2000] [TREE ...]

What every storage call pays before its statements: the pool's connection, the transaction's
BEGIN (``BEGIN IMMEDIATE`` for a write, which takes SQLite's write lock at once), the COMMIT and
the connection's return. When updates arrive one at a time, each is several such transactions
(the inbox's store and claim, the lock-free read, the write, the outbox's claim and its record),
so this is most of what the storage adds per update at low traffic; the group commit spreads it
over a batch at high traffic.

Each TREE (a checkout of the project; default: this one) runs in a process of its own, the trees
in turn per round, so that other work on a shared machine slows them alike. Prints, per tree and
kind of transaction, the median and the range over the rounds of CPU µs per transaction.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_ONE_ROUND = """
import json, sys, tempfile, time
from bot.storage import Storage
count = int(sys.argv[1])
with tempfile.TemporaryDirectory() as folder:
    storage = Storage.from_url(f"sqlite:///{folder}/transactions.db")
    storage.ensure_schema()
    figures = {}
    for write in (True, False):
        for _ in range(count // 4):  # warm up
            with storage.transaction(write=write):
                pass
        started = time.process_time()
        for _ in range(count):
            with storage.transaction(write=write):
                pass
        figures["write" if write else "read"] = (time.process_time() - started) / count * 1e6
    storage.close()
print(json.dumps(figures))
"""


def one_round(tree: Path, count: int) -> dict[str, float]:
    """CPU µs per empty write and read transaction, measured in a new process on ``tree``."""
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    result = subprocess.run(
        [sys.executable, "-c", _ONE_ROUND, str(count)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tree,
        env=environment,
    )
    figures: dict[str, float] = json.loads(result.stdout)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--count", type=int, default=2000, help="transactions timed per kind")
    parser.add_argument("trees", nargs="*", type=Path, default=[ROOT])
    args = parser.parse_args()
    figures: dict[tuple[Path, str], list[float]] = {}
    for _ in range(args.rounds):
        for tree in args.trees:
            for kind, value in one_round(tree, args.count).items():
                figures.setdefault((tree, kind), []).append(value)
    print(
        f"{args.rounds} rounds x {args.count:,} transactions per kind; python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}\n"
    )
    print("| tree | transaction | CPU µs (median) | min-max |")
    print("|---|---|---:|---:|")
    for (tree, kind), values in figures.items():
        print(
            f"| {tree} | {kind} | {statistics.median(values):.1f} | "
            f"{min(values):.1f}-{max(values):.1f} |"
        )


if __name__ == "__main__":
    main()
