"""Updates that keep failing while others are stored: let them go, with a safe notice.

An update that cannot be stored is offered again: the poller does not confirm it and the webhook
answers 500. When storage is down every update fails, and waiting is right: nothing is lost. But
an update that fails on its own (a bug the core hits on one particular message) would hold up
every later update of a polling bot for ever. :class:`StuckUpdates` notices that case: the same
update failed :data:`MAX_ATTEMPTS` times, and other updates were stored after its first failure,
so storage works. The handlers then let it go: its chat gets :func:`failure_notice` (try again;
where to find help now), queued under the update's id so it is sent once, and an error is logged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.crisis.wording import default_wording
from bot.model import Reply

MAX_ATTEMPTS = 5
MAX_TRACKED = 10_000  # failing updates remembered at once; the oldest is forgotten beyond this


def failure_notice() -> Reply:
    """What a person gets when their message could not be processed at all (in English)."""
    return Reply(text=default_wording().system.failure_notice)


@dataclass(slots=True)
class _Failing:
    attempts: int
    first_failed_at: float


class StuckUpdates:
    """Counts failures per update and says when one should be let go."""

    def __init__(
        self, max_attempts: int = MAX_ATTEMPTS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._max_attempts = max_attempts
        self._clock = clock
        self._failing: dict[int, _Failing] = {}
        self._last_stored = float("-inf")

    def stored(self) -> None:
        """Storage answered for some update (it was committed, or found to be a duplicate)."""
        self._last_stored = self._clock()

    def succeeded(self, update_id: int) -> None:
        """The update is done; forget its failures."""
        self._failing.pop(update_id, None)

    def should_let_go(self, update_id: int) -> bool:
        """Count one more failure; ``True`` once it failed often while others were stored."""
        failing = self._failing.get(update_id)
        if failing is None:
            if len(self._failing) >= MAX_TRACKED:
                self._failing.pop(next(iter(self._failing)))
            failing = self._failing[update_id] = _Failing(0, self._clock())
        failing.attempts += 1
        if failing.attempts >= self._max_attempts and self._last_stored > failing.first_failed_at:
            del self._failing[update_id]
            return True
        return False
