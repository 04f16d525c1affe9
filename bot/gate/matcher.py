"""Compiled phrase sets: find which lexicon entries match a message's views, and where.

An entry (a rule, a weak signal or an exemption) is an id with phrases and raw patterns. Phrases
are compiled once by :func:`bot.gate.phrases.compile_phrase`; each carries anchors, and a phrase
is only searched when one of its anchors occurs in the message's fully squeezed text, so a typical
message runs a small fraction of the regular expressions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.gate.phrases import compile_phrase
from bot.gate.views import GateText

GLUED_MIN_LETTERS = 7
"""Phrases with at least this many letters are also searched, without boundaries, in glued text."""

_MAX_HITS_PER_PHRASE = 16


@dataclass(frozen=True, slots=True)
class Hit:
    """One match of an entry: which entry, in which view (index into the searched texts), where."""

    entry_id: str
    view: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Compiled:
    entry_id: str
    spaced: re.Pattern[str]
    glued: re.Pattern[str] | None


class PhraseSet:
    """The compiled phrases and patterns of a list of entries."""

    def __init__(self, entries: Iterable[tuple[str, Sequence[str], Sequence[str]]]) -> None:
        self._compiled: list[_Compiled] = []
        self._by_anchor: dict[str, list[int]] = {}
        self._always: list[int] = []
        for entry_id, phrases, patterns in entries:
            for phrase in phrases:
                self._add_phrase(entry_id, phrase)
            for pattern in patterns:
                self._always.append(len(self._compiled))
                self._compiled.append(_Compiled(entry_id, re.compile(pattern), None))
        self._anchors = tuple(self._by_anchor)

    def _add_phrase(self, entry_id: str, phrase: str) -> None:
        compiled = compile_phrase(phrase)
        glued = re.compile(compiled.glued_regex) if compiled.letters >= GLUED_MIN_LETTERS else None
        index = len(self._compiled)
        self._compiled.append(_Compiled(entry_id, re.compile(compiled.regex), glued))
        if not compiled.anchors:
            self._always.append(index)
        for anchor in compiled.anchors:
            self._by_anchor.setdefault(anchor, []).append(index)

    def __len__(self) -> int:
        return len(self._compiled)

    def candidates(self, squeezed: str) -> list[int]:
        """Indexes of the compiled phrases whose anchors occur in ``squeezed`` (sorted)."""
        chosen = set(self._always)
        for anchor in self._anchors:
            if anchor in squeezed:
                chosen.update(self._by_anchor[anchor])
        return sorted(chosen)

    def find(self, text: GateText) -> list[Hit]:
        """Every hit in the views of ``text``; the glued text, if any, is the last view index."""
        hits: list[Hit] = []
        glued_index = len(text.views)
        for index in self.candidates(text.squeezed):
            compiled = self._compiled[index]
            for view_index, view in enumerate(text.views):
                hits.extend(_search(compiled.entry_id, compiled.spaced, view, view_index))
            if compiled.glued is not None and text.glued:
                hits.extend(_search(compiled.entry_id, compiled.glued, text.glued, glued_index))
        return hits


def _search(entry_id: str, pattern: re.Pattern[str], view: str, view_index: int) -> list[Hit]:
    hits: list[Hit] = []
    for match in pattern.finditer(view):
        hits.append(Hit(entry_id, view_index, match.start(), match.end()))
        if len(hits) >= _MAX_HITS_PER_PHRASE:
            break
    return hits


__all__ = ["GLUED_MIN_LETTERS", "Hit", "PhraseSet"]
