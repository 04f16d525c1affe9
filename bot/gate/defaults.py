"""The gate over the built-in lexicon, kept apart from the gate itself.

The gate takes a lexicon; reading the built-in one (and checking an operator's extension against
the floor, which runs a gate) is the loader's work. Building one from the other here keeps the
three files in one direction: ``defaults`` -> ``lexicon_load`` -> ``floor`` -> ``gate``.
"""

from __future__ import annotations

from bot.gate.gate import CrisisGate
from bot.gate.lexicon_load import load_lexicon


def default_gate() -> CrisisGate:
    """A gate over the built-in lexicon and the shipped semantic detector."""
    return CrisisGate(load_lexicon())


__all__ = ["default_gate"]
