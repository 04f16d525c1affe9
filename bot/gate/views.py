"""The crisis gate's views of a message: aggressive rewrites that undo obfuscation.

Starting from :func:`bot.gate.normalize.normalize`, a view

1. writes a few telling emoji as words (a knife, pills, a rope, a gun);
2. maps leetspeak inside tokens that also contain letters (``k1ll`` -> ``kill``, ``$uicide``),
   leaving numbers with units alone (``30mg``, ``3am``, ``100kms``);
3. resolves masked key words (``k*ll``) and drops apostrophes (``can't`` -> ``cant``);
4. marks clause ends (``. , ; : ! ?``, not an ellipsis) with a ``.`` token, so phrases and gaps
   never run across a clause, and turns every other non-letter, non-digit into a space;
5. squeezes runs of three or more identical characters to two (``diiiie`` -> ``diie``);
6. repairs near-miss typos of key words (``sucidal``, ``myslef``).

The **joined** view additionally glues letters written one at a time (``s u i c i d e``,
``k.i.l.l``, ``k-i-l-l``); it exists only when the text has such a run. The **unpunctuated** view
reads punctuation squeezed between words as spaces (``i,want,to,die``, ``i.want.to.die``); it
exists only when the text has at least two such marks, so ordinary "done.goodbye" keeps its clause
break in the main view. The **glued** string holds
only long tokens, where people ran several words together (``iwanttodie``); boundary-less forms of
the distinctive phrases are searched there. Every view is padded with one space on each side.

Everything up to typo repair does not depend on the key words, so it is built once per text as a
:class:`Draft` (kept for the last few texts): the crisis gate and the advice guard read the same
message one after the other, and only repair its tokens each with their own key words. When the
repairs give the same views (most messages), the second reader gets the first one's
:class:`GateText`, with the anchors its phrase sets found there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from bot.gate.confusables import EMOJI_WORDS, LEET
from bot.gate.fuzzy import TokenCorrector
from bot.gate.normalize import normalize

GLUED_MIN_LENGTH = 9
DRAFT_CACHE_SIZE = 32
"""How many recent texts keep their draft, so a second reader of the same text reuses it."""

_EMOJI = {ord(emoji): f" {word} " for emoji, word in EMOJI_WORDS.items()}
_SINGLE = r"[a-z0-9@$!|]"
_SPACED_LETTERS = re.compile(
    rf"(?<![a-z0-9@$!|]){_SINGLE}(?:[ .\-_,*/~+·•]{{1,3}}{_SINGLE}(?![a-z0-9@$!|])){{2,}}"
)
_SEPARATORS = re.compile(r"[ .\-_,*/~+·•]")
_WORDISH = r"[\w@$!|€*#']"
_CHANGEABLE = re.compile(rf"(?<!{_WORDISH})(?:{_WORDISH}*[0-9@$€!|*#]{_WORDISH}*|'+(?!{_WORDISH}))")
"""A whole token that cleaning may rewrite: one with a leetspeak or mask character, or only
apostrophes (which become a space). Cleaning leaves every other token as it is."""
_MASKED = re.compile(r"[*#]")
_EDGE_SYMBOLS = "!|*#'"
_LEET_CHARS = frozenset(LEET)
_LEET_TABLE = str.maketrans(dict(LEET))
_NUMBER_WITH_UNIT = re.compile(
    r"\d+(?:st|nd|rd|th|am|pm|mg|mcg|ml|g|kg|lb|lbs|h|hr|hrs|min|mins|yo|y|yr|yrs|x|k|m|km|kms|"
    r"mi|s|pills?|tabs?|tablets?|times|days?|weeks?|months?|years?|ish)"
)
_ELLIPSIS = re.compile(r"\.{2,}")
_CLAUSE_MARKS = re.compile(r"[.,;:!?]+")
_NOT_WORD = re.compile(r"[^\w.]+|_+")
_LONG_RUN = re.compile(r"(.)\1{2,}")
_DOUBLE_ONE = re.compile(r"(?<=[a-z])11|11(?=[a-z])")
_TIGHT_MARK = re.compile(r"[.,;:](?=[a-z]{2})(?:(?<=[a-z]{2}.)|(?<=\b[a-z].))")
"""A mark between two letters and two more (or a single letter): written mark first, so the
search skips to the marks instead of testing the lookbehinds at every position."""
_MIN_TIGHT_MARKS = 2


@dataclass(frozen=True, slots=True)
class GateText:
    """The views of one message that the gate's rules are matched against."""

    views: tuple[str, ...]  # the main view first, then the joined and unpunctuated views if any
    glued: str  # long tokens only, for boundary-less phrases; "" when there are none
    scans: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
    # what phrase sets found in these views (anchor positions), kept for other sets to reuse


