"""Spelling repair for the few key words whose misspellings matter ("sucidal", "myslef", "s*icide").

Only tokens that are close to a configured key word are touched, so ordinary words pass through
unchanged. Two repairs exist:

* **typos**: a token within an optimal-string-alignment distance of a key (1 edit, or 2 when key
  and token both have eight letters or more, or the distance written after the key as
  ``suicide:2``), with the same first letter, becomes that key. Real words that close
  (``overdone`` for ``overdose``) are listed in ``exclude`` and left alone.
* **masking**: a token with ``*`` or ``#`` standing in for letters (``k*ll``, ``su*c*de``) becomes
  the first masked key of the same length whose other letters agree.

Results are cached per corrector, because the same tokens recur across messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

_MIN_TYPO_LENGTH = 4
_LONG_KEY = 8
_CACHE_LIMIT = 50_000
_MASK_CHARS = re.compile(r"[*#]")


class TokenCorrector:
    """Repairs misspelled or masked key words, token by token."""

    def __init__(
        self,
        keys: Iterable[str],
        masked_keys: Iterable[str] = (),
        exclude: Iterable[str] = (),
    ) -> None:
        self._limits: dict[str, int] = {}  # explicit per-key distances only
        for entry in keys:
            word, _, limit = entry.partition(":")
            if limit:
                self._limits[word] = int(limit)
            else:
                self._limits.setdefault(word, 0)
        self._keys = tuple(sorted(self._limits))
        self._key_set = frozenset(self._keys)
        self._exclude = frozenset(exclude)
        self._masked_keys = tuple(dict.fromkeys(masked_keys))
        self._cache: dict[str, str] = {}

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

    def _repair_typo(self, token: str) -> str:
        """Map a near-miss of a key word to the key; leave everything else alone."""
        if (
            len(token) < _MIN_TYPO_LENGTH
            or token in self._key_set
            or token in self._exclude
            or not token.isalpha()
        ):
            return token
        candidates = [key for key in self._keys if key[0] == token[0]]
        if not candidates:
            return token
        best = process.extractOne(token, candidates, scorer=OSA.distance, score_cutoff=2)
        if best is None:
            return token
        key = str(best[0])
        limit = self._limits[key] or (2 if min(len(key), len(token)) >= _LONG_KEY else 1)
        return key if int(best[1]) <= limit else token

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


__all__ = ["TokenCorrector"]
