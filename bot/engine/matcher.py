"""Match a person's text to flow triggers: tolerant of case, accents and small typos.

Phrases match as whole words in order (up to two other words may stand between two of them);
keywords are single words, any of which is enough. A word of five letters or more also matches
with one typo, of eight or more with two (a swap of neighbours counts as one), as long as the
first letter is right. The longest phrase wins; keywords count for less than phrases.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import OSA

_NON_WORD = re.compile(r"[^0-9a-z]+")


def tokens(text: str) -> tuple[str, ...]:
    """Casefolded, accent-free word tokens of ``text``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return tuple(token for token in _NON_WORD.split(stripped) if token)


def _allowed_typos(word: str) -> int:
    if len(word) >= 8:
        return 2
    if len(word) >= 5:
        return 1
    return 0


def _same_word(expected: str, actual: str) -> bool:
    if expected == actual:
        return True
    budget = _allowed_typos(expected)
    if budget == 0 or abs(len(expected) - len(actual)) > budget or expected[0] != actual[0]:
        return False  # typos keep the first letter: "killing" must not pass for "billing"
    return OSA.distance(expected, actual, score_cutoff=budget) <= budget


MAX_GAP = 2  # words that may stand between two words of a phrase


def _phrase_in(phrase: Sequence[str], words: Sequence[str]) -> bool:
    for start, word in enumerate(words):
        if _same_word(phrase[0], word) and _rest_follows(phrase, 1, words, start + 1):
            return True
    return False


def _rest_follows(phrase: Sequence[str], index: int, words: Sequence[str], position: int) -> bool:
    if index == len(phrase):
        return True
    for offset in range(position, min(position + MAX_GAP + 1, len(words))):
        if _same_word(phrase[index], words[offset]) and _rest_follows(
            phrase, index + 1, words, offset + 1
        ):
            return True
    return False


@dataclass(frozen=True, slots=True)
class TriggerPattern:
    """The text side of one trigger in one flow."""

    flow: str
    trigger: str
    phrases: tuple[tuple[str, ...], ...]
    keywords: frozenset[str]

    def score(self, words: Sequence[str], word_set: frozenset[str]) -> int:
        """0 when the text does not match; otherwise higher for a more specific match."""
        best = 0
        for phrase in self.phrases:
            if len(phrase) * 10 + 10 > best and _phrase_in(phrase, words):
                best = len(phrase) * 10 + 10
        if best:
            return best
        if self.keywords & word_set:
            return 5
        for keyword in self.keywords:
            if _allowed_typos(keyword) and any(_same_word(keyword, word) for word in word_set):
                return 4
        return 0


def build_patterns(
    flow: str, triggers: Iterable[tuple[str, Iterable[str], Iterable[str]]]
) -> tuple[TriggerPattern, ...]:
    """Patterns for ``(trigger, phrases, keywords)`` triples of one flow."""
    patterns = []
    for trigger, phrases, keywords in triggers:
        phrase_tokens = tuple(t for t in (tokens(p) for p in phrases) if t)
        keyword_tokens = frozenset(t for k in keywords for t in tokens(k))
        if phrase_tokens or keyword_tokens:
            patterns.append(TriggerPattern(flow, trigger, phrase_tokens, keyword_tokens))
    return tuple(patterns)


def best_match(text: str, patterns: Iterable[TriggerPattern]) -> tuple[TriggerPattern | None, int]:
    """The pattern that matches ``text`` best (the first on a tie) and its score; 0 when none."""
    words = tokens(text)
    if not words:
        return None, 0
    word_set = frozenset(words)
    best: TriggerPattern | None = None
    best_score = 0
    for pattern in patterns:
        score = pattern.score(words, word_set)
        if score > best_score:
            best, best_score = pattern, score
    return best, best_score
