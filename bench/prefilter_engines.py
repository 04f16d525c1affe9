"""Could a compiled multi-pattern engine find the gate's candidate rules faster than its anchors?

    .venv/bin/pip install google-re2==1.1.20251105 hyperscan==0.9.1   # not project dependencies
    .venv/bin/python bench/prefilter_engines.py [--messages 9000] [--groups 1,15]
        [--hyperscan-sample 30]

The gate finds the rules a message may match by their anchor words (a scan of its tokens and a
choice remembered per set of words found), then searches each with Python's ``re``. A compiled
engine could say in one pass over each view which of the 1,466 rules may match, and ``re`` would
then search only those: a prefilter, exact as long as what it names holds every rule that
matches. Python's lookarounds have no RE2 or Hyperscan form, so each is dropped whole: a pattern
without its assertions matches wherever it did, and more.

RE2 (``re2.Set``): the rule set's patterns without their lookarounds, in one set or split into
``--groups`` sets, matched against every view of ``--messages`` messages of the default stream
of ``bench/core_goal_bench.py``. It prints the set's compile time, the µs per message to name the
candidates (p50 and p99, per block of 1,000 messages and overall), how many are named, and
checks on every message that each rule ``re`` finds is among them.

Hyperscan: compile time of ``--hyperscan-sample`` of the patterns (a seeded sample, each alone,
in prefilter mode); compiling all of them was stopped after four minutes.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machinery_bench import distinct_texts

from bot.app import build_core
from bot.config import load_config
from bot.gate.views import build_gate_text

ROOT = Path(__file__).resolve().parents[1]
_LOOKAROUNDS = ("(?=", "(?!", "(?<=", "(?<!")


def without_lookarounds(source: str) -> str:
    """``source`` with every outermost lookaround group dropped (its contents too)."""
    kept: list[str] = []
    index = 0
    while index < len(source):
        if source.startswith(_LOOKAROUNDS, index):
            index = _group_end(source, index) + 1
            continue
        step = 2 if source[index] == "\\" else 1
        kept.append(source[index : index + step])
        index += step
    return "".join(kept)


def _group_end(source: str, start: int) -> int:
    """The index of the ``)`` closing the group opened at ``start``."""
    depth = 0
    in_class = False
    index = start
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    raise ValueError(f"unbalanced group at {start} in {source[:80]!r}")


def re2_sets(sources: list[str], groups: int) -> tuple[list[tuple[int, object]], float]:
    """``sources`` compiled into ``groups`` RE2 search sets, each with its first index."""
    import re2  # optional, for this script only

    size = -(-len(sources) // groups)
    started = time.perf_counter()
    sets: list[tuple[int, object]] = []
    for first in range(0, len(sources), size):
        options = re2.Options()
        options.max_mem = 256 << 20
        engine = re2.Set.SearchSet(options)
        for source in sources[first : first + size]:
            engine.Add(source)
        engine.Compile()
        sets.append((first, engine))
    return sets, time.perf_counter() - started


def run_re2(core: object, texts: list[str], groups: int) -> None:
    gate = core.gate  # type: ignore[attr-defined]
    rules = gate.phrase_sets[0]
    compiled = rules._compiled
    sources = [without_lookarounds(entry.spaced_source) for entry in compiled]
    sets, seconds = re2_sets(sources, groups)
    spent: list[float] = []
    named: list[int] = []
    missed = 0
    for text in texts:
        views = build_gate_text(text, gate._corrector).views
        started = time.perf_counter_ns()
        candidates: set[int] = set()
        for view in views:
            for first, engine in sets:
                found = engine.Match(view)  # type: ignore[attr-defined]
                if found:
                    candidates.update(first + number for number in found)
        spent.append((time.perf_counter_ns() - started) / 1000)
        named.append(len(candidates))
        matching = {
            number
            for number, entry in enumerate(compiled)
            if any(entry.spaced_regex().search(view) for view in views)
        }
        missed += not matching <= candidates
    print(f"RE2, {len(sources):,} patterns in {groups} set(s): compiled in {seconds:.2f} s")
    for first in range(0, len(spent), 1000):
        block = sorted(spent[first : first + 1000])
        print(
            f"  messages {first:>5,}-{first + len(block) - 1:,}: "
            f"p50 {statistics.median(block):,.1f} µs, p99 {block[int(len(block) * 0.99)]:,.1f} µs"
        )
    ordered = sorted(spent)
    print(
        f"  all: p50 {statistics.median(ordered):,.1f} µs, p99 "
        f"{ordered[int(len(ordered) * 0.99)]:,.1f} µs; rules named per message "
        f"{statistics.fmean(named):.2f}; messages with a matching rule not named: {missed}"
    )


def run_hyperscan(core: object, sample: int) -> None:
    import hyperscan  # optional, for this script only

    compiled = core.gate.phrase_sets[0]._compiled  # type: ignore[attr-defined]
    chosen = random.Random(1).sample([entry.spaced_source for entry in compiled], sample)
    flags = (
        hyperscan.HS_FLAG_PREFILTER
        | hyperscan.HS_FLAG_SINGLEMATCH
        | hyperscan.HS_FLAG_UTF8
        | hyperscan.HS_FLAG_UCP
    )
    seconds: list[float] = []
    for source in chosen:
        started = time.perf_counter()
        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        database.compile(expressions=[source.encode()], ids=[0], elements=1, flags=[flags])
        seconds.append(time.perf_counter() - started)
    print(
        f"Hyperscan, {sample} patterns each alone in prefilter mode: median "
        f"{statistics.median(seconds):.3f} s, mean {statistics.fmean(seconds):.3f} s, max "
        f"{max(seconds):.2f} s; at that mean all {len(compiled):,} would take "
        f"{statistics.fmean(seconds) * len(compiled):,.0f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=9000)
    parser.add_argument("--groups", default="1,15", help="RE2 set counts to try, comma-separated")
    parser.add_argument("--hyperscan-sample", type=int, default=30, help="0: skip Hyperscan")
    args = parser.parse_args()
    core = build_core(load_config(ROOT / "config.example.yaml"))
    stream = distinct_texts()
    texts = [next(stream) for _ in range(args.messages)]
    for groups in (int(count) for count in args.groups.split(",") if count):
        run_re2(core, texts, groups)
    if args.hyperscan_sample:
        run_hyperscan(core, args.hyperscan_sample)


if __name__ == "__main__":
    main()