@dataclass(frozen=True, slots=True)
class Draft:
    """A text read up to typo repair: its variants, each as tokens, before any key word applies.

    ``masked`` tells that some token has ``*`` or ``#`` inside, which a corrector with masked
    key words resolves before the text is split; ``variants`` are the normalised texts the
    views are read from (the main one first).
    """

    variants: tuple[str, ...]
    tokens: tuple[tuple[str, ...], ...]
    masked: bool
    read: list[GateText] = field(default_factory=list, compare=False, repr=False)
    # the views built from this draft so far: a reader whose repair gives the same views gets
    # the same GateText, with what the earlier reader's phrase sets found in it


def _deleet(token: str) -> str:
    """Map leetspeak symbols in one token that also has letters; keep numbers with units."""
    if not any(char.isalpha() for char in token) or not _LEET_CHARS.intersection(token):
        return token
    if token[0].isdigit() and _NUMBER_WITH_UNIT.fullmatch(token):
        return token
    token = _DOUBLE_ONE.sub("ll", token)  # "ki11" is "kill", not "kiii"
    return token.translate(_LEET_TABLE)


def _clean_token(raw: str, corrector: TokenCorrector | None) -> str:
    """Leet-map and unmask one raw token, keeping its surrounding punctuation out of the word.

    Without a ``corrector``, masked words stay as they are (as a corrector without masked key
    words leaves them).
    """
    core = raw.strip(_EDGE_SYMBOLS)
    if not core:
        return " "
    start = raw.index(core[0])
    word = _deleet(core)
    if corrector is not None and ("*" in word or "#" in word):
        word = corrector.correct(word.replace("'", ""))
    return f"{raw[:start]}{word}{raw[start + len(core) :]}"


_CLEANED: dict[str, str] = {}
_CLEANED_LIMIT = 50_000


def _clean_alone(match: re.Match[str]) -> str:
    """``_clean_token`` without a corrector, remembered (the same tokens recur)."""
    raw = match.group(0)
    cleaned = _CLEANED.get(raw)
    if cleaned is None:
        cleaned = _clean_token(raw, None)
        if len(raw) <= _CLEANED_MAX_CHARS:
            if len(_CLEANED) >= _CLEANED_LIMIT:
                _CLEANED.clear()
            _CLEANED[raw] = cleaned
    return cleaned


_CLEANED_MAX_CHARS = 64


def _has_mask(raw: str) -> bool:
    """Whether cleaning ``raw`` would ask a corrector to unmask a word."""
    core = raw.strip(_EDGE_SYMBOLS)
    return bool(core) and _MASKED.search(_deleet(core)) is not None


def _tokens(text: str, corrector: TokenCorrector | None) -> tuple[str, ...]:
    """The tokens of one view of already-normalised ``text``, before typo repair."""
    if corrector is None:
        tokens: list[str] = []
        for chunk in text.split(" "):
            if chunk:
                tokens.extend(_chunk_tokens(chunk))
    else:
        text = _CHANGEABLE.sub(lambda match: _clean_token(match.group(0), corrector), text)
        tokens = _split(text)
    first = 0
    last = len(tokens)
    while first < last and tokens[first] == ".":
        first += 1
    while last > first and tokens[last - 1] == ".":
        last -= 1
    return tuple(tokens[first:last])


def _split(text: str) -> list[str]:
    """The tokens of cleaned ``text``: clause marks as ``.``, other non-word characters as
    spaces, runs of three or more of a character squeezed to two."""
    text = _CLAUSE_MARKS.sub(" . ", _ELLIPSIS.sub(" ", text.replace("'", "")))
    return _LONG_RUN.sub(r"\1\1", _NOT_WORD.sub(" ", text)).split()


_CHUNKS: dict[str, tuple[str, ...]] = {}
_CHUNKS_LIMIT = 50_000


def _chunk_tokens(chunk: str) -> tuple[str, ...]:
    """The tokens of one space-free piece of a text, cleaned without a corrector (remembered:
    the same words recur across messages).

    Every step of cleaning and splitting reads a space as it reads the start or end of the
    text, and no match holds a space (but runs of spaces, which splitting drops), so a text's
    tokens are its pieces' tokens in turn.
    """
    tokens = _CHUNKS.get(chunk)
    if tokens is None:
        tokens = tuple(_split(_CHANGEABLE.sub(_clean_alone, chunk)))
        if len(chunk) <= _CLEANED_MAX_CHARS:
            if len(_CHUNKS) >= _CHUNKS_LIMIT:
                _CHUNKS.clear()
            _CHUNKS[chunk] = tokens
    return tokens


