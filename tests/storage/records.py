"""Invented conversation records for the storage tests."""

from __future__ import annotations

from typing import Any

from bot.model import ConversationRecord, CrisisState, Risk, Signal

T0 = 1_700_000_000.0


def make_record(conversation_id: str = "chat-100", **changes: Any) -> ConversationRecord:
    """A plausible record for ``conversation_id``; ``changes`` replace fields."""
    record = ConversationRecord(
        conversation_id=conversation_id,
        flow="ketamine_basics",
        flow_version="3",
        state="menu",
        created_at=T0,
        updated_at=T0 + 60.0,
        country="NZ",
        language_code="en",
        turns=4,
    )
    return record.with_changes(**changes)


def crisis_record(conversation_id: str = "chat-200") -> ConversationRecord:
    """A record in crisis mode, with remembered signals and non-ASCII text."""
    return make_record(
        conversation_id,
        state="crisis_hold",
        language_code="de",
        crisis=CrisisState(
            since=T0 + 30.0,
            risk=Risk.HIGH,
            category="self_harm",
            rule="invented-rule-ä",
            last_signal_at=T0 + 45.0,
            replies_sent=2,
        ),
        signals=(Signal(at=T0 + 10.0, kind="job_loss", weight=0.25),),
        handoff_case=17,
    )
