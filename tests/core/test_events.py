"""The outcome's events are a closed set: every check-in answer the core reads has its event."""

from __future__ import annotations

from bot.crisis.answers import Answer
from bot.model import Event


def test_every_check_in_answer_has_an_event_of_its_own() -> None:
    events = {Event(f"check_in_{answer.value}") for answer in Answer}
    assert len(events) == len(Answer)


def test_events_compare_equal_to_their_names_in_snapshots() -> None:
    assert Event.FORGET == "forget"
    assert Event.HUMAN_REQUESTED in ("human_requested",)
