"""CrisisGate behaviour: exemptions, negation, precedence, the shape of an Assessment, the API."""

from __future__ import annotations

import dataclasses

import pytest

import bot.gate
from bot.gate import CrisisGate, default_gate
from bot.gate.lexicon import Exemption
from bot.model import GateOutcome, Risk


@pytest.mark.parametrize(
    "text",
    [
        "my back is killing me and I want to kill myself",
        "Suicide Squad was fun but honestly I'm suicidal",
        "we ran 5 kms and now I want to kms",
        "I cut myself shaving, and last night I cut myself on purpose",
        "I could die of embarrassment. honestly I want to die",
        "I want to end things with him, then end it all",
        "I'd rather die than go to that party, I'd rather be dead anyway",
        "this homework is killing me, I'm going to hang myself",
        "I'm dead 😂 but seriously I wish I was dead",
    ],
)
def test_a_figurative_idiom_never_hides_a_self_directed_statement(
    gate: CrisisGate, text: str
) -> None:
    assert gate.assess(text).crisis


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I'm not going to kill myself", "mention"),
        ("I don't want to die", "mention"),
        ("I would never hurt myself", "mention"),
        ("I'm not suicidal", "mention"),
    ],
)
def test_negated_statement_is_still_crisis_as_a_mention_of_concern(
    gate: CrisisGate, text: str, category: str
) -> None:
    assessment = gate.assess(text)
    assert assessment.crisis
    assert assessment.category == category
    assert assessment.risk is Risk.CONCERN


@pytest.mark.parametrize(
    "text",
    [
        "No. I want to kill myself",
        "I'm not okay. I want to die",
        "nobody would care if I killed myself",
        "I can't stop thinking about killing myself",
    ],
)
def test_a_negation_outside_the_statement_does_not_lower_it(gate: CrisisGate, text: str) -> None:
    assessment = gate.assess(text)
    assert assessment.crisis
    assert assessment.risk is not None
    assert assessment.risk.rank >= Risk.CONCERN.rank
    assert assessment.category != "mention" or "nobody" in text


@pytest.mark.parametrize(
    ("text", "risk", "category"),
    [
        ("I'm suicidal and I have a plan", Risk.IMMINENT, "planning"),
        ("I'm not suicidal but I wrote a suicide note", Risk.IMMINENT, "planning"),
        ("does ketamine help? I want to kill myself", Risk.HIGH, "explicit"),
        ("my friend is suicidal and so am I, I am suicidal", Risk.HIGH, "explicit"),
        ("my friend wants to kill herself tonight", Risk.IMMINENT, "third_party"),
    ],
)
def test_the_highest_risk_rule_is_reported(
    gate: CrisisGate, text: str, risk: Risk, category: str
) -> None:
    assessment = gate.assess(text)
    assert assessment.risk is risk
    assert assessment.category == category


def test_a_time_word_alone_is_not_crisis_but_upgrades_intent(gate: CrisisGate) -> None:
    assert not gate.assess("see you tonight at the cinema").crisis
    assessment = gate.assess("I want to kill myself tonight")
    assert assessment.risk is Risk.IMMINENT
    assert assessment.rule == "planning.with_time"


def test_non_crisis_assessment_has_no_risk_category_or_rule(gate: CrisisGate) -> None:
    assessment = gate.assess("what are the side effects of spravato")
    assert assessment.outcome is GateOutcome.CLEAR
    assert (assessment.risk, assessment.category, assessment.rule) == (None, None, None)
    assert assessment.signals == ()
    assert assessment.detectors == frozenset()


def test_assessment_is_a_frozen_slotted_dataclass(gate: CrisisGate) -> None:
    assessment = gate.assess("I want to die")
    assert dataclasses.is_dataclass(assessment)
    assert not hasattr(assessment, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        assessment.crisis = False  # type: ignore[misc]


def test_signals_carry_the_time_passed_in(gate: CrisisGate) -> None:
    assessment = gate.assess("I want to die", now=1234.5)
    assert assessment.signals
    assert all(signal.at == 1234.5 for signal in assessment.signals)


def test_public_api_is_exported_with_a_sorted_all() -> None:
    # Constants first, then classes, then functions, each sorted (ruff's RUF022 order).
    def kind(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert bot.gate.__all__ == sorted(bot.gate.__all__, key=kind)
    for name in (
        "AdviceGuard",
        "AdviceMatch",
        "Assessment",
        "CrisisGate",
        "load_lexicon",
        "normalize",
    ):
        assert hasattr(bot.gate, name)


def test_default_gate_uses_only_the_built_in_lexicon() -> None:
    gate = default_gate()
    assert len(gate.lexicon.sources) == 1
    assert gate.lexicon.sources[0].endswith("lexicon.yaml")


@pytest.fixture(scope="module")
def netflix_gate(gate: CrisisGate) -> CrisisGate:
    """The built-in gate with one invented exemption for a figurative overdose."""
    figurative = Exemption(
        "figurative.screen_overdose",
        ("means.lethal_amount", "planning.in_progress"),
        phrases=("(i|i ve|ive|i have|just)? overdosed on (netflix|tv|series)",),
    )
    lexicon = dataclasses.replace(gate.lexicon, exemptions=(*gate.lexicon.exemptions, figurative))
    return CrisisGate(lexicon, gate.semantic, gate.terms)


def test_an_exemption_covers_its_token_in_the_long_words_too(netflix_gate: CrisisGate) -> None:
    """ "overdosed" is also read alone among the long words, where the idiom is not around it."""
    assert not netflix_gate.assess("overdosed on netflix").crisis
    assert not netflix_gate.assess("i overdosed on netflix last night").crisis


def test_an_exemption_covers_only_its_own_token(netflix_gate: CrisisGate) -> None:
    """Another "overdosed" in the same message is read as it stands, in every view."""
    assert netflix_gate.assess("overdosed on netflix, then i overdosed on my pills").crisis
    assert netflix_gate.assess("i overdosed on netflix. overdosed").crisis
