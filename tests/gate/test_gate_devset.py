"""The shared triage development set, when present: crisis, benign and advice lines.

The file lives outside the project (``../shared/triage/dev.jsonl``); its sentences are never
copied here. Passing it is necessary, not sufficient: the gate is built for categories.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.gate import AdviceGuard, CrisisGate

DEV_SET = Path(__file__).resolve().parents[2].parent / "shared/triage/dev.jsonl"


def _lines() -> list[dict[str, str]]:
    if not DEV_SET.is_file():
        return []
    rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line]
    return [row for row in rows if isinstance(row, dict) and "text" in row and "expect" in row]


_ROWS = _lines()
_SKIP = pytest.mark.skipif(not _ROWS, reason=f"no triage development set at {DEV_SET}")


def _params(expect: str) -> list[object]:
    rows = [row for row in _ROWS if row["expect"] == expect]
    return [pytest.param(row, id=f"{expect}-{index}") for index, row in enumerate(rows)]


@_SKIP
@pytest.mark.parametrize("row", _params("crisis"))
def test_every_crisis_line_routes_to_crisis(gate: CrisisGate, row: dict[str, str]) -> None:
    assert gate.assess(row["text"]).crisis, row.get("cat")


@_SKIP
@pytest.mark.parametrize("row", _params("benign"))
def test_no_benign_line_routes_to_crisis(gate: CrisisGate, row: dict[str, str]) -> None:
    assert not gate.assess(row["text"]).crisis, row.get("cat")


@_SKIP
@pytest.mark.parametrize("row", _params("advice"))
def test_every_advice_line_is_advice_and_not_crisis(
    gate: CrisisGate, guard: AdviceGuard, row: dict[str, str]
) -> None:
    assert not gate.assess(row["text"]).crisis, row.get("cat")
    assert guard.check(row["text"]) is not None, row.get("cat")


@pytest.mark.skipif(DEV_SET.is_file(), reason="the development set is present")
def test_devset_absence_is_reported_as_a_skip_not_a_pass() -> None:
    assert _ROWS == []
