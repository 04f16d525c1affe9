"""Kept for compatibility only, to be removed: the shared types now live in :mod:`bot.model`.

Import from :mod:`bot.model`; this module re-exports its names so code written against the old
place still runs until every import has moved.
"""

from bot.model import (
    Button,
    ConversationRecord,
    CrisisState,
    GateOutcome,
    Inbound,
    InboundKind,
    Outcome,
    PendingCheckIn,
    Reply,
    Risk,
    Route,
    Signal,
)

__all__ = [
    "Button",
    "ConversationRecord",
    "CrisisState",
    "GateOutcome",
    "Inbound",
    "InboundKind",
    "Outcome",
    "PendingCheckIn",
    "Reply",
    "Risk",
    "Route",
    "Signal",
]
