"""py3langid's model, read once per process and restricted per caller.

The crisis gate (Latin-script and Cyrillic languages) and the reply language (the enabled
catalogs) each want the model restricted to their own languages. Reading it means inflating and
unpickling about 0.05 s of CPU; :func:`restricted_identifier` reads it once and hands each caller
a shallow copy restricted with ``set_languages``, which leaves the full arrays it slices alone.

:func:`language_ranker` wraps such a copy in a :class:`LanguageRanker`, which gives the same
numbers as py3langid's ``rank`` and ``classify`` (the same float32 probabilities, bit for bit) at
about a fifth less CPU on a chat line: every message is read twice (the gate's thresholds, the
reply language), and there py3langid's per-call overhead counts as much as its model.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

_full: Any = None
_tables: _Automaton | None = None
_lock = threading.Lock()


def _full_model() -> Any:
    """The unrestricted identifier, read on first use (call with ``_lock`` held)."""
    global _full  # noqa: PLW0603 - one model per process, by design
    if _full is None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        _full = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
    return _full


def restricted_identifier(languages: Iterable[str]) -> Any:
    """A py3langid ``LanguageIdentifier`` with normalised probabilities, restricted to
    ``languages``; the same state as one read from the model file and restricted alike."""
    with _lock:
        identifier = copy.copy(_full_model())
    identifier.set_languages(list(languages))
    return identifier


@dataclass(frozen=True, slots=True)
class _Automaton:
    """py3langid's byte automaton, laid out for a Python loop: ``next_state[(state << 8) +
    byte]`` as before, and ``emitted[state]`` the features (byte n-grams) that end in ``state``,
    a tuple for every state (py3langid's dict has entries only for states that emit)."""

    next_state: Any  # py3langid's array.array of states, shared, never written
    emitted: list[tuple[int, ...]]
    features: int


def _automaton() -> _Automaton:
    """The automaton of the shared model, built on first use (about 5 ms)."""
    global _tables  # noqa: PLW0603 - one model per process, by design
    with _lock:
        if _tables is None:
            full = _full_model()
            states = len(full.tk_nextmove) >> 8
            emitted = [tuple(full.tk_output.get(state, ())) for state in range(states)]
            _tables = _Automaton(full.tk_nextmove, emitted, int(full.nb_numfeats))
        return _tables


class LanguageRanker:
    """py3langid's ``rank`` and ``classify`` for one restricted identifier, the same numbers.

    py3langid counts a text's byte n-grams by walking its automaton (one dict lookup and one
    list call per byte), counts them again with a ``Counter`` and writes each count into a
    ``uint16`` vector item by item; the product with the model is then computed in float32, to
    which numpy casts that vector. Here the walk is leaner and numpy counts into a float32
    vector at once: the same values, so the same product (``np.dot`` casts to float32 before the
    same BLAS call), and the probabilities are normalised by py3langid's own formula. Ranks and
    probabilities come back as Python floats, each exactly the float32 py3langid returns. (For
    a text of 64 KB or more py3langid's uint16 counts may wrap, these do not; the callers read
    at most a few KB.)
    """

    def __init__(self, identifier: Any) -> None:
        self.languages: tuple[str, ...] = tuple(identifier.nb_classes)
        self._log_likelihoods: npt.NDArray[np.float32] = identifier.nb_ptc
        self._log_priors: npt.NDArray[np.float32] = identifier.nb_pc
        self._automaton = _automaton()
        self._prepared: dict[str, npt.NDArray[np.float32]] = {}

    def prepare(self, texts: Iterable[str]) -> None:
        """Work out now, for a batch, the probabilities of each of ``texts``, kept until the next
        batch: the same numbers later, without the model's product (270 KB of it read per text)
        between the reading of one message and the next."""
        self._prepared = {text: self._probabilities(text) for text in dict.fromkeys(texts)}

    def features(self, text: str) -> npt.NDArray[np.float32]:
        """How often each of the model's byte n-grams occurs in ``text`` (its UTF-8 bytes)."""
        data = text.encode("utf8", errors="surrogatepass")
        automaton = self._automaton
        next_state = automaton.next_state
        emitted = automaton.emitted
        state = 0
        found: list[int] = []
        for byte in data:
            state = next_state[(state << 8) + byte]
            found += emitted[state]
        vector = np.zeros(automaton.features, dtype=np.float32)
        np.add.at(vector, np.array(found, dtype=np.intp), np.float32(1))
        return vector

    def probabilities(self, text: str) -> npt.NDArray[np.float32]:
        """py3langid's normalised probability of each of :attr:`languages` for ``text`` (from
        the last prepared batch when it was there: the same numbers)."""
        prepared = self._prepared.get(text)  # read once: another thread may replace the batch
        return self._probabilities(text) if prepared is None else prepared

    def _probabilities(self, text: str) -> npt.NDArray[np.float32]:
        scores = np.dot(self.features(text), self._log_likelihoods) + self._log_priors
        # py3langid's normalisation, to the bit; overflow in exp gives inf, read as probability 0
        with np.errstate(over="ignore"):
            probabilities: npt.NDArray[np.float32] = 1 / np.exp(
                scores[None, :] - scores[:, None]
            ).sum(1)
        return probabilities

    def rank(self, text: str) -> list[tuple[str, float]]:
        """Every language with its probability, the most likely first (ties in model order)."""
        probabilities = self.probabilities(text).tolist()
        order = sorted(range(len(probabilities)), key=probabilities.__getitem__, reverse=True)
        return [(self.languages[index], probabilities[index]) for index in order]

    def classify(self, text: str) -> tuple[str, float]:
        """The most likely language and its probability (the first of equals)."""
        probabilities = self.probabilities(text)
        best = int(np.argmax(probabilities))
        return self.languages[best], float(probabilities[best])


def language_ranker(languages: Iterable[str]) -> LanguageRanker:
    """A :class:`LanguageRanker` over the shared model restricted to ``languages``."""
    return LanguageRanker(restricted_identifier(languages))


__all__ = ["LanguageRanker", "language_ranker", "restricted_identifier"]
