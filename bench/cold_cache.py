"""How much of the lexicon's time per message is waiting on memory: its steps timed warm and cold.

    .venv/bin/python bench/cold_cache.py [--messages 3000] [--flush-mb 8]

Instructions counted by ``bench/gate_instructions.py`` fell by 16% in one round while the time of
the core goal's parts on the default stream did not move. This times the same work on the same
texts two ways, in one process: **warm**, each text read right after the previous one, with
nothing else between them; **cold**, with ``--flush-mb`` of memory read before each text (more
than a core's own caches hold), as the rest of ``Core.process`` and the encoder's batches do to
the caches between one text's lexicon work and the next. The texts are those of the default
stream of ``bench/core_goal_bench.py``, read once beforehand, so what the lexicon remembers per
word and per pair is there in both modes; what it remembers per text (the draft, the folded
views and their words) is forgotten before each call, as for a new message. The gate's semantic
detector stands aside (``bench/gate_instructions.py``'s stand-in). µs per text, medians over
alternating rounds: warm, cold, warm, cold.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gate_instructions import _ReadByWordsOnly
from machinery_bench import distinct_texts

from bot.app import build_core
from bot.config import load_config
from bot.gate import views
from bot.gate.semantic import safety_net

ROOT = Path(__file__).resolve().parents[1]


def forget_texts() -> None:
    """Forget what is remembered per text (not per word): the next call reads it anew."""
    views.draft.cache_clear()
    safety_net._variants_of.cache_clear()  # private: the bench forgets on purpose
    safety_net._words_of.cache_clear()


def timed(step: Callable[[str], object], texts: list[str], flush: Any | None) -> float:
    """The median µs of ``step`` per text, ``flush`` read before each when given."""
    spent: list[int] = []
    for text in texts:
        forget_texts()
        if flush is not None:
            flush.sum()
        started = time.perf_counter_ns()
        step(text)
        spent.append(time.perf_counter_ns() - started)
    return statistics.median(spent) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--flush-mb", type=int, default=8)
    args = parser.parse_args()
    core = build_core(load_config(ROOT / "config.example.yaml"))
    core.compile_all()
    stand_in: Any = _ReadByWordsOnly(core.gate.semantic)
    core.gate.semantic = stand_in
    stream = distinct_texts()
    texts = [next(stream) for _ in range(args.messages)]
    flush = np.ones(args.flush_mb << 20, dtype=np.uint8)
    steps: dict[str, Callable[[str], object]] = {
        "views (draft)": views.draft,
        "lexicon gate": lambda text: core.gate.assess(text, name_language=False),
        "advice guard": core.advice.check,
    }
    for step in steps.values():
        for text in texts:
            step(text)
    print(f"{len(texts):,} texts of the default stream, {args.flush_mb} MB read before each cold")
    for name, step in steps.items():
        rounds = [timed(step, texts, flush if cold else None) for cold in (False, True) * 2]
        warm, cold = rounds[0::2], rounds[1::2]
        print(
            f"{name}: warm {', '.join(f'{x:.1f}' for x in warm)} µs; "
            f"cold {', '.join(f'{x:.1f}' for x in cold)} µs; "
            f"cold/warm {statistics.fmean(cold) / statistics.fmean(warm):.1f}x"
        )


if __name__ == "__main__":
    main()
