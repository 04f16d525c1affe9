"""The check-in's button payloads and the signal a "no" leaves behind.

A check-in button sends ``sys:checkin:<answer>:<ref>``, where ``ref`` is the turn that asked, so
a press on an older check-in is recognised (well under Telegram's 64-byte limit).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.replies import CheckInActions
from bot.crisis.answers import Answer
from bot.model import SYSTEM_PREFIX, Signal

PREFIX = f"{SYSTEM_PREFIX}checkin:"
BUTTON_ANSWERS = (Answer.YES, Answer.NOT_SURE, Answer.NO)
SIGNAL_KIND = "check_in"
SIGNAL_WEIGHT = 0.3
"""What a "no" (or a check-in left unanswered) adds to the weak signals of the window: a further
weak signal within a few hours then reaches the accumulation threshold."""
CATEGORY = "check_in"
MAX_REF_DIGITS = 18  # the longest payload, sys:checkin:not_sure:<18 digits>, is 39 bytes


@dataclass(frozen=True, slots=True)
class Press:
    """A pressed check-in button: the answer and the turn of the check-in it belongs to."""

    answer: Answer
    ref: int


def actions(ref: int) -> CheckInActions:
    """The payloads of the three buttons of the check-in asked at turn ``ref``."""
    return CheckInActions(
        yes=f"{PREFIX}{Answer.YES.value}:{ref}",
        not_sure=f"{PREFIX}{Answer.NOT_SURE.value}:{ref}",
        no=f"{PREFIX}{Answer.NO.value}:{ref}",
    )


def parse(action: str | None) -> Press | None:
    """The press a payload stands for; ``None`` when it is not a well-formed check-in payload.

    No button of the bot sends a malformed one, so it is handled like any unknown ``sys:``
    payload (back to the topics; crisis replies in crisis mode).
    """
    if action is None or not action.startswith(PREFIX):
        return None
    answer, _, ref = action.removeprefix(PREFIX).partition(":")
    known = {a.value: a for a in BUTTON_ANSWERS}
    if answer not in known or not ref.isdigit() or len(ref) > MAX_REF_DIGITS:
        return None
    return Press(known[answer], int(ref))


def no_signal(now: float) -> Signal:
    """The weak signal a "no" leaves for the rest of the accumulation window."""
    return Signal(at=now, kind=SIGNAL_KIND, weight=SIGNAL_WEIGHT)
