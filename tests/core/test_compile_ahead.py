"""Compiling the lexicon's regular expressions ahead: all compiled, nothing decided differently."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.app import build_core
from bot.config import load_config
from bot.core.warm import compile_in_background
from bot.gate.matcher import PhraseSet, _regex
from bot.model import Inbound, InboundKind

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [
    "what does a ketamine infusion feel like",
    "can i take my sertraline the day of the spray",
    "i want to kill myself",
    "this exam is killing me lol",
]


def test_a_phrase_set_compiles_each_of_its_expressions_once() -> None:
    phrase_set = PhraseSet([("rule.one", ("cant go on", "end it all"), ("(?<![a-z0-9])bye+",))])
    paced: list[None] = []
    count = phrase_set.compile_all(lambda: paced.append(None))
    assert count >= 3  # two phrases and a raw pattern, and the word-start finder or glued forms
    assert len(paced) >= 3
    misses = _regex.cache_info().misses
    assert phrase_set.compile_all() == count
    assert _regex.cache_info().misses == misses  # nothing compiled the second time


def test_the_core_decides_the_same_after_compiling_ahead(caplog: pytest.LogCaptureFixture) -> None:
    config = load_config(ROOT / "config.example.yaml")
    lazy, ahead = build_core(config), build_core(config)
    with caplog.at_level(logging.INFO, logger="bot.core.warm"):
        compile_in_background(ahead, pause=0).join()
    assert "lexicon compiled ahead" in caplog.text
    misses = _regex.cache_info().misses
    for number, text in enumerate(TEXTS):
        inbound = Inbound(f"tg:{number}", InboundKind.TEXT, text=text, received_at=1e9)
        assert ahead.process(None, inbound) == lazy.process(None, inbound)
    assert _regex.cache_info().misses == misses  # every pattern was ready
