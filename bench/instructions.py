"""Instructions that valgrind counts for a measured process (the ``*_instructions`` benches).

CPU time on a shared machine moves by a third within the hour; the instructions a process runs
do not (``PYTHONHASHSEED`` is fixed, so sets iterate alike). Each bench runs its measured process
twice at once, with and without the work, and divides the difference by the work's count.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def compile_tree(tree: Path) -> None:
    """Write the tree's bytecode first: where it is missing (a fresh ``git archive``), the first of
    the pair to import a module would compile it and the other read it, so the difference would
    count compiling on one side only."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(tree.resolve() / "bot")], check=True
    )


def instructions(script: Path, tree: Path, arguments: list[str]) -> int:
    """What valgrind counts for ``script --inner TREE ARGUMENTS`` run on ``tree``'s code."""
    # one thread each for the numerical libraries: a pool's threads spin for as long as the
    # scheduler lets them, which would add instructions that vary from run to run
    environment = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        str(script),
        "--inner",
        str(tree),
        *arguments,
    ]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
    for line in done.stderr.splitlines():
        if "I" in line and "refs:" in line:
            return int(line.rsplit(maxsplit=1)[-1].replace(",", ""))
    raise SystemExit(f"valgrind printed no instruction count for {tree}:\n{done.stderr[-2000:]}")


def per_unit(
    script: Path, tree: Path, with_work: list[str], without: list[str], units: int
) -> float:
    """Instructions per unit of work: both processes at once (the machine has two CPUs)."""
    compile_tree(tree)
    with ThreadPoolExecutor(2) as pool:
        working = pool.submit(instructions, script, tree.resolve(), with_work)
        idle = pool.submit(instructions, script, tree.resolve(), without)
        return (working.result() - idle.result()) / units
