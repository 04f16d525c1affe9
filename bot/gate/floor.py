"""The floor check: an operator's lexicon extension may add, never take away.

An extension may add figurative exemptions over built-in rules of risk ``concern`` (a local band or
street name), and those act only inside their own span. A careless exemption could still cover far
more than a name ("suicid*"). So after merging, :func:`check_floor` runs a fixed set of invented
crisis sentences, one or more per category, through a gate over the merged lexicon: if any of them
no longer reaches the crisis route, the extension is refused with a message naming the sentence.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import LexiconError
from bot.gate.gate import CrisisGate

if TYPE_CHECKING:
    from bot.gate.lexicon import Lexicon

FLOOR_SENTENCES: tuple[str, ...] = (
    "i want to kill myself",
    "i am suicidal",
    "suicide",
    "i keep thinking about suicide",
    "i want to die",
    "i wish i was dead",
    "everyone would be better off without me",
    "kms",
    "i want to unalive myself",
    "i have been cutting myself",
    "self harm",
    "what is a lethal dose of ketamine",
    "how many pills does it take to overdose",
    "overdose",
    "what is the tallest bridge near me",
    "i wrote a suicide note",
    "i have a rope ready",
    "my friend wants to kill herself",
    "i attempted suicide last year",
    "i'm not suicidal but does ketamine help suicidal thoughts",
)
"""Sentences every lexicon, built-in or extended, must route to crisis. Invented."""


_LEXICON_DETECTORS = frozenset({"lexicon", "accumulated"})
"""The floor is the lexicon's: the semantic detector catching a sentence does not excuse it."""


def check_floor(lexicon: Lexicon, extension: Path) -> None:
    """Raise :class:`LexiconError` if the merged ``lexicon`` lets a floor sentence through."""
    gate = CrisisGate(lexicon)
    for sentence in FLOOR_SENTENCES:
        assessment = gate.assess(sentence)
        if not (assessment.crisis and assessment.detectors & _LEXICON_DETECTORS):
            raise LexiconError(
                f"{extension}: exemptions: with this extension {sentence!r} no longer reaches the "
                "crisis route; an extension may only add, so narrow the exemption's phrases to "
                "the name or idiom it is for"
            )


__all__ = ["FLOOR_SENTENCES", "check_floor"]
