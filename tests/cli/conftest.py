"""Helpers to run the real ``crisisbot`` command line as a separate process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = ROOT / "config.example.yaml"
DEV_SET = ROOT.parent / "shared" / "triage" / "dev.jsonl"
DEV_MULTILINGUAL = ROOT.parent / "shared" / "triage" / "dev_multilingual.jsonl"


def crisisbot(
    *args: str, stdin: bytes | str = b"", cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot ARGS`` and return its exit code and text output."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    completed = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=data,
        capture_output=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        timeout=120,
        check=False,
    )
    return subprocess.CompletedProcess(
        completed.args,
        completed.returncode,
        completed.stdout.decode("utf-8", errors="replace"),
        completed.stderr.decode("utf-8", errors="replace"),
    )


@pytest.fixture
def dev_set() -> Path:
    """The shared development set, or a skip with the reason when it is not beside the project."""
    if not DEV_SET.exists():
        pytest.skip(f"{DEV_SET} is not present (it lives beside the project, outside the repo)")
    return DEV_SET


@pytest.fixture
def dev_multilingual() -> Path:
    """The shared multilingual development set, or a skip when it is not beside the project."""
    if not DEV_MULTILINGUAL.exists():
        pytest.skip(f"{DEV_MULTILINGUAL} is not present (it lives beside the project)")
    return DEV_MULTILINGUAL
