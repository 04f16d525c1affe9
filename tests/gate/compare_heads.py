"""Compare the semantic detector's heads and threshold choices with translations held out.

Run: ``.venv/bin/python -m tests.gate.compare_heads`` (about three minutes of CPU; the figures in
docs/crisis.md, "Heads and thresholds on grouped folds").

Ten languages' exemplar files are line-for-line translations of one another, so folds that keep
a line's translations in the index flatter every figure. Here every head is scored on **grouped**
folds (:func:`bot.gate.semantic.knn.grouped_fold_of` over ``Exemplar.translation_key``: a line
and its translations are held out together), on the shipped vectors (no new model):

- the k-NN margin of the shipped detector for several ``k``;
- a class-balanced L2 logistic regression on the embeddings (numpy, Newton steps), alone and
  with the k-NN margin as one more feature (for its training rows the margin is itself computed
  on inner grouped folds, so the model never sees a margin that includes the row's translation);
- one threshold for all languages against one per language.

Printed: out-of-fold crisis recall at 1 / 3 / 5% false crisis (pooled and per language), the
figures of a per-language threshold chosen on the other folds only, and the same detectors on
the held-out sets ``tests/gate/heldout/heldout*.jsonl`` (the semantic detector alone, the last
turn of a conversation, the highest score over the detector's pieces). Those sets were already
read; they may compare detectors here, never choose a rule or a threshold. Nothing is asserted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.gate.semantic.build import _thresholds
from bot.gate.semantic.detector import DATA_DIR, VECTORS_FILE, SemanticDetector
from bot.gate.semantic.exemplars import Exemplar, load_exemplars
from bot.gate.semantic.knn import fold_of, grouped_fold_of
from bot.gate.semantic.thresholds import band, effective

Floats = npt.NDArray[np.float64]
Scorer = Callable[[Floats], Floats]
Trainer = Callable[[npt.NDArray[np.int64]], Scorer]

FOLDS = 5
SHARES = (0.01, 0.03, 0.05)
HELDOUT = Path(__file__).with_name("heldout")


@dataclass(frozen=True)
class Data:
    """The exemplars with their shipped vectors."""

    exemplars: list[Exemplar]
    vectors: Floats
    crisis: npt.NDArray[np.bool_]
    languages: npt.NDArray[np.str_]


@dataclass(frozen=True)
class Item:
    """One held-out line as the detector reads it."""

    expect: str
    guess: str
    net: bool
    pieces: Floats


def _top_mean(sims: Floats, k: int) -> Floats:
    k = min(k, sims.shape[1])
    top = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:]
    means: Floats = top.mean(axis=1)
    return means


def knn_margin(data: Data, train: npt.NDArray[np.int64], queries: Floats, k: int) -> Floats:
    """The shipped detector's score against the exemplars ``train`` only."""
    sims = queries @ data.vectors[train].T
    labels = data.crisis[train]
    return _top_mean(sims[:, labels], k) - _top_mean(sims[:, ~labels], k)


