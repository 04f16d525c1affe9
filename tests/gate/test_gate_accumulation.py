"""Risk that builds across turns: weak signals, their decay, and the threshold."""

from __future__ import annotations

import math
from typing import cast

import pytest

from bot.gate import Assessment, CrisisGate
from bot.gate.lexicon import Accumulation
from bot.gate.semantic import SemanticDetector, SemanticVerdict
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


# -- a loss alone --------------------------------------------------------------------------------


class _FixedReading:
    """A semantic detector that reads every message the same way (score, band, safety net)."""

    def __init__(self, verdict: SemanticVerdict) -> None:
        self.verdict = verdict

    def prepare(self, texts: object) -> None:
        del texts

    def assess(
        self, text: str, *, whole_only: bool = False, name_language: bool = True
    ) -> SemanticVerdict:
        del text, whole_only, name_language
        return self.verdict

    def unread(self, text: str, *, name_language: bool = True) -> SemanticVerdict:
        del text, name_language
        return self.verdict


def _reading(gate: CrisisGate, verdict: SemanticVerdict) -> CrisisGate:
    return CrisisGate(gate.lexicon, cast(SemanticDetector, _FixedReading(verdict)), gate.terms)


@pytest.mark.parametrize(
    "text",
    [
        "my grandmother died last week at 91",
        "our dog died this morning, he was 15",
        "going to my uncle's funeral tomorrow",
        "I lost my job today",
    ],
)
def test_a_loss_alone_is_remembered_but_asks_nothing(gate: CrisisGate, text: str) -> None:
    result = gate.assess(text, now=T0)
    assert (result.crisis, result.check_in, result.detectors) == (False, False, frozenset())
    assert result.signals == (Signal(at=T0, kind="loss", weight=0.4),)


@pytest.mark.parametrize(
    "texts",
    [
        ["my grandmother died last week at 91", "nothing matters anymore"],
        ["our dog died this morning", "i don't see a future for me"],
        ["nothing matters anymore", "my grandmother died last week"],
    ],
)
def test_a_loss_and_hopelessness_across_turns_still_reach_crisis(
    gate: CrisisGate, texts: list[str]
) -> None:
    first, second = _turns(gate, texts)
    assert not first.crisis
    assert second.crisis
    assert second.rule == "accumulated.signals"


def test_a_second_loss_in_the_message_or_the_window_asks(gate: CrisisGate) -> None:
    first, second = _turns(gate, ["I lost my job", "I got fired"])
    assert not first.check_in
    assert second.check_in
    assert not second.crisis
    both = gate.assess("lost my job, lost my house, what now", now=T0)
    assert both.check_in
    assert [s.kind for s in both.signals] == ["loss", "loss"]


@pytest.mark.parametrize(
    "earlier",
    [
        Signal(at=T0 - HOUR, kind="distress", weight=0.3),  # crying every night
        Signal(at=T0 - HOUR, kind="check_in", weight=0.3),  # a "no" to an earlier check-in
        Signal(at=T0 - 10 * HOUR, kind="crisis.explicit", weight=1.0),  # a crisis, decayed
    ],
)
def test_a_loss_after_another_live_signal_asks(gate: CrisisGate, earlier: Signal) -> None:
    result = gate.assess("my grandmother died last week at 91", history=(earlier,), now=T0)
    assert result.check_in
    assert not result.crisis
    assert result.detectors == frozenset({"lexicon"})


def test_a_loss_after_signals_that_have_faded_asks_nothing(gate: CrisisGate) -> None:
    faded = (  # 0.4 and 0.5 after 36 hours: 0.006 and 0.008, below what still counts
        Signal(at=T0 - 36 * HOUR, kind="loss", weight=0.4),
        Signal(at=T0 - 36 * HOUR, kind="hopelessness", weight=0.5),
    )
    result = gate.assess("my grandmother died last week at 91", history=faded, now=T0)
    assert not result.check_in
    assert [s.kind for s in result.signals] == ["loss"]


@pytest.mark.parametrize(
    ("verdict", "speaks"),
    [
        (SemanticVerdict(0.05, "check_in", "en", "passive", False, False), "semantic"),
        (SemanticVerdict(-0.01, "clear", "en", None, False, True, net_asks=True), "safety_net"),
    ],
)
def test_a_loss_with_an_uncertain_score_or_a_safety_net_word_asks(
    gate: CrisisGate, verdict: SemanticVerdict, speaks: str
) -> None:
    result = _reading(gate, verdict).assess("my grandmother died last week at 91", now=T0)
    assert result.check_in
    assert result.detectors == frozenset({"lexicon", speaks})


@pytest.mark.parametrize(
    "text",
    [
        "my wife died last month and i just want to be with her again",
        "my mom died and i want to go to her",
        "since dad passed i keep thinking i wanna go be with him",
        "i just want to join my brother up there",
    ],
)
def test_a_wish_to_be_with_the_dead_is_crisis(gate: CrisisGate, text: str) -> None:
    result = gate.assess(text, now=T0)
    assert result.crisis
    assert result.category in {"passive", "coded"}


@pytest.mark.parametrize(
    "text",
    [
        "i just want to be with him, is that so wrong",
        "she moved to berlin and i want to go to her for christmas",
        "my grandmother died last week at 91",
    ],
)
def test_wanting_to_be_with_someone_living_is_not_crisis(gate: CrisisGate, text: str) -> None:
    assert not gate.assess(text, now=T0).crisis


@pytest.mark.parametrize(
    "texts",
    [
        [
            "i've got about 35 of my mum's sleeping pills saved",
            "plus a bottle of gin",
            "would that do it",
        ],
        ["tengo una caja entera de clonazepam", "de mi abuela", "y si me las tomo todas"],
        ["ich hab noch eine ganze packung schlaftabletten", "wenn ich die alle nehme"],
        ["annemin ilaçları var", "bir kutu dolu", "hepsini birden yutsam"],
    ],
)
def test_a_stock_of_pills_then_asking_whether_it_would_do_it_adds_up_to_crisis(
    gate: CrisisGate, texts: list[str]
) -> None:
    last = cast("Assessment", _turns(gate, texts)[-1])
    assert last.crisis, f"missed across turns: {texts!r}"
    assert last.category == "means"


@pytest.mark.parametrize(
    "texts",
    [
        ["I baked a whole tray of cookies", "would that be enough for 12 people?"],
        ["ik slaap zes uur per nacht", "is dat genoeg?"],
        ["the school has 30 tablets for the kids", "is that enough for a class?"],
    ],
)
def test_everyday_quantities_and_is_that_enough_do_not_add_up(
    gate: CrisisGate, texts: list[str]
) -> None:
    results = [cast("Assessment", result) for result in _turns(gate, texts)]
    assert not any(result.crisis for result in results)
