"""The classifier: nearest-neighbour margin between crisis and benign exemplars.

A message's score is the mean cosine similarity to its ``k`` nearest crisis exemplars minus the
mean similarity to its ``k`` nearest benign ones. A positive margin means the message reads more
like the crisis lines than like the hard benign lookalikes (idioms, games, grief, ketamine
questions). Cross-lingual similarities run lower than same-language ones, which is why the
thresholds are per language (see :mod:`bot.gate.semantic.thresholds`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]
Mask = npt.NDArray[np.bool_]
Scores = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ExemplarIndex:
    """Unit vectors of the exemplars with their labels, categories and languages."""

    vectors: Vectors  # (n, dim), float32, unit length
    crisis: Mask  # (n,), True for crisis exemplars
    categories: tuple[str, ...]
    languages: tuple[str, ...]
    k: int

    def similarities(self, queries: Vectors) -> npt.NDArray[np.float32]:
        """Cosine similarities, shape (len(queries), n).

        Computed as ``(vectors @ queries.T).T``: the same numbers as ``queries @ vectors.T``, at
        about half the CPU for the few queries of one message (BLAS walks the exemplar matrix in
        its stored order).
        """
        sims: npt.NDArray[np.float32] = (self.vectors @ queries.T).T
        return sims

    def margins(self, queries: Vectors, keep: Mask | None = None) -> Scores:
        """The k-NN margin of each query; ``keep`` limits which exemplars take part."""
        return self.margins_of(self.similarities(queries), keep)

    def margins_of(self, sims: npt.NDArray[np.float32], keep: Mask | None = None) -> Scores:
        """The k-NN margins from precomputed similarities (rows: queries)."""
        crisis = self.crisis if keep is None else self.crisis & keep
        benign = ~self.crisis if keep is None else ~self.crisis & keep
        return _top_mean(sims[:, crisis], self.k) - _top_mean(sims[:, benign], self.k)

    def nearest_crisis_category(self, sims: npt.NDArray[np.float32]) -> str:
        """The most common category among the k crisis exemplars nearest a query, given the
        query's similarities to every exemplar."""
        indexes = np.flatnonzero(self.crisis)
        nearest = indexes[_nearest_first(sims[indexes], self.k)]
        counts = Counter(self.categories[i] for i in nearest)
        best = max(counts.values())
        return str(next(self.categories[i] for i in nearest if counts[self.categories[i]] == best))


def _nearest_first(sims: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.intp]:
    """``np.argsort(-sims, kind="stable")[:k]``: the ``k`` largest, ties in index order, found
    among the values at least the ``k``-th largest instead of sorting them all."""
    if k >= len(sims):
        return np.argsort(-sims, kind="stable")[:k]
    kth = np.partition(sims, len(sims) - k)[len(sims) - k]
    close = np.flatnonzero(sims >= kth)  # in index order, so the stable sort keeps ties so
    chosen: npt.NDArray[np.intp] = close[np.argsort(-sims[close], kind="stable")[:k]]
    return chosen


def _top_mean(sims: npt.NDArray[np.float32], k: int) -> Scores:
    """Mean of the ``k`` largest values of each row (all of them when a row has fewer)."""
    k = min(k, sims.shape[1])
    if k == 0:
        return np.zeros(sims.shape[0])
    top = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:]
    means: Scores = top.mean(axis=1, dtype=np.float64)
    return means


def fold_of(groups: list[str], folds: int) -> npt.NDArray[np.int64]:
    """Deterministic stratified folds: the i-th member of each group goes to fold i mod folds."""
    seen: Counter[str] = Counter()
    out = np.empty(len(groups), dtype=np.int64)
    for index, group in enumerate(groups):
        out[index] = seen[group] % folds
        seen[group] += 1
    return out


def grouped_fold_of(groups: list[str], strata: list[str], folds: int) -> npt.NDArray[np.int64]:
    """Folds that keep every member of a group together: the i-th group of a stratum (in order of
    first appearance) goes to fold i mod folds. Used to hold translations out together."""
    fold_of_group: dict[str, int] = {}
    seen: Counter[str] = Counter()
    out = np.empty(len(groups), dtype=np.int64)
    for index, (group, stratum) in enumerate(zip(groups, strata, strict=True)):
        if group not in fold_of_group:
            fold_of_group[group] = seen[stratum] % folds
            seen[stratum] += 1
        out[index] = fold_of_group[group]
    return out


def out_of_fold_margins(index: ExemplarIndex, folds: npt.NDArray[np.int64]) -> Scores:
    """Each exemplar's margin against the exemplars of the other folds only."""
    scores = np.empty(len(folds))
    for fold in np.unique(folds):
        inside = folds == fold
        scores[inside] = index.margins(index.vectors[inside], keep=~inside)
    return scores


__all__ = ["ExemplarIndex", "fold_of", "grouped_fold_of", "out_of_fold_margins"]
