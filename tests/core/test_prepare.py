"""The core prepares a batch of texts: the gate's pieces and the topic lookup by meaning."""

from __future__ import annotations

import uuid

from bot.app import build_core
from bot.config import load_config
from bot.embedding import shared_encoder
from tests.auxil.cli_runs import EXAMPLE_CONFIG


def test_a_core_prepares_the_topic_lookup_by_meaning_too() -> None:
    """A question no phrase matches is looked up by meaning: its text is encoded in the batch."""
    core = build_core(load_config(EXAMPLE_CONFIG))
    question = f"  {uuid.uuid4().hex} could you tell me what a session is like? "
    core.prepare([question])
    assert shared_encoder().holds(question.strip())
