"""The k-NN classifier's nearest crisis exemplars, found without sorting every similarity."""

from __future__ import annotations

import numpy as np
import pytest

from bot.gate.semantic.knn import ExemplarIndex, _nearest_first


@pytest.mark.parametrize("k", [1, 3, 5, 40, 41, 60])
@pytest.mark.parametrize("step", [0.0, 0.05, 0.25])  # 0: no ties; else values rounded to ties
def test_nearest_first_is_the_stable_sort_s_first_k(k: int, step: float) -> None:
    rng = np.random.default_rng(k)
    for _ in range(200):
        sims = rng.uniform(-1, 1, 41).astype(np.float32)
        if step:
            sims = (np.round(sims / step) * step).astype(np.float32)
        expected = np.argsort(-sims, kind="stable")[:k]
        assert _nearest_first(sims, k).tolist() == expected.tolist()


def test_nearest_crisis_category_takes_ties_in_exemplar_order() -> None:
    index = ExemplarIndex(
        vectors=np.zeros((6, 2), dtype=np.float32),
        crisis=np.array([True, False, True, True, True, True]),
        categories=("a", "x", "b", "b", "a", "c"),
        languages=("en",) * 6,
        k=3,
    )
    sims = np.array([0.5, 0.9, 0.5, 0.5, 0.5, 0.1], dtype=np.float32)
    # four crisis exemplars tie: the first three in order are a, b, b
    assert index.nearest_crisis_category(sims) == "b"
    sims = np.array([0.5, 0.9, 0.4, 0.4, 0.5, 0.1], dtype=np.float32)
    assert index.nearest_crisis_category(sims) == "a"


def test_margins_of_a_batch_are_each_row_s_own() -> None:
    """The detector scores a batch's pieces at once and a message's pieces from it: each row's
    margin must not depend on the rows beside it (bit for bit)."""
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = ExemplarIndex(
        vectors=vectors,
        crisis=rng.random(300) < 0.5,
        categories=("a",) * 300,
        languages=("en",) * 300,
        k=3,
    )
    queries = rng.standard_normal((120, 16)).astype(np.float32)
    sims = index.similarities(queries)  # the batch's layout (a transposed product)
    batch = index.margins_of(sims)
    for start in range(0, 120, 5):
        rows = [start, (start * 7) % 120, (start * 13) % 120][: 1 + start % 3]
        alone = index.margins_of(np.vstack([sims[row] for row in rows]))
        assert alone.tolist() == batch[rows].tolist()
