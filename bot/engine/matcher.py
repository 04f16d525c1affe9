"""Match a person's text to flow triggers: tolerant of case, accents and small typos.

Phrases match as whole words in order (up to two other words may stand between two of them);
keywords are single words, any of which is enough. A word of five letters or more also matches
with one typo, of eight or more with two (a swap of neighbours counts as one), as long as the
first letter is right. The longest phrase wins; keywords count for less than phrases.

:class:`MeaningIndex` is the second chance: each trigger's phrases as sentence vectors of the
shared multilingual encoder, so a question in other words or another language still finds the
trigger whose phrases mean the same.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import OSA
from threadpoolctl import ThreadpoolController

_NON_WORD = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=256)
def tokens(text: str) -> tuple[str, ...]:
    """Casefolded, accent-free word tokens of ``text`` (remembered for recent texts: a message
    is read by the current flow's index, the global one and the topic lookup in turn)."""
    folded = text.casefold()
    if not folded.isascii():  # NFKD leaves ASCII as it is, and it has no combining marks
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return tuple(token for token in _NON_WORD.split(folded) if token)


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
KEYWORD_SCORE = 5  # a keyword alone; any phrase scores 20 or more
_MAX_REMEMBERED_WORDS = 50_000  # per index; the memo is cleared when full

Hits = dict[str, tuple[int, ...]]  # vocabulary word -> positions in the message where it stands


def _phrase_in(phrase: Sequence[str], hits: Hits) -> bool:
    return any(_rest_follows(phrase, 1, hits, start + 1) for start in hits.get(phrase[0], ()))


def _rest_follows(phrase: Sequence[str], index: int, hits: Hits, position: int) -> bool:
    if index == len(phrase):
        return True
    return any(
        position <= found <= position + MAX_GAP
        and _rest_follows(phrase, index + 1, hits, found + 1)
        for found in hits.get(phrase[index], ())
    )


@dataclass(frozen=True, slots=True)
class TriggerPattern:
    """The text side of one trigger in one flow."""

    flow: str
    trigger: str
    phrases: tuple[tuple[str, ...], ...]
    keywords: frozenset[str]
    meaning_texts: tuple[str, ...] = ()  # phrases as written, for matching by meaning
    by_meaning: bool = False  # whether a question close in meaning fires it
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The hash a frozen dataclass computes, computed once: a lookup by meaning keys a dict by
        # every pattern, and hashing the phrases each time was a tenth of the lookup.
        fields = (
            self.flow,
            self.trigger,
            self.phrases,
            self.keywords,
            self.meaning_texts,
            self.by_meaning,
        )
        object.__setattr__(self, "_hash", hash(fields))

    def __hash__(self) -> int:
        return self._hash


def build_patterns(
    flow: str,
    triggers: Iterable[tuple[str, Iterable[str], Iterable[str]]],
    by_meaning: Collection[str] = (),
) -> tuple[TriggerPattern, ...]:
    """Patterns for ``(trigger, phrases, keywords)`` triples of one flow.

    Every trigger keeps its phrases as written, for :class:`MeaningIndex`; only those named in
    ``by_meaning`` may be reached by meaning, the others (small talk) only take questions away
    from them: a question nearest to "good morning" reaches no topic.
    """
    patterns = []
    for trigger, phrases, keywords in triggers:
        written = tuple(phrases)
        phrase_tokens = tuple(t for t in (tokens(p) for p in written) if t)
        keyword_tokens = frozenset(t for k in keywords for t in tokens(k))
        if phrase_tokens or keyword_tokens:
            patterns.append(
                TriggerPattern(
                    flow, trigger, phrase_tokens, keyword_tokens, written, trigger in by_meaning
                )
            )
    return tuple(patterns)


class TriggerIndex:
    """Patterns with their vocabulary indexed by first letter, built once per flow version.

    For a message, each of its words is compared only with the vocabulary words that share its
    first letter; every pattern then scores against those hits.
    """

    def __init__(self, patterns: Iterable[TriggerPattern]) -> None:
        self.patterns = tuple(patterns)
        # by first word: the pattern's number, the phrase, its score and its other words
        self._phrases: dict[str, list[tuple[int, tuple[str, ...], int, frozenset[str]]]] = {}
        self._keywords: dict[str, list[int]] = {}
        for number, pattern in enumerate(self.patterns):
            for phrase in pattern.phrases:
                entry = (number, phrase, len(phrase) * 10 + 10, frozenset(phrase[1:]))
                self._phrases.setdefault(phrase[0], []).append(entry)
            for keyword in pattern.keywords:
                self._keywords.setdefault(keyword, []).append(number)
        vocabulary = {word for p in self.patterns for phrase in p.phrases for word in phrase}
        vocabulary |= {word for p in self.patterns for word in p.keywords}
        self._vocabulary = frozenset(vocabulary)
        self._by_shape: dict[tuple[str, int], tuple[str, ...]] = {}
        for word in sorted(vocabulary):
            key = (word[0], len(word))
            self._by_shape[key] = (*self._by_shape.get(key, ()), word)
        self._seen: dict[str, tuple[str, ...]] = {}

    def _matches(self, word: str) -> tuple[str, ...]:
        """Vocabulary words that ``word`` is, or is a small typo of (remembered per word)."""
        known = self._seen.get(word)
        if known is not None:
            return known
        found = [word] if word in self._vocabulary else []
        for length in range(max(len(word) - 2, 1), len(word) + 3):
            for candidate in self._by_shape.get((word[0], length), ()):
                if candidate != word and _same_word(candidate, word):
                    found.append(candidate)
        if len(self._seen) >= _MAX_REMEMBERED_WORDS:
            self._seen.clear()
        self._seen[word] = tuple(found)
        return self._seen[word]

    def hits(self, words: Sequence[str]) -> Hits:
        """Where each vocabulary word (or a small typo of it) stands in ``words``."""
        found: dict[str, list[int]] = {}
        seen = self._seen
        for position, word in enumerate(words):
            matched = seen.get(word)
            for candidate in self._matches(word) if matched is None else matched:
                found.setdefault(candidate, []).append(position)
        return {word: tuple(positions) for word, positions in found.items()}

    def best(self, text: str) -> tuple[TriggerPattern | None, int]:
        """The pattern that matches ``text`` best (the first on a tie) and its score; 0 if none."""
        scores = self.scores(text)
        if not scores:
            return None, 0
        number = min(scores, key=lambda n: (-scores[n], n))
        return self.patterns[number], scores[number]

    def scores(self, text: str) -> dict[int, int]:
        """The score of each pattern that matches ``text``, by its number in :attr:`patterns`.

        A pattern's score is its longest matching phrase's (``KEYWORD_SCORE`` for a keyword
        alone), whatever else the index holds. Only phrases whose first word and keywords that
        stand in the message are tried, and a phrase only in full when all its words do (a
        phrase of one word then matches).
        """
        words = tokens(text)
        if not words:
            return {}
        hits = self.hits(words)
        present = hits.keys()
        scores: dict[int, int] = {}
        for word in hits:
            for number, phrase, score, rest in self._phrases.get(word, ()):
                if score > scores.get(number, 0) and (
                    not rest or (present >= rest and _phrase_in(phrase, hits))
                ):
                    scores[number] = score
            for number in self._keywords.get(word, ()):
                scores[number] = max(scores.get(number, 0), KEYWORD_SCORE)
        return scores


class JointIndex:
    """Several trigger indexes (views of patterns) read in one pass over a message.

    Each view answers what a :class:`TriggerIndex` of its own patterns would: a pattern's score
    does not depend on the other patterns indexed beside it, nor does a word's match with a
    vocabulary word. So the message is tokenised, matched and scored once against every pattern
    of every view, and each view takes its best (the first of its own on a tie).
    """

    def __init__(self, views: Mapping[str, Sequence[TriggerPattern]]) -> None:
        numbers: dict[TriggerPattern, int] = {}
        for patterns in views.values():
            for pattern in patterns:
                numbers.setdefault(pattern, len(numbers))
        self._index = TriggerIndex(numbers)
        self._views = {name: tuple(patterns) for name, patterns in views.items()}
        # a view's place for each pattern number of the joint index
        self._places = {
            name: {numbers[pattern]: place for place, pattern in reversed(list(enumerate(view)))}
            for name, view in self._views.items()
        }

    def best(self, text: str, views: Sequence[str]) -> list[tuple[TriggerPattern | None, int]]:
        """For each of ``views``, what its own :meth:`TriggerIndex.best` gives for ``text``."""
        scores = self._index.scores(text)
        return [self._best_in(scores, view) for view in views]

    def _best_in(self, scores: dict[int, int], view: str) -> tuple[TriggerPattern | None, int]:
        places = self._places[view]
        best_place, best_score = -1, 0
        for number, score in scores.items():
            place = places.get(number)
            if place is not None and (
                score > best_score or (score == best_score and place < best_place)
            ):
                best_place, best_score = place, score
        if best_place < 0:
            return None, 0
        return self._views[view][best_place], best_score


Vectors = npt.NDArray[np.float32]
Encode = Callable[[Sequence[str]], Vectors]
MAX_MEANING_CHARS = 500  # a longer question is cut; its start says what it is about


class MeaningIndex:
    """Every phrase of the patterns as a unit vector; a text's closest patterns by cosine.

    A pattern's similarity to a text is the mean of its ``top_k`` most similar phrases, so one
    stray phrase does not carry a topic. Built once per set of compiled flows (the phrases are
    encoded in one batch); a lookup encodes the text once and takes one matrix-vector product
    per topic. :meth:`prepare` also works out a batch's similarities roughly, in one product,
    for :meth:`rough_similarities`.
    """

    def __init__(self, patterns: Iterable[TriggerPattern], encode: Encode, top_k: int = 2) -> None:
        self.patterns = tuple(p for p in patterns if p.meaning_texts)
        self._encode = encode
        self._top_k = top_k
        texts = [text for p in self.patterns for text in p.meaning_texts]
        vectors: Vectors = encode(texts) if texts else np.zeros((0, 1), dtype=np.float32)
        self._centre = vectors.mean(axis=0) if texts else np.zeros(1, dtype=np.float32)
        vectors = _unit(vectors - self._centre)
        bounds = np.cumsum([0, *(len(p.meaning_texts) for p in self.patterns)])
        self._rows = [vectors[start:end] for start, end in itertools.pairwise(bounds)]
        # Each topic's similarities land in one row of a table padded with -inf, so the rows
        # are sorted, cut and averaged in three calls, not three per topic; a topic with fewer
        # phrases than top_k takes the loop below.
        widest = max((len(rows) for rows in self._rows), default=0)
        self._table: Vectors | None = None
        if self._rows and all(len(rows) >= top_k for rows in self._rows):
            self._table = np.full((len(self._rows), widest), -np.inf, dtype=np.float32)
        # Where each phrase's similarity stands in the table, for a batch's products (below).
        # every phrase's vector as a column (a transposed view would cost threaded BLAS ten
        # times as much in a batch's product)
        self._columns = np.ascontiguousarray(vectors.T)
        self._cells = (
            np.repeat(np.arange(len(self._rows)), [len(rows) for rows in self._rows]),
            np.concatenate([np.arange(len(rows)) for rows in self._rows] or [np.zeros(0, int)]),
        )
        self._prepared: dict[str, tuple[bytes, Mapping[TriggerPattern, float]]] = {}
        self.rough_error = _rough_error(vectors.shape[1], top_k)
        # Each topic's product as one BLAS matrix-vector call: np.dot makes for a matrix (two
        # rows or more) the same sgemv call as np.matmul, so the same bits, at less cost per
        # call; a single row would be a vector dot in np.dot, so it keeps np.matmul.
        self._products = [
            (rows, len(rows), np.dot if len(rows) >= 2 else np.matmul) for rows in self._rows
        ]

    def prepare(self, texts: Sequence[str]) -> None:
        """Encode ``texts`` in one batch ahead of :meth:`similarities` (the encoder caches), and
        work out their rough similarities in one product (kept for this batch only)."""
        wanted = [_meaning_text(text) for text in texts if text.strip()]
        if self.patterns and wanted:
            self._encode(wanted)
            if self._table is not None:
                self._prepared = self._rough(list(dict.fromkeys(wanted)))

    def _rough(self, texts: list[str]) -> dict[str, tuple[bytes, Mapping[TriggerPattern, float]]]:
        """For each of ``texts`` (distinct, each as it is compared), the encoder's vector and
        its similarities as one product of the whole batch gives them: within
        :attr:`rough_error` of :meth:`similarities`', not the same bits."""
        assert self._table is not None
        encoded = [self._encode([text]) for text in texts]
        # each unit vector exactly as similarities makes it from the same encoder's vector
        vectors = np.stack([_unit(vector - self._centre)[0] for vector in encoded])
        with _ONE_BLAS_THREAD.limit(limits=1, user_api="blas"):
            # a small product: more threads only spin, ten times the CPU on two busy cores
            products = vectors @ self._columns
        tables = np.repeat(self._table[np.newaxis], len(texts), axis=0)
        tables[:, self._cells[0], self._cells[1]] = products
        tables.sort(axis=2)
        means = _SUM(tables[:, :, : -self._top_k - 1 : -1], axis=2) / np.float32(self._top_k)
        finite = np.isfinite(means).all(axis=1)
        return {
            text: (vector.tobytes(), dict(zip(self.patterns, row, strict=True)))
            for text, vector, row, usable in zip(
                texts, encoded, means.tolist(), finite.tolist(), strict=True
            )
            if usable
        }

    def rough_similarities(self, text: str) -> Mapping[TriggerPattern, float] | None:
        """Each pattern's similarity to ``text`` within :attr:`rough_error` of what
        :meth:`similarities` gives, when ``text`` was in the last prepared batch; else ``None``.

        Both come from the same encoder's vector, so from the same unit vector (checked: the
        encoder may have forgotten the text since), and differ only in how each product was
        summed.
        """
        wanted = _meaning_text(text)
        found = self._prepared.get(wanted) if wanted else None
        if found is None:
            return None
        encoded, similarities = found
        if self._encode([wanted]).tobytes() != encoded:
            return None
        return similarities

    def similarities(self, text: str) -> dict[TriggerPattern, float]:
        """Each pattern's similarity in meaning to ``text`` (empty for an empty text)."""
        if not self.patterns or not text.strip():
            return {}
        vector = _unit(self._encode([_meaning_text(text)]) - self._centre)[0]
        top_k = self._top_k
        if self._table is not None:
            table = self._table.copy()
            for row, (rows, count, product) in zip(table, self._products, strict=True):
                product(rows, vector, out=row[:count])  # each topic's own product
            table.sort(axis=1)
            # the top_k highest, highest first, summed in float32 and divided as below
            means = _SUM(table[:, : -top_k - 1 : -1], axis=1) / np.float32(top_k)
            return dict(zip(self.patterns, means.tolist(), strict=True))
        found: dict[TriggerPattern, float] = {}
        for pattern, rows in zip(self.patterns, self._rows, strict=True):
            closest = rows @ vector
            closest.sort()  # in place: np.sort's copy and checks cost more than the sort
            closest = closest[: -top_k - 1 : -1]  # the top_k highest, highest first
            # the mean as ndarray.mean computes it (a float32 sum over the count), without its
            # Python-level checks: a third of a lookup's CPU
            found[pattern] = float(_SUM(closest) / len(closest))
        return found

    def nearest(self, text: str) -> tuple[TriggerPattern | None, float]:
        """The pattern closest in meaning to ``text`` and its similarity; ``None`` when that is
        one not reached by meaning (small talk)."""
        found = self.similarities(text)
        if not found:
            return None, 0.0
        best = max(found, key=lambda pattern: found[pattern])
        return (best if best.by_meaning else None), found[best]


_SUM = np.add.reduce
_ONE_BLAS_THREAD = ThreadpoolController()


def _rough_error(dimensions: int, top_k: int) -> float:
    """How far a topic's similarity from a batch's product can be from :meth:`similarities`'.

    A float32 dot product of ``dimensions`` terms, summed in any order, with or without fused
    multiply-adds, is within ``gamma * |row| * |vector|`` of the exact value (``gamma = n u /
    (1 - n u)``, ``u`` the unit roundoff; Higham, Accuracy and Stability of Numerical
    Algorithms, 3.1); the vectors are of unit length, so two ways of summing differ by at most
    twice that. The mean of the ``top_k`` highest moves no more than its terms, plus each sum's
    own rounding. Four times the total, for the lengths' own rounding and for margin.
    """
    unit_roundoff = 2.0**-24
    gamma = dimensions * unit_roundoff / (1 - dimensions * unit_roundoff)
    return 4 * (2 * gamma + 2 * top_k * unit_roundoff)


def _meaning_text(text: str) -> str:
    return text.strip()[:MAX_MEANING_CHARS]


def _unit(vectors: Vectors) -> Vectors:
    if vectors.dtype == np.float32:
        # np.linalg.norm(vectors, axis=1, keepdims=True) of float rows, without its checks:
        # the square root of the sum of squares along the rows, the same ufuncs on the same data
        lengths: npt.NDArray[np.floating[Any]] = np.sqrt(
            _SUM(vectors * vectors, axis=1, keepdims=True)
        )
    else:
        lengths = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: Vectors = vectors / np.maximum(lengths, 1e-12)
    return unit if unit.dtype == np.float32 else unit.astype(np.float32)
