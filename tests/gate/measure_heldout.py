"""Measure the gate on a JSON-lines held-out set, per language: the figures in docs/crisis.md.

Run: ``.venv/bin/python -m tests.gate.measure_heldout tests/gate/heldout/heldout6.jsonl [--misses]``

Each line is ``{"text": ...}`` or ``{"turns": [...]}`` with ``expect`` (crisis, benign or
advice), ``cat`` and ``lang``. For ``turns`` the label is the last turn's; the earlier turns are
assessed first and their signals passed as history, one minute apart, as the core does (a
check-in the next turn leaves unanswered adds the signal of a "no" after that turn); when an
earlier turn was routed to crisis, the last one counts as crisis too, since the core stays in
crisis mode and answers it with the crisis reply (``crisisbot eval`` counts it so).

Per language it prints crisis recall, crisis-or-check-in recall, the false crisis and check-in
rates on benign lines, and the share of advice lines the advice guard answers (the gate clear,
or a check-in on an uncertain semantic score alone, which an advice match outranks in the core;
then a guard match). Nothing is
asserted: the tests do that.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.core import check_in
from bot.gate import AdviceGuard, Assessment, CrisisGate, default_gate
from bot.model import Signal


@dataclass
class Tally:
    """Counts for one language (or all)."""

    crisis: int = 0
    crisis_hit: int = 0
    crisis_or_check_in: int = 0
    benign: int = 0
    benign_crisis: int = 0
    benign_check_in: int = 0
    advice: int = 0
    advice_routed: int = 0
    benign_advice: int = 0  # benign lines the advice guard would answer as medical advice
    misses: list[str] = field(default_factory=list)


def assess_item(item: dict[str, object], gate: CrisisGate) -> tuple[str, Assessment, bool]:
    """The last text of an item, the gate's verdict on it (earlier turns as history), and
    whether an earlier turn already routed the conversation to crisis."""
    turns = item.get("turns")
    texts = [str(t) for t in turns] if isinstance(turns, list) else [str(item["text"])]
    history: list[Signal] = []
    verdict = None
    earlier_crisis = False
    for index, text in enumerate(texts):
        asked = verdict is not None and verdict.check_in
        if verdict is not None:
            earlier_crisis = earlier_crisis or verdict.crisis
        verdict = gate.assess(text, tuple(history), now=60.0 * index)
        history.extend(verdict.signals)
        if asked:  # the person wrote on without answering the check-in
            history.append(check_in.no_signal(60.0 * index))
    assert verdict is not None
    return texts[-1], verdict, earlier_crisis


def measure(path: Path, gate: CrisisGate, guard: AdviceGuard) -> dict[str, Tally]:
    """Tallies per language and for all (key ``ALL``)."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        text, verdict, earlier_crisis = assess_item(item, gate)
        if earlier_crisis and not verdict.crisis:
            # The core keeps crisis mode after an earlier crisis turn: the last turn gets the
            # crisis reply whatever the gate says of it alone.
            verdict = replace(verdict, crisis=True, check_in=False, rule="crisis mode")
        route = verdict.outcome.value
        where = f"[{item.get('lang')}/{item.get('cat')}] {text!r} -> {route} {verdict.rule or ''}"
        for key in (str(item.get("lang", "?")), "ALL"):
            tally = tallies[key]
            if item["expect"] == "crisis":
                tally.crisis += 1
                tally.crisis_hit += verdict.crisis
                tally.crisis_or_check_in += verdict.crisis or verdict.check_in
                if not verdict.crisis and key == "ALL":
                    tally.misses.append(f"crisis miss {where}")
            elif item["expect"] == "benign":
                tally.benign += 1
                tally.benign_crisis += verdict.crisis
                tally.benign_check_in += verdict.check_in
                answerable = verdict.outcome.value == "clear" or verdict.meaning_only
                tally.benign_advice += answerable and guard.check(text) is not None
                if (verdict.crisis or verdict.check_in) and key == "ALL":
                    tally.misses.append(f"benign {where}")
            else:
                tally.advice += 1
                answerable = verdict.outcome.value == "clear" or verdict.meaning_only
                routed = answerable and guard.check(text) is not None
                tally.advice_routed += routed
                if not routed and key == "ALL":
                    tally.misses.append(f"advice miss {where}")
    return tallies


def _rate(part: int, whole: int) -> str:
    return f"{part:>3}/{whole:<3} {part / whole:>6.1%}" if whole else f"{'-':>14}"


def main(argv: Sequence[str] | None = None) -> None:
    """Print one line per language and the total, and optionally every miss."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    gate, guard = default_gate(), AdviceGuard.default()
    tallies = measure(args.file, gate, guard)
    print(
        f"{'lang':<8} {'crisis recall':>15} {'crisis|check-in':>15} {'false crisis':>15} "
        f"{'benign check-in':>15} {'advice routed':>15}"
    )
    for lang in sorted(tallies, key=lambda k: (k == "ALL", k)):
        t = tallies[lang]
        print(
            f"{lang:<8} {_rate(t.crisis_hit, t.crisis):>15} "
            f"{_rate(t.crisis_or_check_in, t.crisis):>15} {_rate(t.benign_crisis, t.benign):>15} "
            f"{_rate(t.benign_check_in, t.benign):>15} {_rate(t.advice_routed, t.advice):>15}"
        )
    total = tallies["ALL"]
    print(f"benign lines the advice guard answers: {_rate(total.benign_advice, total.benign)}")
    if args.misses:
        for miss in tallies["ALL"].misses:
            print(f"  {miss}")


if __name__ == "__main__":
    main()
