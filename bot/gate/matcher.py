"""Compiled phrase sets: find which lexicon entries match a message's views, and where.

An entry (a rule, a weak signal or an exemption) is an id with phrases and raw patterns. Phrases
are compiled by :func:`bot.gate.phrases.compile_phrase`; each carries anchors, literal words at
least one of which every match contains (with its letters possibly doubled).

Finding the hits of a message costs time in proportion to the text near anchors, not to the
length of the text times the number of phrases:

1. one scan per view finds every anchor occurrence (a trie of all anchors, in one regex);
2. a phrase runs only when each of its required words occurs (``requirements``: every match
   contains one anchor of each set), and only where a match could start: a match contains an
   occurrence of the rarest required anchor with at most ``lead`` characters before it (the
   widest words and gaps the phrase allows there), and a phrase with a left word boundary starts
   only where no letter or digit precedes. The phrase is tried at those starts in order, moving past
   each match as ``finditer`` does, so the hits are exactly those of a search over the whole view;
3. phrases without an anchor and raw patterns search the whole view, as before.

Regular expressions are compiled on first use, not at start-up: most messages need a small
fraction of them, and compiling all of them took most of a short run's time.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.gate.phrases import compile_phrase, squeeze_all
from bot.gate.views import GateText

GLUED_MIN_LETTERS = 7
"""Phrases with at least this many letters are also searched, without boundaries, in glued text."""

_MAX_HITS_PER_PHRASE = 16
_BOUNDARY = re.compile(r"(?<![a-z0-9])")
"""Where a phrase with a left word boundary (``phrases._LEFT``) may start."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One match of an entry: which entry, in which view (index into the searched texts), where."""

    entry_id: str
    view: int
    start: int
    end: int


@dataclass(slots=True)
class _Compiled:
    """One phrase or raw pattern: regex sources, compiled on first use."""

    entry_id: str
    spaced_source: str
    glued_source: str | None
    requirements: tuple[tuple[tuple[str, ...], int], ...]  # (anchors, lead); (): searched whole
    bounded: bool  # starts only where no letter or digit precedes (a left word boundary)
    spaced: re.Pattern[str] | None = None
    glued: re.Pattern[str] | None = None

    def spaced_regex(self) -> re.Pattern[str]:
        if self.spaced is None:
            self.spaced = _regex(self.spaced_source)
        return self.spaced

    def glued_regex(self) -> re.Pattern[str]:
        if self.glued is None:
            assert self.glued_source is not None
            self.glued = _regex(self.glued_source)
        return self.glued


@dataclass(frozen=True, slots=True)
class Anchors:
    """Where the anchors of one phrase set occur in a message: per searched text, per anchor.

    Positions are where an anchor's first letter stands in the view; index ``len(views)`` is the
    glued text. ``found`` holds every anchor that occurs anywhere (shorter prefixes included);
    ``boundaries`` the positions of each view where a phrase with a left word boundary may start.
    """

    found: frozenset[str]
    positions: tuple[dict[str, list[int]], ...]
    boundaries: tuple[list[int], ...]


