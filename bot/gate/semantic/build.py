"""``crisisbot gate rebuild``: encode the exemplars, cross-validate, write vectors and thresholds.

1. Every exemplar is encoded with the shared encoder; vectors are stored as float16 (and scored
   as stored, so the figures below are those of the shipped file).
2. Five deterministic stratified folds (per language and label). For each candidate ``k`` the
   out-of-fold margins give the crisis recall at the false-crisis target over all languages; the
   smallest ``k`` within :data:`K_TOLERANCE` of the best is kept.
3. Thresholds per language and for all together come from the out-of-fold margins
   (:mod:`bot.gate.semantic.thresholds`).
4. The out-of-fold figures per language, read the way the detector reads a message (language
   identification, that language's thresholds, the safety net), are written to
   ``semantic.json`` under ``cross_validation`` and returned for printing.
5. The same figures once more with translations held out together (folds by
   ``Exemplar.translation_key``, the chosen ``k`` and thresholds): the folds above keep a line's
   translations in the index, which flatters every language; these are the sterner figures.
   With them, each candidate ``k``'s recall at 1, 3 and 5% false crisis on those folds, which
   ``k`` and thresholds are not chosen on (``tests/gate/compare_heads.py`` compares heads and
   threshold choices on them).

Nothing is random: the same exemplars and model give byte-identical files.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.embedding import MODEL_ID, Encoder, shared_encoder
from bot.gate.semantic.detector import DATA_DIR, META_FILE, VECTORS_FILE
from bot.gate.semantic.exemplars import (
    EXEMPLARS_DIR,
    Exemplar,
    exemplars_sha256,
    load_exemplars,
)
from bot.gate.semantic.knn import ExemplarIndex, fold_of, grouped_fold_of, out_of_fold_margins
from bot.gate.semantic.language import LanguageIdentifier, shared_identifier
from bot.gate.semantic.safety_net import SAFETY_NET_FILE, SafetyNet
from bot.gate.semantic.thresholds import (
    ALL_LANGUAGES,
    FALSE_CRISIS_TARGET,
    PLAIN_FALSE_CRISIS_TARGET,
    STRICT_PLAIN_LANGUAGES,
    Thresholds,
    _above_share,
    at_least,
    band,
    choose,
    effective,
)

FOLDS = 5
CANDIDATE_K = (1, 3, 5, 7)
K_TOLERANCE = 0.005
"""Out-of-fold recall a larger k must gain over a smaller one to be chosen instead."""
ENCODE_BATCH = 64
GROUPED_SHARES = (0.01, 0.03, 0.05)
"""False crisis shares at which recall is reported with translations held out together."""


@dataclass(frozen=True, slots=True)
class FoldFigures:
    """Out-of-fold figures of one language (or of all, ``*``)."""

    language: str
    crisis: int
    benign: int
    crisis_recall: float
    crisis_or_check_in: float
    false_crisis: float
    benign_check_in: float

    def as_dict(self) -> dict[str, Any]:
        """Rounded for the JSON file."""
        return {
            "crisis": self.crisis,
            "benign": self.benign,
            "crisis_recall": round(self.crisis_recall, 4),
            "crisis_or_check_in": round(self.crisis_or_check_in, 4),
            "false_crisis": round(self.false_crisis, 4),
            "benign_check_in": round(self.benign_check_in, 4),
        }


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """What a rebuild wrote and measured."""

    k: int
    k_scores: dict[
        int, float
    ]  # candidate k -> pooled out-of-fold recall at the false-crisis target
    figures: list[FoldFigures]
    thresholds: dict[str, Thresholds]
    grouped_recall: float  # pooled recall at the target, translations held out together
    grouped_figures: list[FoldFigures]  # per language, translations held out, same thresholds
    grouped_k_scores: dict[int, tuple[float, ...]]  # candidate k -> recall at GROUPED_SHARES


def encode_all(texts: Sequence[str], encoder: Encoder) -> npt.NDArray[np.float32]:
    """Unit vectors of ``texts`` rounded through float16, as the shipped file stores them."""
    parts = [
        encoder.encode(texts[i : i + ENCODE_BATCH], cache=False)
        for i in range(0, len(texts), ENCODE_BATCH)
    ]
    return np.concatenate(parts).astype(np.float16).astype(np.float32)


def _recall_at_false_crisis(
    scores: npt.NDArray[np.float64], crisis: npt.NDArray[np.bool_]
) -> float:
    benign = scores[~crisis]
    threshold = choose(scores[crisis], benign, np.zeros(len(benign), dtype=bool)).crisis
    return float(np.mean(scores[crisis] >= threshold))


def _recall_at_share(
    scores: npt.NDArray[np.float64], crisis: npt.NDArray[np.bool_], share: float
) -> float:
    return float(np.mean(scores[crisis] >= _above_share(scores[~crisis], share)))


def _thresholds(
    scores: npt.NDArray[np.float64], exemplars: Sequence[Exemplar], net: npt.NDArray[np.bool_]
) -> dict[str, Thresholds]:
    crisis = np.array([e.label == "crisis" for e in exemplars])
    languages = np.array([e.language for e in exemplars])
    overall = choose(scores[crisis], scores[~crisis], net[~crisis])
    table = {ALL_LANGUAGES: overall}
    for language in sorted(set(languages.tolist())):
        mine = languages == language
        if (mine & crisis).any() and (mine & ~crisis).any():
            own = choose(
                scores[mine & crisis],
                scores[mine & ~crisis],
                net[mine & ~crisis],
                STRICT_PLAIN_LANGUAGES.get(language, PLAIN_FALSE_CRISIS_TARGET),
            )
            table[language] = at_least(own, overall)
    return table


def _figures(
    scores: npt.NDArray[np.float64],
    exemplars: Sequence[Exemplar],
    table: dict[str, Thresholds],
    identifier: LanguageIdentifier,
    net: npt.NDArray[np.bool_],
    *,
    asks: npt.NDArray[np.bool_],
) -> list[FoldFigures]:
    outcome = []
    for score, exemplar, hit, ask in zip(scores, exemplars, net, asks, strict=True):
        limits = effective(table, identifier.guess(exemplar.text).best)
        decided = band(float(score), limits, bool(hit))
        net_asks = bool(ask) and score >= limits.clear
        outcome.append((decided == "crisis", decided == "check_in" or net_asks))
    languages = sorted({e.language for e in exemplars})
    figures = []
    for language in [*languages, ALL_LANGUAGES]:
        rows = [
            (e.label == "crisis", crisis, asks)
            for e, (crisis, asks) in zip(exemplars, outcome, strict=True)
            if language in (ALL_LANGUAGES, e.language)
        ]
        crisis_rows = [(c, a) for is_crisis, c, a in rows if is_crisis]
        benign_rows = [(c, a) for is_crisis, c, a in rows if not is_crisis]
        figures.append(
            FoldFigures(
                language=language,
                crisis=len(crisis_rows),
                benign=len(benign_rows),
                crisis_recall=_share(c for c, _ in crisis_rows),
                crisis_or_check_in=_share(c or a for c, a in crisis_rows),
                false_crisis=_share(c for c, _ in benign_rows),
                benign_check_in=_share(a and not c for c, a in benign_rows),
            )
        )
    return figures


def _share(values: Any) -> float:
    items = list(values)
    return sum(bool(v) for v in items) / len(items) if items else 0.0


def cross_validate(
    exemplars: Sequence[Exemplar],
    vectors: npt.NDArray[np.float32],
    identifier: LanguageIdentifier,
    safety_net: SafetyNet,
) -> Rebuilt:
    """Choose ``k`` and the thresholds on out-of-fold margins and measure them."""
    crisis = np.array([e.label == "crisis" for e in exemplars])
    folds = fold_of([f"{e.language}/{e.label}" for e in exemplars], FOLDS)
    categories = tuple(e.category for e in exemplars)
    languages = tuple(e.language for e in exemplars)
    k_scores: dict[int, float] = {}
    oof: dict[int, npt.NDArray[np.float64]] = {}
    for k in CANDIDATE_K:
        index = ExemplarIndex(vectors, crisis, categories, languages, k)
        oof[k] = out_of_fold_margins(index, folds)
        k_scores[k] = _recall_at_false_crisis(oof[k], crisis)
    # The smallest k within K_TOLERANCE of the best: a larger k must be clearly better, or one
    # exemplar more or less would flip the choice and move every threshold with it.
    top = max(k_scores.values())
    best_k = min(k for k in CANDIDATE_K if k_scores[k] >= top - K_TOLERANCE)
    net = np.array([safety_net.hits(e.text) for e in exemplars])
    asks = np.array([safety_net.asks(e.text) for e in exemplars])  # outside the net's idioms
    table = _thresholds(oof[best_k], exemplars, net)
    figures = _figures(oof[best_k], exemplars, table, identifier, net, asks=asks)
    grouped_folds = grouped_fold_of(
        [f"{e.translation_key}/{e.label}" for e in exemplars],
        [e.label for e in exemplars],
        FOLDS,
    )
    held_out = {
        k: out_of_fold_margins(
            ExemplarIndex(vectors, crisis, categories, languages, k), grouped_folds
        )
        for k in CANDIDATE_K
    }
    grouped_k_scores = {
        k: tuple(_recall_at_share(held_out[k], crisis, s) for s in GROUPED_SHARES)
        for k in CANDIDATE_K
    }
    grouped = held_out[best_k]
    grouped_figures = _figures(grouped, exemplars, table, identifier, net, asks=asks)
    grouped_recall = _recall_at_false_crisis(grouped, crisis)
    return Rebuilt(
        best_k, k_scores, figures, table, grouped_recall, grouped_figures, grouped_k_scores
    )


def _npy_bytes(array: npt.NDArray[np.float16]) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def rebuild(
    data_dir: Path = DATA_DIR,
    exemplars_dir: Path = EXEMPLARS_DIR,
    safety_net_file: Path = SAFETY_NET_FILE,
    encoder: Encoder | None = None,
) -> Rebuilt:
    """Encode ``exemplars_dir``, cross-validate, and write the vectors and stamp to ``data_dir``."""
    encoder = encoder or shared_encoder()
    exemplars = load_exemplars(exemplars_dir)
    vectors = encode_all([e.text for e in exemplars], encoder)
    result = cross_validate(
        exemplars, vectors, shared_identifier(), SafetyNet.load(safety_net_file)
    )
    payload = _npy_bytes(vectors.astype(np.float16))
    meta = {
        "model": MODEL_ID,
        "exemplars_sha256": exemplars_sha256(exemplars_dir),
        "vectors_sha256": hashlib.sha256(payload).hexdigest(),
        "k": result.k,
        "false_crisis_target": FALSE_CRISIS_TARGET,
        "thresholds": {lang: t.as_dict() for lang, t in sorted(result.thresholds.items())},
        "cross_validation": {
            "folds": FOLDS,
            "k_recall_at_false_crisis_target": {
                str(k): round(v, 4) for k, v in result.k_scores.items()
            },
            "per_language": {f.language: f.as_dict() for f in result.figures},
            "translations_held_out": {
                "recall_at_false_crisis_target": round(result.grouped_recall, 4),
                "k_recall_at_false_crisis": {
                    str(k): {
                        f"{s:.2f}": round(v, 4) for s, v in zip(GROUPED_SHARES, r, strict=True)
                    }
                    for k, r in result.grouped_k_scores.items()
                },
                "per_language": {f.language: f.as_dict() for f in result.grouped_figures},
            },
        },
        "labels": [e.label for e in exemplars],
        "categories": [e.category for e in exemplars],
        "languages": [e.language for e in exemplars],
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / VECTORS_FILE).write_bytes(payload)
    text = json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    (data_dir / META_FILE).write_text(text, encoding="utf-8")
    return result


def figures_table(result: Rebuilt) -> str:
    """The out-of-fold figures as a Markdown table."""
    lines = [
        f"k = {result.k} (out-of-fold crisis recall at {FALSE_CRISIS_TARGET:.0%} false crisis: "
        + ", ".join(f"k={k} {v:.1%}" for k, v in result.k_scores.items())
        + ")",
        "",
        "| language | crisis | benign | crisis recall | crisis or check-in | false crisis "
        "| benign check-in | translations held out: crisis recall / false crisis "
        "| thresholds crisis / without safety-net words / check-in / clear |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    grouped = {f.language: f for f in result.grouped_figures}
    for f in result.figures:
        t = result.thresholds.get(f.language)
        limits = (
            f"{t.crisis:.3f} / {t.crisis_plain:.3f} / {t.check_in:.3f} / {t.clear:.3f}"
            if t
            else "-"
        )
        lines.append(
            f"| {f.language} | {f.crisis} | {f.benign} | {f.crisis_recall:.1%} | "
            f"{f.crisis_or_check_in:.1%} | {f.false_crisis:.1%} | {f.benign_check_in:.1%} "
            f"| {grouped[f.language].crisis_recall:.1%} / {grouped[f.language].false_crisis:.1%} "
            f"| {limits} |"
        )
    lines.append(
        f"\nWith translations held out together: crisis recall at {FALSE_CRISIS_TARGET:.0%} false "
        f"crisis {result.grouped_recall:.1%} (k={result.k}); recall at "
        + " / ".join(f"{s:.0%}" for s in GROUPED_SHARES)
        + " false crisis: "
        + ", ".join(
            f"k={k} " + " / ".join(f"{v:.1%}" for v in r)
            for k, r in result.grouped_k_scores.items()
        )
        + "."
    )
    return "\n".join(lines)


__all__ = [
    "CANDIDATE_K",
    "FOLDS",
    "FoldFigures",
    "Rebuilt",
    "cross_validate",
    "figures_table",
    "rebuild",
]
