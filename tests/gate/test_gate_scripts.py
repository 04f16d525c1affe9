"""Crisis terms and the safety net read Cyrillic words with Latin lookalikes and spaced-out
Devanagari syllables as the words they are; ordinary text around them is left alone."""

from __future__ import annotations

import pytest

from bot.gate import CrisisGate
from bot.gate.semantic import SafetyNet


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("xочу yмepеть", id="ru-latin-x-y-e-p"),
        pytest.param("Я XOЧУ УMEPETЬ", id="ru-capitals-mostly-latin-lookalikes"),
        pytest.param("не xочу жить", id="ru-latin-x"),
    ],
)
def test_latin_lookalikes_inside_cyrillic_words_route_to_crisis(
    gate: CrisisGate, text: str
) -> None:
    assert gate.assess(text).crisis


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("я xочу кофе", id="ru-coffee"),
        pytest.param("kupil новый iPhone, xочу чехол", id="ru-mixed-brand"),
    ],
)
def test_latin_lookalikes_in_everyday_russian_stay_clear(gate: CrisisGate, text: str) -> None:
    assert not gate.assess(text).crisis


def test_only_cyrillic_words_take_cyrillic_letters() -> None:
    net = SafetyNet(["умереть", "iphone"])
    assert net.hits("xочу yмepеть")
    assert net.hits("мой iPhone")  # a Latin word in Russian stays Latin
    assert not SafetyNet(["sуісіdе"]).hits("sуicide")  # mostly Latin: not made Cyrillic


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("आ त्म ह त्या", id="hi-spaced-syllables"),
        pytest.param("मैं आ त्म ह त्या करना चाहता हूँ", id="hi-spaced-in-a-sentence"),
    ],
)
def test_spaced_devanagari_syllables_route_to_crisis(gate: CrisisGate, text: str) -> None:
    assert gate.assess(text).crisis


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("मैं आ ज ही जा रहा हूँ", id="hi-today-spaced"),
        pytest.param("क ल मि ल ते हैं", id="hi-see-you-tomorrow-spaced"),
    ],
)
def test_spaced_everyday_devanagari_stays_clear(gate: CrisisGate, text: str) -> None:
    assert not gate.assess(text).crisis


def test_the_safety_net_joins_spaced_devanagari_syllables() -> None:
    net = SafetyNet(["आत्महत्या"])
    assert net.hits("आ त्म ह त्या")
    assert not net.hits("आ ज ही")