class PhraseSet:
    """The phrases and patterns of a list of entries, compiled on demand."""

    def __init__(self, entries: Iterable[tuple[str, Sequence[str], Sequence[str]]]) -> None:
        self._compiled: list[_Compiled] = []
        self._by_anchor: dict[str, list[int]] = {}  # a phrase's first requirement's anchors
        self._known: set[str] = set()  # every anchor of every requirement
        self._always: list[int] = []
        for entry_id, phrases, patterns in entries:
            for phrase in phrases:
                self._add_phrase(entry_id, phrase)
            for pattern in patterns:
                self._always.append(len(self._compiled))
                self._compiled.append(_Compiled(entry_id, pattern, None, (), False))
        self._anchor_source = _anchor_source(self._known)
        self._anchor_finder: re.Pattern[str] | None = None
        self._prefixes = {
            anchor: tuple(other for other in self._known if anchor.startswith(other))
            for anchor in self._known
        }
        self._squeezed: dict[str, str] = {}

    def _add_phrase(self, entry_id: str, phrase: str) -> None:
        compiled = compile_phrase(phrase)
        glued = compiled.glued_regex if compiled.letters >= GLUED_MIN_LETTERS else None
        index = len(self._compiled)
        requirements = tuple(
            (tuple(sorted(anchors)), lead) for anchors, lead in compiled.requirements
        )
        bounded = not phrase.strip().startswith("*")
        self._compiled.append(_Compiled(entry_id, compiled.regex, glued, requirements, bounded))
        if not compiled.anchors:
            self._always.append(index)
        for anchor in compiled.anchors:
            self._by_anchor.setdefault(anchor, []).append(index)
        for anchors, _ in requirements:
            self._known.update(anchors)

    def __len__(self) -> int:
        return len(self._compiled)

    def warm(self) -> None:
        """Compile every regular expression now (for processes that prefer to pay at start)."""
        self._finder()
        for compiled in self._compiled:
            compiled.spaced_regex()
            if compiled.glued_source is not None:
                compiled.glued_regex()

    def _finder(self) -> re.Pattern[str] | None:
        if self._anchor_finder is None and self._anchor_source is not None:
            self._anchor_finder = _regex(self._anchor_source)
        return self._anchor_finder

    def anchors(self, text: GateText) -> Anchors:
        """Every occurrence of this set's anchors in the views and the glued text of ``text``."""
        finder = self._finder()
        found: set[str] = set()
        positions: list[dict[str, list[int]]] = []
        if finder is None:
            empty: tuple[dict[str, list[int]], ...] = tuple({} for _ in (*text.views, 0))
            return Anchors(frozenset(), empty, ())
        squeezed = self._squeezed
        for searched in (*text.views, text.glued):
            at: dict[str, list[int]] = {}
            for match in finder.finditer(searched):
                raw = match.group(1)
                longest = squeezed.get(raw)
                if longest is None:
                    longest = squeeze_all(raw)
                    if len(squeezed) < _SQUEEZE_CACHE_LIMIT:
                        squeezed[raw] = longest
                start = match.start()
                for anchor in self._prefixes[longest]:
                    at.setdefault(anchor, []).append(start)
            found.update(at)
            positions.append(at)
        boundaries = tuple(
            [match.start() for match in _BOUNDARY.finditer(view)] for view in text.views
        )
        return Anchors(frozenset(found), tuple(positions), boundaries)

    def candidates(self, found: Iterable[str]) -> list[int]:
        """Indexes of the phrases and patterns that may match, given the anchors found (sorted)."""
        chosen = set(self._always)
        for anchor in found:
            chosen.update(self._by_anchor.get(anchor, ()))
        return sorted(chosen)

    def find(self, text: GateText, anchors: Anchors | None = None) -> list[Hit]:
        """Every hit in the views of ``text``; the glued text, if any, is the last view index.

        ``anchors`` may pass the result of :meth:`anchors` when the caller already has it.
        """
        if anchors is None:
            anchors = self.anchors(text)
        hits: list[Hit] = []
        glued_index = len(text.views)
        for index in self.candidates(anchors.found):
            compiled = self._compiled[index]
            entry_id = compiled.entry_id
            if not compiled.requirements:
                pattern = compiled.spaced_regex()
                for view_index, view in enumerate(text.views):
                    hits.extend(_search(entry_id, pattern, view, view_index))
                if compiled.glued_source is not None and text.glued:
                    glued = compiled.glued_regex()
                    hits.extend(_search(entry_id, glued, text.glued, glued_index))
                continue
            for view_index, view in enumerate(text.views):
                driver = _rarest(compiled.requirements, anchors.positions[view_index])
                if driver is not None:
                    found_at, lead = driver
                    starts = _possible_starts(
                        found_at,
                        lead,
                        anchors.boundaries[view_index] if compiled.bounded else None,
                    )
                    pattern = compiled.spaced_regex()
                    hits.extend(_match_at(entry_id, pattern, view, view_index, starts))
            if compiled.glued_source is not None and text.glued:
                driver = _rarest(compiled.requirements, anchors.positions[glued_index])
                if driver is not None:
                    found_at, lead = driver
                    starts = _possible_starts(found_at, lead, None)
                    glued = compiled.glued_regex()
                    hits.extend(_match_at(entry_id, glued, text.glued, glued_index, starts))
        return hits


