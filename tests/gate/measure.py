"""Measure the crisis gate and the advice guard on the labelled case files, file by file.

Run: ``.venv/bin/python -m tests.gate.measure [--prefix heldout_] [--misses]``

For crisis files it prints recall (share routed to crisis) and, where cases name a risk, how many
got that risk; for benign files the false-alarm rate; for advice files the share the guard caught
with the expected reason; for ``faq`` files the share that stayed neither crisis nor advice.
Nothing is asserted: the tests do that. This is the tool behind the figures in docs/crisis.md.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.gate import AdviceGuard, CrisisGate, default_gate
from tests.gate.casebook import CASES_DIR, Case, load_cases


@dataclass
class Score:
    """Counts for one case file."""

    name: str
    expect: str
    total: int = 0
    correct: int = 0
    with_risk: int = 0
    risk_correct: int = 0
    misses: list[str] = field(default_factory=list)


def score_file(name: str, gate: CrisisGate, guard: AdviceGuard) -> Score:
    """Score every case of one file against the gate (and the guard for advice and faq)."""
    cases = load_cases(name)
    score = Score(name, cases[0].expect if cases else "?")
    for case in cases:
        score.total += 1
        verdict, detail = _judge(case, gate, guard)
        if verdict:
            score.correct += 1
        else:
            known = f" (known miss: {case.miss})" if case.miss else ""
            score.misses.append(f"{case.text!r} -> {detail}{known}")
        if case.expect == "crisis" and case.risk is not None:
            score.with_risk += 1
            risk = gate.assess(case.text).risk
            if risk is not None and risk.value == case.risk:
                score.risk_correct += 1
            elif verdict:
                score.misses.append(f"{case.text!r} -> risk {risk}, expected {case.risk}")
    return score


def _judge(case: Case, gate: CrisisGate, guard: AdviceGuard) -> tuple[bool, str]:
    """Whether the case is handled as labelled, and what happened."""
    assessment = gate.assess(case.text)
    if case.expect == "crisis":
        return assessment.crisis, str(assessment.rule)
    if assessment.crisis:
        return False, f"crisis ({assessment.rule})"
    if case.expect == "benign":
        return True, "not crisis"
    match = guard.check(case.text)
    if case.expect == "faq":
        return match is None, match.rule if match else "general"
    if match is None:
        return False, "not advice"
    if case.reason is not None and match.reason != case.reason:
        return False, f"{match.rule} (expected reason {case.reason})"
    return True, match.rule


def _line(score: Score) -> str:
    measure = {
        "crisis": "recall",
        "benign": "false alarms",
        "advice": "advice caught",
        "faq": "left general",
    }[score.expect]
    if score.expect == "benign":
        wrong = score.total - score.correct
        value = f"{wrong:>3}/{score.total:<3} {wrong / score.total:>6.1%}"
    else:
        value = f"{score.correct:>3}/{score.total:<3} {score.correct / score.total:>6.1%}"
    risk = f"   risk {score.risk_correct}/{score.with_risk}" if score.with_risk else ""
    return f"{score.name:<28} {measure:<14} {value}{risk}"


def main(argv: Sequence[str] | None = None) -> None:
    """Print one line per case file, totals per kind, and optionally every miss."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", default="heldout", help="case files whose names start so")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    gate, guard = default_gate(), AdviceGuard.default()
    names = sorted(path.stem for path in CASES_DIR.glob(f"{args.prefix}*.yaml"))
    scores = [score_file(name, gate, guard) for name in names]
    for score in scores:
        print(_line(score))
    print()
    for kind in ("crisis", "benign", "advice", "faq"):
        group = [score for score in scores if score.expect == kind]
        if group:
            total = Score(f"ALL {kind}", kind)
            for score in group:
                total.total += score.total
                total.correct += score.correct
                total.with_risk += score.with_risk
                total.risk_correct += score.risk_correct
            print(_line(total))
    if args.misses:
        for score in scores:
            for miss in score.misses:
                print(f"  {score.name}: {miss}")


if __name__ == "__main__":
    main()
