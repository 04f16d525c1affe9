"""Fixtures for the core: the pipeline built from the example config and the real flows."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.app import build_core
from bot.config import load_config
from bot.core.pipeline import Core
from tests.auxil.conversations import EXAMPLE_CONFIG, Conversation


@pytest.fixture(scope="session")
def core() -> Core:
    """The core exactly as `crisisbot chat --config config.example.yaml` builds it."""
    return build_core(load_config(EXAMPLE_CONFIG), handoff_available=True)


@pytest.fixture
def conversation(core: Core) -> Callable[..., Conversation]:
    """A factory of fresh conversations."""
    return lambda name="tester", **kw: Conversation(core, name, **kw)
