"""CPU cost of matching topics by meaning and of identifying the language, for docs/benchmarks.md.

    .venv/bin/python bench/topics_bench.py [--rounds 5]

Measures, in CPU time of this process: building the meaning index of the shipped flows (every
phrase encoded once), one question that no phrase matches (encoded and compared with every
phrase), one question a phrase matches (the meaning index is not consulted), and the language
identifier on one message. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bot.app import load_engine
from bot.embedding import shared_encoder
from bot.engine.engine import FlowEngine
from bot.i18n.choice import identify

ROOT = Path(__file__).resolve().parents[1]
UNMATCHED = [
    "wie lange hält die Wirkung eigentlich an, Nummer {n}",
    "¿qué dicen los estudios sobre su eficacia? pregunta {n}",
    "what are scientists working on next in this area, take {n}",
]
MATCHED = "how much does it cost {n}"
LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl")


def cpu_ms(action: Callable[[], object]) -> float:
    start = time.process_time()
    action()
    return (time.process_time() - start) * 1000


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    shared_encoder()  # loaded once per process, as in the bot
    builds = []
    for _ in range(args.rounds):
        fresh = load_engine(ROOT / "flows", "ketamine")
        builds.append(cpu_ms(fresh.meaning_index))
    flows: FlowEngine = load_engine(ROOT / "flows", "ketamine")
    flows.meaning_index()
    record = flows.new_record("bench", 0.0)
    unmatched_texts = [UNMATCHED[n % len(UNMATCHED)].format(n=n) for n in range(200 * args.rounds)]
    matched_texts = [MATCHED.format(n=n) for n in range(200 * args.rounds)]
    unmatched = [cpu_ms(lambda q=q: flows.on_text(record, q)) for q in unmatched_texts]
    matched = [cpu_ms(lambda q=q: flows.on_text(record, q)) for q in matched_texts]
    identify("warm up the identifier with a sentence", LANGUAGES)
    texts = [f"ich habe eine Frage zu den Nebenwirkungen, Nummer {n}" for n in range(1000)]
    identified = [cpu_ms(lambda t=t: identify(t, LANGUAGES)) for t in texts]
    print(f"{platform.machine()}, Python {platform.python_version()}")
    print("| what | samples | p50 ms CPU | p99 ms CPU |")
    print("|---|---:|---:|---:|")
    for name, samples in (
        ("meaning index of the shipped flows (build)", builds),
        ("question no phrase matches (by meaning)", unmatched),
        ("question a phrase matches", matched),
        ("language identification, one message", identified),
    ):
        p50, p99 = percentiles(samples)
        print(f"| {name} | {len(samples)} | {p50:.2f} | {p99:.2f} |")


if __name__ == "__main__":
    main()
