"""The core prepares a batch of texts: the gate's pieces, the topic lookup by meaning and the
reply language."""

from __future__ import annotations

import uuid

import pytest

from bot.app import build_core
from bot.config import load_config
from bot.core.pipeline import MAX_MATCH_CHARS, Core
from bot.embedding import shared_encoder
from bot.i18n.choice import _identifier
from bot.model import Inbound, InboundKind, Route
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


def _outcome_of(core: Core, text: str) -> tuple[object, ...]:
    outcome = core.process(None, Inbound("tg:1", InboundKind.TEXT, text=text, received_at=1e9))
    return outcome.route, outcome.replies, outcome.rule, outcome.record.signals


def test_a_core_reads_a_batch_with_the_lexicon_and_the_guard_ahead_and_decides_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The lexicon's reading and the advice guard's match of each text are done in the batch:
    deciding then reads neither again, and each message gets the outcome it gets alone."""
    texts = [
        "I want to kill myself tonight",  # crisis
        "how many mg of ketamine should I take",  # advice
        "what is a ketamine session like",  # a topic
        "this traffic is killing me lol",  # figurative
        "I lost my job today",  # a weak signal
    ]
    alone = [_outcome_of(build_core(load_config(EXAMPLE_CONFIG)), text) for text in texts]
    core = build_core(load_config(EXAMPLE_CONFIG))
    core.prepare(texts)

    def read_again(text: str) -> object:
        raise AssertionError(f"read again: {text!r}")

    monkeypatch.setattr(core.gate, "read", read_again)
    monkeypatch.setattr(core.advice, "match", read_again)
    assert [_outcome_of(core, text) for text in texts] == alone
    assert alone[0][0] is Route.CRISIS
    assert alone[1][0] is Route.MEDICAL_ADVICE


def test_text_that_cannot_reach_the_flows_is_read_by_the_lexicon_ahead_but_not_matched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The gate reads every text in the batch, in full; the guard does no work it would never
    be asked for: not for a crisis the lexicon found, nor for text longer than topic matching
    takes."""
    core = build_core(load_config(EXAMPLE_CONFIG))
    long_text = "how much should I take " * (MAX_MATCH_CHARS // 20)
    crisis = "how much of my pills would it take to kill myself"
    read: list[str] = []
    real_read = core.gate.read

    def recorded(text: str) -> object:
        read.append(text)
        return real_read(text)

    def matched(text: str) -> object:
        raise AssertionError(f"matched ahead: {text[:60]!r}")

    monkeypatch.setattr(core.gate, "read", recorded)
    monkeypatch.setattr(core.advice, "match", matched)
    core.prepare([long_text, crisis, "  ", ""])
    assert read == [long_text, crisis]
    assert _outcome_of(core, crisis)[0] is Route.CRISIS


def test_a_text_the_lexicon_fails_to_read_ahead_leaves_the_rest_of_the_batch_prepared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Preparing is only a cache: a text whose reading raises is left for deciding to read (and
    to handle the failure as that update's), while the others keep their readings and the
    batch is still encoded together."""
    core = build_core(load_config(EXAMPLE_CONFIG))
    broken = f"{uuid.uuid4().hex} a text the lexicon cannot read"
    fine = f"{uuid.uuid4().hex} what is a ketamine session like"
    real_read = core.gate.read

    def read(text: str) -> object:
        if text == broken:
            raise RuntimeError("unreadable")
        return real_read(text)

    monkeypatch.setattr(core.gate, "read", read)
    core.prepare([broken, fine])
    assert shared_encoder().holds(fine)
    assert shared_encoder().holds(broken)
    monkeypatch.setattr(core.gate, "read", real_read)
    monkeypatch.setattr(core.advice, "match", _never)
    assert _outcome_of(core, fine)[0] in {Route.ANSWER, Route.FALLBACK}  # matched ahead
    with pytest.raises(AssertionError, match="matched again"):
        _outcome_of(core, broken)


def _never(text: str) -> object:
    raise AssertionError(f"matched again: {text!r}")
