"""Throughput and latency of the crisis gate and the advice guard on generated messages.

Run: ``.venv/bin/python bench/gate_bench.py [--messages 10000] [--seed 7]``

Messages are generated from invented fragments: everyday chat, ketamine questions, crisis
statements, and obfuscated variants of all of them (leetspeak, spaced letters, capitals,
zero-width characters, repeated letters), between one and several sentences long. Prints
messages per second and p50/p90/p99/max latency per component. Nothing is asserted: timings
depend on the machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Sequence

from bot.gate import AdviceGuard, CrisisGate

EVERYDAY = (
    "hi there",
    "thanks, that was helpful",
    "I had a long day at work",
    "my phone died again",
    "this homework is killing me",
    "I'm dying to see that film",
    "we ran 10 kms this morning",
    "can you tell me more",
    "I feel a bit down today",
    "the bridge near us is closed for repairs",
)
QUESTIONS = (
    "what are the side effects of spravato",
    "how much does a ketamine infusion cost",
    "is at-home ketamine safe",
    "how long does the effect last",
    "how much ketamine should I take",
    "can I drink alcohol after my session",
    "is spravato approved for depression",
    "should I stop my antidepressants",
)
CRISIS = (
    "I want to kill myself",
    "I don't want to be alive anymore",
    "everyone would be better off without me",
    "I've been cutting again",
    "how many pills would it take",
    "my friend says she wants to die",
    "I wrote a goodbye note",
    "kms",
    "I lost my job and nothing matters",
)
LEET = str.maketrans({"i": "1", "e": "3", "o": "0", "a": "4", "s": "$"})


def _obfuscate(text: str, rng: random.Random) -> str:
    """One random trick applied to ``text``."""
    trick = rng.randrange(6)
    if trick == 0:
        return text.translate(LEET)
    if trick == 1:
        return " ".join(text)
    if trick == 2:
        return text.upper()
    if trick == 3:
        return "\u200b".join(text)
    if trick == 4:
        return "".join(char * rng.choice((1, 1, 3)) for char in text)
    return text


def generate(count: int, seed: int) -> list[str]:
    """``count`` messages: mostly everyday and questions, some crisis, a third obfuscated."""
    rng = random.Random(seed)
    pools = (EVERYDAY, EVERYDAY, QUESTIONS, QUESTIONS, CRISIS)
    messages = []
    for _ in range(count):
        sentences = [rng.choice(rng.choice(pools)) for _ in range(rng.choice((1, 1, 2, 3)))]
        text = ". ".join(sentences)
        messages.append(_obfuscate(text, rng) if rng.random() < 0.33 else text)
    return messages


def measure(name: str, call: Callable[[str], object], messages: Sequence[str]) -> None:
    """Time ``call`` on every message and print throughput and latency percentiles."""
    for text in messages[:200]:
        call(text)  # warm caches (compiled regexes, token corrections)
    durations = []
    started = time.perf_counter()
    for text in messages:
        before = time.perf_counter()
        call(text)
        durations.append(time.perf_counter() - before)
    total = time.perf_counter() - started
    quantiles = statistics.quantiles(durations, n=100)
    print(
        f"{name:<12} {len(messages) / total:>10,.0f} msgs/s   "
        f"p50 {quantiles[49] * 1e6:>6.0f} us   p90 {quantiles[89] * 1e6:>6.0f} us   "
        f"p99 {quantiles[98] * 1e6:>6.0f} us   max {max(durations) * 1e6:>7.0f} us"
    )


def main() -> None:
    """Parse arguments, build the components once, and print the measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    gate = CrisisGate.default()
    guard = AdviceGuard.default()
    print(f"compiled gate and guard in {(time.perf_counter() - started) * 1e3:.0f} ms")
    messages = generate(args.messages, args.seed)
    mean_length = statistics.mean(len(text) for text in messages)
    print(f"{len(messages):,} generated messages, mean length {mean_length:.0f} characters")
    measure("CrisisGate", gate.assess, messages)
    measure("AdviceGuard", guard.check, messages)
    crisis = sum(gate.assess(text).crisis for text in messages)
    print(f"routed to crisis: {crisis:,} of {len(messages):,}")


if __name__ == "__main__":
    main()
