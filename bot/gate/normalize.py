"""The public text normaliser: one canonical, lower-case, plain-Latin form of what a person wrote.

``normalize`` undoes the Unicode tricks that make the same words look different:

* NFKC compatibility folding (full-width letters, styled mathematical letters, ligatures, circled
  and squared letters, superscripts);
* ligatures NFKC leaves alone written out (``œ`` -> ``oe``, ``æ`` -> ``ae``, ``ß`` -> ``ss``);
* lookalike letters from other scripts and small capitals mapped to Latin (``CONFUSABLES``);
* zero-width and other invisible format characters removed, control characters made spaces;
* accents and stacked combining marks (including "zalgo" text) stripped;
* case folded, typographic quotes and dashes made ASCII, whitespace collapsed to single spaces.

It keeps digits, punctuation and emoji, so it is safe for matching flow text. The crisis gate
builds its own, more aggressive views on top of it (see :mod:`bot.gate.views`).
"""

from __future__ import annotations

import re
import unicodedata

from bot.gate.confusables import CONFUSABLES

_DROPPED_CATEGORIES = frozenset({"Mn", "Me", "Cf", "Co", "Cn", "Cs"})
"""Combining marks, format characters, private-use, unassigned and lone surrogate code points."""
_DROPPED_CHARS = frozenset({"\ufffd"})
"""The replacement character: what a broken encoding leaves inside a word (``ki\ufffdll``)."""
_SPACE_CATEGORIES = frozenset({"Cc", "Zs", "Zl", "Zp"})
_WHITESPACE = re.compile(r"\s+")


_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _stripped(char: str) -> str:
    """What :func:`_strip_marks_and_invisibles` keeps of one character of NFD text."""
    if char.isascii():
        return " " if char.isspace() or not char.isprintable() else char
    category = unicodedata.category(char)
    if category in _DROPPED_CATEGORIES or char in _DROPPED_CHARS:
        return ""
    return " " if category in _SPACE_CATEGORIES else char


_STRIPPED: dict[str, str] = {}
_STRIPPED_LIMIT = 100_000
"""Characters whose stripped form is remembered (emptied when it reaches this size)."""


def _strip_marks_and_invisibles(text: str) -> str:
    """Drop marks, invisibles and replacement characters; turn controls and spaces into spaces."""
    if text.isascii():
        return _ASCII_CONTROL.sub(" ", text)
    decomposed = unicodedata.normalize("NFD", text)
    # Each distinct character is looked at once (and remembered): a long message repeats its
    # characters, and the join then runs in C.
    table = _STRIPPED
    new = set(decomposed).difference(table)
    if new:
        if len(table) + len(new) > _STRIPPED_LIMIT:
            table.clear()
            new = set(decomposed)
        for char in new:
            table[char] = _stripped(char)
    return unicodedata.normalize("NFC", "".join(map(table.__getitem__, decomposed)))


def normalize(text: str) -> str:
    """Return the canonical form of ``text``: plain Latin lower case, no invisible tricks.

    >>> normalize("Ｉ’m  ＦＩＮＥ\u200b")
    "i'm fine"
    """
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).translate(CONFUSABLES)
    # NFKC can expose new lookalikes (e.g. styled Greek letters), so translate once more.
    folded = unicodedata.normalize("NFKC", folded).translate(CONFUSABLES)
    cleaned = _strip_marks_and_invisibles(folded).casefold()
    return _WHITESPACE.sub(" ", cleaned).strip()


__all__ = ["normalize"]
