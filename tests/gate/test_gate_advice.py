"""The medical-advice guard: personal requests are advice, general education is not."""

from __future__ import annotations

import pytest

from bot.crisis.wording import default_wording
from bot.gate import AdviceGuard, AdviceMatch, CrisisGate
from bot.gate.advice import ADVICE_PATH, TOPICS
from bot.safe_yaml import load_yaml_file
from tests.gate.casebook import Case, as_params, load_cases

ADVICE_CASES = (
    "advice",
    "advice_variants",
    "advice_languages",
    "review14_advice",
    "review15_advice",
    "review16_advice",
    "review17b_advice",
    "review18_advice",
    "review19_advice",
    "review20_advice",
    "review21_advice",
)


@pytest.mark.parametrize(
    "case",
    as_params(load_cases(*ADVICE_CASES)),
)
def test_personal_request_is_advice_with_its_reason(guard: AdviceGuard, case: Case) -> None:
    match = guard.check(case.text)
    assert match is not None, f"missed: {case.text!r}"
    if case.reason is not None:
        assert match.reason == case.reason, f"{case.text!r} -> {match.rule}"
    assert match.rule.startswith("advice.")
    assert match.topic is None or match.topic in TOPICS


@pytest.mark.parametrize(
    "case",
    as_params(
        load_cases(
            "faq",
            "faq_variants",
            "faq_languages",
            "low_mood",
            "review14_advice_benign",
            "review15_advice_benign",
            "review20_advice_benign",
            "review21_advice_benign",
        )
    ),
)
def test_general_question_is_not_advice(guard: AdviceGuard, case: Case) -> None:
    assert guard.check(case.text) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("how much does it cost", None),
        ("how much ketamine should I take", "dose"),
        ("how much is a session with insurance", None),
        ("how much spravato do they give you", "dose"),
    ],
)
def test_how_much_is_cost_unless_it_asks_for_an_amount(
    guard: AdviceGuard, text: str, reason: str | None
) -> None:
    match = guard.check(text)
    assert (match.reason if match else None) == reason


def test_advice_match_carries_rule_topic_and_reason(guard: AdviceGuard) -> None:
    assert guard.check("can I drink alcohol after my infusion") == AdviceMatch(
        rule="advice.mixing", topic="side_effects", reason="mixing"
    )


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "🙂🙂🙂"])
def test_empty_or_symbol_only_text_is_not_advice(guard: AdviceGuard, text: str) -> None:
    assert guard.check(text) is None


@pytest.mark.parametrize(
    "case",
    as_params(load_cases(*ADVICE_CASES)),
)
def test_advice_request_is_not_crisis(gate: CrisisGate, case: Case) -> None:
    assert not gate.assess(case.text).crisis


def test_obfuscated_dose_question_is_still_advice(guard: AdviceGuard) -> None:
    match = guard.check("how much ketamin should i take")
    assert match is not None
    assert match.reason == "dose"


def test_every_reason_the_guard_gives_has_its_own_clinician_line() -> None:
    """A new reason without a line would silently fall back to the general one."""
    rules = load_yaml_file(ADVICE_PATH)["rules"]
    reasons = {rule["reason"] for rule in rules}
    assert reasons <= set(default_wording().advice.reasons) - {"general"}


def test_checking_from_kept_matches_gives_the_answers_of_matching_alone() -> None:
    """The guard answers the same whether it matched each text when asked or ahead, with the
    batch; it takes a kept match as it is, and forgets it when the next batch is kept."""
    own = AdviceGuard.default()  # a guard of its own: what it keeps reaches no other test
    texts = [case.text for case in load_cases("advice", "advice_languages", "faq", "figurative")]
    alone = [own.check(text) for text in texts]
    own.keep_matches({text: own.match(text) for text in texts})
    assert [own.check(text) for text in texts] == alone
    assert any(alone)
    assert not all(alone)

    question = "what is ketamine"
    dose = own.match("how much ketamine should I take")
    assert dose is not None
    own.keep_matches({question: dose})
    assert own.check(question) == dose
    own.keep_matches({})
    assert own.check(question) is None
    assert own.check("   ") is None