def fit_logistic(x: Floats, y: Floats, c: float) -> Floats:
    """Class-balanced L2 logistic regression (bias not penalised) by Newton steps."""
    rows, dims = x.shape
    xb = np.hstack([x, np.ones((rows, 1))])
    weight = np.where(y > 0, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    penalty = np.full(dims + 1, 1.0 / c)
    penalty[-1] = 0.0
    beta = np.zeros(dims + 1)
    for _ in range(50):
        p = 1 / (1 + np.exp(-(xb @ beta)))
        gradient = xb.T @ (weight * (p - y)) + penalty * beta
        hessian = (xb * (weight * p * (1 - p))[:, None]).T @ xb + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-7:
            break
    return beta


def grouped_folds(exemplars: Sequence[Exemplar]) -> npt.NDArray[np.int64]:
    """Folds that hold a line and its translations out together (as ``gate rebuild`` does)."""
    return grouped_fold_of(
        [f"{e.translation_key}/{e.label}" for e in exemplars],
        [e.label for e in exemplars],
        FOLDS,
    )


def knn_head(data: Data, k: int) -> Trainer:
    def train(rows: npt.NDArray[np.int64]) -> Scorer:
        return lambda queries: knn_margin(data, rows, queries, k)

    return train


def linear_head(data: Data, c: float, margin_scale: float = 0.0, k: int = 3) -> Trainer:
    """Logistic regression on the embeddings; with ``margin_scale`` the k-NN margin (times it)
    is one more feature, computed for the training rows on inner grouped folds."""

    def train(rows: npt.NDArray[np.int64]) -> Scorer:
        x = data.vectors[rows]
        if margin_scale:
            inner = grouped_folds([data.exemplars[i] for i in rows])
            margins = np.empty(len(rows))
            for fold in range(FOLDS):
                held = inner == fold
                margins[held] = knn_margin(data, rows[~held], x[held], k)
            x = np.hstack([x, margin_scale * margins[:, None]])
        beta = fit_logistic(x, data.crisis[rows].astype(np.float64), c)

        def score(queries: Floats) -> Floats:
            q = queries
            if margin_scale:
                q = np.hstack([q, margin_scale * knn_margin(data, rows, queries, k)[:, None]])
            out: Floats = q @ beta[:-1] + beta[-1]
            return out

        return score

    return train


def out_of_fold(data: Data, train: Trainer, folds: npt.NDArray[np.int64]) -> Floats:
    scores = np.empty(len(folds))
    for fold in np.unique(folds):
        held = folds == fold
        scores[held] = train(np.flatnonzero(~held))(data.vectors[held])
    return scores


def threshold_at(benign: Floats, share: float) -> float:
    """The lowest score with at most ``share`` of ``benign`` at or above it."""
    allowed = int(np.floor(share * len(benign)))
    ordered = np.sort(benign)[::-1]
    return float(ordered[allowed]) + 1e-9 if allowed < len(ordered) else float(ordered[-1])


def recall_at(scores: Floats, crisis: npt.NDArray[np.bool_], threshold: float) -> float:
    return float(np.mean(scores[crisis] >= threshold))


def nested_per_language(
    data: Data, scores: Floats, folds: npt.NDArray[np.int64], own: bool, share: float = 0.03
) -> tuple[float, float]:
    """Recall and false crisis when each fold's threshold (one per language, or one for all)
    comes from the other folds' out-of-fold scores only."""
    hit = np.zeros(len(scores), dtype=bool)
    for fold in np.unique(folds):
        held = folds == fold
        for language in np.unique(data.languages):
            rows = held & (data.languages == language)
            pool = ~held & ~data.crisis & ((data.languages == language) if own else True)
            hit[rows] = scores[rows] >= threshold_at(scores[pool], share)
    return float(np.mean(hit[data.crisis])), float(np.mean(hit[~data.crisis]))


def load_data() -> Data:
    exemplars = load_exemplars()
    vectors = np.load(DATA_DIR / VECTORS_FILE, allow_pickle=False).astype(np.float32)
    assert len(vectors) == len(exemplars), "run `crisisbot gate rebuild` first"
    return Data(
        exemplars,
        vectors.astype(np.float64),
        np.array([e.label == "crisis" for e in exemplars]),
        np.array([e.language for e in exemplars]),
    )


def load_heldout(detector: SemanticDetector) -> dict[str, list[Item]]:
    """Every held-out set's lines, encoded piece by piece as the detector reads them."""
    sets: dict[str, list[Item]] = {}
    for path in sorted(HELDOUT.glob("heldout*.jsonl"), key=lambda p: int(p.stem[7:])):
        items = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            turns = item.get("turns")
            text = str(turns[-1]) if isinstance(turns, list) else str(item["text"])
            pieces = detector._pieces(text)
            vectors = detector._encoder.encode(pieces) if pieces else np.zeros((0, 512))
            items.append(
                Item(
                    str(item["expect"]),
                    detector._identifier.guess(text).best,
                    detector.safety_net.hits(text),
                    np.asarray(vectors, dtype=np.float64),
                )
            )
        sets[path.stem[7:]] = items
    return sets


def heldout_scores(sets: dict[str, list[Item]], score: Scorer) -> dict[str, Floats]:
    """The highest score over each line's pieces (minus infinity for an empty line)."""
    return {
        name: np.array([float(score(i.pieces).max()) if len(i.pieces) else -np.inf for i in items])
        for name, items in sets.items()
    }


def _pct(values: Sequence[float]) -> str:
    return " / ".join(f"{v:.1%}" for v in values)


def main() -> None:
    data = load_data()
    folds = grouped_folds(data.exemplars)
    shipped = fold_of([f"{e.language}/{e.label}" for e in data.exemplars], FOLDS)
    heads: dict[str, Trainer] = {f"k-NN margin, k={k}": knn_head(data, k) for k in (1, 3, 5, 7, 10)}
    heads.update({f"logistic regression, C={c}": linear_head(data, c) for c in (0.3, 1.0, 3.0)})
    heads["logistic regression + k=3 margin, C=1"] = linear_head(data, 1.0, 10.0)
    heads["logistic regression + k=3 margin, C=0.1"] = linear_head(data, 0.1, 30.0)
    grouped = {name: out_of_fold(data, train, folds) for name, train in heads.items()}

    print("## Out-of-fold crisis recall at 1 / 3 / 5% false crisis, one threshold for all\n")
    print("| head | translations held out (grouped folds) | folds as shipped |")
    print("|---|---:|---:|")
    for name, train in heads.items():
        scores = grouped[name]
        plain = out_of_fold(data, train, shipped)
        benign, crisis = ~data.crisis, data.crisis
        g = [recall_at(scores, crisis, threshold_at(scores[benign], s)) for s in SHARES]
        p = [recall_at(plain, crisis, threshold_at(plain[benign], s)) for s in SHARES]
        print(f"| {name} | {_pct(g)} | {_pct(p)} |")

    compared = ["k-NN margin, k=3", "logistic regression + k=3 margin, C=1"]
    print(
        "\n## Per language, grouped folds: recall at 1 / 3 / 5% false crisis (one threshold "
        "for all) and false crisis at the 3% one; recall / false crisis with a threshold of "
        "the language's own chosen on the other folds\n"
    )
    print(
        "| language | crisis | benign | " + " | ".join(f"{n}: all / own" for n in compared) + " |"
    )
    print("|---|---:|---:|" + "---|" * len(compared))
    for language in [*sorted(set(data.languages.tolist())), "*"]:
        mine = np.ones(len(folds), bool) if language == "*" else data.languages == language
        cells = []
        for name in compared:
            scores = grouped[name]
            limits = [threshold_at(scores[~data.crisis], s) for s in SHARES]
            rec = [recall_at(scores[mine], data.crisis[mine], t) for t in limits]
            false = float(np.mean(scores[mine & ~data.crisis] >= limits[1]))
            own = nested_per_language(data, scores, folds, own=True)
            if language != "*":
                sub = Data(
                    [e for e, m in zip(data.exemplars, mine, strict=True) if m],
                    data.vectors[mine],
                    data.crisis[mine],
                    data.languages[mine],
                )
                own = nested_per_language(sub, scores[mine], folds[mine], own=True)
            cells.append(f"{_pct(rec)}, {false:.1%} / {_pct(own)}")
        print(
            f"| {language} | {int((mine & data.crisis).sum())} | "
            f"{int((mine & ~data.crisis).sum())} | " + " | ".join(cells) + " |"
        )
    for name in compared:
        together = nested_per_language(data, grouped[name], folds, own=False)
        apart = nested_per_language(data, grouped[name], folds, own=True)
        print(
            f"\n{name}: threshold chosen on the other folds, one for all {_pct(together)}, "
            f"one per language {_pct(apart)} (crisis recall / false crisis)"
        )

    detector = SemanticDetector.load()
    sets = load_heldout(detector)
    everything = np.arange(len(data.exemplars))
    print(
        "\n## Held-out sets, semantic detector alone: crisis recall / false crisis at the "
        "threshold for 3% false crisis on grouped folds (one for all; one per identified "
        "language, never below it), and recall at 1 / 3 / 5% of each group's own benign lines\n"
    )
    names = list(sets)
    print("| head | threshold | " + " | ".join(f"set {n}" for n in names) + " | all |")
    print("|---|---|" + "---:|" * (len(names) + 1))
    picked = [*compared, "k-NN margin, k=5", "logistic regression, C=1.0"]
    picked.append("logistic regression + k=3 margin, C=0.1")
    for name in picked:
        scores = grouped[name]
        pooled = threshold_at(scores[~data.crisis], 0.03)
        own = {
            lang: max(pooled, threshold_at(scores[~data.crisis & (data.languages == lang)], 0.03))
            for lang in set(data.languages.tolist())
        }
        held = heldout_scores(sets, heads[name](everything))
        for label, limit in (
            ("one", lambda _, pooled=pooled: pooled),
            ("per language", lambda g, own=own, pooled=pooled: own.get(g, pooled)),
        ):
            cells, totals = [], [0, 0, 0, 0]
            for set_name, items in sets.items():
                hits = [
                    (i.expect, held[set_name][n] >= limit(i.guess))
                    for n, i in enumerate(items)
                    if i.expect in ("crisis", "benign")
                ]
                c = [h for e, h in hits if e == "crisis"]
                b = [h for e, h in hits if e == "benign"]
                totals = [
                    totals[0] + sum(c),
                    totals[1] + len(c),
                    totals[2] + sum(b),
                    totals[3] + len(b),
                ]
                cells.append(f"{np.mean(c):.0%} / {np.mean(b):.1%}")
            cells.append(f"{totals[0] / totals[1]:.1%} / {totals[2] / totals[3]:.1%}")
            print(f"| {name} | {label} | " + " | ".join(cells) + " |")
        groups = {"12+13": ["12", "13"], "6-11": [str(n) for n in range(6, 12)]}
        parts = []
        for group, members in groups.items():
            s = np.concatenate([held[m] for m in members])
            e = np.array([i.expect for m in members for i in sets[m]])
            parts.append(
                f"sets {group} "
                + _pct(
                    [recall_at(s, e == "crisis", threshold_at(s[e == "benign"], x)) for x in SHARES]
                )
            )
        print(f"|  | at the sets' own 1/3/5% | {'; '.join(parts)} |")

    print(
        "\n## Held-out sets, the detector's bands (k=3): thresholds chosen on the shipped folds "
        "(as shipped) or on grouped folds; crisis, crisis or check-in / false crisis, check-in\n"
    )
    net = np.array([detector.safety_net.hits(e.text) for e in data.exemplars])
    held = heldout_scores(sets, heads["k-NN margin, k=3"](everything))
    for label, source in (
        ("shipped folds", out_of_fold(data, heads["k-NN margin, k=3"], shipped)),
        ("grouped folds", grouped["k-NN margin, k=3"]),
    ):
        table = _thresholds(source, data.exemplars, net)
        cells = []
        for set_name, items in sets.items():
            counts = {"crisis": [0, 0, 0], "benign": [0, 0, 0]}
            for n, item in enumerate(items):
                if item.expect not in counts:
                    continue
                score = held[set_name][n]
                limits = effective(table, item.guess)
                decided = band(float(score), limits, item.net) if np.isfinite(score) else "clear"
                asks = decided == "check_in" or (item.net and score >= limits.clear)
                tally = counts[item.expect]
                tally[0] += 1
                tally[1] += decided == "crisis"
                tally[2] += decided == "crisis" or asks
            c, b = counts["crisis"], counts["benign"]
            cells.append(
                f"set {set_name}: {c[1] / c[0]:.0%}, {c[2] / c[0]:.0%} / "
                f"{b[1] / b[0]:.1%}, {(b[2] - b[1]) / b[0]:.0%}"
            )
        print(f"- {label}: " + "; ".join(cells))


if __name__ == "__main__":
    main()
