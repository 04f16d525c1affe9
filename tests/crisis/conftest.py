"""Shared fixtures for the crisis tests: the packaged lines and wording, and file helpers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.replies import CrisisReplies
from bot.crisis import DEFAULT_LINES_PATH, CrisisLines
from bot.crisis import load_crisis_lines as _load
from bot.crisis.wording import DEFAULT_WORDING_PATH
from tests.crisis.invented import CONTACTS


@pytest.fixture(scope="session")
def lines() -> CrisisLines:
    """The packaged crisis lines."""
    return _load()


@pytest.fixture(scope="session")
def replies(lines: CrisisLines) -> CrisisReplies:
    """Replies built on the packaged lines and wording, with two invented team contacts."""
    return CrisisReplies(lines, CONTACTS)


@pytest.fixture
def lines_data() -> dict[str, Any]:
    """A fresh, mutable copy of the packaged lines file's data."""
    data: dict[str, Any] = yaml.safe_load(DEFAULT_LINES_PATH.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def wording_data() -> dict[str, Any]:
    """A fresh, mutable copy of the packaged wording file's data."""
    data: dict[str, Any] = yaml.safe_load(DEFAULT_WORDING_PATH.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    """Write a dict as a YAML file under ``tmp_path`` and return its path."""

    def write(data: dict[str, Any]) -> Path:
        path = tmp_path / "crisis-data.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return path

    return write