_SQUEEZE_CACHE_LIMIT = 50_000


def _rarest(
    requirements: tuple[tuple[tuple[str, ...], int], ...], positions: dict[str, list[int]]
) -> tuple[list[int], int] | None:
    """The sorted occurrences and lead of the requirement met least often in one searched text.

    ``None`` when some requirement is not met there: the phrase cannot match in that text.
    """
    best: tuple[list[int], int] | None = None
    for anchors, lead in requirements:
        if len(anchors) == 1:
            found_at = positions.get(anchors[0])
            if not found_at:
                return None
        else:
            found_at = [at for anchor in anchors for at in positions.get(anchor, ())]
            if not found_at:
                return None
            found_at.sort()
        if best is None or len(found_at) < len(best[0]):
            best = (found_at, lead)
    return best


@lru_cache(maxsize=8192)
def _regex(source: str) -> re.Pattern[str]:
    """``re.compile`` with a cache larger than the ``re`` module's own (the lexicon has more)."""
    return re.compile(source)


_Trie = dict[str, "_Trie"]


def _anchor_source(anchors: Iterable[str]) -> str | None:
    """One regex that finds, at every position, the longest anchor starting there.

    The anchors are laid out as a trie (``k+i+l+(?:m+y+s+e+l+f+)?|k+m+s+``), so matching costs
    the depth of the trie per position, in C, whatever the number of anchors. Each letter may
    repeat, as in the text (``kiiill``); the caller squeezes the match to name the anchor. Shorter
    anchors starting at the same position are prefixes of the longest one and are recovered from
    ``PhraseSet._prefixes``.
    """
    trie: _Trie = {}
    for anchor in anchors:
        node = trie
        for char in anchor:
            node = node.setdefault(char, {})
        node[""] = {}
    if not trie:
        return None
    return f"(?=({_trie_regex(trie)}))"


def _trie_regex(node: _Trie) -> str:
    """Regex source for one trie node: its branches, optional when the node ends an anchor."""
    branches = [
        re.escape(char) + "+" + _trie_regex(child) for char, child in sorted(node.items()) if char
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


def _possible_starts(found_at: list[int], lead: int, boundaries: list[int] | None) -> list[int]:
    """Ascending positions where a match containing one of ``found_at`` could start.

    A match has at most ``lead`` characters before its anchor; with ``boundaries``, it starts
    only at one of them (a left word boundary).
    """
    starts: list[int] = []
    done = -1  # every start up to here is listed already
    for anchor_at in found_at:
        low = max(anchor_at - lead, done + 1, 0)
        if low > anchor_at:
            continue
        if boundaries is None:
            starts.extend(range(low, anchor_at + 1))
        else:
            starts.extend(
                boundaries[bisect_left(boundaries, low) : bisect_right(boundaries, anchor_at)]
            )
        done = anchor_at
    return starts


def _match_at(
    entry_id: str, pattern: re.Pattern[str], view: str, view_index: int, starts: list[int]
) -> list[Hit]:
    """The hits ``_search`` would find, given every position where a match could start.

    ``search`` returns the match at the first position where one exists, and ``finditer`` goes
    on after its end; trying the possible starts in order with the same cursor gives the same
    matches without scanning the rest of the view.
    """
    hits: list[Hit] = []
    cursor = 0
    for start in starts:
        if start < cursor:
            continue
        match = pattern.match(view, start)
        if match is None:
            continue
        hits.append(Hit(entry_id, view_index, start, match.end()))
        if len(hits) >= _MAX_HITS_PER_PHRASE:
            break
        cursor = max(match.end(), start + 1)
    return hits


__all__ = ["GLUED_MIN_LETTERS", "Anchors", "Hit", "PhraseSet"]
