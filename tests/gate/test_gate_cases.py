"""The labelled cases: each crisis case routes to crisis, each benign one does not."""

from __future__ import annotations

import pytest

from bot.gate import AdviceGuard, CrisisGate
from tests.gate.casebook import CRISIS_FILES, Case, as_params, load_cases


@pytest.mark.parametrize("case", as_params(load_cases(*CRISIS_FILES)))
def test_crisis_case_routes_to_crisis_with_expected_risk(gate: CrisisGate, case: Case) -> None:
    assessment = gate.assess(case.text)
    assert assessment.crisis, f"missed: {case.text!r}"
    assert assessment.risk is not None
    assert assessment.rule is not None
    if case.risk is not None:
        assert assessment.risk.value == case.risk, f"{case.text!r} -> {assessment.rule}"


@pytest.mark.parametrize(
    "case",
    as_params(
        load_cases(
            "figurative",
            "low_mood",
            "everyday",
            "languages_benign",
            "terms_benign",
            "review9_benign",
            "review10_benign",
            "review11_benign",
            "review12_benign",
            "review14_checkin_benign",
            "review14_clear_benign",
            "review15_benign",
            "review17b_benign",
            "review18_benign",
            "review19_benign",
            "review20_benign",
            "review21_everyday",
            "review21_benign",
        )
    ),
)
def test_figurative_and_low_mood_are_not_crisis(gate: CrisisGate, case: Case) -> None:
    assessment = gate.assess(case.text)
    assert not assessment.crisis, f"false alarm: {case.text!r} -> {assessment.rule}"
    assert assessment.risk is None
    assert assessment.category is None
    assert assessment.rule is None


@pytest.mark.parametrize("case", as_params(load_cases("faq", "faq_variants")))
def test_ketamine_faq_is_neither_crisis_nor_advice(
    gate: CrisisGate, guard: AdviceGuard, case: Case
) -> None:
    assessment = gate.assess(case.text)
    assert not assessment.crisis, f"false alarm: {case.text!r} -> {assessment.rule}"
    assert guard.check(case.text) is None


def test_case_files_hold_enough_cases_per_category() -> None:
    for name in CRISIS_FILES:
        assert len(load_cases(name)) >= 25, name
    assert len(load_cases("figurative")) >= 60
    assert len(load_cases("faq")) >= 40
