"""Shape a core :class:`~bot.model.Reply` into Telegram messages.

Replies are sent as plain text (no parse mode), so nothing needs escaping and no character a
person or a flow writes can break a message. Long text was split once already, where it entered
the outbox (:mod:`bot.storage.parts`, re-exported here), so each outbox row is one message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.model import CALLBACK_DATA_LIMIT, Button, Reply
from bot.storage.parts import split_reply, split_text, utf16_length

SHORT_LABEL = 18  # two buttons share a row when both labels are at most this long

_LOGGER = logging.getLogger(__name__)


def keyboard_for(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """An inline keyboard: two short buttons per row, a long one alone on its row."""
    usable = [button for button in buttons if _fits(button)]
    if not usable:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    for button in usable:
        key = InlineKeyboardButton(button.label, callback_data=button.action)
        last = rows[-1] if rows else None
        if (
            last is not None
            and len(last) == 1
            and len(button.label) <= SHORT_LABEL
            and len(last[0].text) <= SHORT_LABEL
        ):
            last.append(key)
        else:
            rows.append([key])
    return InlineKeyboardMarkup(rows)


def _fits(button: Button) -> bool:
    size = len(button.action.encode("utf-8"))
    if 0 < size <= CALLBACK_DATA_LIMIT:
        return True
    # The core keeps actions short; a longer one would make Telegram reject the whole message.
    _LOGGER.error(
        "button dropped: its action is %d bytes (1-%d allowed)", size, CALLBACK_DATA_LIMIT
    )
    return False


def message_parts(reply: Reply) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """The messages that carry ``reply``: its text in parts, the keyboard on the last one."""
    return [(part.text, keyboard_for(part.buttons)) for part in split_reply(reply)]


__all__ = [
    "SHORT_LABEL",
    "keyboard_for",
    "message_parts",
    "split_reply",
    "split_text",
    "utf16_length",
]
