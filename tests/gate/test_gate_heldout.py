"""The held-out set (``cases/heldout_*.yaml``), written before the round of fixes it measured.

It is regression data now: every crisis case routes to crisis (with its risk where one is given),
no hard benign case does, every advice request is advice with its reason, and no general question
is. Known misses carry ``miss:`` with the reason and are strict expected failures, so a fix that
catches one shows up. Figures: ``.venv/bin/python -m tests.gate.measure`` (docs/crisis.md).
"""

from __future__ import annotations

import pytest

from bot.gate import AdviceGuard, CrisisGate
from tests.gate.casebook import Case, as_params, heldout_names, load_cases

CRISIS = load_cases(*heldout_names("crisis"))
BENIGN = load_cases(*heldout_names("benign"))
ADVICE = load_cases(*heldout_names("advice"))
GENERAL = load_cases(*heldout_names("faq"))


@pytest.mark.parametrize("case", as_params(CRISIS))
def test_heldout_crisis_case_routes_to_crisis(gate: CrisisGate, case: Case) -> None:
    assessment = gate.assess(case.text)
    assert assessment.crisis, f"missed: {case.text!r}"
    if case.risk is not None:
        assert assessment.risk is not None
        assert assessment.risk.value == case.risk, f"{case.text!r} -> {assessment.rule}"


@pytest.mark.parametrize("case", as_params(BENIGN))
def test_heldout_benign_case_is_not_crisis(gate: CrisisGate, case: Case) -> None:
    assessment = gate.assess(case.text)
    assert not assessment.crisis, f"false alarm: {case.text!r} -> {assessment.rule}"


@pytest.mark.parametrize("case", as_params(ADVICE))
def test_heldout_advice_request_is_advice_with_its_reason(
    gate: CrisisGate, guard: AdviceGuard, case: Case
) -> None:
    assert not gate.assess(case.text).crisis
    match = guard.check(case.text)
    assert match is not None, f"missed: {case.text!r}"
    if case.reason is not None:
        assert match.reason == case.reason, f"{case.text!r} -> {match.rule}"


@pytest.mark.parametrize("case", as_params(GENERAL))
def test_heldout_general_question_is_neither_advice_nor_crisis(
    gate: CrisisGate, guard: AdviceGuard, case: Case
) -> None:
    assert not gate.assess(case.text).crisis
    match = guard.check(case.text)
    assert match is None, f"{case.text!r} -> {match.rule if match else None}"


def test_heldout_set_is_large_enough_and_covers_every_category() -> None:
    assert len(CRISIS) >= 300
    assert len(BENIGN) >= 300
    assert len(ADVICE) >= 100
    assert len(GENERAL) >= 100
    crisis_files = {case.file for case in CRISIS}
    for category in ("explicit", "passive", "coded", "self_harm", "means", "planning"):
        assert f"heldout_{category}" in crisis_files
    for category in ("third_party", "mention", "obfuscation", "languages"):
        assert f"heldout_{category}" in crisis_files
    assert sum(case.miss is not None for case in CRISIS) <= 12
