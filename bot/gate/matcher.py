"""Compiled phrase sets: find which lexicon entries match a message's views, and where.

An entry (a rule, a weak signal or an exemption) is an id with phrases and raw patterns. Phrases
are compiled by :func:`bot.gate.phrases.compile_phrase`; each carries anchors, literal words at
least one of which every match contains (with its letters possibly doubled).

Finding the hits of a message costs time in proportion to the text near anchors, not to the
length of the text times the number of phrases:

1. every anchor occurrence is found token by token (a trie of all anchors, in one regex, run
   once per distinct token and remembered);
2. a phrase runs only in the views where each of its required words occurs (``requirements``:
   every match contains one anchor of each set), and only in windows where a match could start:
   a match contains an occurrence of each required anchor with at most ``lead`` characters before
   it (the widest words and gaps the phrase allows there). Windows come from the rarest required
   anchor, and are searched left to right with the cursor ``finditer`` keeps, each search cut
   where no match from the window can reach (a window with a few possible starts, word
   boundaries for most phrases, is tried start by start), so the hits are exactly those of a
   search over the whole view;
3. phrases without an anchor and raw patterns search the whole view, as before, and so does
   every phrase in a view of at most ``WHOLE_VIEW_CHARS`` characters (most messages). Those that
   start at a word boundary (``(?<![a-z0-9])``) are first looked for together: one search of
   the view with the boundary tested once and every body in one lookahead gives each position
   where one of them could start (few, usually none), and each is then tried only there.

Regular expressions are compiled on first use, not at start-up: most messages need a small
fraction of them, and compiling all of them took most of a short run's time.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

from bot.gate.phrases import compile_phrase
from bot.gate.views import GateText

GLUED_MIN_LETTERS = 7
"""Phrases with at least this many letters are also searched, without boundaries, in glued text."""

WHOLE_VIEW_CHARS = 200
"""A view this short is searched whole: one search costs less than choosing windows in it."""
_MAX_HITS_PER_PHRASE = 16
_FEW_STARTS = 4
"""A window with at most this many possible starts is tried start by start, not searched."""
_BOUNDARY = re.compile(r"(?<![a-z0-9])")
"""Where a phrase with a left word boundary (``phrases._LEFT``) may start."""
_WORD_START = "(?<![a-z0-9])"
"""How raw patterns and boundary phrases begin: those are looked for together (``_Starts``)."""
_GROUPS = re.compile(r"\\[1-9]|\(\?P[<=]|\(\?[aiLmsux]")
"""Back-references, named groups and inline flags: a body with one is not put in an alternation."""
_LOOKAROUND_MARGIN = 8
"""Characters kept past the last possible end of a match when a search is cut short.

