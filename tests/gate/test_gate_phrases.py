"""The lexicon's phrase grammar: what a phrase matches, what it never matches, its anchors."""

from __future__ import annotations

import re

import pytest

from bot.gate import phrases
from bot.gate.lexicon_load import load_lexicon
from bot.gate.phrases import PhraseSyntaxError, compile_phrase, squeeze_all


def _matches(phrase: str, view: str) -> bool:
    return re.search(compile_phrase(phrase).regex, f" {view} ") is not None


@pytest.mark.parametrize(
    ("phrase", "view"),
    [
        ("kill my self", "kill myself"),
        ("kill my self", "killmyself"),
        ("kill my self", "kill my self"),
        ("die", "diie"),
        ("want to die", "wanttodie"),
        ("(want|wanna) to die", "wanna to die"),
        ("(just )?end it all", "end it all"),
        ("(just )?end it all", "just end it all"),
        ("how many ~3 pills", "how many sleeping pills"),
        ("how many ~3 pills", "how many of those small pills"),
        ("suicid*", "suicidal"),
        ("can't go on $", "cant go on"),
        ("can't go on $", "cant go on . really"),
        ("sorry _ goodbye", "sorry . goodbye"),
        ("self-harm", "self harm"),
    ],
)
def test_phrase_matches(phrase: str, view: str) -> None:
    assert _matches(phrase, view)


@pytest.mark.parametrize(
    ("phrase", "view"),
    [
        pytest.param("off my self", "think of myself", id="doubled-letter-stays-doubled"),
        pytest.param("soon", "my son", id="soon-is-not-son"),
        pytest.param("noose", "my nose", id="noose-is-not-nose"),
        pytest.param("die", "diet", id="right-boundary"),
        pytest.param("kill", "skill", id="left-boundary"),
        pytest.param("how many ~3 pills", "how many of those very small pills", id="gap-limit"),
        pytest.param("can't go on $", "cant go on holiday", id="clause-end"),
        pytest.param("want to die", "want to . die", id="clause-mark-blocks"),
        pytest.param("how many ~3 pills", "how many . pills", id="gap-stops-at-clause"),
    ],
)
def test_phrase_does_not_match(phrase: str, view: str) -> None:
    assert not _matches(phrase, view)


@pytest.mark.parametrize(
    "phrase", ["", "(a|b", "a ~0", "a ~x", "a ~10 b", "kill @", "(|)", "$", "~3"]
)
def test_invalid_phrase_raises_syntax_error_with_position(phrase: str) -> None:
    with pytest.raises(PhraseSyntaxError):
        compile_phrase(phrase)


def test_anchor_is_the_longest_mandatory_word() -> None:
    assert compile_phrase("(want|wanna) to (die|dye)").anchors == frozenset({"want", "wana"})
    assert compile_phrase("suicid*").anchors == frozenset({"suicid"})
    assert compile_phrase("(a)? ~2 b").anchors == frozenset()


def test_squeeze_all_collapses_every_run() -> None:
    assert squeeze_all("kill  myyyself") == "kil myself"


_UNBOUNDED = re.compile(r"(?<!\\)[+*]|\{\d+,\}")


def test_every_built_in_phrase_compiles_to_bounded_quantifiers_only() -> None:
    lexicon = load_lexicon()
    phrases = [p for rule in lexicon.rules for p in rule.phrases]
    phrases += [p for signal in lexicon.signals for p in signal.phrases]
    phrases += [p for exemption in lexicon.exemptions for p in exemption.phrases]
    assert len(phrases) > 300
    for phrase in phrases:
        compiled = compile_phrase(phrase)
        assert not _UNBOUNDED.search(compiled.regex), phrase


def test_a_group_compiles_the_same_wherever_it_stands_and_whatever_was_compiled_first() -> None:
    written = [
        "take (my|the) (pills|pill) ~2 now",
        "(my|the) (pills|pill)? (gone|away)",
        "(my|the)",
    ]
    fresh = []
    for phrase in written:
        phrases._GROUP_CACHE.clear()
        compile_phrase.cache_clear()
        fresh.append(compile_phrase(phrase))
    compile_phrase.cache_clear()
    assert [compile_phrase(phrase) for phrase in written] == fresh  # groups now from the cache
    with pytest.raises(PhraseSyntaxError, match="unclosed group"):
        compile_phrase("(my|the (pills|pill)")
