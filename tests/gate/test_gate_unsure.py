"""Check-ins on meaning or safety-net words alone leave an unsure signal that adds up.

Two such messages within about an hour, or one beside a weak signal of the lexicon, reach the
accumulation threshold: a conversation of only uncertain messages is no longer asked for ever.
"""

from __future__ import annotations

import pytest

from bot.gate import UNSURE_KIND, CrisisGate, default_gate

UNSURE = "sometimes i wonder if anyone would notice if i was gone"
ALSO_UNSURE = "everyone seems fine without me around lately"
HOPELESS = "nothing matters"  # a weak signal of the lexicon


@pytest.fixture(scope="module")
def gate() -> CrisisGate:
    return default_gate()


def test_a_check_in_on_meaning_alone_leaves_an_unsure_signal(gate: CrisisGate) -> None:
    verdict = gate.assess(UNSURE, now=0.0)
    assert verdict.check_in
    assert not verdict.crisis
    assert [signal.kind for signal in verdict.signals] == [UNSURE_KIND]


def test_two_unsure_messages_within_minutes_add_up_to_a_crisis(gate: CrisisGate) -> None:
    first = gate.assess(UNSURE, now=0.0)
    second = gate.assess(ALSO_UNSURE, first.signals, now=600.0)
    assert second.crisis
    assert second.rule == "accumulated.signals"
    assert "accumulated" in second.detectors


def test_unsure_messages_a_day_apart_are_each_only_asked(gate: CrisisGate) -> None:
    first = gate.assess(UNSURE, now=0.0)
    second = gate.assess(ALSO_UNSURE, first.signals, now=86_400.0)
    assert second.check_in
    assert not second.crisis


def test_an_unsure_message_after_a_weak_signal_adds_up(gate: CrisisGate) -> None:
    first = gate.assess(HOPELESS, now=0.0)
    assert first.check_in
    assert not first.crisis
    second = gate.assess(UNSURE, first.signals, now=300.0)
    assert second.crisis


def test_a_weak_signal_of_the_lexicon_leaves_no_unsure_signal_beside_it(gate: CrisisGate) -> None:
    verdict = gate.assess(HOPELESS, now=0.0)
    assert UNSURE_KIND not in {signal.kind for signal in verdict.signals}
