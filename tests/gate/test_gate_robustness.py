"""Pathological input: nothing raises, nothing hangs, the answer stays sensible.

No timing is asserted here (bench/gate_bench.py measures speed); the patterns are bounded so
every case below finishes in well under a second on an ordinary machine.
"""

from __future__ import annotations

import pytest

from bot.gate import AdviceGuard, CrisisGate

BENIGN_PATHOLOGICAL = [
    pytest.param("", id="empty"),
    pytest.param("   \n\t  ", id="whitespace"),
    pytest.param("a" * 100_000, id="100k-one-letter"),
    pytest.param("ab " * 33_000, id="100k-short-words"),
    pytest.param("a b " * 25_000, id="100k-spaced-letters"),
    pytest.param("i want to " * 10_000, id="100k-partial-phrase"),
    pytest.param("1" * 100_000, id="100k-digits"),
    pytest.param("." * 100_000, id="100k-dots"),
    pytest.param("~ * - _ " * 12_000, id="100k-separators"),
    pytest.param("".join(chr(c) for c in range(32)) * 3000, id="control-characters"),
    pytest.param("\x00" * 50_000, id="nul-bytes"),
    pytest.param("😂🔥💯" * 10_000, id="emoji-only"),
    pytest.param("\u200b" * 50_000, id="zero-width-only"),
    pytest.param("a\u0301\u0302\u0303" * 20_000, id="stacked-combining-marks"),
    pytest.param("\ud800\udfff lone surrogates", id="lone-surrogates"),
    pytest.param("مرحبا كيف حالك " * 5000, id="arabic"),
    pytest.param("你好" * 20_000, id="cjk"),
    pytest.param("(((((((((" * 10_000, id="brackets"),
]


@pytest.mark.parametrize("text", BENIGN_PATHOLOGICAL)
def test_pathological_benign_input_is_handled(
    gate: CrisisGate, guard: AdviceGuard, text: str
) -> None:
    assessment = gate.assess(text)
    assert not assessment.crisis
    guard.check(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("kill myself " * 8000, id="100k-repeated-statement"),
        pytest.param("a" * 100_000 + " I want to die", id="statement-after-100k"),
        pytest.param("I want to die " + "\x00" * 100_000, id="statement-before-nul-bytes"),
        pytest.param("s u i c i d e " * 7000, id="100k-spaced-word"),
        pytest.param("wanttodie" * 10_000, id="100k-glued"),
        pytest.param("😭" * 1000 + " kms " + "😭" * 1000, id="emoji-around-slang"),
    ],
)
def test_pathological_input_with_a_statement_still_routes(gate: CrisisGate, text: str) -> None:
    assert gate.assess(text).crisis


def test_history_of_odd_signals_is_tolerated(gate: CrisisGate) -> None:
    from bot.model import Signal

    history = (
        Signal(at=float("nan"), kind="loss", weight=1.0),
        Signal(at=0.0, kind="", weight=float("inf")),
        Signal(at=-1e18, kind="x" * 10_000, weight=-5.0),
    )
    assessment = gate.assess("nothing matters", history=history, now=1e9)
    assert isinstance(assessment.crisis, bool)
