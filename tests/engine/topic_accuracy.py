"""Topic accuracy on the unseen questions: how many reach a fitting topic, per language.

python -m tests.engine.topic_accuracy            # with matching by meaning (the default)
python -m tests.engine.topic_accuracy --lexical  # phrases and keywords alone
python -m tests.engine.topic_accuracy --sweep    # accuracy per threshold (for tuning)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.app import load_engine
from bot.engine.engine import MEANING_THRESHOLD, FlowEngine

ROOT = Path(__file__).resolve().parents[2]
UNSEEN = Path(__file__).with_name("data") / "unseen_topics.yaml"
LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl")


@dataclass(frozen=True)
class Score:
    """Questions that reached a fitting topic, out of all, and the misses."""

    hits: int
    total: int
    misses: tuple[tuple[str, str | None], ...]


def questions() -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = yaml.safe_load(UNSEEN.read_text(encoding="utf-8"))
    return data


def engine(threshold: float | None) -> FlowEngine:
    base = load_engine(ROOT / "flows", "ketamine")
    return FlowEngine(base.flows.values(), "ketamine", meaning_threshold=threshold)


def score(flow_engine: FlowEngine, cases: list[dict[str, Any]]) -> Score:
    hits = 0
    misses: list[tuple[str, str | None]] = []
    for case in cases:
        record = flow_engine.new_record("measure", 0.0)
        step = flow_engine.on_text(record, case["q"])
        if step.trigger in case["topics"]:
            hits += 1
        else:
            misses.append((case["q"], step.trigger))
    return Score(hits, len(cases), tuple(misses))


def main(argv: list[str]) -> int:
    data = questions()
    if "--sweep" in argv:
        for threshold in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
            flow_engine = engine(threshold)
            line = [f"{threshold:.2f}"]
            line += [f"{lang} {score(flow_engine, data[lang]).hits}" for lang in LANGUAGES]
            print("  ".join(line))
        return 0
    flow_engine = engine(None if "--lexical" in argv else MEANING_THRESHOLD)
    for language in (*LANGUAGES, "known"):
        result = score(flow_engine, data[language])
        print(f"{language}: {result.hits}/{result.total}")
        for question, got in result.misses:
            print(f"    miss: {question!r} -> {got}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
