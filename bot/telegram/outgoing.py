"""Shape a core :class:`~bot.model.Reply` into Telegram messages.

Replies are sent as plain text (no parse mode), so nothing needs escaping and no character a
person or a flow writes can break a message. Text longer than Telegram's limit is split at the
last paragraph break, else line break, else sentence end, else space before the limit; the
buttons go under the last part. Telegram counts the limit in UTF-16 code units, so this does too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.model import CALLBACK_DATA_LIMIT, MESSAGE_LIMIT, Button, Reply

SHORT_LABEL = 18  # two buttons share a row when both labels are at most this long

_LOGGER = logging.getLogger(__name__)
_SENTENCE_END = re.compile(r"[.!?…](?=\s)")


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: characters outside the BMP count twice."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Cut ``text`` into parts of at most ``limit`` UTF-16 units at the most natural boundary.

    Whitespace at the cut is dropped; no part is empty. Blank text gives no parts.
    """
    parts: list[str] = []
    rest = text.strip()
    while rest:
        if utf16_length(rest) <= limit:
            parts.append(rest)
            break
        window = _longest_prefix(rest, limit)
        cut = _boundary(rest[:window]) or window
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return parts


def _longest_prefix(text: str, limit: int) -> int:
    """The largest ``n`` with ``utf16_length(text[:n]) <= limit``."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def _boundary(window: str) -> int:
    """Where to cut inside ``window``: after a paragraph, line, sentence or word; 0 if none.

    Only the second half of the window is searched, so no part comes out much shorter than it
    has to be.
    """
    half = len(window) // 2
    for separator in ("\n\n", "\n"):
        found = window.rfind(separator, half)
        if found >= 0:
            return found + len(separator)
    sentence_ends = [match.end() for match in _SENTENCE_END.finditer(window, half)]
    if sentence_ends:
        return sentence_ends[-1]
    space = max(window.rfind(" ", half), window.rfind("\t", half))
    return space + 1 if space >= 0 else 0


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


def split_reply(reply: Reply, limit: int = MESSAGE_LIMIT) -> tuple[Reply, ...]:
    """``reply`` as replies that each fit one message; the buttons stay with the last one.

    Queuing these parts as separate outbox messages (instead of ``reply``) makes each part its
    own delivery, so a crash between parts never repeats the parts already sent.
    """
    texts = split_text(reply.text, limit)
    return tuple(
        Reply(text, reply.buttons if index == len(texts) - 1 else ())
        for index, text in enumerate(texts)
    )


def message_parts(reply: Reply) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """The messages that carry ``reply``: its text in parts, the keyboard on the last one."""
    return [(part.text, keyboard_for(part.buttons)) for part in split_reply(reply)]
