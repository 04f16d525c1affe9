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
from functools import lru_cache

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
                self._compiled.append(_Compiled(entry_id, _regex(pattern), None))
        self._anchor_finder = _anchor_regex(self._by_anchor)
        self._prefixes = {
            anchor: [other for other in self._by_anchor if anchor.startswith(other)]
            for anchor in self._by_anchor
        }

    def _add_phrase(self, entry_id: str, phrase: str) -> None:
        compiled = compile_phrase(phrase)
        glued = _regex(compiled.glued_regex) if compiled.letters >= GLUED_MIN_LETTERS else None
        index = len(self._compiled)
        self._compiled.append(_Compiled(entry_id, _regex(compiled.regex), glued))
        if not compiled.anchors:
            self._always.append(index)
        for anchor in compiled.anchors:
            self._by_anchor.setdefault(anchor, []).append(index)

    def __len__(self) -> int:
        return len(self._compiled)

    def candidates(self, squeezed: str) -> list[int]:
        """Indexes of the compiled phrases whose anchors occur in ``squeezed`` (sorted)."""
        chosen = set(self._always)
        if self._anchor_finder is not None:
            found = {match.group(1) for match in self._anchor_finder.finditer(squeezed)}
            for longest in found:
                for anchor in self._prefixes[longest]:
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


@lru_cache(maxsize=8192)
def _regex(source: str) -> re.Pattern[str]:
    """``re.compile`` with a cache larger than the ``re`` module's own (the lexicon has more)."""
    return re.compile(source)


_Trie = dict[str, "_Trie"]


def _anchor_regex(anchors: Iterable[str]) -> re.Pattern[str] | None:
    """One regex that finds, at every position, the longest anchor starting there.

    The anchors are laid out as a trie (``kil(?:myself)?|kms``), so matching costs the depth of the
    trie per position, in C, whatever the number of anchors. Shorter anchors starting at the same
    position are prefixes of the longest one and are recovered from ``PhraseSet._prefixes``.
    """
    trie: _Trie = {}
    for anchor in anchors:
        node = trie
        for char in anchor:
            node = node.setdefault(char, {})
        node[""] = {}
    if not trie:
        return None
    return re.compile(f"(?=({_trie_regex(trie)}))")


def _trie_regex(node: _Trie) -> str:
    """Regex source for one trie node: its branches, optional when the node ends an anchor."""
    branches = [
        re.escape(char) + _trie_regex(child) for char, child in sorted(node.items()) if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:
        return f"(?:{body})?"
    return body


def _search(entry_id: str, pattern: re.Pattern[str], view: str, view_index: int) -> list[Hit]:
    hits: list[Hit] = []
    for match in pattern.finditer(view):
        hits.append(Hit(entry_id, view_index, match.start(), match.end()))
        if len(hits) >= _MAX_HITS_PER_PHRASE:
            break
    return hits


__all__ = ["GLUED_MIN_LETTERS", "Hit", "PhraseSet"]
