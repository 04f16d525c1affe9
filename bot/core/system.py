"""The system commands: /privacy, /forget, /stop, /country, /language and /human.

None of them carries treatment content; while a person is in crisis mode the core adds the crisis
lines to each of them. Their words come from the wording of the person's language (the
``system`` and ``buttons`` sections of ``wording.yaml`` and its catalogs).
"""

from __future__ import annotations

from bot import model
from bot.crisis.wording import Wording, default_wording
from bot.model import Button, Reply

SYSTEM_PREFIX = model.SYSTEM_PREFIX  # the core reads both here
SYSTEM_COMMANDS = model.SYSTEM_COMMANDS

HUMAN = f"{SYSTEM_PREFIX}human"
COUNTRY = f"{SYSTEM_PREFIX}country"
LANGUAGE = f"{SYSTEM_PREFIX}language"
MENU = f"{SYSTEM_PREFIX}menu"
FORGET_YES = f"{SYSTEM_PREFIX}forget:yes"
FORGET_NO = f"{SYSTEM_PREFIX}forget:no"
# The group notice is sent in English (a group has no one person's language); the Telegram layer
# recognises it by its text to send it at most once an hour per group.
GROUP_NOTICE = default_wording().system.group_notice


def country_picker(names: dict[str, str], prefix: str, wording: Wording) -> Reply:
    """The question and one button per country with lines, one for anywhere else, and Language."""
    buttons = tuple(Button(name, f"{COUNTRY}:{code}") for code, name in names.items())
    labels = wording.buttons
    return Reply(
        prefix,
        (
            *buttons,
            Button(labels.somewhere_else, f"{COUNTRY}:XX"),
            Button(labels.language, LANGUAGE),
        ),
    )


def language_picker(names: dict[str, str], wording: Wording) -> Reply:
    """Which language: one button per enabled language, each in its own name, and Country."""
    buttons = tuple(Button(name, f"{LANGUAGE}:{code}") for code, name in names.items())
    return Reply(
        wording.system.language_ask, (*buttons, Button(wording.buttons.country_known, COUNTRY))
    )


def forget_confirmation(wording: Wording) -> Reply:
    """Ask before deleting anything."""
    labels = wording.buttons
    return Reply(
        wording.system.forget_ask,
        (Button(labels.forget_yes, FORGET_YES), Button(labels.forget_no, FORGET_NO)),
    )


def with_lines(reply: Reply, lines: Reply) -> Reply:
    """``reply`` with the crisis lines under it (for any reply sent while in crisis mode)."""
    return Reply(f"{reply.text}\n\n{lines.text}", reply.buttons or lines.buttons)
