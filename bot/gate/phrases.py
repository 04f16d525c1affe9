"""A tiny phrase language for the lexicon, compiled to linear-time regular expressions.

Lexicon authors write phrases in plain words, and the compiler makes them tolerant of the ways
people actually type. The grammar::

    phrase  := seq
    seq     := item (" " item)*
    item    := word | group | gap | "$" | "_"
    group   := "(" seq ("|" seq)* ")" ["?"]      alternatives; a trailing ? makes the group optional
    word    := ["*"] [a-z0-9']+ ["*"]            a leading * drops the left word boundary,
                                                 a trailing * allows up to 20 more letters
    gap     := "~" digit                         up to that many whole words, e.g. "~3"
    $                                            the clause ends here (end of text or . , ; ! ?)
    _                                            a clause break may come here ("sorry, goodbye")

Compilation rules, matched against the gate's text views (lower-case ASCII words separated by
single spaces, runs of a repeated character squeezed to at most two):

* a single letter may appear once or twice (``die`` matches "diie", which is how "diiiie" reads
  after squeezing), a doubled letter must stay doubled (``kill`` matches "killl" but not "kil");
* the space between two items is optional (``kill my self`` matches "killmyself", "kill myself");
* ``-`` is read as a space and ``'`` is dropped, as the views drop it ("can't" is "cant").

Every quantifier is bounded and each gap word must end at a word boundary, so matching stays
linear in the length of the text: no catastrophic backtracking is possible from a phrase.

Each compiled phrase also carries **anchors**: literal strings, at least one of which must occur in
the fully squeezed text for the phrase to possibly match. The gate checks anchors first and only
runs the regular expressions of phrases whose anchors are present.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_WORD_CHARS = re.compile(r"[a-z0-9']*")
_GAP_WORD = r"(?: [a-z0-9]{1,30}(?![a-z0-9]))"
_LEFT = r"(?<![a-z0-9])"
_RIGHT = r"(?![a-z0-9])"
_SUFFIX = r"[a-z0-9]{0,20}"
_SUFFIX_WIDTH = 20
_GAP_WORD_WIDTH = 31  # a space and up to 30 characters
_MIN_ANCHOR = 2
_RUNS = re.compile(r"(.)\1*")
_CLAUSE_END = r"(?= \.| ?$)"
_PARENS = re.compile(r"[()]")
# A group's text -> its fragment: the lexicon's macros expand to the same groups in hundreds of
# phrases, and a group compiles the same wherever it stands.
_GROUP_CACHE: dict[str, _Fragment] = {}
_GROUP_CACHE_LIMIT = 16384


class PhraseSyntaxError(ValueError):
    """A phrase does not follow the lexicon's phrase grammar."""


@dataclass(frozen=True, slots=True)
class CompiledPhrase:
    """One phrase as regular-expression source plus the anchors that gate it."""

    source: str
    regex: str  # with word boundaries, for the spaced views
    glued_regex: str  # without outer boundaries, for words people ran together
    anchors: frozenset[str]  # empty: no usable anchor, always run
    letters: int  # letters in the shortest possible match, to judge distinctiveness
    width: int  # characters the longest possible match spans (lookarounds read a few more)
    lead: int  # most characters a match can have before the anchor it contains
    requirements: tuple[tuple[frozenset[str], int], ...]  # every match contains one anchor of
    # each set, at most that many characters after the match's start (anchors, lead first)


def squeeze_all(text: str) -> str:
    """Collapse every run of a repeated character to one (``"kill"`` -> ``"kil"``)."""
    out: list[str] = []
    previous = ""
    for char in text:
        if char != previous:
            out.append(char)
        previous = char
    return "".join(out)


