"""``crisisbot eval``: how the crisis and advice routes do on a labelled file, per category.

The file has one JSON object a line: ``{"text": ..., "expect": "crisis"|"benign"|"advice",
"cat": ...}``. Each line is a conversation of its own. The command exits 1 when crisis recall,
the false crisis rate or advice correctness is outside the thresholds under ``eval:`` in config.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.app import build_core
from bot.config import load_config
from bot.core.models import Inbound, InboundKind, Route
from bot.errors import InputError

EXPECTATIONS = ("crisis", "benign", "advice")
DOSE = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:mg/kg|mg|ml|mcg|µg|milligrams?|micrograms?|sprays?|units?|tablets?|pills?)\b",
    re.IGNORECASE,
)


@dataclass
class Tally:
    """Counts for one category."""

    expect: str
    total: int = 0
    correct: int = 0

    @property
    def rate(self) -> float:
        """Share correct (1.0 for an empty category)."""
        return self.correct / self.total if self.total else 1.0


def run_eval(config_path: Path | None, path: Path, stdout: TextIO) -> int:
    """Print the table; 0 within thresholds, 1 outside them."""
    config = load_config(config_path)
    core = build_core(config)
    tallies: dict[str, Tally] = {}
    misses: dict[str, list[str]] = defaultdict(list)
    for number, item in enumerate(_read(path), 1):
        inbound = Inbound(f"eval:{number}", InboundKind.TEXT, text=item["text"], received_at=1.0)
        outcome = core.process(None, inbound)
        expect = item["expect"]
        tally = tallies.setdefault(f"{expect}/{item['cat']}", Tally(expect))
        tally.total += 1
        if _is_correct(expect, outcome.route, " ".join(r.text for r in outcome.replies)):
            tally.correct += 1
        else:
            misses[expect].append(f"{item['text'][:70]!r} -> {outcome.route.value}")
    summary = _summarise(tallies)
    _print_table(tallies, summary, misses, stdout)
    limits = config.eval
    failed = (
        summary["crisis"] < limits.min_crisis_recall
        or 1.0 - summary["benign"] > limits.max_false_crisis_rate
        or summary["advice"] < limits.min_advice_accuracy
    )
    return 1 if failed else 0


def _is_correct(expect: str, route: Route, text: str) -> bool:
    if expect == "crisis":
        return route is Route.CRISIS
    if expect == "benign":
        return route is not Route.CRISIS
    return route is Route.MEDICAL_ADVICE and DOSE.search(text) is None


def _read(path: Path) -> list[dict[str, str]]:
    items = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read the labelled file ({error})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(f"{path}:{number}:{error.colno}: error: not valid JSON") from None
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("text"), str)
            or item.get("expect") not in EXPECTATIONS
        ):
            raise InputError(
                f"{path}:{number}:1: error: expected "
                '{"text": str, "expect": "crisis"|"benign"|"advice", "cat": str}'
            )
        item.setdefault("cat", item["expect"])
        items.append(item)
    return items


def _summarise(tallies: dict[str, Tally]) -> dict[str, float]:
    summary = {}
    for expect in EXPECTATIONS:
        group = [t for t in tallies.values() if t.expect == expect]
        total = sum(t.total for t in group)
        summary[expect] = sum(t.correct for t in group) / total if total else 1.0
    return summary


def _print_table(
    tallies: dict[str, Tally],
    summary: dict[str, float],
    misses: dict[str, list[str]],
    out: TextIO,
) -> None:
    measures = {
        "crisis": "crisis recall",
        "benign": "not routed crisis",
        "advice": "advice correct",
    }
    out.write(f"{'category':<28}{'n':>5}  {'measure':<20}{'score':>8}\n")
    for key in sorted(tallies):
        tally = tallies[key]
        line = f"{key:<28}{tally.total:>5}  {measures[tally.expect]:<20}{tally.rate:>8.1%}\n"
        out.write(line)
    out.write(
        f"\ncrisis recall {summary['crisis']:.1%}; false crisis routes "
        f"{1 - summary['benign']:.1%}; advice correct {summary['advice']:.1%}\n"
    )
    for expect, texts in misses.items():
        for text in texts[:10]:
            out.write(f"  miss ({expect}): {text}\n")
