"""The semantic detector's CPU per text with the encoder's remembered token ids and without.

    .venv/bin/python bench/piece_tokens_bench.py [--short 600] [--long 60] [--seed 7]

Each text is read twice in turn (the order alternates), once with the tokenizer remembering the
ids the piece counts read and once with the bare tokenizer (every piece tokenized to count it and
again to encode it); the encoder's vector cache and the remembered ids are emptied before each
read, so both pay for all their pieces. Texts come from ``../shared/triage/dev.jsonl`` and
``dev_multilingual.jsonl``: short lines, and lines joined up to 4,096 characters. Nothing is
asserted: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

from bot.gate.semantic import shared_detector

DEV_SETS = (Path("../shared/triage/dev.jsonl"), Path("../shared/triage/dev_multilingual.jsonl"))


def _lines() -> list[str]:
    return [
        json.loads(line)["text"]
        for path in DEV_SETS
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--short", type=int, default=600)
    parser.add_argument("--long", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    lines = _lines()
    detector = shared_detector()
    encoder: Any = detector._encoder
    remembering = encoder._model._sp
    bare = remembering._tokenizer

    def long_text() -> str:
        parts: list[str] = []
        while sum(map(len, parts)) < 4096:
            parts.append(rng.choice(lines))
        return ". ".join(parts)[:4096]

    def read(text: str, remember: bool) -> float:
        tokenizer = remembering if remember else bare
        encoder._model._sp = tokenizer
        encoder._model._model.sp = tokenizer
        encoder._cache.clear()
        remembering._ids.clear()
        start = time.process_time()
        detector.assess(text)
        return (time.process_time() - start) * 1000

    shorts = [f"{rng.choice(lines)} {rng.randint(0, 999)}" for _ in range(args.short)]
    longs = [long_text() for _ in range(args.long)]
    try:
        for name, texts in (("short", shorts), ("4 KB", longs)):
            timings: dict[bool, list[float]] = {True: [], False: []}
            for text in texts[:20]:  # warm-up
                read(text, True)
                read(text, False)
            for index, text in enumerate(texts):
                for remember in (True, False) if index % 2 else (False, True):
                    timings[remember].append(read(text, remember))
            for remember in (False, True):
                ms = sorted(timings[remember])
                label = "remembered" if remember else "twice"
                p99 = ms[max(0, int(len(ms) * 0.99) - 1)]
                print(
                    f"{name:6} {label:10} n={len(ms):4} mean {statistics.mean(ms):6.3f} "
                    f"p50 {ms[len(ms) // 2]:6.3f} p99 {p99:6.3f} ms"
                )
    finally:
        encoder._model._sp = remembering
        encoder._model._model.sp = remembering


if __name__ == "__main__":
    main()
