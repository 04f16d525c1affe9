"""Typo repair never turns a real word into a crisis key, and still repairs the typos it is for.

The real words below were found by running an English word list through the corrector: two edits
from "overdose" are "overcome" and "overdoing", so "how do I overcome depression" read as an
overdose question until the long keys got a limit of one edit.
"""

from __future__ import annotations

import pytest

from bot.gate import CrisisGate

REAL_WORDS = [
    "noone",
    "overcome",
    "overcoming",
    "overdoing",
    "overused",
    "overtone",
    "unloving",
    "unliving",
    "painless",
    "paintless",
    "worthiest",
    "worthiness",
    "attested",
    "silicide",
    "writs",
    "norse",
    "wang",
    "walt",
    "waft",
    "homeless",
    "helpless",
    "hapless",
]


@pytest.mark.parametrize("word", REAL_WORDS)
def test_real_word_is_not_repaired_into_a_key(gate: CrisisGate, word: str) -> None:
    assert gate._corrector.correct(word) == word


@pytest.mark.parametrize(
    ("typo", "key"),
    [
        ("sucidal", "suicidal"),
        ("suicdal", "suicidal"),
        ("overdos", "overdose"),
        ("ovredose", "overdose"),
        ("unalving", "unaliving"),
        ("wnna", "wanna"),
        ("myslef", "myself"),
        ("atempted", "attempted"),
    ],
)
def test_near_miss_typo_is_still_repaired(gate: CrisisGate, typo: str, key: str) -> None:
    assert gate._corrector.correct(typo) == key


@pytest.mark.parametrize(
    "text",
    [
        "how do I overcome depression",
        "overcoming my fears one step at a time",
        "noone replied to my email",
        "I'm overdoing it at the gym",
        "that phrase is overused",
        "my parents were unloving",
        "is the procedure painless",
    ],
)
def test_sentence_with_a_word_near_a_key_is_not_crisis(gate: CrisisGate, text: str) -> None:
    assert not gate.assess(text).crisis, gate.assess(text).rule
