"""The core prepares a batch of texts: the gate's pieces, the topic lookup by meaning and the
reply language."""

from __future__ import annotations

import uuid

import pytest

from bot.app import build_core
from bot.config import load_config
from bot.embedding import shared_encoder
from bot.i18n.choice import _identifier
from bot.model import Inbound, InboundKind
from tests.auxil.cli_runs import EXAMPLE_CONFIG


def test_a_core_prepares_the_topic_lookup_by_meaning_too() -> None:
    """A question no phrase matches is looked up by meaning: its text is encoded in the batch."""
    core = build_core(load_config(EXAMPLE_CONFIG))
    question = f"  {uuid.uuid4().hex} could you tell me what a session is like? "
    core.prepare([question])
    assert shared_encoder().holds(question.strip())


def test_a_core_prepares_the_reply_language_and_decides_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The reply language's identification is done in the batch: deciding then reads it from
    there, and finds the language it would have found alone."""
    core = build_core(load_config(EXAMPLE_CONFIG))
    spanish = "¿Cuánto tiempo dura una sesión de ketamina y cómo me voy a sentir después?"
    alone = core.process(None, Inbound("tg:1", InboundKind.TEXT, text=spanish, received_at=1e9))
    core.prepare([spanish])

    def unread(text: str) -> object:
        raise AssertionError(f"identified again: {text!r}")

    monkeypatch.setattr(_identifier(core._enabled), "_probabilities", unread)
    prepared = core.process(None, Inbound("tg:1", InboundKind.TEXT, text=spanish, received_at=1e9))
    assert prepared.record.detected_language == alone.record.detected_language == "es"
