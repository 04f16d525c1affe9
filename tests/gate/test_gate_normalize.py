"""The public normaliser and the gate's text views: one test per obfuscation trick."""

from __future__ import annotations

import pytest

from bot.gate import CrisisGate, normalize
from bot.gate.fuzzy import TokenCorrector
from bot.gate.normalize import CharMap
from bot.gate.semantic.safety_net import fold
from bot.gate.views import build_gate_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("ＫＩＬＬ ｍｅ", "kill me", id="full-width"),
        pytest.param("𝓀𝒾𝓁𝓁 𝓂𝓎𝓈𝑒𝓁𝒻", "kill myself", id="math-script"),
        pytest.param("𝐬𝐮𝐢𝐜𝐢𝐝𝐞", "suicide", id="math-bold"),
        pytest.param("ѕuісіdе", "suicide", id="cyrillic-lookalikes"),
        pytest.param("κιll", "kill", id="greek-lookalikes"),
        pytest.param("ᴋɪʟʟ", "kill", id="small-capitals"),
        pytest.param("Ma SŒUR, mon cœur", "ma soeur, mon coeur", id="oe-ligature"),
        pytest.param("Æther, Straße, STRAẞE", "aether, strasse, strasse", id="ae-and-sharp-s"),
        pytest.param("ⓚⓘⓛⓛ", "kill", id="circled"),
        pytest.param("🅺🅸🅻🅻", "kill", id="negative-squared"),
        pytest.param("ki\u200bll\u200d me\ufeff", "kill me", id="zero-width"),
        pytest.param("su\u00adici\u2060de", "suicide", id="soft-hyphen-word-joiner"),
        pytest.param("k̶i̶l̶l̶", "kill", id="combining-strike"),
        pytest.param("Z̴̡̛a̶l̷g̸o̵", "zalgo", id="zalgo"),
        pytest.param("dìé café", "die cafe", id="accents"),
        pytest.param("I’m “fine”", 'i\'m "fine"', id="curly-quotes"),
        pytest.param("self–harm", "self-harm", id="en-dash"),
        pytest.param("  many \t\n spaces  ", "many spaces", id="whitespace"),
        pytest.param("a\x00b\x07c", "a b c", id="control-characters"),
        pytest.param("ki\ufffdll my\ue000self", "kill myself", id="replacement-and-private-use"),
        pytest.param("STRASSE", "strasse", id="casefold"),
        pytest.param("ß", "ss", id="sharp-s"),
        pytest.param("", "", id="empty"),
    ],
)
def test_normalize_undoes_each_unicode_trick(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    "raw", ["I'm 16 and take 50mg", "call 988 now!", "😂 that's it", "a.b, c? d!"]
)
def test_normalize_keeps_digits_punctuation_and_emoji(raw: str) -> None:
    assert normalize(raw) == raw.lower()


def test_normalize_is_idempotent() -> None:
    once = normalize("Ｉ’m  𝓈𝓊𝒾𝒸𝒾𝒹𝒶𝓁\u200b")
    assert normalize(once) == once


CORRECTOR = TokenCorrector(
    keys=("suicidal", "suicide", "myself", "overdose"),
    masked_keys=("kill", "suicidal"),
    exclude=("overdone",),
)


def _views(text: str) -> tuple[str, ...]:
    return build_gate_text(text, CORRECTOR).views


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("k1ll", "kill", id="leet-1-as-i"),
        pytest.param("ki11", "kill", id="leet-11-as-ll"),
        pytest.param("d13", "die", id="leet-digits"),
        pytest.param("$uicide", "suicide", id="leet-dollar"),
        pytest.param("w@nt", "want", id="leet-at"),
        pytest.param("k!ll", "kill", id="leet-bang-inside"),
        pytest.param("diiiiie", "diie", id="repeats-squeezed-to-two"),
        pytest.param("sucidal", "suicidal", id="typo-repaired"),
        pytest.param("myslef", "myself", id="transposition-repaired"),
        pytest.param("k*ll", "kill", id="masked-letter"),
        pytest.param("can't", "cant", id="apostrophe-dropped"),
        pytest.param("🔪", "knife", id="emoji-as-word"),
    ],
)
def test_main_view_rewrites_tokens(raw: str, expected: str) -> None:
    assert _views(raw)[0] == f" {expected} "


@pytest.mark.parametrize(
    "raw",
    ["30mg", "3am", "100kms", "16yo", "2nd", "overdone", "kill!", "24", "$5"],
    ids=[
        "dose",
        "time",
        "distance",
        "age",
        "ordinal",
        "real-word",
        "trailing-bang",
        "int",
        "money",
    ],
)
def test_numbers_with_units_and_real_words_are_left_alone(raw: str) -> None:
    view = _views(raw)[0]
    assert raw.strip("!$").lower() in view


@pytest.mark.parametrize(
    ("raw", "joined"),
    [
        pytest.param("s u i c i d e", " suicide ", id="spaced"),
        pytest.param("S.U.I.C.I.D.E", " suicide ", id="dotted"),
        pytest.param("k-i-l-l me", " kill me ", id="hyphenated"),
        pytest.param("d_i_e", " die ", id="underscored"),
        pytest.param("k * i * l * l", " kill ", id="starred"),
    ],
)
def test_letters_written_one_at_a_time_are_joined_in_a_second_view(raw: str, joined: str) -> None:
    views = _views(raw)
    assert len(views) == 2
    assert views[1] == joined


def test_ordinary_text_has_a_single_view() -> None:
    assert len(_views("I feel a bit low today")) == 1


def test_clause_marks_become_a_dot_token_but_ellipsis_does_not() -> None:
    assert _views("no. i want to... die")[0] == " no . i want to die "


def test_glued_text_holds_only_long_tokens() -> None:
    text = build_gate_text("ok iwanttodie now", CORRECTOR)
    assert text.glued == " iwanttodie "


def test_a_ligature_reads_as_its_letters_in_the_gate(gate: CrisisGate) -> None:
    """A farewell with "sœur" is the farewell written with "soeur"; the sister alone is not."""
    farewell = gate.assess("prenez soin de ma sœur")
    plain = gate.assess("prenez soin de ma soeur")
    assert farewell.check_in
    assert (farewell.crisis, farewell.check_in, farewell.signals) == (
        plain.crisis,
        plain.check_in,
        plain.signals,
    )
    assert not gate.assess("prenez soin de ma sœur ce week-end").check_in
    crisis = gate.assess("je veux mourir. prenez soin de ma sœur")
    assert crisis.crisis


def test_the_safety_net_folds_ligatures() -> None:
    assert fold("CŒUR Æ ß") == "coeur ae ss"


def test_a_char_map_that_fills_up_starts_a_fresh_table_and_answers_the_same() -> None:
    mapped = CharMap(str.upper, limit=3)
    assert mapped.apply("abc") == "ABC"
    assert mapped.apply("abcd") == "ABCD"  # over the limit: a fresh table, the same answer
    assert mapped.apply("dd") == "DD"
