"""Count what spelling repair changes in benign text: the figures in docs/crisis.md.

Run: ``.venv/bin/python -m tests.gate.measure_spelling [--show]``

Benign lines come from the semantic exemplars, the shared development sets and the held-out
sets (``benign`` and ``advice`` lines). For each line it reads the crisis gate's views and the
crisis terms' words, and counts the lines in which repair changed a word (a real word read as a
key is a false repair), with the words changed when ``--show`` is given. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

from bot.gate import default_gate
from bot.gate.semantic.exemplars import EXEMPLARS_DIR, load_exemplars
from bot.gate.semantic.safety_net import fold
from bot.gate.views import draft

SETS = (
    Path("../shared/triage/dev.jsonl"),
    Path("../shared/triage/dev_multilingual.jsonl"),
    *sorted(Path(__file__).with_name("heldout").glob("*.jsonl")),
)
_WORD = re.compile(r"\w+")


def benign_lines() -> list[str]:
    """Every benign or advice line of the exemplars and the JSON-lines sets."""
    lines = [e.text for e in load_exemplars(EXEMPLARS_DIR) if e.label == "benign"]
    for path in SETS:
        for raw in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(raw)
            if item.get("expect") in {"benign", "advice"}:
                turns = item.get("turns") or [item["text"]]
                lines.extend(str(turn) for turn in turns)
    return lines


def main() -> None:
    """Print the counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="list the words changed")
    args = parser.parse_args()
    gate = default_gate()
    corrector = gate._corrector
    terms = gate.terms._corrector
    lines = benign_lines()
    changed: Counter[str] = Counter()
    touched = 0
    for line in lines:
        found = False
        for tokens in draft(line).tokens:
            repaired_tokens = corrector.repair(tokens)
            if repaired_tokens != list(tokens):
                gone = [t for t in tokens if t not in repaired_tokens]
                new = [t for t in repaired_tokens if t not in tokens]
                changed[f"{' '.join(gone)} -> {' '.join(new)}"] += 1
                found = True
        words = _WORD.findall(fold(line))
        repaired = terms.repair(words)
        if repaired != words:
            changed[f"{' '.join(words)[:60]} -> (terms) {' '.join(repaired)[:60]}"] += 1
            found = True
        touched += found
    print(f"benign lines: {len(lines)}; lines with a word repaired: {touched}")
    if args.show:
        for change, count in changed.most_common():
            print(f"{count:4d}  {change}")


if __name__ == "__main__":
    main()
