"""Cutting a reply into the messages that carry it, once, where it enters the outbox.

Text longer than Telegram's limit (:data:`bot.model.MESSAGE_LIMIT`) is split at the last
paragraph break, else line break, else sentence end, else space before the limit; the buttons go
under the last part. Telegram counts the limit in UTF-16 code units, so this does too.
:func:`bot.storage.outbox.enqueue` stores each part as its own row, so the sender sends rows as
they are and a crash between two parts never sends the earlier parts again.
"""

from __future__ import annotations

import re

from bot.model import MESSAGE_LIMIT, Reply

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


__all__ = ["split_reply", "split_text", "utf16_length"]
