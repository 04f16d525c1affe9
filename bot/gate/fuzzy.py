"""Spelling repair for the key words whose misspellings matter ("sucidal", "myslef", "s*icide").

Only tokens that are close to a configured key word are touched, so ordinary words pass through
unchanged. The keys are crisis words of every language written in Latin or Cyrillic script (the
lexicon's Latin views, and the words of the crisis terms). Four repairs exist:

* **typos**: a token within an optimal-string-alignment distance of a key (1 edit, or 2 when key
  and token both have eight letters or more, or the distance written after the key as
  ``suicide:2``), with the same first letter, becomes that key. Real words that close
  (``overdone`` for ``overdose``) are listed in ``exclude`` and left alone.
* **masking**: a token with ``*`` or ``#`` standing in for letters (``k*ll``, ``su*c*de``) becomes
  the first masked key of the same length whose other letters agree.
* **split words** (:meth:`TokenCorrector.repair`): two tokens that are a key once written
  together ("umbrin gen", "sui cide", "over dose") become that key, when neither is a key alone.
* **run-together words**: one token that is two or three words of a small vocabulary, at least
  one of them a crisis key ("wannadie", "killmyslef"), becomes those words.

A dropped, doubled, swapped or neighbouring letter is one edit; a missing accent is none (the
views and the terms fold accents away; ``ł`` and ``ı``, which have no accent to drop, read as
``l`` and ``i`` when compared). Results are cached per corrector, because the same tokens recur
across messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import cast

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.errors import ModelError
from bot.safe_yaml import YamlProblem, load_yaml_file

SPELLING_FILE = Path(__file__).with_name("spelling.yaml")

_MIN_TYPO_LENGTH = 4
_LONG_KEY = 8
_CACHE_LIMIT = 50_000
_MASK_CHARS = re.compile(r"[*#]")
_MIN_JOINED = 6
"""Two split tokens are joined only into a key of at least this many letters."""
_MAX_TYPOS = 2
"""The most edits any key is repaired across (the score cutoff of :meth:`_repair_typo`)."""
_MIN_PIECE_REPAIRED = 3
"""Split tokens joined into a key they miss by one edit each have at least this many letters."""
_MIN_RUN = 6
_MAX_RUN = 24
"""Run-together tokens are split only when they have this many letters."""
_PLAIN_LETTERS = str.maketrans({"ł": "l", "ı": "i"})


class TokenCorrector:
    """Repairs misspelled or masked key words, token by token."""

    def __init__(
        self,
        keys: Iterable[str],
        masked_keys: Iterable[str] = (),
        exclude: Iterable[str] = (),
        words: Iterable[str] = (),
        min_length: int = _MIN_TYPO_LENGTH,
    ) -> None:
        """``keys`` to repair towards (``word:limit`` sets its edit distance), ``masked_keys``
        to unmask, real words to ``exclude``, the ``words`` that may be run together with a
        key ("wanna", "my", "to"), and the fewest letters a token needs to be repaired."""
        self._min_length = min_length
        self._limits: dict[str, int] = {}  # explicit per-key distances only
        for entry in keys:
            word, _, limit = entry.partition(":")
            if limit:
                self._limits[word] = int(limit)
            else:
                self._limits.setdefault(word, 0)
        self._keys = tuple(sorted(self._limits))
        self._key_set = frozenset(self._keys)
        self._spaced_keys = any(" " in key for key in self._keys)
        """Whether a run-together reading ("wanna die") could be a key; the built-in ones can't."""
        self._keys_by_first: dict[str, list[str]] = {}  # the keys by first letter, in order
        for key in self._keys:
            self._keys_by_first.setdefault(key[0], []).append(key)
        self._keys_near: dict[tuple[str, int], list[str]] = {}
        """The keys by first letter and a length, in order, of those within ``_MAX_TYPOS``
        letters of it (filled as asked): the only keys a token that long can be a near-miss of."""
        self._exclude = frozenset(exclude)
        self._masked_keys = tuple(dict.fromkeys(masked_keys))
        self._plain = {key.translate(_PLAIN_LETTERS): key for key in self._keys}
        self._words = frozenset(words) | self._key_set
        self._longest_word = max((len(word) for word in self._words), default=0)
        self._longest_join = max((len(key) for key in self._keys), default=0) + _MAX_TYPOS
        """Two tokens longer than this together cannot be a key they are split from (a typo
        is at most two edits, so at most two letters more than the key)."""
        self._cache: dict[str, str] = {}
        self._pairs: dict[tuple[str, str], str] = {}
        """What two tokens side by side were read as: the key they join into, or ""."""

    @property
    def keys(self) -> tuple[str, ...]:
        """The key words repaired towards, with their written limits (``suicide:2``)."""
        return tuple(f"{key}:{limit}" if limit else key for key, limit in self._limits.items())

    @property
    def words(self) -> frozenset[str]:
        """The words that may be run together with a key (keys included)."""
        return self._words

    @property
    def unmasks(self) -> bool:
        """Whether this corrector resolves masked words (it has masked key words)."""
        return bool(self._masked_keys)

    def correct(self, token: str) -> str:
        """Return the key word ``token`` most likely stands for, or ``token`` unchanged."""
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        result = self._unmask(token) if _MASK_CHARS.search(token) else self._repair_typo(token)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[token] = result
        return result

    def repair(self, tokens: Sequence[str]) -> list[str]:
        """``tokens`` with each corrected, split words joined and run-together words split.

        A join happens only where neither token is a key or an excluded real word alone and
        both are letters: "sui cide" becomes "suicide", "my self" stays two words. Joins are
        made left to right: a token joined with the one before it is not joined again.
        """
        # What each pair of neighbours and each token were read as is remembered, and read here
        # first, all at once: nearly every pair and token of a message has been seen before,
        # and nearly none joins or changes.
        known = self._cache
        verdicts = list(map(self._pairs.get, pairwise(tokens)))
        if None not in verdicts and not any(verdicts):  # no pair joins: each token alone
            alone = list(map(known.get, tokens))
            if None not in alone:
                return cast("list[str]", alone)
            return [
                word if word is not None else self.correct(token)
                for word, token in zip(alone, tokens, strict=True)
            ]
        repaired: list[str] = []
        append = repaired.append
        index = 0
        last = len(tokens) - 1
        while index <= last:
            token = tokens[index]
            if index < last:
                joined = verdicts[index]
                if joined is None:
                    joined = self._pair_verdict(token, tokens[index + 1])
                if joined:
                    append(joined)
                    index += 2
                    continue
            cached = known.get(token)
            append(cached if cached is not None else self.correct(token))
            index += 1
        return repaired

    def _pair_verdict(self, first: str, second: str) -> str:
        """The key ``first`` and ``second`` side by side join into, or "" (remembered)."""
        verdict = self._joined(first, second) or ""
        if len(self._pairs) >= _CACHE_LIMIT:
            self._pairs.clear()
        self._pairs[first, second] = verdict
        return verdict

    def _joined(self, first: str, second: str) -> str | None:
        """The key that ``first`` and ``second`` written together are, or None."""
        if (
            first in self._key_set
            or second in self._key_set
            or not _MIN_JOINED <= len(first) + len(second) <= self._longest_join
        ):
            return None
        together = first + second
        if (
            len(first) >= 2
            and len(second) >= 2
            and together.isalpha()
            and first not in self._exclude
            and second not in self._exclude
        ):
            # Only a key counts: unless a key has a space, the joined word is read for typos
            # alone, as a run-together reading ("wanna die") cannot be one.
            repaired = self._repair_typo(together, split=self._spaced_keys)
            if repaired in self._key_set and (
                repaired == together
                or (
                    (first in self._words or min(len(first), len(second)) >= _MIN_PIECE_REPAIRED)
                    and OSA.distance(together, repaired) <= 1
                    and self._repair_typo(first) == first
                )
            ):
                return repaired
        return None

    def _repair_typo(self, token: str, *, split: bool = True) -> str:
        """Map a near-miss of a key word to the key; leave everything else alone (a run-together
        token is cut into its words unless ``split`` is False)."""
        if (
            len(token) < self._min_length
            or token in self._key_set
            or token in self._exclude
            or not token.isalpha()
        ):
            return token
        plain = self._plain.get(token if token.isascii() else token.translate(_PLAIN_LETTERS))
        if plain is not None:
            return plain
        candidates = self._keys_near.get((token[0], len(token)))
        if candidates is None:
            candidates = self._keys_near_to(token)
        if candidates:
            best = process.extractOne(
                token, candidates, scorer=OSA.distance, score_cutoff=_MAX_TYPOS
            )
            if best is not None:
                key = str(best[0])
                limit = self._limits[key] or (2 if min(len(key), len(token)) >= _LONG_KEY else 1)
                if int(best[1]) <= limit:
                    return key
        return self._split(token) if split else token

    def _split(self, token: str) -> str:
        """A run-together token as its words ("wannadie" -> "wanna die"), or ``token``.

        Each piece is a word of the vocabulary or, from four letters, a near miss of a key;
        at least one piece is a key; two or three pieces.
        """
        if not (_MIN_RUN <= len(token) <= _MAX_RUN) or not self._words:
            return token
        pieces = self._pieces(token, 3, alone=False)
        if pieces is None or len(pieces) < 2 or not any(p in self._key_set for p in pieces):
            return token
        return " ".join(pieces)

    def _pieces(self, text: str, most: int, *, alone: bool = True) -> list[str] | None:
        """``text`` cut into at most ``most`` known pieces, the first piece as long as possible
        (``alone``: or left whole, when it is one known piece)."""
        if most == 1:
            if text in self._words:
                return [text]
            if len(text) >= _MIN_TYPO_LENGTH and text not in self._exclude:
                repaired = self._near_key(text)
                if repaired is not None:
                    return [repaired]
            return None
        for cut in range(min(len(text) - 1, self._longest_word), 1, -1):
            head = text[:cut]
            if head not in self._words:
                continue
            rest = self._pieces(text[cut:], most - 1)
            if rest is not None:
                return [head, *rest]
        return self._pieces(text, 1) if alone else None

    def _keys_near_to(self, token: str) -> list[str]:
        """The keys with ``token``'s first letter and within ``_MAX_TYPOS`` letters of its
        length, in order: a key further in length is more edits away than any limit allows."""
        shape = (token[0], len(token))
        keys = self._keys_near.get(shape)
        if keys is None:
            keys = [
                key
                for key in self._keys_by_first.get(token[0], ())
                if abs(len(key) - len(token)) <= _MAX_TYPOS
            ]
            if len(self._keys_near) >= _CACHE_LIMIT:
                self._keys_near.clear()
            self._keys_near[shape] = keys
        return keys

    def _near_key(self, token: str) -> str | None:
        """The key ``token`` is one edit from (same first letter), or None."""
        candidates = self._keys_near_to(token)
        if not candidates:
            return None
        best = process.extractOne(token, candidates, scorer=OSA.distance, score_cutoff=1)
        return None if best is None else str(best[0])

    def _unmask(self, token: str) -> str:
        """Resolve ``k*ll`` style masking against the masked keys of the same length."""
        if not any(char.isalpha() for char in token):
            return token
        for key in self._masked_keys:
            if len(key) == len(token) and all(
                masked in "*#" or masked == letter
                for masked, letter in zip(token, key, strict=True)
            ):
                return key
        return token


@cache
def real_words(path: Path = SPELLING_FILE) -> frozenset[str]:
    """The real words of every language that lie within reach of a key, never repaired."""
    try:
        data = load_yaml_file(path)
    except (OSError, YamlProblem) as error:
        raise ModelError(f"{path}: cannot read the real words near key words: {error}") from error
    languages = data.get("real_words") if isinstance(data, dict) else None
    if not isinstance(languages, dict) or not all(
        isinstance(words, list) and all(isinstance(word, str) for word in words)
        for words in languages.values()
    ):
        raise ModelError(f"{path}:1:1: 'real_words' maps each language to a list of words")
    return frozenset(word for words in languages.values() for word in words)


__all__ = ["SPELLING_FILE", "TokenCorrector", "real_words"]
