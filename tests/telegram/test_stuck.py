"""Letting go of an update only when it fails alone, never while storage is down."""

from __future__ import annotations

from bot.telegram.stuck import StuckUpdates


class Ticks:
    """A clock that advances by one on every reading."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


def test_let_go_after_the_attempts_once_something_else_was_stored() -> None:
    stuck = StuckUpdates(max_attempts=3, clock=Ticks())
    assert not stuck.should_let_go(1)
    stuck.stored()
    assert not stuck.should_let_go(1)
    assert stuck.should_let_go(1)


def test_never_let_go_when_nothing_was_stored_since_the_first_failure() -> None:
    stuck = StuckUpdates(max_attempts=3, clock=Ticks())
    stuck.stored()  # before the update first failed: says nothing about storage now
    assert not any(stuck.should_let_go(1) for _ in range(10))


def test_success_forgets_the_failures() -> None:
    stuck = StuckUpdates(max_attempts=2, clock=Ticks())
    assert not stuck.should_let_go(1)
    stuck.succeeded(1)
    stuck.stored()
    assert not stuck.should_let_go(1)  # counting starts again
    stuck.stored()
    assert stuck.should_let_go(1)
