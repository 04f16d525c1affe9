"""Lines too ambiguous for the crisis route alone still get a check-in question, not an answer.

A bare "hasta nunca", "won't need them after Saturday", "why was I even born" in Ukrainian.
"""

from __future__ import annotations

import pytest

from bot.gate import CrisisGate

ASK_NOT_CRISIS = [
    "hasta nunca",
    "adiós",
    "nvm. i won't need them after saturday",
    "навіщо я взагалі народилася",
    "kolo gahez",
]


@pytest.mark.parametrize("text", ASK_NOT_CRISIS)
def test_ambiguous_farewell_or_never_born_line_gets_a_check_in(gate: CrisisGate, text: str) -> None:
    assessment = gate.assess(text)
    assert assessment.check_in, text


def test_two_farewell_signals_in_one_message_reach_crisis(gate: CrisisGate) -> None:
    assessment = gate.assess("gracias por todo, cuiden a mi perro. adiós")
    assert assessment.crisis
