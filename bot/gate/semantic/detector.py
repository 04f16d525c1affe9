"""The semantic crisis detector: scores a message against the exemplars, by meaning.

It encodes a bounded set of pieces of the message (:mod:`bot.gate.semantic.pieces`), scores each
by k-nearest-neighbour margin (:mod:`bot.gate.semantic.knn`) and keeps the highest score. The
thresholds of the message's language turn the score into a band: ``crisis``,
``check_in`` or ``clear``.

The exemplar vectors are precomputed by ``crisisbot gate rebuild`` into ``vectors.npy`` and
``semantic.json`` beside this module, stamped with the sha256 of the exemplar files, of the
vectors and the model id. :meth:`SemanticDetector.load` refuses to start (:class:`ModelError`)
when any of them does not match, instead of scoring with vectors nobody measured.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from threadpoolctl import ThreadpoolController

from bot.embedding import MODEL_ID, Encoder, shared_encoder
from bot.errors import ModelError
from bot.gate.semantic.exemplars import EXEMPLARS_DIR, exemplars_sha256
from bot.gate.semantic.knn import ExemplarIndex
from bot.gate.semantic.language import LanguageIdentifier, shared_identifier
from bot.gate.semantic.pieces import MAX_PIECES, reads_by_sentences, select_pieces, tidy
from bot.gate.semantic.safety_net import SAFETY_NET_FILE, SafetyNet
from bot.gate.semantic.thresholds import Thresholds, effective
from bot.gate.semantic.thresholds import band as score_band

DATA_DIR = Path(__file__).parent
VECTORS_FILE = "vectors.npy"
META_FILE = "semantic.json"
PREPARE_BATCH = 32
"""Pieces encoded per call by :meth:`SemanticDetector.prepare` (larger batches save no more)."""
REBUILD_HINT = "run `crisisbot gate rebuild` and commit the files it writes"
_ONE_BLAS_THREAD = ThreadpoolController()


@dataclass(frozen=True, slots=True)
class SemanticVerdict:
    """The detector's reading of one message."""

    score: float | None  # the highest k-NN margin over the pieces; None when nothing to read
    band: str  # "crisis", "check_in" or "clear" (safety-net words already taken into account)
    language: str | None  # the most likely supported language; None when not asked for and
    # no decision depended on it
    category: str | None  # nearest crisis exemplars' category when the band is not clear
    confidently_benign: bool  # below the "clear" threshold: safety-net words alone do not ask
    safety_net: bool  # the text carries safety-net vocabulary
    net_asks: bool = False  # ... outside the safety net's idioms, and not confidently benign


_EMPTY = SemanticVerdict(None, "clear", "und", None, True, False)


def _never(_: str) -> bool:
    return False


