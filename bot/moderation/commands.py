"""Moderators' commands and alert buttons, read into ``(action, case id, rest)``.

Commands (in the moderators' chat): ``/queue``, ``/case ID``, ``/transcript ID``, ``/claim ID``,
``/talk ID``, ``/note ID text``, ``/release ID``, ``/resolve ID reason``, ``/reply ID text``.
Buttons under an alert carry ``mod:<action>:<case id>`` (well under Telegram's 64 bytes).
Parsing never raises: a command that is not a moderation command gives ``None``; one with a
missing or malformed case id gives ``case_id=None`` and the desk answers with the usage.
"""

from __future__ import annotations

from typing import NamedTuple

from bot.model import MODERATION_PREFIX

BUTTON_PREFIX = MODERATION_PREFIX

#: Actions that need a case id.
CASE_ACTIONS = frozenset(
    {"case", "transcript", "claim", "talk", "note", "release", "resolve", "reply"}
)
#: Every action :meth:`bot.moderation.ModerationDesk.act` knows.
ACTIONS = CASE_ACTIONS | {"queue"}
#: Actions an alert button may carry.
BUTTON_ACTIONS = frozenset({"claim", "talk", "transcript", "resolve"})

MAX_CASE_ID = 2**63 - 1


class ParsedCommand(NamedTuple):
    """A moderator's command: the action, its case id when given, and the rest of the text."""

    action: str
    case_id: int | None
    rest: str


def parse_command(text: str) -> ParsedCommand | None:
    """Read ``/action [ID] [rest]``; ``None`` when it is not a moderation command.

    ``/claim@SomeBot 12`` reads as ``/claim 12`` (the channel checks the addressee).
    """
    stripped = text.strip()
    if not stripped.startswith("/"):
        return None
    word, _, tail = stripped.partition(" ")
    action = word[1:].partition("@")[0].lower()
    if action not in ACTIONS:
        return None
    if action not in CASE_ACTIONS:
        return ParsedCommand(action, None, tail.strip())
    first, _, rest = tail.strip().partition(" ")
    return ParsedCommand(action, _case_id(first), rest.strip())


def parse_button(data: str) -> ParsedCommand | None:
    """Read an alert button's ``mod:<action>:<id>``; ``None`` for anything else."""
    if not data.startswith(BUTTON_PREFIX):
        return None
    action, _, number = data[len(BUTTON_PREFIX) :].partition(":")
    case_id = _case_id(number)
    if action not in BUTTON_ACTIONS or case_id is None:
        return None
    return ParsedCommand(action, case_id, "")


def button_action(action: str, case_id: int) -> str:
    """The callback data of an alert button."""
    if action not in BUTTON_ACTIONS:
        raise ValueError(f"{action!r} is not an alert button action")
    return f"{BUTTON_PREFIX}{action}:{case_id}"


def _case_id(word: str) -> int | None:
    word = word.strip().lstrip("#")
    if not word.isascii() or not word.isdigit():
        return None
    number = int(word)
    return number if 0 < number <= MAX_CASE_ID else None


__all__ = [
    "ACTIONS",
    "BUTTON_ACTIONS",
    "BUTTON_PREFIX",
    "CASE_ACTIONS",
    "ParsedCommand",
    "button_action",
    "parse_button",
    "parse_command",
]
