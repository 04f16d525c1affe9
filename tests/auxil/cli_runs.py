"""Helpers of the command-line tests: the project's files and the crisisbot process.

Fixtures stay in the conftest beside the tests; these are imported by name.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = ROOT / "config.example.yaml"
DEV_SET = ROOT.parent / "shared" / "triage" / "dev.jsonl"
DEV_MULTILINGUAL = ROOT.parent / "shared" / "triage" / "dev_multilingual.jsonl"


def crisisbot(
    *args: str,
    stdin: bytes | str | Path = b"",
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot ARGS`` and return its exit code and text output.

    ``stdin`` is sent through a pipe, or, given as a :class:`Path`, is the open file itself
    (as ``crisisbot triage < file`` does).
    """
    command = [sys.executable, "-m", "bot", *args]
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    if isinstance(stdin, Path):
        with stdin.open("rb") as source:
            completed = subprocess.run(
                command, stdin=source, capture_output=True, cwd=cwd, env=environment,
                timeout=120, check=False,
            )  # fmt: skip
    else:
        completed = subprocess.run(
            command,
            input=stdin.encode() if isinstance(stdin, str) else stdin,
            capture_output=True,
            cwd=cwd,
            env=environment,
            timeout=120,
            check=False,
        )
    return subprocess.CompletedProcess(
        completed.args,
        completed.returncode,
        completed.stdout.decode("utf-8", errors="replace"),
        completed.stderr.decode("utf-8", errors="replace"),
    )