@dataclass(frozen=True, slots=True)
class _Fragment:
    """A compiled piece: regex, anchor candidates (None: no anchor), shortest letter count.

    ``width`` is an upper bound on the characters any match of ``regex`` consumes, ``lead`` on
    the characters a match can have before the anchor occurrence it contains (when it has one).
    ``requirements`` lists every such (anchors, lead) pair known to hold, ``anchors`` first.
    """

    regex: str
    anchors: frozenset[str] | None
    letters: int
    width: int
    lead: int = 0
    requirements: tuple[tuple[frozenset[str], int], ...] = ()


class _Parser:
    """Recursive-descent parser that emits regex source while it parses."""

    def __init__(self, phrase: str) -> None:
        self.text = phrase.strip().lower().replace("-", " ")
        self.pos = 0
        self.closing = _closing_parens(self.text)

    def fail(self, message: str) -> PhraseSyntaxError:
        return PhraseSyntaxError(f"{message} at character {self.pos + 1} of {self.text!r}")

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def parse(self) -> _Fragment:
        if not self.text:
            raise self.fail("empty phrase")
        fragment = self.seq()
        if self.pos != len(self.text):
            raise self.fail(f"unexpected {self.peek()!r}")
        if fragment.letters == 0:
            raise self.fail("phrase has no letters that must match")
        return fragment

    def seq(self) -> _Fragment:
        items = [self.item()]
        text, size = self.text, len(self.text)
        while True:
            while self.pos < size and text[self.pos] == " ":
                self.pos += 1
            if self.pos == size or text[self.pos] in "|)":
                break
            items.append(self.item())
        if len(items) == 1:  # most options of a group are one word: the item is the sequence
            return items[0]
        regex = " ?".join(item.regex for item in items).replace(" ?" + _CLAUSE_END, _CLAUSE_END)
        best: int | None = None  # the first item with the longest shortest anchor
        for index, item in enumerate(items):
            if item.anchors and (best is None or _shortest(item) > _shortest(items[best])):
                best = index
        width = sum(item.width for item in items) + len(items) - 1  # " ?" between items
        letters = sum(item.letters for item in items)
        if best is None:
            return _Fragment(regex, None, letters, width)
        offsets = []  # where each item can start at the latest: the widths before it, and " ?"
        before = 0
        for index, item in enumerate(items):
            offsets.append(before + index)
            before += item.width
        lead = offsets[best] + items[best].lead
        primary = (items[best].anchors or frozenset(), lead)
        others = tuple(
            (anchors, offsets[index] + item_lead)
            for index, item in enumerate(items)
            for anchors, item_lead in item.requirements
        )
        requirements = (primary, *(other for other in others if other != primary))
        return _Fragment(regex, items[best].anchors, letters, width, lead, requirements)

    def item(self) -> _Fragment:
        char = self.peek()
        if char == "(":
            return self.group()
        if char == "~":
            return self.gap()
        if char == "$":
            self.pos += 1
            return _Fragment(_CLAUSE_END, None, 0, 0)
        if char == "_":
            self.pos += 1
            return _Fragment(r"(?:\.)?", None, 0, 1)
        return self.word()

    def group(self) -> _Fragment:
        start = self.pos
        end = self.closing.get(start)
        key = self.text[start : end + 1] if end is not None else None
        fragment = _GROUP_CACHE.get(key) if key is not None else None
        if fragment is None:
            fragment = self._options()
            if key is not None and len(_GROUP_CACHE) < _GROUP_CACHE_LIMIT:
                _GROUP_CACHE[key] = fragment
        else:
            self.pos = start + len(key or "")
        if self.peek() == "?":
            self.pos += 1
            return _Fragment(fragment.regex + "?", None, 0, fragment.width)
        return fragment

    def _options(self) -> _Fragment:
        """The group at ``pos`` up to its ")", as if no "?" followed."""
        self.pos += 1
        options = [self.seq()]
        while self.peek() == "|":
            self.pos += 1
            options.append(self.seq())
        if self.peek() != ")":
            raise self.fail("unclosed group, expected ')'")
        self.pos += 1
        regex = "(?:" + "|".join(option.regex for option in options) + ")"
        width = max(option.width for option in options)
        letters = min(option.letters for option in options)
        if any(option.anchors is None for option in options):
            return _Fragment(regex, None, letters, width)
        union = frozenset().union(*(option.anchors or () for option in options))
        lead = max(option.lead for option in options)
        return _Fragment(regex, union, letters, width, lead, ((union, lead),))

    def gap(self) -> _Fragment:
        self.pos += 1
        digit = self.peek()
        if not digit.isdigit() or digit == "0":
            raise self.fail("a gap is written ~1 to ~9")
        self.pos += 1
        if self.peek().isdigit():
            # "~10" would read as "~1" and then the word "0", which never matches.
            raise self.fail("a gap is written ~1 to ~9; write two gaps for more")
        return _Fragment(f"{_GAP_WORD}{{0,{digit}}}", None, 0, int(digit) * _GAP_WORD_WIDTH)

    def word(self) -> _Fragment:
        if self.peek() == "*":
            self.pos += 1
        start = self.pos
        match = _WORD_CHARS.match(self.text, start)
        assert match is not None  # the pattern matches the empty string
        self.pos = match.end()
        literal = self.text[start : self.pos].replace("'", "")
        if not literal:
            raise self.fail("expected a word, '(' or '~'")
        open_right = self.peek() == "*"
        if open_right:
            self.pos += 1
        return _word_fragment(literal, open_right)