def sha256_file(path: Path) -> str:
    """The sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_meta(data_dir: Path) -> dict[str, Any]:
    """The JSON stamp beside the vectors; ModelError when it is missing or unreadable."""
    path = data_dir / META_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelError(
            f"{path}: cannot read the semantic detector's data ({error}); {REBUILD_HINT}"
        ) from error
    if not isinstance(meta, dict):
        raise ModelError(f"{path}:1:1: not a JSON object; {REBUILD_HINT}")
    return meta


class SemanticDetector:
    """Scores messages against the exemplar vectors; load once per process."""

    def __init__(
        self,
        index: ExemplarIndex,
        thresholds: dict[str, Thresholds],
        safety_net: SafetyNet,
        encoder: Encoder,
        identifier: LanguageIdentifier,
    ) -> None:
        self.index = index
        self.thresholds = thresholds
        self.safety_net = safety_net
        self._encoder = encoder
        self._identifier = identifier
        # Below all of these a score is clear and confidently benign in every language that has
        # thresholds, so the language need not be identified unless a caller asks for it.
        self._below_every_limit = min(
            min(t.crisis, t.crisis_plain, t.check_in, t.clear) for t in thresholds.values()
        )
        self._may_lack_thresholds = identifier.may_guess_outside(thresholds)
        self._prepared: dict[str, tuple[npt.NDArray[np.float32], float]] = {}
        self._prepared_pieces: dict[str, list[str]] = {}

    @classmethod
    def load(
        cls,
        data_dir: Path = DATA_DIR,
        exemplars_dir: Path = EXEMPLARS_DIR,
        safety_net_file: Path = SAFETY_NET_FILE,
    ) -> SemanticDetector:
        """The detector over the shipped vectors, after checking they match their sources."""
        meta = read_meta(data_dir)
        where = data_dir / META_FILE
        if meta.get("model") != MODEL_ID:
            raise ModelError(
                f"{where}: the exemplar vectors were built with {meta.get('model')!r}, this "
                f"install encodes with {MODEL_ID!r}; {REBUILD_HINT}"
            )
        actual = exemplars_sha256(exemplars_dir)
        if meta.get("exemplars_sha256") != actual:
            raise ModelError(
                f"{where}: the exemplar files in {exemplars_dir} changed since the vectors were "
                f"built (sha256 {actual}, vectors built from {meta.get('exemplars_sha256')}); "
                f"{REBUILD_HINT}"
            )
        vectors_path = data_dir / VECTORS_FILE
        if not vectors_path.is_file() or sha256_file(vectors_path) != meta.get("vectors_sha256"):
            raise ModelError(
                f"{vectors_path}: missing or not the file {where} describes; {REBUILD_HINT}"
            )
        vectors = np.load(vectors_path, allow_pickle=False).astype(np.float32)
        index = ExemplarIndex(
            vectors=vectors,
            crisis=np.array([label == "crisis" for label in meta["labels"]]),
            categories=tuple(meta["categories"]),
            languages=tuple(meta["languages"]),
            k=int(meta["k"]),
        )
        thresholds = {
            lang: Thresholds(t["crisis"], t["crisis_plain"], t["check_in"], t["clear"])
            for lang, t in meta["thresholds"].items()
        }
        return cls(
            index, thresholds, SafetyNet.load(safety_net_file), shared_encoder(),
            shared_identifier(),
        )  # fmt: skip

    def _pieces(
        self, text: str, net: bool | None = None, max_pieces: int = MAX_PIECES
    ) -> list[str]:
        if net is None:
            net = self.safety_net.hits(text)
        # Sentences are searched for safety-net words only when the whole text has some.
        urgent = self.safety_net.hits if net else _never
        return select_pieces(text, self._encoder.token_count, urgent, max_pieces=max_pieces)

    def prepare(self, texts: Sequence[str]) -> None:
        """Encode and score the pieces of many messages in one batch, ahead of assessing them.

        One batch costs a fraction of the CPU per piece of one message at a time (encoding about
        a quarter, the similarities to the exemplars about a tenth). The vectors land in the
        encoder's cache and the similarities are kept until the next call, where :meth:`assess`
        finds them; the verdicts are the same either way (the numbers differ by float rounding,
        about 1e-7).
        """
        pieces_of = {text: self._pieces(text) for text in texts}
        self._prepared_pieces = pieces_of
        pieces = list(dict.fromkeys(piece for each in pieces_of.values() for piece in each))
        if not pieces:
            self._prepared = {}
            return
        vectors = np.vstack(
            [
                self._encoder.encode(pieces[start : start + PREPARE_BATCH])
                for start in range(0, len(pieces), PREPARE_BATCH)
            ]
        )
        with _ONE_BLAS_THREAD.limit(limits=1, user_api="blas"):
            sims = self.index.similarities(vectors)
        # each row's margin is computed on that row alone, so the batch gives each piece the
        # margin a message's own rows would
        margins = self.index.margins_of(sims).tolist()
        self._prepared = dict(zip(pieces, zip(sims, margins, strict=True), strict=True))

    def _scores(self, pieces: list[str]) -> tuple[list[float], Sequence[npt.NDArray[np.float32]]]:
        """The margin of each piece and its similarities to the exemplars (prepared or not)."""
        prepared = self._prepared  # read once: another thread may replace it
        if all(piece in prepared for piece in pieces):
            found = [prepared[piece] for piece in pieces]
            return [margin for _, margin in found], [sims for sims, _ in found]
        vectors = self._encoder.encode(pieces)
        with _ONE_BLAS_THREAD.limit(limits=1, user_api="blas"):
            # a small product: more threads only spin (4 ms of CPU instead of 0.7 on two cores)
            sims = self.index.similarities(vectors)
        return self.index.margins_of(sims).tolist(), list(sims)

    def unread(self, text: str, *, name_language: bool = True) -> SemanticVerdict:
        """The verdict on a message not read by meaning (a caller that has decided its route):
        no score, clear, the language only (when ``name_language``)."""
        language = self._identifier.guess(text).best if name_language else None
        return SemanticVerdict(None, "clear", language, None, True, False)

    def assess(
        self, text: str, *, whole_only: bool = False, name_language: bool = True
    ) -> SemanticVerdict:
        """Score ``text`` (any length: the work is bounded) and place it in a band.

        With ``whole_only`` only the whole message (cut to one piece) is read, not its
        sentences: for a caller that has already decided the route and only records the score.
        Without ``name_language`` the language is identified only when the verdict depends on
        it (for most messages it does not: their score is below every language's thresholds),
        and the verdict's ``language`` is None otherwise.
        """
        views = self.safety_net.views(text)
        net = self.safety_net.hits_in(views)
        pieces = self._prepared_pieces.get(text)
        if pieces is None:
            pieces = self._pieces(text, net, 1 if whole_only else MAX_PIECES)
        elif whole_only:
            pieces = pieces[:1]  # the first piece is always the whole message
        if not pieces:
            return _EMPTY
        margins, sims = self._scores(pieces)
        best = max(range(len(margins)), key=margins.__getitem__)  # the first highest, as argmax
        score = margins[best]
        if (
            not name_language
            and score < self._below_every_limit
            and not self._may_lack_thresholds(text)
        ):
            # clear and confidently benign whatever the language (every guess has thresholds)
            return SemanticVerdict(score, "clear", None, None, True, net)
        guess = self._identifier.guess(text)
        limits = effective(self.thresholds, guess.best)
        # A sentence of a long message is one of up to MAX_PIECES_WHEN_CUT pieces, so its score
        # had more chances to cross by luck: it routes to crisis only above the stricter
        # threshold (the one for text without safety-net words) and asks between the two.
        # "Long" as the pieces were chosen; the text is tidied again only when a sentence won.
        sentence_of_long = best > 0 and reads_by_sentences(tidy(text))
        band = score_band(score, limits, net and not sentence_of_long)
        category = None if band == "clear" else self.index.nearest_crisis_category(sims[best])
        # Confidence needs exemplars: a language without its own (Japanese, Korean) is never
        # confidently benign, so its safety-net words always ask.
        benign = score < limits.clear and guess.best in self.thresholds
        return SemanticVerdict(
            score=score,
            band=band,
            language=guess.best,
            category=category,
            confidently_benign=benign,
            safety_net=net,
            # blanking the idioms of a long text costs 1 to 2 ms: only when it can ask
            net_asks=net and not benign and self.safety_net.asks_in(views),
        )


_shared: SemanticDetector | None = None
_shared_lock = threading.Lock()


def shared_detector() -> SemanticDetector:
    """The process's one semantic detector over the shipped vectors, loaded on first use."""
    global _shared  # noqa: PLW0603 - one model per process, by design
    with _shared_lock:
        if _shared is None:
            _shared = SemanticDetector.load()
        return _shared


__all__ = [
    "DATA_DIR",
    "META_FILE",
    "REBUILD_HINT",
    "VECTORS_FILE",
    "SemanticDetector",
    "SemanticVerdict",
    "read_meta",
    "sha256_file",
    "shared_detector",
]
