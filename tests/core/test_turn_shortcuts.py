"""The pipeline's shortcuts for one turn give what the long way gives."""

from __future__ import annotations

import pytest

from bot.core.language import observe_language
from bot.core.pipeline import Core
from bot.model import ConversationRecord, Inbound, InboundKind

ENABLED = ("en", "de", "es", "fr", "it", "nl", "pt")
GERMAN = "Heute gehe ich mit meinem Hund im Park spazieren und trinke danach einen Kaffee."


def _record(**changes: object) -> ConversationRecord:
    record = ConversationRecord("tg:1", "main", "v1", "start", created_at=1.0, updated_at=1.0)
    return record.with_changes(**changes)


def _long_way(inbound: Inbound) -> str:
    parts = [inbound.command or "", inbound.text]
    return " ".join(part for part in parts if part).strip()


@pytest.mark.parametrize(
    ("command", "text"),
    [
        (None, "  hello there "),
        (None, ""),
        ("", " x "),
        ("crisis", ""),
        ("country", " DE "),
        ("start", "  "),
    ],
)
def test_the_gate_text_is_the_command_and_text_joined(command: str | None, text: str) -> None:
    inbound = Inbound("tg:1", InboundKind.COMMAND, text=text, command=command)
    assert inbound.gate_text() == _long_way(inbound)


def test_a_message_in_a_new_language_names_the_fields_it_changes() -> None:
    inbound = Inbound("tg:1", InboundKind.TEXT, text=GERMAN)
    assert observe_language(_record(), inbound, ENABLED) == {
        "detected_language": "de",
        "language_candidate": None,
        "language_streak": 0,
    }


def test_a_message_in_the_known_language_changes_nothing() -> None:
    inbound = Inbound("tg:1", InboundKind.TEXT, text=GERMAN)
    assert observe_language(_record(detected_language="de"), inbound, ENABLED) == {}


def test_a_button_or_a_short_message_says_nothing_of_the_language() -> None:
    button = Inbound("tg:1", InboundKind.BUTTON, text=GERMAN, button="f:x:y")
    short = Inbound("tg:1", InboundKind.TEXT, text="Hallo")
    assert observe_language(_record(), button, ENABLED) == {}
    assert observe_language(_record(), short, ENABLED) == {}


def test_the_language_seen_reaches_the_record_with_the_turn(core: Core) -> None:
    outcome = core.process(None, Inbound("tg:1", InboundKind.TEXT, text=GERMAN, received_at=5.0))
    assert outcome.record.detected_language == "de"
    assert outcome.record.turns == 1
    assert outcome.record.updated_at == 5.0


def test_an_outcome_without_detectors_names_none(core: Core) -> None:
    inbound = Inbound("tg:2", InboundKind.TEXT, text="how much does it cost", received_at=5.0)
    assert core.process(None, inbound).detectors == frozenset()
