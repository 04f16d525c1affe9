"""Helpers to run the real ``crisisbot`` command line as a separate process."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.auxil.cli_runs import DEV_MULTILINGUAL, DEV_SET


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
