"""The bot's own path does not ask the gate to name a message's language: the same decisions.

``CrisisGate.assess(..., name_language=False)`` skips identifying the language when no decision
depends on it (a score below every language's thresholds, in a text whose guess could only be
a language with thresholds). Everything else in the assessment must be what the named call
gives.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bot.gate import CrisisGate
from bot.gate.semantic.language import LanguageIdentifier

HELDOUT = Path(__file__).parent / "heldout"
# a few hundred lines of every kind (crisis, benign, advice; sixteen languages), turns included
LINES = [
    json.loads(raw)
    for path in sorted(HELDOUT.glob("heldout2*.jsonl"))
    for raw in path.read_text(encoding="utf-8").splitlines()[::4]
    if raw.strip()
]


def _texts(item: dict[str, object]) -> list[str]:
    turns = item.get("turns")
    return [str(t) for t in turns] if isinstance(turns, list) else [str(item["text"])]


def test_every_decision_is_the_same_unnamed(gate: CrisisGate) -> None:
    unnamed_count = 0
    for item in LINES:
        history_named: tuple = ()
        history_unnamed: tuple = ()
        for turn, text in enumerate(_texts(item)):
            named = gate.assess(text, history_named, 1e9 + turn)
            unnamed = gate.assess(text, history_unnamed, 1e9 + turn, name_language=False)
            assert replace(unnamed, language=named.language) == named, text
            assert unnamed.language in (None, named.language), text
            unnamed_count += unnamed.language is None
            history_named = (*history_named, *named.signals)
            history_unnamed = (*history_unnamed, *unnamed.signals)
    assert unnamed_count > len(LINES) // 4  # the saving happens: most messages need no language


@pytest.mark.parametrize(
    "text",
    [
        "what does the spray feel like",
        "¿cuánto dura una sesión de ketamina?",
        "wie lange hält die Wirkung an",
        "氯胺酮治疗要花多少钱",
        "кетамин помогает от депрессии?",
    ],
)
def test_a_plain_question_needs_no_language(gate: CrisisGate, text: str) -> None:
    assessment = gate.assess(text, name_language=False)
    assert assessment.language is None
    assert not assessment.crisis
    assert not assessment.check_in


@pytest.mark.parametrize("text", ["ケタミンの治療は何回受けますか", "케타민 치료는 몇 번 받나요"])
def test_a_language_without_thresholds_is_still_identified(gate: CrisisGate, text: str) -> None:
    # Japanese and Korean have no exemplars: their verdicts are never confidently benign, so
    # the language decides and is named
    assessment = gate.assess(text, name_language=False)
    assert assessment.language in {"ja", "ko"}
    assert replace(assessment, language=None) == replace(gate.assess(text), language=None)


def test_a_decided_route_unnamed_keeps_its_route(gate: CrisisGate) -> None:
    text = "i want to kill myself"
    unnamed = gate.assess(text, name_language=False)
    assert unnamed.crisis
    assert replace(unnamed, language=None) == replace(gate.assess(text), language=None)


def test_which_guesses_may_lack_thresholds() -> None:
    latin_and_scripts = {"en", "es", "fr", "de", "pt", "it", "nl", "pl", "tr", "hi-Latn"}
    latin_and_scripts |= {"ar-Latn", "ar", "hi", "zh", "ru", "uk"}
    outside = LanguageIdentifier.may_guess_outside(latin_and_scripts)
    assert not outside("how long does a session last")
    assert not outside("я хочу спать")
    assert outside("ケタミン")
    assert outside("케타민")
    assert LanguageIdentifier.may_guess_outside(latin_and_scripts - {"zh"})("我想")
    without_english = LanguageIdentifier.may_guess_outside(latin_and_scripts - {"en"})
    assert without_english("how long does a session last")