A phrase's lookaheads read at most two characters past its match (``(?= \\.)``), and ``$`` must
not take the cut for the end of the text; eight leaves room to spare.
"""


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
    width: int  # most characters a match spans (lookarounds read at most two more)
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


_Held = tuple[tuple[tuple[int, str], ...], frozenset[str]]
"""What a token holds: each anchor with its offset (in order), and the set of those anchors."""
_NOTHING_HELD: _Held = ((), frozenset())


def _holds_nothing(token: str) -> _Held:
    return _NOTHING_HELD


@dataclass(frozen=True, slots=True)
class Anchors:
    """Where the anchors of one phrase set occur in a message: per searched text, per anchor.

    Positions are where an anchor's first letter stands in the view; index ``len(views)`` is the
    glued text. ``found`` holds every anchor that occurs anywhere (shorter prefixes included).
    """

    found: frozenset[str]
    searched: tuple[str, ...]  # the views, then the glued text
    held: Callable[[str], _Held]  # the anchors one token of them holds
    located: list[dict[str, list[int]] | None]  # per searched text, positions (on demand)
    merged: tuple[dict[tuple[str, ...], list[int]], ...]  # several anchors' positions, sorted
    boundaries: list[list[int] | None]  # per view, where a left word boundary holds (on demand)

    def positions(self, view_index: int) -> dict[str, list[int]]:
        """Per anchor, its positions in one searched text (only long views need them)."""
        at = self.located[view_index]
        if at is None:
            at = self.located[view_index] = {}
            held = self.held
            position = 0
            for token in self.searched[view_index].split(" "):
                if token:
                    for offset, anchor in held(token)[0]:
                        found_at = at.get(anchor)
                        if found_at is None:
                            at[anchor] = [position + offset]
                        else:
                            found_at.append(position + offset)
                position += len(token) + 1
        return at

    def boundaries_of(self, view_index: int, view: str) -> list[int]:
        """The positions of ``view`` that no letter or digit precedes."""
        found = self.boundaries[view_index]
        if found is None:
            found = [match.start() for match in _BOUNDARY.finditer(view)]
            self.boundaries[view_index] = found
        return found


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
                self._compiled.append(_Compiled(entry_id, pattern, None, (), 0, False))
        self._use_vocabulary(self._known)
        self._starts = _Starts.of(
            (index, self._compiled[index].spaced_source) for index in self._always
        )
        self._alone, self._paired, self._checks = self._index_by_two_words()
        self._anchor_words = frozenset(self._by_anchor)
        self._required_words = frozenset(
            word
            for compiled in self._compiled
            for words, _ in compiled.requirements
            for word in words
        )
        self._chosen: dict[tuple[frozenset[str], bool], list[int]] = {}
        """What :meth:`_to_search` chose, per required words found and finder outcome."""
        self._started_only = frozenset(
            index for index in self._starts.indexes if self._compiled[index].glued_source is None
        )
        """The always-run patterns that match nowhere when the word-start finder finds no start."""

    def _index_by_two_words(
        self,
    ) -> tuple[
        dict[str, list[int]],
        dict[str, tuple[frozenset[str], dict[str, list[int]]]],
        list[tuple[frozenset[str], ...]],
    ]:
        """The phrases by their first two requirements' words, and the requirements left.

        Per word of a first requirement: the phrases with no other requirement (``alone``),
        and the words of the second requirements of the others, each with its phrases
        (``paired``), so that one set intersection per word found names the phrases whose
        first two requirements both occur. ``checks`` holds, per phrase or pattern, the
        requirements still to check once it is a candidate (for one always searched, every
        requirement after the first, as before).
        """
        always = set(self._always)
        alone: dict[str, list[int]] = {}
        pairs: dict[str, dict[str, list[int]]] = {}
        checks: list[tuple[frozenset[str], ...]] = []
        for index, compiled in enumerate(self._compiled):
            required = [frozenset(words) for words, _ in compiled.requirements]
            if index in always:
                checks.append(tuple(required[1:]))
                continue
            checks.append(tuple(required[2:]))
            for word in required[0]:
                if len(required) == 1:
                    alone.setdefault(word, []).append(index)
                else:
                    second = pairs.setdefault(word, {})
                    for other in required[1]:
                        second.setdefault(other, []).append(index)
        paired = {word: (frozenset(second), second) for word, second in pairs.items()}
        return alone, paired, checks

    def _use_vocabulary(self, known: set[str], vocabulary: _Vocabulary | None = None) -> None:
        """Look for these anchors (a superset of this set's own) when scanning a text.

        The trie is built from ``known`` when first needed, unless ``vocabulary`` brings it
        (:func:`share_anchors` builds it once for all sets).
        """
        self._known = known
        self._vocabulary = vocabulary
        self._tokens: dict[str, _Held] = {}  # token -> anchors inside

    def _words(self) -> _Vocabulary:
        vocabulary = self._vocabulary
        if vocabulary is None:
            vocabulary = self._vocabulary = _Vocabulary(self._known)
        return vocabulary

    def _add_phrase(self, entry_id: str, phrase: str) -> None:
        compiled = compile_phrase(phrase)
        glued = compiled.glued_regex if compiled.letters >= GLUED_MIN_LETTERS else None
        index = len(self._compiled)
        requirements = tuple(
            (tuple(sorted(anchors)), lead) for anchors, lead in compiled.requirements
        )
        self._compiled.append(
            _Compiled(
                entry_id,
                compiled.regex,
                glued,
                requirements,
                compiled.width,
                not phrase.strip().startswith("*"),
            )
        )
        if not compiled.anchors:
            self._always.append(index)
        for anchor in compiled.anchors:
            self._by_anchor.setdefault(anchor, []).append(index)
        for anchors, _ in requirements:
            self._known.update(anchors)

    def compile_all(self, between: Callable[[], object] = lambda: None) -> int:
        """Compile every regular expression this set can search with, ahead of the first message
        that needs it (a long-running process, once started), calling ``between`` after each;
        returns how many there are. Matching is the same either way: only when each is
        compiled changes."""
        count = self._starts.compile()
        for compiled in self._compiled:
            compiled.spaced_regex()
            between()
            count += 1
            if compiled.glued_source is not None:
                compiled.glued_regex()
                between()
                count += 1
        return count

    def __len__(self) -> int:
        return len(self._compiled)

    def anchors(self, text: GateText) -> Anchors:
        """Every occurrence of this set's anchors in the views and the glued text of ``text``.

        The result is kept with ``text``, so sets sharing a vocabulary scan it once.
        """
        vocabulary = self._words()
        scan = text.scans.get(vocabulary)
        if not isinstance(scan, Anchors):
            scan = self._scan(text)
            text.scans[vocabulary] = scan
        return scan

    def _scan(self, text: GateText) -> Anchors:
        """The anchors found anywhere in ``text``, read token by token; their positions per
        searched text are worked out only when asked for (:meth:`Anchors.positions`).

        Anchors are letters and digits only, so each occurrence lies inside one space-separated
        token; what a token holds is remembered, and tokens recur within and across messages.
        """
        searched = (*text.views, text.glued)
        if not self._known:
            located: list[dict[str, list[int]] | None] = [{} for _ in searched]
            return Anchors(frozenset(), searched, _holds_nothing, located, (), [])
        tokens = self._tokens
        long_tokens: dict[str, _Held] = {}  # for this text only: a long token (letters
        # spaced over the whole message) recurs in its views and glued text

        def held(token: str) -> _Held:
            inside = tokens.get(token)
            if inside is None:
                if len(token) <= _CACHED_TOKEN_CHARS:
                    inside = self._held(token)
                    if len(tokens) >= _TOKEN_CACHE_LIMIT:
                        tokens.clear()
                    tokens[token] = inside
                else:
                    inside = long_tokens.get(token)
                    if inside is None:
                        inside = long_tokens[token] = self._held(token)
            return inside

        # each distinct token once: the views share most of theirs, the glued text all of its
        distinct = set(searched[0].split(" "))
        for text_searched in searched[1:]:
            distinct.update(text_searched.split(" "))
        distinct.discard("")
        found: set[str] = set()
        for token in distinct:
            inside = tokens.get(token)
            found.update((inside or held(token))[1])
        count = len(searched)
        merged: tuple[dict[tuple[str, ...], list[int]], ...] = tuple({} for _ in searched)
        return Anchors(frozenset(found), searched, held, [None] * count, merged, [None] * count)

    def _held(self, token: str) -> _Held:
        """Every anchor in ``token`` with its offset, and the set of them."""
        inside = self._words().anchors_in(token)
        return inside, frozenset(anchor for _, anchor in inside)

    def candidates(self, found: Iterable[str]) -> list[int]:
        """Indexes of the phrases and patterns that may match, given the anchors found (sorted)."""
        chosen = set(self._always)
        for anchor in found:
            chosen.update(self._by_anchor.get(anchor, ()))
        return sorted(chosen)

    def find_whole(self, text: GateText) -> list[Hit]:
        """Every hit, searching each candidate over whole views: what :meth:`find` must equal.

        The plain search the windows stand in for, kept as the reference to check them against;
        it costs the length of the text times the candidates.
        """
        hits: list[Hit] = []
        glued_index = len(text.views)
        for index in self.candidates(self.anchors(text).found):
            compiled = self._compiled[index]
            pattern = compiled.spaced_regex()
            for view_index, view in enumerate(text.views):
                hits.extend(_search(compiled.entry_id, pattern, view, view_index))
            if compiled.glued_source is not None and text.glued:
                glued = compiled.glued_regex()
                hits.extend(_search(compiled.entry_id, glued, text.glued, glued_index))
        return hits

    def find(
        self,
        text: GateText,
        anchors: Anchors | None = None,
        entries: frozenset[str] | None = None,
    ) -> list[Hit]:
        """Every hit in the views of ``text``; the glued text, if any, is the last view index.

        ``anchors`` may pass the result of :meth:`anchors` when the caller already has it;
        ``entries``, when given, limits the search to the entries with these ids.
        """
        if anchors is None:
            anchors = self.anchors(text)
        hits: list[Hit] = []
        searched = _searched(text)
        compiled = self._compiled
        for index in self._to_search(text, anchors):
            if entries is None or compiled[index].entry_id in entries:
                hits.extend(self._hits_of(index, text, searched, anchors))
        return hits

    def find_in_order(self, text: GateText) -> Iterator[tuple[str, list[Hit]]]:
        """Each entry that may match, in the order the entries were given, with its hits (the
        same hits :meth:`find` reports for it, searched only when the caller asks for the next
        entry: a caller that stops at the first entry it accepts saves the rest)."""
        anchors = self.anchors(text)
        searched = _searched(text)
        entry_id: str | None = None
        hits: list[Hit] = []
        for index in self._to_search(text, anchors):  # an entry's phrases are consecutive
            compiled = self._compiled[index]
            if compiled.entry_id != entry_id:
                if entry_id is not None:
                    yield entry_id, hits
                entry_id, hits = compiled.entry_id, []
            hits.extend(self._hits_of(index, text, searched, anchors))
        if entry_id is not None:
            yield entry_id, hits

    def _to_search(self, text: GateText, anchors: Anchors) -> list[int]:
        """The :meth:`candidates` that can have a hit in ``text``, in the same order.

        Left out are those that cannot: a phrase with a required word found nowhere, and the
        word-start patterns when their finder holds at no position of any view (and they have
        no glued form). Each is what :meth:`_hits_of` would answer with no hit, found once here
        for the whole set instead of once per phrase. The choice depends only on which of the
        set's required words occur and on the finder, so it is remembered for those: messages
        often share their key words.
        """
        started = not self._started_only or self._starts.anywhere(text)
        relevant = anchors.found.intersection(self._required_words)
        key = (relevant, started)
        chosen = self._chosen.get(key)
        if chosen is None:
            chosen = self._choose(relevant, started)
            if len(self._chosen) >= _CHOSEN_CACHE_LIMIT:
                self._chosen.clear()
            self._chosen[key] = chosen
        return chosen

    def _choose(self, found: frozenset[str], started: bool) -> list[int]:
        """:meth:`_to_search` for the required words ``found`` and whether the word-start
        finder holds somewhere (``started``)."""
        chosen = set(self._always)
        if not started:
            chosen.difference_update(self._started_only)
        alone = self._alone
        paired = self._paired
        for anchor in found.intersection(self._anchor_words):
            phrases = alone.get(anchor)
            if phrases is not None:
                chosen.update(phrases)
            by_second = paired.get(anchor)
            if by_second is not None:
                seconds, phrases_of = by_second
                for second in found.intersection(seconds):
                    chosen.update(phrases_of[second])
        checks = self._checks
        searched: list[int] = []
        for index in sorted(chosen):
            for words in checks[index]:
                if found.isdisjoint(words):
                    break  # a required word occurs nowhere
            else:
                searched.append(index)
        return searched

    def _hits_of(
        self, index: int, text: GateText, searched: list[tuple[int, str]], anchors: Anchors
    ) -> list[Hit]:
        """The hits of one phrase or pattern in every view of ``text`` and its glued text
        (``searched``: each with its index); one of :meth:`_to_search`."""
        compiled = self._compiled[index]
        hits: list[Hit] = []
        entry_id = compiled.entry_id
        glued_index = len(text.views)
        for view_index, view in searched:
            in_glued = view_index == glued_index
            if in_glued and compiled.glued_source is None:
                continue
            pattern = compiled.glued_regex() if in_glued else compiled.spaced_regex()
            if not in_glued and index in self._starts.indexes:
                starts = self._starts.positions(text, view_index, view)
                found_here = _search_at(entry_id, pattern, (view, view_index), starts)
                hits.extend(
                    _search(entry_id, pattern, view, view_index)
                    if found_here is None
                    else found_here
                )
                continue
            if not compiled.requirements or len(view) <= WHOLE_VIEW_CHARS:
                hits.extend(_search(entry_id, pattern, view, view_index))
                continue
            met = _met(compiled.requirements, anchors, view_index)
            if met is None:
                continue
            windows = _windows(met)
            if windows:
                boundaries = (
                    anchors.boundaries_of(view_index, view)
                    if compiled.bounded and not in_glued
                    else None
                )
                hits.extend(
                    _search_in(
                        entry_id, (view, view_index), pattern, windows, compiled.width, boundaries
                    )
                )
        return hits


def _searched(text: GateText) -> list[tuple[int, str]]:
    """The views of ``text`` and its glued text (if any), each with its index."""
    searched = list(enumerate(text.views))
    if text.glued:
        searched.append((len(text.views), text.glued))
    return searched


class _Starts:
    """Where the word-start patterns searched over whole views (raw patterns, phrases without
    an anchor) could match: one search per view finds the positions for all of them.

    Each such pattern is ``(?<![a-z0-9])`` and a body; the finder is that boundary followed by a
    lookahead of every body, so it holds at exactly the positions where one pattern matches,
    and the boundary is tested once per position instead of once per pattern.
    """

    def __init__(self, indexes: frozenset[int], source: str | None) -> None:
        self.indexes = indexes
        self._source = source
        self._finder: re.Pattern[str] | None = None

    @classmethod
    def of(cls, sources: Iterable[tuple[int, str]]) -> _Starts:
        """The finder over the patterns, among ``(index, regex source)``, it can stand in for."""
        bodies: dict[int, str] = {}
        for index, source in sources:
            body = source.removeprefix(_WORD_START)
            if body != source and _GROUPS.search(body) is None:
                bodies[index] = body
        if not bodies:
            return cls(frozenset(), None)
        lookahead = "|".join(f"(?:{body})" for body in bodies.values())
        return cls(frozenset(bodies), f"{_WORD_START}(?={lookahead})")

    def compile(self) -> int:
        """Compile the finder ahead of its first use; 1 when there is one, else 0."""
        if self._source is None:
            return 0
        if self._finder is None:
            self._finder = _regex(self._source)
        return 1

    def anywhere(self, text: GateText) -> bool:
        """Whether some pattern matches in some view of ``text`` (not the glued text)."""
        return any(
            self.positions(text, view_index, view) for view_index, view in enumerate(text.views)
        )

    def positions(self, text: GateText, view_index: int, view: str) -> list[int]:
        """Where some pattern matches in a view of ``text`` (kept with ``text``)."""
        assert self._source is not None
        per_view = text.scans.get(self._source)
        if per_view is None:
            per_view = text.scans[self._source] = {}
        found: list[int] | None = per_view.get(view_index)
        if found is None:
            if self._finder is None:
                self._finder = _regex(self._source)
            finder = self._finder
            found = per_view[view_index] = (
                []  # in most views: see _search
                if finder.search(view) is None
                else [match.start() for match in finder.finditer(view)]
            )
        return found


def _search_at(
    entry_id: str, pattern: re.Pattern[str], searched: tuple[str, int], starts: list[int]
) -> list[Hit] | None:
    """The hits ``_search`` would find, trying ``pattern`` only at ``starts`` (which hold every
    position where it matches), with ``finditer``'s cursor; None after an empty match, whose
    next position ``finditer`` chooses by rules of its own."""
    view, view_index = searched
    hits: list[Hit] = []
    cursor = 0
    for start in starts:
        if start < cursor:
            continue
        match = pattern.match(view, start)
        if match is None:
            continue
        end = match.end()
        if end == start:
            return None
        hits.append(Hit(entry_id, view_index, start, end))
        if len(hits) >= _MAX_HITS_PER_PHRASE:
            break
        cursor = end
    return hits


_TOKEN_CACHE_LIMIT = 50_000
_CHOSEN_CACHE_LIMIT = 4096
_CACHED_TOKEN_CHARS = 64


def share_anchors(*sets: PhraseSet) -> None:
    """Let ``sets`` (read over the same texts) find their anchors in one scan per text."""
    known: set[str] = set()
    for phrase_set in sets:
        known.update(phrase_set._known)
    vocabulary = _Vocabulary(known)
    for phrase_set in sets:
        phrase_set._use_vocabulary(known, vocabulary)
        phrase_set._tokens = sets[0]._tokens


class _Node:
    """A trie node: the next node per letter, and the anchor that ends here (if one does)."""

    __slots__ = ("anchor", "next")

    def __init__(self) -> None:
        self.next: dict[str, _Node] = {}
        self.anchor: str | None = None


class _Vocabulary:
    """The anchors a phrase set scans a text for, as a trie of single letters.

    The object itself keys the scans kept with a text, so sets sharing a vocabulary scan it once.
    """

    __slots__ = ("trie",)

    def __init__(self, known: set[str]) -> None:
        trie = _Node()
        for anchor in known:
            node = trie
            for char in anchor:
                child = node.next.get(char)
                if child is None:
                    child = node.next[char] = _Node()
                node = child
            node.anchor = anchor
        self.trie = trie

    def anchors_in(self, token: str) -> tuple[tuple[int, str], ...]:
        """Every anchor occurring in ``token`` and where, in order of position, shortest first.

        A letter of an anchor stands for a run of that letter in the token (``kiiill`` holds
        ``kil``), so the token is read run by run: from each run, the walk down the trie names
        every anchor starting there, and each position inside the run starts the same anchors
        (the rest of the run is a run of the same letter). The walk is as deep as the longest
        anchor, whatever their number; nothing is compiled, so start-up pays nothing for it.
        """
        runs: list[tuple[int, int]] | None = None  # each letter its own run: most tokens
        letters: Sequence[str] = token
        if _DOUBLED.search(token) is not None:
            runs = [(match.start(), match.end()) for match in _RUN.finditer(token)]
            letters = [token[start] for start, _ in runs]
        count = len(letters)
        root = self.trie.next
        found_in: list[tuple[int, str]] = []
        for first in range(count):
            node: _Node | None = root.get(letters[first])
            starting: list[str] = []
            following = first
            while node is not None:
                if node.anchor is not None:
                    starting.append(node.anchor)
                following += 1
                if following == count:
                    break
                node = node.next.get(letters[following])
            if starting:
                start, end = (first, first + 1) if runs is None else runs[first]
                for position in range(start, end):
                    found_in.extend((position, anchor) for anchor in starting)
        return tuple(found_in)


def _met(
    requirements: tuple[tuple[tuple[str, ...], int], ...], anchors: Anchors, view_index: int
) -> list[tuple[list[int], int]] | None:
    """Each requirement's sorted occurrences in one searched text and its lead, rarest first.

    ``None`` when some requirement is not met there: the phrase cannot match in that text.
    Merged occurrences of several words are kept with ``anchors`` for the next phrase.
    """
    merged = anchors.merged[view_index]
    met: list[tuple[list[int], int]] = []
    for words, lead in requirements:
        found_at = merged.get(words)
        if found_at is None:
            positions = anchors.positions(view_index)
            lists = [positions[word] for word in words if word in positions]
            if len(lists) <= 1:
                found_at = lists[0] if lists else []
            else:
                found_at = sorted(chain.from_iterable(lists))
            merged[words] = found_at
        if not found_at:
            return None
        met.append((found_at, lead))
    if len(met) > 1:
        met.sort(key=lambda requirement: len(requirement[0]))
    return met


@lru_cache(maxsize=8192)
def _regex(source: str) -> re.Pattern[str]:
    """``re.compile`` with a cache larger than the ``re`` module's own (the lexicon has more)."""
    return re.compile(source)


_RUN = re.compile(r"(.)\1*", re.DOTALL)
_DOUBLED = re.compile(r"(.)\1", re.DOTALL)


def _search(entry_id: str, pattern: re.Pattern[str], view: str, view_index: int) -> list[Hit]:
    # Most searches find nothing: one search says so without finditer's iterator, which costs
    # more than the search itself in a short view (a view with a match is searched twice).
    if pattern.search(view) is None:
        return []
    hits: list[Hit] = []
    for match in pattern.finditer(view):
        hits.append(Hit(entry_id, view_index, match.start(), match.end()))
        if len(hits) >= _MAX_HITS_PER_PHRASE:
            break
    return hits


def _windows(met: list[tuple[list[int], int]]) -> list[tuple[int, int]]:
    """Ascending, disjoint ``(low, high)`` ranges holding every position a match could start at.

    A match contains an occurrence of each requirement's anchors at most ``lead`` characters
    after its start. Ranges come from the rarest requirement; a range is dropped when another
    requirement has no occurrence it could reach.
    """
    (driver, lead), others = met[0], met[1:]
    windows: list[tuple[int, int]] = []
    low = high = -1
    for anchor_at in driver:
        start = max(anchor_at - lead, 0)
        if windows and start <= high + 1:
            high = anchor_at
            windows[-1] = (low, high)
        else:
            low, high = start, anchor_at
            windows.append((low, high))
    for found_at, other_lead in others:
        windows = [(low, high) for low, high in windows if _near(found_at, low, high + other_lead)]
        if not windows:
            break
    return windows


def _near(found_at: list[int], low: int, high: int) -> bool:
    """Whether some position of ``found_at`` (sorted) lies in ``[low, high]``."""
    index = bisect_left(found_at, low)
    return index < len(found_at) and found_at[index] <= high


def _search_in(  # noqa: PLR0917
    entry_id: str,
    searched: tuple[str, int],
    pattern: re.Pattern[str],
    windows: list[tuple[int, int]],
    width: int,
    boundaries: list[int] | None,
) -> list[Hit]:
    """The hits ``_search`` would find, looking only in the windows where a match can start.

    A window with few possible starts (``boundaries``, when the phrase starts at a word
    boundary) is tried start by start. Otherwise it is searched, the search cut ``width``
    characters (plus what lookarounds read) after the window's last start, which no match from
    inside the window reaches; a match found starting after the window is ignored (the cut may
    have made it). The cursor moves past each match as ``finditer`` does, so the matches are the
    same, in the same order.
    """
    view, view_index = searched
    hits: list[Hit] = []
    size = len(view)
    cursor = 0
    for low, high in windows:
        position = max(low, cursor)
        if position > high:
            continue
        if boundaries is not None:
            first = bisect_left(boundaries, position)
            last = bisect_right(boundaries, high)
            starts: Sequence[int] | None = (
                boundaries[first:last] if last - first <= _FEW_STARTS else None
            )
        else:
            starts = range(position, high + 1) if high - position < _FEW_STARTS else None
        if starts is not None:
            for start in starts:
                if start < cursor:
                    continue
                match = pattern.match(view, start)
                if match is not None:
                    hits.append(Hit(entry_id, view_index, start, match.end()))
                    if len(hits) >= _MAX_HITS_PER_PHRASE:
                        return hits
                    cursor = max(match.end(), start + 1)
            continue
        end = min(size, high + width + _LOOKAROUND_MARGIN)
        while position <= high:
            match = pattern.search(view, position, end)
            if match is None or match.start() > high:
                break
            hits.append(Hit(entry_id, view_index, match.start(), match.end()))
            if len(hits) >= _MAX_HITS_PER_PHRASE:
                return hits
            cursor = position = max(match.end(), match.start() + 1)
    return hits


__all__ = ["GLUED_MIN_LETTERS", "WHOLE_VIEW_CHARS", "Anchors", "Hit", "PhraseSet", "share_anchors"]
