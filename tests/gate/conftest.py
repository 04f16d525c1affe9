"""Shared fixtures for the gate tests: one compiled gate and guard per session."""

from __future__ import annotations

import pytest

from bot.gate import AdviceGuard, CrisisGate, default_gate
from bot.gate.semantic.safety_net import SAFETY_NET_FILE, SafetyNet


@pytest.fixture(scope="session")
def gate() -> CrisisGate:
    """The gate over the built-in lexicon (compiling it once keeps the suite fast)."""
    return default_gate()


@pytest.fixture(scope="session")
def guard() -> AdviceGuard:
    """The advice guard over the built-in rules."""
    return AdviceGuard.default()


@pytest.fixture(scope="session")
def net() -> SafetyNet:
    """The shipped safety net, idioms included (loaded once per test session)."""
    return SafetyNet.load(SAFETY_NET_FILE)
