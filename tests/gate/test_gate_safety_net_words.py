"""Terms of several words: the safety net finds them where their words follow in a row.

A reference reading (every term tried at every word, the last word as a prefix where the term is
one) is compared with the net's on every short sequence of a few words, so that the shortcuts of
the net's search (the first words met as a set, terms looked up by their first two words, a
two-word prefix term kept apart) find exactly what the plain reading finds.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.gate.semantic.safety_net import _SPACED, SafetyNet, _joined

TERMS = [
    "blue lantern",
    "blue lantern tonight",
    "tall green door*",
    "quiet harbour",
    "quiet*",
    "paper boat",
    "paper",
    "velvet stone river",
    "glass kite*",
    "blue lant*",
    "velvet",
]
WORDS = ["blue", "lantern", "lanterns", "tonight", "tall", "green", "doors", "door", "quietly"]
WORDS += ["quiet", "harbour", "paper", "boat", "velvet", "stone", "river", "glass", "kites"]


def _reference(words: list[str]) -> set[int]:
    """The tags of the terms found, trying each term at each word."""
    found: set[int] = set()
    for tag, raw in enumerate(TERMS):
        prefix = raw.endswith("*")
        term = raw.rstrip("*").split()
        for start in range(len(words) - len(term) + 1):
            here = words[start : start + len(term)]
            last_ok = here[-1] == term[-1] or (prefix and here[-1].startswith(term[-1]))
            if here[:-1] == term[:-1] and last_ok:
                found.add(tag)
    return found


@pytest.fixture(scope="module")
def net() -> SafetyNet:
    return SafetyNet(TERMS, tags=range(len(TERMS)))


@pytest.mark.parametrize("length", [1, 2, 3, 4])
def test_terms_are_found_where_the_reference_finds_them(net: SafetyNet, length: int) -> None:
    for words in itertools.product(WORDS, repeat=length):
        if length == 4 and words[0] not in {"blue", "tall", "velvet", "glass"}:
            continue  # every four-word sequence with a term's first word first is enough
        text = " ".join(words)
        expected = _reference(list(words))
        assert net.tags_in(text) == expected, text
        assert net.hits(text) == bool(expected), text


_SPACED_LETTERS = st.sampled_from(["s", "u", "д", "ї", "3", "_", "é", "ab", "-"])
_SPACED_GAPS = st.sampled_from([" ", " ", " ", "  ", "", ".", "\t"])
_SPACED_TEXTS = st.lists(st.tuples(_SPACED_LETTERS, _SPACED_GAPS), max_size=8).map(
    lambda pieces: "".join(letter + gap for letter, gap in pieces)
)


@given(_SPACED_TEXTS)
@settings(max_examples=400, deadline=None)
def test_letters_spaced_are_joined_as_the_full_search_joins_them(text: str) -> None:
    """Words spelt one letter at a time are joined only after a quick look for a letter
    between two spaces; that look skips no text the full search would change."""
    expected = _SPACED.sub(lambda match: match.group().replace(" ", ""), text)
    assert _joined(text) == expected


def test_letters_spaced_are_joined() -> None:
    assert _joined("a s u i c i d e b") == "asuicideb"
    assert _joined("с у ї ц и д") == "суїцид"
    assert _joined("a b") == "a b"
