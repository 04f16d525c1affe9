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
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.gate.confusables import EMOJI_WORDS, LEET
from bot.gate.fuzzy import TokenCorrector
from bot.gate.normalize import normalize
from bot.gate.phrases import squeeze_all

GLUED_MIN_LENGTH = 9

_EMOJI = {ord(emoji): f" {word} " for emoji, word in EMOJI_WORDS.items()}
_SINGLE = r"[a-z0-9@$!|]"
_SPACED_LETTERS = re.compile(
    rf"(?<![a-z0-9@$!|]){_SINGLE}(?:[ .\-_,*/~+·•]{{1,3}}{_SINGLE}(?![a-z0-9@$!|])){{2,}}"
)
_SEPARATORS = re.compile(r"[ .\-_,*/~+·•]")
_TOKEN = re.compile(r"[\w@$!|€*#']+")
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
_TIGHT_MARK = re.compile(r"(?<=[a-z]{2})[.,;:](?=[a-z]{2})|(?<=\b[a-z])[.,;:](?=[a-z]{2})")
_MIN_TIGHT_MARKS = 2


@dataclass(frozen=True, slots=True)
class GateText:
    """The views of one message that the gate's rules are matched against."""

    views: tuple[str, ...]  # the main view first, then the joined and unpunctuated views if any
    glued: str  # long tokens only, for boundary-less phrases; "" when there are none
    squeezed: str  # every view fully squeezed and concatenated, for the anchor prefilter


def _deleet(token: str) -> str:
    """Map leetspeak symbols in one token that also has letters; keep numbers with units."""
    if not any(char.isalpha() for char in token) or not _LEET_CHARS.intersection(token):
        return token
    if token[0].isdigit() and _NUMBER_WITH_UNIT.fullmatch(token):
        return token
    token = _DOUBLE_ONE.sub("ll", token)  # "ki11" is "kill", not "kiii"
    return token.translate(_LEET_TABLE)


def _clean_token(raw: str, corrector: TokenCorrector) -> str:
    """Leet-map and unmask one raw token, keeping its surrounding punctuation out of the word."""
    core = raw.strip(_EDGE_SYMBOLS)
    if not core:
        return " "
    start = raw.index(core[0])
    word = _deleet(core)
    if "*" in word or "#" in word:
        word = corrector.correct(word.replace("'", ""))
    return f"{raw[:start]}{word}{raw[start + len(core) :]}"


def _view(text: str, corrector: TokenCorrector) -> tuple[str, list[str]]:
    """One padded view of already-normalised ``text`` and its tokens."""
    text = _TOKEN.sub(lambda match: _clean_token(match.group(0), corrector), text)
    text = _CLAUSE_MARKS.sub(" . ", _ELLIPSIS.sub(" ", text.replace("'", "")))
    text = _NOT_WORD.sub(" ", text)
    tokens = [corrector.correct(_LONG_RUN.sub(r"\1\1", token)) for token in text.split()]
    while tokens and tokens[0] == ".":
        tokens.pop(0)
    while tokens and tokens[-1] == ".":
        tokens.pop()
    return " " + " ".join(tokens) + " ", tokens


def _join_spaced(match: re.Match[str]) -> str:
    return _SEPARATORS.sub("", match.group(0))


def build_gate_text(text: str, corrector: TokenCorrector) -> GateText:
    """Build every view of ``text`` the gate needs (linear in the length of the text)."""
    base = normalize(text).translate(_EMOJI)
    main, tokens = _view(base, corrector)
    views = [main]
    variants = [_SPACED_LETTERS.sub(_join_spaced, base)]
    if len(_TIGHT_MARK.findall(base)) >= _MIN_TIGHT_MARKS:
        variants.append(_TIGHT_MARK.sub(" ", base))
    for variant in variants:
        if variant == base:
            continue
        extra, extra_tokens = _view(variant, corrector)
        if extra not in views:
            views.append(extra)
            tokens.extend(extra_tokens)
    long_tokens = [token for token in tokens if len(token) >= GLUED_MIN_LENGTH]
    glued = " " + " ".join(long_tokens) + " " if long_tokens else ""
    squeezed = "\n".join(squeeze_all(view) for view in views)
    return GateText(tuple(views), glued, squeezed)


__all__ = ["GLUED_MIN_LENGTH", "GateText", "build_gate_text"]
