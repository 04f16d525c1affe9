"""Risk that builds across turns: weak signals, their decay, and the accumulation decision.

A weak signal ("I lost my job", "nothing matters", "how many floors is that car park") is not a
crisis on its own. Each carries a weight; the caller keeps the recent ones and passes them back.
A signal's weight halves every ``half_life_hours`` (6 hours in the built-in lexicon: after a day a
signal keeps 1/16 of its weight). When the current message brings at least one new signal and the
decayed sum of history plus the new signals reaches ``threshold`` (0.85 built in), the gate routes
to crisis with category ``accumulated``, ``means`` when the new message asks about means, or
``planning`` (risk imminent) when a new preparation signal meets another preparation or means
signal ("Everything is set for tonight. Goodbye." is a farewell, not just low mood) or is strong
enough to reach the threshold alone ("I know exactly how I'm going to do it").

Crisis matches also leave a signal (kind ``crisis.<category>``, weight 1), so hopelessness soon
after a crisis message crosses the threshold again.

A weak signal below the threshold asks the check-in, except a loss alone (:func:`lone_loss`):
"my grandmother died last week at 91" is remembered, so that hopelessness after it still reaches
crisis, but is not asked "are you thinking about suicide?" on its own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.gate.lexicon import Accumulation
from bot.model import Risk, Signal

MEANS_KIND = "means"
LOSS_KIND = "loss"
PREPARATION_KIND = "preparation"
CRISIS_KIND_PREFIX = "crisis."
MAX_HISTORY = 50
"""Only the most recent signals of a history are considered, however many are passed."""
_MAX_WEIGHT = 2.0
_LIVE_WEIGHT = 0.05  # a decayed weight at or below this no longer counts as live
_DISTRESS_KINDS = frozenset(
    {"loss", "hopelessness", "burden", "isolation", "distress", "preparation"}
)


@dataclass(frozen=True, slots=True)
class Accumulated:
    """The outcome of adding up signals when no single rule matched."""

    category: str  # "accumulated", "means" or "planning"
    rule: str  # "accumulated.signals", "accumulated.means" or "accumulated.preparation"
    risk: Risk
    total: float


def decayed_weight(signal: Signal, now: float, half_life_hours: float) -> float:
    """The weight ``signal`` still has at ``now`` (a signal from the future counts as fresh)."""
    weight = signal.weight
    if not math.isfinite(weight) or weight <= 0 or not math.isfinite(signal.at):
        return 0.0
    age_hours = max(0.0, now - signal.at) / 3600.0
    return float(min(weight, _MAX_WEIGHT) * 0.5 ** (age_hours / half_life_hours))


def accumulate(
    history: Sequence[Signal],
    current: Iterable[Signal],
    now: float,
    settings: Accumulation,
) -> Accumulated | None:
    """Decide whether the new signals, on top of the decayed history, amount to a crisis."""
    fresh = list(current)
    if not fresh:
        return None
    recent = _recent(history)
    past = sum(decayed_weight(signal, now, settings.half_life_hours) for signal in recent)
    total = past + sum(decayed_weight(signal, now, settings.half_life_hours) for signal in fresh)
    if total < settings.threshold:
        return None
    kinds = {signal.kind for signal in fresh}
    kinds.update(signal.kind for signal in _alive(recent, now, settings))
    asks_means = any(signal.kind == MEANS_KIND for signal in fresh)
    if _prepares(fresh, recent, now, settings):
        return Accumulated("planning", "accumulated.preparation", Risk.IMMINENT, total)
    distressed = bool(kinds & _DISTRESS_KINDS) or any(
        kind.startswith(CRISIS_KIND_PREFIX) for kind in kinds
    )
    if asks_means:
        risk = Risk.HIGH if distressed else Risk.CONCERN
        return Accumulated("means", "accumulated.means", risk, total)
    return Accumulated("accumulated", "accumulated.signals", Risk.CONCERN, total)


def lone_loss(
    history: Sequence[Signal], current: Sequence[Signal], now: float, settings: Accumulation
) -> bool:
    """Whether the only live signal of the message and the window is one loss.

    Live as in :func:`accumulate`: a decayed weight above 0.05. A second loss (0.8 together,
    a hair below the threshold), any other weak signal, a crisis or a "no" to a check-in keeps
    the check-in.
    """
    alive = _alive((*_recent(history), *current), now, settings)
    return len(alive) == 1 and alive[0].kind == LOSS_KIND and alive[0] in current


def _recent(history: Sequence[Signal]) -> list[Signal]:
    """The last :data:`MAX_HISTORY` signals of ``history``, oldest first."""
    return sorted(history, key=lambda signal: signal.at)[-MAX_HISTORY:]


def _alive(signals: Iterable[Signal], now: float, settings: Accumulation) -> list[Signal]:
    """The signals whose decayed weight still counts (above 0.05)."""
    return [s for s in signals if decayed_weight(s, now, settings.half_life_hours) > _LIVE_WEIGHT]


def _prepares(
    fresh: Sequence[Signal], recent: Sequence[Signal], now: float, settings: Accumulation
) -> bool:
    """A new preparation signal strong enough alone, or beside another preparation or means."""
    preparing = [signal for signal in fresh if signal.kind == PREPARATION_KIND]
    if not preparing:
        return False
    if any(signal.weight >= settings.threshold for signal in preparing):
        return True  # "I know how I'm going to do it": crisis on its own, and imminent
    alive = _alive((*recent, *fresh), now, settings)
    return sum(signal.kind in (PREPARATION_KIND, MEANS_KIND) for signal in alive) >= 2


__all__ = [
    "CRISIS_KIND_PREFIX",
    "LOSS_KIND",
    "MAX_HISTORY",
    "MEANS_KIND",
    "PREPARATION_KIND",
    "Accumulated",
    "accumulate",
    "decayed_weight",
    "lone_loss",
]