def _join_spaced(match: re.Match[str]) -> str:
    return _SEPARATORS.sub("", match.group(0))


@lru_cache(maxsize=DRAFT_CACHE_SIZE)
def draft(text: str) -> Draft:
    """Read ``text`` up to typo repair (linear in its length); recent texts are remembered."""
    base = normalize(text)
    if not base.isascii():
        base = base.translate(_EMOJI)
    variants = [base]
    spaced = _SPACED_LETTERS.sub(_join_spaced, base)
    if spaced != base:
        variants.append(spaced)
    if len(_TIGHT_MARK.findall(base)) >= _MIN_TIGHT_MARKS:
        tight = _TIGHT_MARK.sub(" ", base)
        if tight != base:
            variants.append(tight)
    masked = ("*" in base or "#" in base) and any(
        _has_mask(match.group(0)) for variant in variants for match in _MASKS.finditer(variant)
    )
    tokens = tuple(_tokens(variant, None) for variant in variants)
    return Draft(tuple(variants), tokens, masked)


_MASKS = re.compile(rf"(?<!{_WORDISH}){_WORDISH}*[*#]{_WORDISH}*")


def build_gate_text(text: str, corrector: TokenCorrector) -> GateText:
    """Build every view of ``text`` the gate needs (linear in the length of the text)."""
    read = draft(text)
    if read.masked and corrector.unmasks:
        token_lists = tuple(_tokens(variant, corrector) for variant in read.variants)
    else:
        token_lists = read.tokens
    views: list[str] = []
    tokens: list[str] = []
    for raw_tokens in token_lists:
        repaired = corrector.repair(raw_tokens)
        view = " " + " ".join(repaired) + " "
        if view not in views:
            views.append(view)
            tokens.extend(repaired)
    long_tokens = [token for token in tokens if len(token) >= GLUED_MIN_LENGTH]
    glued = " " + " ".join(long_tokens) + " " if long_tokens else ""
    built = tuple(views)
    for earlier in read.read:
        if earlier.views == built and earlier.glued == glued:
            return earlier
    gate_text = GateText(built, glued)
    if len(read.read) < _READERS:
        read.read.append(gate_text)
    return gate_text


_READERS = 4
"""Views kept per draft: the gate's and the advice guard's, with room for a caller of its own."""


def _spans(view: str) -> list[tuple[str, int, int]]:
    """Every token of a padded view with its start and end."""
    spans: list[tuple[str, int, int]] = []
    position = 1
    for token in view[1:-1].split(" "):
        spans.append((token, position, position + len(token)))
        position += len(token) + 1
    return spans


def _occurrences(spans: list[tuple[str, int, int]]) -> list[int]:
    """For each token, how many times the same token came before it."""
    seen: dict[str, int] = {}
    counts: list[int] = []
    for token, _, _ in spans:
        counts.append(seen.get(token, 0))
        seen[token] = counts[-1] + 1
    return counts


def main_spans(
    text: GateText, view_index: int, start: int, end: int
) -> list[tuple[int, int]] | None:
    """Where the tokens that ``[start, end)`` of a view touches are in the main view.

    ``view_index`` counts the views, then the glued text. A token of another view is the main
    view's token of the same spelling and the same rank among its repeats ("overdosed" in the
    long words is the main view's "overdosed"); None when some touched token has no such
    counterpart (letters joined or words unglued only in that view).
    """
    main = _spans(text.views[0])
    where: dict[tuple[str, int], tuple[int, int]] = {
        (token, rank): (first, last)
        for (token, first, last), rank in zip(main, _occurrences(main), strict=True)
    }
    if view_index < len(text.views):
        ranked = _spans(text.views[view_index])
        ranks = _occurrences(ranked)
    else:  # the glued text: the long tokens of each view in turn, ranked within their view
        ranked = _spans(text.glued) if text.glued else []
        ranks = []
        for view in text.views:
            spans = _spans(view)
            ranks.extend(
                rank
                for (token, _, _), rank in zip(spans, _occurrences(spans), strict=True)
                if len(token) >= GLUED_MIN_LENGTH
            )
    found: list[tuple[int, int]] = []
    for (token, first, last), rank in zip(ranked, ranks, strict=True):
        if first < end and start < last:
            counterpart = where.get((token, rank))
            if counterpart is None:
                return None
            found.append(counterpart)
    return found or None


__all__ = [
    "DRAFT_CACHE_SIZE",
    "GLUED_MIN_LENGTH",
    "Draft",
    "GateText",
    "build_gate_text",
    "draft",
    "main_spans",
]
