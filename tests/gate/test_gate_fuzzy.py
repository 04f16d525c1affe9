"""Typo repair never turns a real word into a crisis key, and still repairs the typos it is for.

The real words below were found by running an English word list through the corrector: two edits
from "overdose" are "overcome" and "overdoing", so "how do I overcome depression" read as an
overdose question until the long keys got a limit of one edit.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.gate import CrisisGate
from bot.gate.fuzzy import TokenCorrector, real_words

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


def _repaired_one_by_one(corrector: TokenCorrector, tokens: list[str]) -> list[str]:
    """What repair gives, worked out pair by pair from nothing remembered: left to right, a
    token joins the next when the two make a key (neither a key alone, within the lengths a
    join can have), and is otherwise corrected alone."""
    keys = corrector._key_set
    repaired: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if index + 1 < len(tokens):
            second = tokens[index + 1]
            joined = (
                corrector._joined(token, second)
                if 6 <= len(token) + len(second) <= corrector._longest_join
                and token not in keys
                and second not in keys
                else None
            )
            if joined is not None:
                repaired.append(joined)
                index += 2
                continue
        repaired.append(corrector.correct(token))
        index += 1
    return repaired


_PIECES = [
    "sui", "cide", "umbrin", "gen", "selbst", "mord", "my", "slef", "self", "kil", "kill",
    "myslef", "wannadie", "killmyslef", "no", "one", "suicide", "ketamina", "me", "tonite",
    "over", "dose", "overdose", "i", "want", "to", "die", ".", "it", "s", "sucidal", "k*ll",
    "quiero", "morir", "ammazza", "se", "the", "clinic", "ketamine", "works",
]  # fmt: skip


@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=12), min_size=1, max_size=6))
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_repair_with_pairs_remembered_is_repair_worked_out_afresh(
    gate: CrisisGate, messages: list[list[str]]
) -> None:
    """The pairs and tokens a corrector remembers never change what it repairs: each message,
    repaired twice in a row by a corrector that read many before it, is what the corrector's
    own pair and token decisions give worked out one by one."""
    corrector = gate._corrector
    for tokens in messages:
        expected = _repaired_one_by_one(corrector, tokens)
        assert corrector.repair(tokens) == expected
        assert corrector.repair(tuple(tokens)) == expected


def _typo_repaired_over_every_key(corrector: TokenCorrector, token: str) -> str:
    """What typo repair must give: the nearest key with the token's first letter among all of
    them (none within reach: the token cut into its words, or left alone)."""
    written_as_is = corrector._key_set | corrector._exclude  # keys, and real words near one
    if len(token) < corrector._min_length or not token.isalpha() or token in written_as_is:
        return token
    plain = corrector._plain.get(token.translate(str.maketrans("łı", "li")))
    if plain is not None:
        return plain
    best = process.extractOne(
        token, corrector._keys_by_first.get(token[0], []), scorer=OSA.distance, score_cutoff=2
    )
    if best is not None:
        key = str(best[0])
        limit = corrector._limits[key] or (2 if min(len(key), len(token)) >= 8 else 1)
        if int(best[1]) <= limit:
            return key
    return corrector._split(token)


def _joined_over_every_key(corrector: TokenCorrector, first: str, second: str) -> str | None:
    """What two split tokens must join into: the key their joined word is repaired into over
    every key, cut into words where it is no near miss (neither token a key or a real word)."""
    keys = corrector._key_set
    together = first + second
    if (
        first in keys
        or second in keys
        or not 6 <= len(together) <= corrector._longest_join
        or min(len(first), len(second)) < 2
        or not together.isalpha()
        or first in corrector._exclude
        or second in corrector._exclude
    ):
        return None
    repaired = _typo_repaired_over_every_key(corrector, together)
    if repaired in keys and (
        repaired == together
        or (
            (first in corrector.words or min(len(first), len(second)) >= 3)
            and OSA.distance(together, repaired) <= 1
            and _typo_repaired_over_every_key(corrector, first) == first
        )
    ):
        return repaired
    return None


@st.composite
def _near_keys(draw: st.DrawFn, keys: tuple[str, ...]) -> str:
    """A key with up to three random edits: near misses, and words just out of reach."""
    word = list(draw(st.sampled_from(keys)))
    letters = st.sampled_from("aeilnorstuyłıсеи")
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.integers(0, len(word) - 1))
        edit = draw(st.sampled_from(["delete", "insert", "substitute", "swap"]))
        if edit == "delete" and len(word) > 1:
            del word[where]
        elif edit == "insert":
            word.insert(where, draw(letters))
        elif edit == "substitute":
            word[where] = draw(letters)
        elif edit == "swap" and where + 1 < len(word):
            word[where], word[where + 1] = word[where + 1], word[where]
    return "".join(word)


@given(data=st.data())
@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@pytest.mark.parametrize("which", ["lexicon", "terms"])
def test_typo_repair_reads_only_keys_near_in_length_yet_finds_what_all_keys_give(
    gate: CrisisGate, which: str, data: st.DataObject
) -> None:
    """Typo repair compares a token only with the keys within two letters of its length, and
    reads a joined pair for typos alone (never cut into words): neither changes a repair or a
    join."""
    corrector = gate._corrector if which == "lexicon" else gate.terms._corrector
    token = data.draw(_near_keys(corrector._keys))
    assert corrector._repair_typo(token) == _typo_repaired_over_every_key(corrector, token)
    cut = data.draw(st.integers(0, len(token)))
    first, second = token[:cut], token[cut:]
    assert corrector._joined(first, second) == _joined_over_every_key(corrector, first, second)
