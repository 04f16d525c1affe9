"""The anchor scan finds every anchor at every position, each letter standing for its run."""

from __future__ import annotations

import random

import pytest

from bot.gate.matcher import _Vocabulary
from bot.gate.phrases import squeeze_all

ANCHORS = {"ki", "kil", "kill", "kilme", "me", "my", "myself", "self", "pil", "pils", "od", "x"}


def reference(anchors: set[str], token: str) -> tuple[tuple[int, str], ...]:
    """By definition: an anchor starts at ``p`` when the squeezed rest of the token starts so."""
    found: list[tuple[int, str]] = []
    for position in range(len(token)):
        rest = squeeze_all(token[position:])
        found.extend(
            (position, anchor) for anchor in sorted(anchors, key=len) if rest.startswith(anchor)
        )
    return tuple(found)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "kill",
        "kiiilll",
        "kkil",
        "killmyself",
        "mymyself",
        "pills.",
        "xxx",
        "odd",
        "skill",
        "k",
        "kilmeself",
        "pilsmy",
    ],
)
def test_scan_matches_the_definition_on_written_tokens(token: str) -> None:
    assert _Vocabulary(ANCHORS).anchors_in(token) == reference(ANCHORS, token)


def test_scan_matches_the_definition_on_random_tokens() -> None:
    generator = random.Random(20261207)
    vocabulary = _Vocabulary(ANCHORS)
    for _ in range(2000):
        token = "".join(generator.choice("kilmeyspodx.") for _ in range(generator.randint(1, 24)))
        assert vocabulary.anchors_in(token) == reference(ANCHORS, token), token


def test_a_run_names_its_anchors_at_each_of_its_positions() -> None:
    assert _Vocabulary({"kil"}).anchors_in("akkil") == ((1, "kil"), (2, "kil"))


def test_no_anchor_no_find() -> None:
    assert _Vocabulary(set()).anchors_in("anything") == ()
