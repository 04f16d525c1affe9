"""The pieces of a message the semantic detector encodes: the whole message and its sentences.

A crisis sentence buried in a long ketamine question is diluted in the embedding of the whole
message, so each sentence is scored too and the highest score counts. Encoding costs about
0.05 ms of CPU per model token plus a little per piece, so the work is bounded before anything
is encoded:

1. the text is tidied: invisible characters dropped, runs of one character squeezed to two
   (``aaaa…`` costs one token per two characters otherwise), runs of symbols and emoji cut to
   three, letters written one at a time joined (``s u i c i d e``), white space collapsed;
2. it is split into sentences (Latin, Arabic, Devanagari and CJK sentence marks, line breaks);
3. at most :data:`MAX_PIECES` pieces are kept, each cut to :data:`MAX_PIECE_CHARS` characters
   and then to :data:`MAX_PIECE_TOKENS` tokens, and at most :data:`MAX_TOTAL_TOKENS` tokens in
   all (:data:`MAX_LONG_TOKENS` for a text of more than :data:`LONG_TEXT_CHARS` characters,
   whose lexicon views cost more). When a long message has more sentences than that, sentences
   that ``urgent`` marks (the safety-net vocabulary) go first, then the last sentence, then the
   others, statements before questions, from the shortest up.
4. a message longer than one piece (:data:`MAX_PIECE_CHARS`) is read mostly by its sentences:
   its "whole" piece is only its opening, cut to :data:`WHOLE_TOKENS_WHEN_CUT` tokens; up to
   :data:`MAX_PIECES_WHEN_CUT` pieces of at most :data:`SENTENCE_TOKENS_WHEN_CUT` tokens are
   kept, :data:`MAX_CUT_TOKENS` in all up to :data:`LONG_TEXT_CHARS` characters, statements go
   before questions and the longest statements first, so the budget reaches a crisis sentence
   buried in the middle of a long message (measured on long messages written for it:
   docs/crisis.md, "Buried sentences: a long message read by its sentences"). The detector then
   holds a sentence's score to the stricter crisis threshold, since it is the best of many
   pieces.

The encoder costs a fixed 2 ms or so per call plus about 0.05 ms per token, so every piece of a
message is encoded in one call and the token budget bounds the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import chain

MAX_PIECES = 6
MAX_PIECES_WHEN_CUT = 16
"""Pieces kept for a message longer than one piece (its whole is then only its opening)."""
WHOLE_TOKENS_WHEN_CUT = 16
"""Tokens of the opening read as the "whole" piece of a message longer than one piece."""
SENTENCE_TOKENS_WHEN_CUT = 32
"""Tokens of each sentence read in a message longer than one piece."""
MAX_PIECE_CHARS = 200
MAX_PIECE_TOKENS = 48
MAX_TOTAL_TOKENS = 96
MAX_LONG_TOKENS = 56
MAX_CUT_TOKENS = 144
"""Tokens in all for a message longer than one piece and at most LONG_TEXT_CHARS characters."""
LONG_TEXT_CHARS = 1000
MAX_SCAN_CHARS = 8192
"""Text past this many characters is not read at all (Telegram caps a message at 4,096)."""

_INVISIBLE = re.compile(
    r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    r"\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
_RUN = re.compile(r"(.)\1{2,}", re.DOTALL)
_SYMBOL_RUN = re.compile(r"([^\w\s]{3})[^\w\s]+")
_SPACED = re.compile(r"(?<!\w)(?:\w[ .\-_*·]){3,}\w(?!\w)")
_SPACED_MARK = re.compile(r"[ .\-_*·]")
_SPACE = re.compile(r"\s+")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_REPEATED = re.compile(r"(?<!\S)(\S.{0,39}?)(?:\s+\1){2,}(?!\S)", re.DOTALL)
_ALNUM = re.compile(r"[^\W_]")
"""A letter or digit: what ``str.isalnum`` accepts."""
_QUESTION = re.compile(r"[?？؟]\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?…;:؟۔।。！？；])\s*|\n+")


def tidy(text: str) -> str:
    """The text with obfuscation that only costs tokens undone (see the module docstring)."""
    text = _SURROGATE.sub("", _INVISIBLE.sub("", text[:MAX_SCAN_CHARS]))
    text = _RUN.sub(r"\1\1", text)
    text = _SYMBOL_RUN.sub(r"\1", text)
    text = _SPACED.sub(lambda match: _SPACED_MARK.sub("", match.group()), text)
    return _SPACE.sub(" ", text).strip()


def sentences(text: str) -> list[str]:
    """The non-empty sentences of tidied ``text``, in order."""
    parts = (part.strip() for part in _SENTENCE_END.split(text))
    return [part for part in parts if _ALNUM.search(part)]


def reads_by_sentences(tidied: str) -> bool:
    """Whether a tidied message is longer than one piece, so that its "whole" piece is only its
    opening and it is read mostly by its sentences (item 4 of the module docstring)."""
    return len(tidied) > MAX_PIECE_CHARS


def _cut(text: str, count_tokens: Callable[[str], int], max_tokens: int) -> tuple[str, int]:
    """``text`` shortened (at a word boundary where one is near) to at most ``max_tokens``.

    A phrase repeated three or more times back to back is kept once ("i want to i want to i want
    to" reads as the phrase, not as an insistent statement).
    """
    text = _REPEATED.sub(r"\1", text[: 2 * MAX_PIECE_CHARS])[:MAX_PIECE_CHARS]
    for _ in range(4):
        tokens = count_tokens(text)
        if tokens <= max_tokens:
            return text, tokens
        # a tenth under the proportional cut: most pieces then fit at the second count
        keep = max(1, len(text) * max_tokens * 9 // (tokens * 10) - 1)
        space = text.rfind(" ", keep // 2, keep)
        text = text[: space if space > 0 else keep]
    text = text[: max(1, max_tokens // 2)]
    return text, count_tokens(text)


def select_pieces(
    text: str,
    count_tokens: Callable[[str], int],
    urgent: Callable[[str], bool] = lambda _: False,
    max_pieces: int = MAX_PIECES,
) -> list[str]:
    """The bounded list of pieces to encode for ``text`` (empty when nothing is left); with
    ``max_pieces=1`` the whole message alone."""
    tidied = tidy(text)
    if not any(char.isalpha() for char in tidied):
        return []  # digits, emoji and marks alone carry nothing the encoder reads reliably
    if max_pieces <= 1:
        return [_cut(tidied, count_tokens, MAX_PIECE_TOKENS)[0]]
    parts = list(dict.fromkeys(sentences(tidied)))
    if len(parts) <= 1:
        return [_cut(tidied, count_tokens, MAX_PIECE_TOKENS)[0]]
    # Urgent sentences first, then the last one, then statements before questions: in a short
    # message the shortest first (the most sentences for the budget), in a long one the longest
    # first, each cut to SENTENCE_TOKENS_WHEN_CUT (greetings and logistics are short; a buried
    # statement about oneself is not). Sentences are tested for urgency only until the pieces
    # are chosen.
    cut = reads_by_sentences(tidied)
    if cut:
        max_pieces = max(max_pieces, MAX_PIECES_WHEN_CUT)
    order = chain(
        (i for i, part in enumerate(parts) if urgent(part)),
        (len(parts) - 1,),
        sorted(
            range(len(parts)),
            key=lambda i: (
                _QUESTION.search(parts[i]) is not None,
                -len(parts[i]) if cut else len(parts[i]),
            ),
        ),
    )
    chosen: list[str] = []
    if len(tidied) > LONG_TEXT_CHARS:
        budget = MAX_LONG_TOKENS
    else:
        budget = MAX_CUT_TOKENS if cut else MAX_TOTAL_TOKENS
    whole, used = _cut(tidied, count_tokens, WHOLE_TOKENS_WHEN_CUT if cut else MAX_PIECE_TOKENS)
    budget -= used
    most = SENTENCE_TOKENS_WHEN_CUT if cut else MAX_PIECE_TOKENS
    seen: set[int] = set()
    while len(chosen) < max_pieces - 1 and budget > 4:
        index = next(order, None)
        if index is None:
            break
        if index in seen:
            continue
        seen.add(index)
        piece, used = _cut(parts[index], count_tokens, min(most, budget))
        if piece != whole:
            chosen.append(piece)
            budget -= used
    return [whole, *chosen]


__all__ = [
    "LONG_TEXT_CHARS",
    "MAX_CUT_TOKENS",
    "MAX_LONG_TOKENS",
    "MAX_PIECES",
    "MAX_PIECES_WHEN_CUT",
    "MAX_PIECE_CHARS",
    "MAX_PIECE_TOKENS",
    "MAX_TOTAL_TOKENS",
    "SENTENCE_TOKENS_WHEN_CUT",
    "WHOLE_TOKENS_WHEN_CUT",
    "reads_by_sentences",
    "select_pieces",
    "sentences",
    "tidy",
]
