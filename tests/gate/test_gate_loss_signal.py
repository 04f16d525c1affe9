"""A loss is one's own terminal illness or chronic pain, not a terminal window or a FAQ."""

from __future__ import annotations

import pytest

from bot.gate import CrisisGate
from bot.gate.signals import LOSS_KIND


@pytest.mark.parametrize(
    "text",
    [
        "my terminal window keeps crashing",
        "open a terminal and run the install script",
        "the airport terminal was packed this morning",
        "is ketamine used for chronic pain",
        "does ketamine help people with chronic pain",
        "which clinics treat terminal patients with ketamine",
    ],
)
def test_technology_and_questions_are_no_loss(gate: CrisisGate, text: str) -> None:
    verdict = gate.assess(text)
    assert LOSS_KIND not in {signal.kind for signal in verdict.signals}
    assert not verdict.crisis


@pytest.mark.parametrize(
    "text",
    [
        "i have terminal cancer",
        "my cancer is terminal",
        "the doctor told me it's terminal",
        "i live with chronic pain",
        "ive been chronically ill for years",
        "diagnosed with an incurable disease last month",
    ],
)
def test_ones_own_illness_is_a_loss(gate: CrisisGate, text: str) -> None:
    assert LOSS_KIND in {signal.kind for signal in gate.assess(text).signals}


def test_own_illness_then_hopelessness_reaches_crisis(gate: CrisisGate) -> None:
    first = gate.assess("i have terminal cancer", now=0.0)
    second = gate.assess("there's no point anymore", first.signals, now=60.0)
    assert second.crisis
