"""Instructions per fresh message of the gate's and the advice guard's reading, counted by valgrind.

    .venv/bin/python bench/gate_instructions.py [--lines 400] [TREE ...]

CPU time on a shared machine moves by a third within the hour, so two versions of the lexicon's
code a few per cent apart cannot be told apart by timing them. Instructions can: valgrind's
cachegrind counts every instruction the process runs, the same from run to run within a few
million whatever else the machine does (``PYTHONHASHSEED`` is fixed, so sets iterate alike).

For each TREE (a checkout or a ``git archive`` of one; default: this one), the script runs, under
``valgrind --tool=cachegrind --cache-sim=no``, a process that builds the core from the tree's
``config.example.yaml``, compiles every regular expression, and then reads the first ``--lines``
benign and advice lines of the held-out sets (each written once) through ``CrisisGate.assess``
as the core calls it (its views, rules, signals and crisis terms) and the advice guard, the
gate's semantic detector standing aside (:class:`_ReadByWordsOnly`). It runs the same
process with no line too, at the same time (the machine has two CPUs), and prints the difference
divided by the lines: what reading one fresh message costs, start-up left out. Neither the
semantic encoder nor the flows are read: the encoder would cost a hundred times more under
valgrind, and it does not change with the lexicon's code. Each tree takes four to six minutes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.gate.semantic.detector import SemanticDetector, SemanticVerdict

sys.path.insert(0, str(Path(__file__).resolve().parent))

from instructions import per_unit

ROOT = Path(__file__).resolve().parents[1]


class _ReadByWordsOnly:
    """Stands in for the gate's semantic detector: every message is left unread by meaning, as
    the gate leaves a long one whose route the lexicon decided (the encoder is not measured)."""

    def __init__(self, real: SemanticDetector) -> None:
        self._real = real

    def assess(self, text: str, **_: object) -> SemanticVerdict:
        return self._real.unread(text, name_language=False)

    unread = assess


def read_lines(tree: Path, count: int) -> None:
    """The measured process: build the core of ``tree``, then read ``count`` held-out lines
    through the gate's own path (``CrisisGate.assess`` as the core calls it) and the guard."""
    from bot.app import build_core
    from bot.config import load_config

    lines: dict[str, None] = {}
    for path in sorted((tree / "tests" / "gate" / "heldout").glob("heldout*.jsonl")):
        for raw in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(raw) if raw.strip() else {}
            if item.get("expect") in {"benign", "advice"} and "text" in item:
                lines.setdefault(item["text"], None)
    core = build_core(load_config(tree / "config.example.yaml"))
    core.compile_all()
    gate = core.gate
    stand_in: Any = _ReadByWordsOnly(gate.semantic)
    gate.semantic = stand_in
    for text in list(lines)[:count]:
        gate.assess(text, name_language=False)
        core.advice.check(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", type=Path, default=[ROOT])
    parser.add_argument("--lines", type=int, default=400)
    parser.add_argument("--inner", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner is not None:
        read_lines(args.inner, args.lines)
        return
    for tree in args.trees:
        lines = ["--lines", str(args.lines)]
        per_line = per_unit(Path(__file__), tree, lines, ["--lines", "0"], args.lines)
        print(f"{tree}: {per_line / 1e6:.3f} M instructions per fresh message ({args.lines} lines)")


if __name__ == "__main__":
    main()
