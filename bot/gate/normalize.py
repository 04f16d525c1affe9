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
from collections.abc import Callable

from bot.gate.confusables import CONFUSABLES

_DROPPED_CATEGORIES = frozenset({"Mn", "Me", "Cf", "Co", "Cn", "Cs"})
"""Combining marks, format characters, private-use, unassigned and lone surrogate code points."""
_DROPPED_CHARS = frozenset({"\ufffd"})
"""The replacement character: what a broken encoding leaves inside a word (``ki\ufffdll``)."""
_SPACE_CATEGORIES = frozenset({"Cc", "Zs", "Zl", "Zp"})


_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _stripped(char: str) -> str:
    """What :func:`_strip_marks_and_invisibles` keeps of one character of NFD text."""
    if char.isascii():
        return " " if char.isspace() or not char.isprintable() else char
    category = unicodedata.category(char)
    if category in _DROPPED_CATEGORIES or char in _DROPPED_CHARS:
        return ""
    return " " if category in _SPACE_CATEGORIES else char


class CharMap:
    """A rewrite of single characters applied to whole texts, each distinct character computed
    once and remembered (a long message repeats its characters; the join then runs in C).

    When ``limit`` characters are remembered the table is replaced by a fresh one, never
    emptied in place: a caller in another thread keeps reading a table that still holds every
    character it added.
    """

    def __init__(self, rule: Callable[[str], str], limit: int = 100_000) -> None:
        self._rule = rule
        self._limit = limit
        self._table: dict[str, str] = {}

    def apply(self, text: str) -> str:
        """``text`` with every character replaced by what ``rule`` makes of it."""
        table = self._table
        new = set(text).difference(table)
        if new:
            if len(table) + len(new) > self._limit:
                table = self._table = {}
                new = set(text)
            for char in new:
                table[char] = self._rule(char)
        return "".join(map(table.__getitem__, text))


_STRIPPED = CharMap(_stripped)


def _strip_marks_and_invisibles(text: str) -> str:
    """Drop marks, invisibles and replacement characters; turn controls and spaces into spaces."""
    if text.isascii():
        return _ASCII_CONTROL.sub(" ", text)
    return unicodedata.normalize("NFC", _STRIPPED.apply(unicodedata.normalize("NFD", text)))


def _ascii_folds() -> tuple[tuple[str, str], ...] | None:
    """The lookalikes among ASCII characters, as (character, replacement) pairs, when folding
    ASCII text twice is the same as replacing each of them once (ASCII replacements that are
    no lookalike themselves); None otherwise."""
    folds = tuple((chr(code), str(to)) for code, to in CONFUSABLES.items() if code < 128)
    simple = all(to.isascii() and not any(char in to for char, _ in folds) for _, to in folds)
    return folds if simple else None


_ASCII_FOLDS = _ascii_folds()
_LOOKALIKES = frozenset(chr(code) for code in CONFUSABLES)
"""The characters the lookalike table rewrites: a text with none of them (after NFKC, which
is idempotent) is left as it is by the table."""


def _normalize_ascii(text: str, folds: tuple[tuple[str, str], ...]) -> str:
    """:func:`normalize` of ASCII ``text``: NFKC leaves ASCII alone, so only the ASCII
    lookalikes are replaced; controls become spaces and whitespace runs one space."""
    for char, replacement in folds:
        if char in text:
            text = text.replace(char, replacement)
    if not text.isprintable():  # tabs, newlines and other controls
        text = _ASCII_CONTROL.sub(" ", text)
    return " ".join(text.lower().split())


def normalize(text: str) -> str:
    """Return the canonical form of ``text``: plain Latin lower case, no invisible tricks.

    >>> normalize("Ｉ’m  ＦＩＮＥ\u200b")
    "i'm fine"
    """
    if not text:
        return ""
    if _ASCII_FOLDS is not None and text.isascii():
        return _normalize_ascii(text, _ASCII_FOLDS)
    folded = unicodedata.normalize("NFKC", text)
    if not _LOOKALIKES.isdisjoint(folded):  # else both translations and NFKC change nothing
        folded = folded.translate(CONFUSABLES)
        # NFKC can expose new lookalikes (e.g. styled Greek letters), so translate once more.
        folded = unicodedata.normalize("NFKC", folded).translate(CONFUSABLES)
    cleaned = _strip_marks_and_invisibles(folded).casefold()
    return " ".join(cleaned.split())  # whitespace runs as one space, none at the ends


__all__ = ["CharMap", "normalize"]
