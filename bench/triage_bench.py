"""``crisisbot triage`` of many distinct lines, next to python-telegram-bot's ConversationHandler.

    .venv/bin/python bench/triage_bench.py [--lines 10000] [--rounds 2] [--no-pipe] [TREE ...]

Builds ``--lines`` distinct JSON lines (the development sets' texts, each with an opening and a
closing from short lists, so no two lines are the same and the encoder's cache cannot answer
them), ten lines per person as in ``telegram_bench.py``'s 1,000 chats x 10 messages. Then, with
rounds alternating:

1. ``crisisbot triage < file``: the real process, reading the file ahead, encoding each group
   of lines' sentences in one batch and deciding the group in waves of one line per
   conversation, one transaction per wave;
2. ``cat file | crisisbot triage``: the same through a pipe, read and encoded a line at a time;
3. ``crisisbot triage`` of one line: start-up until the first answer (loading the gate's model
   included), subtracted from 1 and 2 for the per-line figures;
4. python-telegram-bot's bare ``ConversationHandler`` processing as many updates in this process.

CPU time (user + system) of the child processes, and of this process for the baseline. Prints a
Markdown table for docs/benchmarks.md. Each TREE is a checkout of the project (default: this one;
``git archive <commit> | tar -x -C /tmp/before`` makes one of an older commit), run with the tree
first on ``PYTHONPATH``; with several, every round runs each tree in turn, so their rows are
measured under the same load. ``--no-pipe`` leaves out the run through a pipe (the slowest).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from telegram import Update

sys.path.insert(0, str(Path(__file__).resolve().parent))

from telegram_bench import InstantRequest, conversation_handler_app, interleaved_updates

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config.example.yaml"
DEV_SETS = [
    ROOT.parent / "shared" / "triage" / name for name in ("dev.jsonl", "dev_multilingual.jsonl")
]
OPENINGS = ["", "hi, ", "ok so ", "quick question: ", "hey. ", "sorry to bother, ", "so ", "um "]
CLOSINGS = ["", " thanks", " ...", " (asking here first)"]


def distinct_lines(count: int) -> list[str]:
    """``count`` distinct triage lines, ten per person."""
    texts: list[str] = []
    for path in DEV_SETS:
        for raw in path.read_text(encoding="utf-8").splitlines():
            if raw.strip():
                item = json.loads(raw)
                texts.append(item["text"] if "text" in item else " ".join(item["turns"]))
    variants = [f"{o}{t}{c}" for c in CLOSINGS for o in OPENINGS for t in texts]
    if len(set(variants)) < count:
        raise SystemExit(f"only {len(set(variants))} distinct lines can be built; ask for fewer")
    unique = list(dict.fromkeys(variants))[:count]
    return [json.dumps({"text": text, "user": index // 10}) for index, text in enumerate(unique)]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_triage(source: Path, *, pipe: bool, tree: Path = ROOT) -> tuple[float, float, int]:
    """CPU seconds and wall seconds of one ``crisisbot triage`` run, and its output lines."""
    config = tree / CONFIG.relative_to(ROOT)
    command = [sys.executable, "-m", "bot", "triage", "--config", str(config)]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cpu, wall = children_cpu(), time.perf_counter()
    with source.open("rb") as file:
        if pipe:
            out = subprocess.run(
                command, input=file.read(), capture_output=True, check=True, cwd=tree, env=env
            )
        else:
            out = subprocess.run(
                command, stdin=file, capture_output=True, check=True, cwd=tree, env=env
            )
    return children_cpu() - cpu, time.perf_counter() - wall, len(out.stdout.splitlines())


async def conversation_handler_cpu(updates: int) -> float:
    """CPU seconds of a bare ConversationHandler processing ``updates`` updates (one reply each)."""
    application = conversation_handler_app(InstantRequest())
    payloads = interleaved_updates(updates // 10, 10)
    async with application:
        parsed = [Update.de_json(p, application.bot) for p in payloads]
        started = time.process_time()
        for update in parsed:
            await application.process_update(update)
        return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-pipe", action="store_true", help="leave out the run through a pipe")
    parser.add_argument("trees", nargs="*", type=Path, default=[ROOT])
    args = parser.parse_args()
    trees = [tree.resolve() for tree in args.trees]
    kinds = [("start", False), ("file", False)] + ([] if args.no_pipe else [("pipe", True)])
    results: dict[tuple[Path, str], list[float]] = {}
    walls: dict[tuple[Path, str], list[float]] = {}
    baseline: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        many, one = Path(folder) / "many.jsonl", Path(folder) / "one.jsonl"
        lines = distinct_lines(args.lines)
        many.write_text("\n".join(lines) + "\n", encoding="utf-8")
        one.write_text(lines[0] + "\n", encoding="utf-8")
        for round_number in range(args.rounds):
            for tree in trees:
                for name, pipe in kinds:
                    source = one if name == "start" else many
                    cpu, wall, answered = run_triage(source, pipe=pipe, tree=tree)
                    assert answered == (1 if name == "start" else args.lines), answered
                    results.setdefault((tree, name), []).append(cpu)
                    walls.setdefault((tree, name), []).append(wall)
                    print(f"round {round_number + 1} {tree} {name} {cpu:.2f} s", flush=True)
            baseline.append(asyncio.run(conversation_handler_cpu(args.lines)))
            print(f"round {round_number + 1} ConversationHandler {baseline[-1]:.2f} s", flush=True)

    def median(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[len(ordered) // 2]

    ch = median(baseline)
    print(f"\n{args.lines:,} distinct lines, {args.rounds} rounds alternating, medians")
    loads = " ".join(f"{load:.2f}" for load in os.getloadavg())
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}, ")
    print(f"load average at the end {loads}\n")
    print("| tree | what | CPU s (runs) | median CPU s | wall s | after start-up | ratio to CH |")
    print("|---|---|---|---:|---:|---:|---:|")
    labels = {
        "start": "start-up and one line",
        "file": "triage < file (read ahead, batched)",
        "pipe": "triage from a pipe (line by line)",
    }
    for tree in trees:
        start = median(results[(tree, "start")])
        for name, _ in kinds:
            runs = results[(tree, name)]
            cpu = median(runs)
            listed = ", ".join(f"{value:.2f}" for value in runs)
            after = "" if name == "start" else f"{cpu - start:.2f}"
            ratio = "" if name == "start" else f"{cpu / ch:.1f} ({(cpu - start) / ch:.1f})"
            print(
                f"| {tree.name} | {labels[name]} | {listed} | {cpu:.2f} | "
                f"{median(walls[(tree, name)]):.2f} | {after} | {ratio} |"
            )
    listed = ", ".join(f"{value:.2f}" for value in baseline)
    what = f"ConversationHandler, {args.lines:,} updates in memory"
    print(f"| | {what} | {listed} | {ch:.2f} | | | 1 |")


if __name__ == "__main__":
    main()
