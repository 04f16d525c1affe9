"""Per-language thresholds on the margin, chosen on out-of-fold scores of the exemplars.

For each language (and for all languages together, key ``*``):

- ``crisis``: the lowest margin at which at most :data:`FALSE_CRISIS_TARGET` of that language's
  benign exemplars (hard lookalikes) would be routed to crisis;
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

FALSE_CRISIS_TARGET = 0.02
CHECK_IN_TARGET = 0.10
CLEAR_MISS_TARGET = 0.02
ALL_LANGUAGES = "*"
_STEP = 1e-4


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Margins at which a message is crisis, check-in, or no longer confidently benign."""

    crisis: float
    check_in: float
    clear: float

    def as_dict(self) -> dict[str, float]:
        """Rounded for the JSON file."""
        return {
            "crisis": round(self.crisis, 4),
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


def choose(crisis: npt.NDArray[np.float64], benign: npt.NDArray[np.float64]) -> Thresholds:
    """Thresholds for one language from its out-of-fold crisis and benign margins."""
    crisis_at = _above_share(benign, FALSE_CRISIS_TARGET)
    check_at = min(_above_share(benign, CHECK_IN_TARGET), crisis_at)
    clear_at = float(np.quantile(crisis, CLEAR_MISS_TARGET)) if len(crisis) else check_at
    return Thresholds(crisis_at, check_at, min(clear_at, check_at))


def at_least(own: Thresholds, overall: Thresholds) -> Thresholds:
    """``own`` raised to ``overall`` where it is lower (``clear`` stays at most ``check_in``)."""
    check_in = max(own.check_in, overall.check_in)
    return Thresholds(
        max(own.crisis, overall.crisis), check_in, min(max(own.clear, overall.clear), check_in)
    )


def effective(table: Mapping[str, Thresholds], language: str) -> Thresholds:
    """The thresholds for a message read as ``language`` (all-languages ones when unknown)."""
    return table.get(language, table[ALL_LANGUAGES])


__all__ = [
    "ALL_LANGUAGES",
    "CHECK_IN_TARGET",
    "CLEAR_MISS_TARGET",
    "FALSE_CRISIS_TARGET",
    "Thresholds",
    "at_least",
    "choose",
    "effective",
]
