"""The semantic detector's language guess: scripts decide first, Japanese and Korean included.

Japanese with kanji was read as Chinese and Korean as English, whose thresholds are the
strictest of all; neither has exemplars of its own, so both now get the all-languages ones.
"""

from __future__ import annotations

import pytest

from bot.gate import CrisisGate
from bot.gate.semantic.detector import shared_detector
from bot.gate.semantic.language import LanguageIdentifier, shared_identifier
from bot.gate.semantic.thresholds import ALL_LANGUAGES, effective


@pytest.fixture(scope="module")
def identifier() -> LanguageIdentifier:
    return shared_identifier()


@pytest.mark.parametrize(
    ("text", "best"),
    [
        ("今日は本当に疲れた", "ja"),  # kana with kanji: Japanese, not Chinese
        ("もうむり", "ja"),
        ("요즘 너무 힘들어", "ko"),
        ("ㅈㅅ 생각 나", "ko"),
        ("今天好累", "zh"),
        ("what is ketamine", "en"),
        # romanised Hindi and Levantine Arabizi by their common words
        ("woh bahut kaam aaye, shukriya", "hi-Latn"),
        ("el level hayda s3b", "ar-Latn"),
    ],
)
def test_the_script_decides_the_language(
    identifier: LanguageIdentifier, text: str, best: str
) -> None:
    assert identifier.guess(text).best == best


@pytest.mark.parametrize("language", ["ja", "ko"])
def test_japanese_and_korean_get_the_all_languages_thresholds(language: str) -> None:
    thresholds = shared_detector().thresholds
    assert language not in thresholds
    assert effective(thresholds, language) == thresholds[ALL_LANGUAGES]


def test_a_farewell_in_a_language_without_exemplars_asks(gate: CrisisGate) -> None:
    """Japanese and Korean have no exemplars, so a low score there is no sign of a benign text:
    a farewell that the net knows asks instead of getting the generic fallback."""
    assessment = gate.assess("今までありがとう。さようなら")
    assert assessment.check_in or assessment.crisis
