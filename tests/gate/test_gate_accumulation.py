"""Risk that builds across turns: weak signals, their decay, and the threshold."""

from __future__ import annotations

import math

import pytest

from bot.gate import CrisisGate
from bot.gate.lexicon import Accumulation
from bot.gate.signals import accumulate, decayed_weight
from bot.model import Risk, Signal

HOUR = 3600.0
T0 = 1_700_000_000.0


def _turns(gate: CrisisGate, texts: list[str], gap_hours: float = 0.1) -> list[object]:
    """Assess texts in order, feeding each turn's signals back as history."""
    history: list[Signal] = []
    results = []
    for index, text in enumerate(texts):
        result = gate.assess(text, history=tuple(history), now=T0 + index * gap_hours * HOUR)
        history.extend(result.signals)
        results.append(result)
    return results


def test_loss_then_a_means_question_crosses_into_crisis_as_means(gate: CrisisGate) -> None:
    first, second = _turns(gate, ["I lost my job today", "how many sleeping pills come in a pack"])
    assert not first.crisis
    assert [s.kind for s in first.signals] == ["loss"]
    assert second.crisis
    assert second.category == "means"
    assert second.rule == "accumulated.means"
    assert second.risk is Risk.HIGH


@pytest.mark.parametrize(
    "texts",
    [
        ["nothing matters", "what's the point anymore"],
        ["I'm so done.", "goodbye."],
        ["I feel hopeless", "I can't do this anymore"],
        ["my girlfriend left me", "I hate myself", "no one cares"],
    ],
)
def test_repeated_hopelessness_crosses_the_threshold(gate: CrisisGate, texts: list[str]) -> None:
    results = _turns(gate, texts)
    assert not results[0].crisis
    assert results[-1].crisis
    assert results[-1].category == "accumulated"
    assert results[-1].risk is Risk.CONCERN


def test_one_weak_signal_alone_is_not_crisis_but_is_returned(gate: CrisisGate) -> None:
    result = gate.assess("nothing matters anymore", now=T0)
    assert not result.crisis
    assert result.signals == (Signal(at=T0, kind="hopelessness", weight=0.5),)


@pytest.mark.parametrize(
    "text",
    ["i relapsed", "tonight."],
)
def test_ambiguous_statement_is_crisis_only_after_distress(gate: CrisisGate, text: str) -> None:
    assert not gate.assess(text, now=T0).crisis
    history = (Signal(at=T0 - 600, kind="hopelessness", weight=0.5),)
    assert gate.assess(text, history=history, now=T0).crisis


@pytest.mark.parametrize(
    "text",
    [
        "i know how i'm going to do it",
        "tonight i'm finally doing it",
        "i'm about to jump",
        "i don't want anyone to stop me",
        "i'm standing on the ledge",
    ],
)
def test_strong_preparation_is_imminent_crisis_on_its_own(gate: CrisisGate, text: str) -> None:
    result = gate.assess(text, now=T0)
    assert result.crisis
    assert result.risk is Risk.IMMINENT
    assert result.category == "planning"


def test_signals_decay_with_a_six_hour_half_life(gate: CrisisGate) -> None:
    history = (Signal(at=T0, kind="loss", weight=0.4),)
    question = "how many sleeping pills come in a pack"
    soon = gate.assess(question, history=history, now=T0 + HOUR)
    later = gate.assess(question, history=history, now=T0 + 48 * HOUR)
    assert soon.crisis
    assert not later.crisis


@pytest.mark.parametrize(("age_hours", "expected"), [(0, 1.0), (6, 0.5), (12, 0.25), (24, 0.0625)])
def test_decayed_weight_halves_every_half_life(age_hours: float, expected: float) -> None:
    signal = Signal(at=T0, kind="loss", weight=1.0)
    assert decayed_weight(signal, T0 + age_hours * HOUR, 6.0) == pytest.approx(expected)


@pytest.mark.parametrize(
    "signal",
    [
        Signal(at=T0, kind="loss", weight=-1.0),
        Signal(at=T0, kind="loss", weight=math.nan),
        Signal(at=math.inf, kind="loss", weight=1.0),
        Signal(at=T0, kind="loss", weight=0.0),
    ],
)
def test_invalid_remembered_signals_weigh_nothing(signal: Signal) -> None:
    assert decayed_weight(signal, T0, 6.0) == 0.0


def test_a_signal_from_the_future_counts_as_fresh_and_weights_are_capped() -> None:
    assert decayed_weight(Signal(at=T0 + HOUR, kind="x", weight=0.5), T0, 6.0) == 0.5
    assert decayed_weight(Signal(at=T0, kind="x", weight=1e9), T0, 6.0) == 2.0


def test_history_alone_never_makes_a_plain_message_crisis(gate: CrisisGate) -> None:
    history = tuple(Signal(at=T0, kind="hopelessness", weight=0.9) for _ in range(5))
    assert not gate.assess("what are the side effects of spravato", history, now=T0).crisis


def test_a_crisis_turn_leaves_a_signal_that_later_hopelessness_adds_to(gate: CrisisGate) -> None:
    first, second = _turns(gate, ["I want to die", "whatever, nothing matters"])
    assert first.crisis
    assert any(s.kind == "crisis.explicit" and s.weight == 1.0 for s in first.signals)
    assert second.crisis
    assert second.rule == "accumulated.signals"


def test_a_means_question_alone_is_crisis_without_any_history(gate: CrisisGate) -> None:
    result = gate.assess("what is the tallest bridge around here", now=T0)
    assert result.crisis
    assert result.category == "means"


def test_only_the_most_recent_signals_of_a_huge_history_are_used() -> None:
    history = [Signal(at=T0 - 100 * HOUR, kind="loss", weight=1.0)] * 5000
    fresh = [Signal(at=T0, kind="hopelessness", weight=0.5)]
    assert accumulate(history, fresh, T0, Accumulation()) is None
    recent = [Signal(at=T0 - 60, kind="hopelessness", weight=0.6)]
    verdict = accumulate(history + recent, fresh, T0, Accumulation())
    assert verdict is not None
    assert verdict.total == pytest.approx(1.1, abs=0.01)


def test_threshold_and_half_life_come_from_the_lexicon(gate: CrisisGate) -> None:
    assert gate.lexicon.accumulation == Accumulation(half_life_hours=6.0, threshold=0.85)
