"""Per-language thresholds on the margin, chosen on out-of-fold scores of the exemplars.

For each language (and for all languages together, key ``*``):

- ``crisis``: the lowest margin at which at most :data:`FALSE_CRISIS_TARGET` of that language's
  benign exemplars with safety-net vocabulary (idioms, grief, games: the hardest lookalikes)
  would be routed to crisis;
- ``crisis_plain``: the same for a message without safety-net vocabulary, at
  :data:`PLAIN_FALSE_CRISIS_TARGET` of the benign exemplars without it. Everyday lines ("I've
  decided to try therapy", "my family has been very supportive") sit near crisis statements in
  the embedding space; a crisis read by meaning alone, with no word of death, self-harm or
  farewell, has to be clearer (between the two thresholds it gets a check-in);
- ``check_in``: the lowest margin at which at most :data:`CHECK_IN_TARGET` of them would get a
  check-in question or crisis;
- ``clear``: below this margin the detector is confidently benign, so safety-net vocabulary alone
  ("me muero de hambre") does not ask; it is the margin that all but :data:`CLEAR_MISS_TARGET` of
  the crisis exemplars reach.

A language's thresholds are never below the all-languages ones: folds within one language keep
translations of a held-out line in the other languages' exemplars, which flatters the smaller
languages (their own thresholds let 11% of the benign development lines in six languages through
as crisis, the all-languages ones 1%). English, with the most and hardest benign lookalikes,
gets stricter thresholds of its own; every other language in practice the all-languages ones.
So language identification decides only whether a Latin-script line is read as English.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FALSE_CRISIS_TARGET = 0.03
PLAIN_FALSE_CRISIS_TARGET = 0.005
STRICT_PLAIN_LANGUAGES = {"en": 0.0}
"""Languages whose ``crisis_plain`` sits above every benign exemplar without safety-net words:
English, whose lexicon reads most crisis wordings and whose everyday lines ("I'm taking control
of my life again") sit closest to crisis statements; between the two thresholds it asks."""
CHECK_IN_TARGET = 0.10
CLEAR_MISS_TARGET = 0.02
ALL_LANGUAGES = "*"
_STEP = 1e-4


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Margins at which a message is crisis, check-in, or no longer confidently benign."""

    crisis: float
    crisis_plain: float
    check_in: float
    clear: float

    def as_dict(self) -> dict[str, float]:
        """Rounded for the JSON file."""
        return {
            "crisis": round(self.crisis, 4),
            "crisis_plain": round(self.crisis_plain, 4),
            "check_in": round(self.check_in, 4),
            "clear": round(self.clear, 4),
        }


def _above_share(benign: npt.NDArray[np.float64], share: float) -> float:
    """The lowest threshold with at most ``share`` of ``benign`` at or above it."""
    allowed = math.floor(share * len(benign))
    ordered = np.sort(benign)[::-1]
    if allowed >= len(ordered):
        return float(ordered[-1])
    return float(ordered[allowed]) + _STEP


def choose(
    crisis: npt.NDArray[np.float64],
    benign: npt.NDArray[np.float64],
    benign_net: npt.NDArray[np.bool_],
    plain_share: float = PLAIN_FALSE_CRISIS_TARGET,
) -> Thresholds:
    """Thresholds for one language from its out-of-fold margins (``benign_net``: which benign
    exemplars carry safety-net vocabulary; ``plain_share``: the share of benign exemplars
    without it allowed at or above ``crisis_plain``)."""
    with_net = benign[benign_net]
    crisis_at = _above_share(with_net if len(with_net) else benign, FALSE_CRISIS_TARGET)
    plain = benign[~benign_net]
    plain_at = max(crisis_at, _above_share(plain, plain_share) if len(plain) else 0)
    check_at = min(_above_share(benign, CHECK_IN_TARGET), crisis_at)
    clear_at = float(np.quantile(crisis, CLEAR_MISS_TARGET)) if len(crisis) else check_at
    return Thresholds(crisis_at, plain_at, check_at, min(clear_at, check_at))


def at_least(own: Thresholds, overall: Thresholds) -> Thresholds:
    """``own`` raised to ``overall`` where it is lower (``clear`` stays at most ``check_in``)."""
    check_in = max(own.check_in, overall.check_in)
    return Thresholds(
        max(own.crisis, overall.crisis),
        max(own.crisis_plain, overall.crisis_plain),
        check_in,
        min(max(own.clear, overall.clear), check_in),
    )


def effective(table: Mapping[str, Thresholds], language: str) -> Thresholds:
    """The thresholds for a message read as ``language`` (all-languages ones when unknown)."""
    return table.get(language, table[ALL_LANGUAGES])


__all__ = [
    "ALL_LANGUAGES",
    "CHECK_IN_TARGET",
    "CLEAR_MISS_TARGET",
    "FALSE_CRISIS_TARGET",
    "PLAIN_FALSE_CRISIS_TARGET",
    "STRICT_PLAIN_LANGUAGES",
    "Thresholds",
    "at_least",
    "band",
    "choose",
    "effective",
]


def band(score: float, limits: Thresholds, safety_net: bool) -> str:
    """``crisis``, ``check_in`` or ``clear`` for ``score`` under ``limits`` (by meaning: the
    safety net's own check-in, for words the score is not confidently benign about, is the
    gate's)."""
    if score >= limits.crisis_plain or (safety_net and score >= limits.crisis):
        return "crisis"
    return "check_in" if score >= limits.check_in else "clear"
