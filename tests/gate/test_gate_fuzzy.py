"""Typo repair never turns a real word into a crisis key, and still repairs the typos it is for.

The real words below were found by running an English word list through the corrector: two edits
from "overdose" are "overcome" and "overdoing", so "how do I overcome depression" read as an
overdose question until the long keys got a limit of one edit.
"""

from __future__ import annotations

import pytest

from bot.gate import CrisisGate
from bot.gate.fuzzy import real_words

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


# Phone typing of the key words in every language the correctors read, by kind of slip: the
# misspelt word, the key it stands for. Invented, one family per kind and language.
TYPO_FAMILIES = {
    "dropped letter": [
        ("suicdio", "suicidio"),
        ("umbrigen", "umbringen"),
        ("sucider", "suicider"),
        ("uccidrmi", "uccidermi"),
        ("zelfmord", "zelfmoord"),
        ("cuttin", "cutting"),
        ("endng", "ending"),
    ],
    "doubled letter": [("morrir", "morir"), ("killl", "kill"), ("sterrben", "sterben")],
    "swapped letters": [("matrame", "matarme"), ("suicidarem", "suicidarme"), ("agian", "again")],
    "neighbouring key": [("mprire", "morire"), ("selbstmprd", "selbstmord"), ("pilks", "pills")],
}


@pytest.mark.parametrize(
    ("typo", "key"), [pair for pairs in TYPO_FAMILIES.values() for pair in pairs]
)
def test_typo_of_a_key_in_any_latin_language_is_repaired(
    gate: CrisisGate, typo: str, key: str
) -> None:
    assert gate._corrector.correct(typo) == key


@pytest.mark.parametrize(
    ("tokens", "repaired"),
    [
        (["sui", "cide"], ["suicide"]),
        (["umbrin", "gen"], ["umbringen"]),
        (["selbst", "mord"], ["selbstmord"]),
        (["my", "slef"], ["myself"]),
        (["wannadie"], ["wanna die"]),
        (["killmyslef"], ["kill myself"]),
        (["quieromorir"], ["quiero morir"]),
    ],
)
def test_words_split_or_run_together_are_read_as_written_apart(
    gate: CrisisGate, tokens: list[str], repaired: list[str]
) -> None:
    assert gate._corrector.repair(tokens) == repaired


@pytest.mark.parametrize(
    "tokens",
    [["ketamina", "me"], ["ammazza", "se"], ["no", "one"], ["wannabe"], ["itself"], ["killjoy"]],
)
def test_real_words_beside_each_other_are_not_joined_or_split(
    gate: CrisisGate, tokens: list[str]
) -> None:
    assert gate._corrector.repair(tokens) == [
        gate._corrector.correct(token) if token.startswith("ketamin") else token for token in tokens
    ]


@pytest.mark.parametrize(
    "text",
    [
        "kil myslef tonite",
        "quiero suicdarme",
        "ich will mich umbrigen",
        "je veux me sucider",
        "voglio uccidrmi",
        "ik denk aan zelfmord",
        "quero morrerr",
        "убитъ себя хочу",
        "хочу умеерть",
        "вбити сeбе хочу",
        "chce sie zabic",
        "intihr etmek istiyorum",
        "khudkhushi kar lunga",
        "wannadie",
    ],
)
def test_hurried_crisis_statement_in_any_language_routes_to_crisis(
    gate: CrisisGate, text: str
) -> None:
    assert gate.assess(text).crisis, text


def test_every_listed_real_word_is_left_alone(gate: CrisisGate) -> None:
    words = sorted(real_words())
    assert words
    views = [word for word in words if gate._corrector.correct(word) != word]
    terms = [word for word in words if gate.terms._corrector.correct(word) != word]
    assert views == []
    assert terms == []


@pytest.mark.parametrize(
    "text",
    [
        "тебя убить мало",  # "себя" is a key's neighbour only from five letters
        "strzelił samobója w ostatniej minucie",
        "mar raha hu bhook se",
        "ketamina o esketamina, que es mejor",
        "ich habe mich umgezogen",
        "il film mi ha ucciso dal ridere",
    ],
)
def test_everyday_words_near_a_key_do_not_make_a_crisis(gate: CrisisGate, text: str) -> None:
    assert not gate.assess(text).crisis, gate.assess(text).rule
