"""Start-up CPU of ``crisisbot triage`` and ``chat`` until their first answer, trees interleaved.

    .venv/bin/python bench/startup_bench.py [--rounds 5] [TREE ...]

Each TREE is a checkout of the project (default: this one); ``git archive <commit> | tar -x -C
/tmp/before`` makes one of an older commit. Every round runs, for each tree in turn,
``python -m bot triage`` with one line (``{"text": "hi"}``) through a pipe, then ``python -m bot
chat`` with the line ``hi``, both on this interpreter with the tree first on ``PYTHONPATH`` and
an in-memory database; CPU time (user + system) of each child until it has answered and quit.
Prints each run and the medians.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child_cpu(command: list[str], stdin: bytes, tree: Path, expect: bytes) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-m", "bot", *command],
        input=stdin,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(tree)},
        cwd=tree,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0 or expect not in done.stdout:
        raise SystemExit(f"{tree}: {' '.join(command)} failed: {done.stderr[-500:]!r}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("trees", nargs="*", type=Path, default=[ROOT])
    args = parser.parse_args()
    trees = [tree.resolve() for tree in args.trees]
    runs: dict[tuple[Path, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        configs = {}
        for index, tree in enumerate(trees):
            config = Path(folder) / f"config{index}.yaml"
            config.write_text(
                f"flows_dir: {tree / 'flows'}\nstorage:\n  url: 'sqlite://'\n", encoding="utf-8"
            )
            configs[tree] = str(config)
        for _ in range(args.rounds):
            for tree in trees:
                for name, stdin, expect in (
                    ("triage", b'{"text": "hi"}\n', b'"route"'),
                    ("chat", b"hi\n", b"bot "),
                ):
                    cpu = child_cpu([name, "--config", configs[tree]], stdin, tree, expect)
                    runs.setdefault((tree, name), []).append(cpu)
                    print(f"{tree} {name} {cpu:.2f} s", flush=True)
    for (tree, name), cpus in runs.items():
        median = sorted(cpus)[len(cpus) // 2]
        listed = ", ".join(f"{cpu:.2f}" for cpu in cpus)
        print(f"{tree} {name}: {listed}; median {median:.2f} s of CPU")


if __name__ == "__main__":
    main()