@lru_cache(maxsize=16384)
def _word_fragment(literal: str, open_right: bool) -> _Fragment:
    """One word of a phrase (the same words recur across the lexicon's expanded macros)."""
    squeezed = squeeze_all(literal)
    body = "".join(_letter_run(run.group(0)) for run in _RUNS.finditer(literal))
    regex = body + (_SUFFIX if open_right else "")
    anchors = frozenset({squeezed}) if len(squeezed) >= _MIN_ANCHOR else None
    width = 2 * len(squeezed) + (_SUFFIX_WIDTH if open_right else 0)  # each run 1-2 chars
    requirements = ((anchors, 0),) if anchors else ()
    return _Fragment(regex, anchors, len(literal), width, 0, requirements)


def _closing_parens(text: str) -> dict[int, int]:
    """Where each "(" of ``text`` is closed (a "(" never closed is left out)."""
    closing: dict[int, int] = {}
    opened: list[int] = []
    for match in _PARENS.finditer(text):
        if match.group() == "(":
            opened.append(match.start())
        elif opened:
            closing[opened.pop()] = match.start()
    return closing


def _shortest(fragment: _Fragment) -> int:
    return min(len(anchor) for anchor in fragment.anchors or ())


def _letter_run(run: str) -> str:
    """A single letter may be doubled in the text ("diie"); a doubled one must stay doubled.

    Letting "off" match "of" or "soon" match "son" would turn "I think of myself" into a crisis,
    so misspellings that drop a doubled letter ("kil") are listed in the lexicon explicitly.
    """
    char = re.escape(run[0])
    return f"{char}{char}?" if len(run) == 1 else f"{char}{char}"


@lru_cache(maxsize=8192)
def compile_phrase(phrase: str) -> CompiledPhrase:
    """Compile one lexicon phrase; raises :class:`PhraseSyntaxError` with the position if invalid.

    Word boundaries apply at the outer edges of the phrase only: on the left unless the phrase
    starts with ``*``, on the right unless it ends with ``*``. Results are cached: validation
    and the gate compile the same phrases.
    """
    fragment = _Parser(phrase).parse()
    text = phrase.strip()
    left = "" if text.startswith("*") else _LEFT
    right = "" if text.endswith("*") else _RIGHT
    anchors = fragment.anchors or frozenset()
    return CompiledPhrase(
        phrase,
        left + fragment.regex + right,
        fragment.regex,
        anchors,
        fragment.letters,
        fragment.width,
        fragment.lead,
        fragment.requirements,
    )


__all__ = ["CompiledPhrase", "PhraseSyntaxError", "compile_phrase", "squeeze_all"]
