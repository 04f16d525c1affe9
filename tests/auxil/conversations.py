"""Helpers of the core tests: one invented conversation through the core.

Fixtures stay in the conftest beside the tests; these are imported by name.
"""

from __future__ import annotations

from pathlib import Path

from bot.core.pipeline import Core
from bot.model import ConversationRecord, Inbound, InboundKind, Outcome

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = ROOT / "config.example.yaml"


class Conversation:
    """One person's conversation with the core, a minute between turns."""

    def __init__(self, core: Core, name: str = "tester", start: float = 1_000_000.0) -> None:
        self.core = core
        self.id = f"test:{name}"
        self.record: ConversationRecord | None = None
        self.clock = start
        self.last: Outcome | None = None

    def send(self, kind: InboundKind = InboundKind.TEXT, **fields: object) -> Outcome:
        """Send one inbound and remember the new record."""
        self.clock += fields.pop("after", 60.0)  # type: ignore[arg-type]
        inbound = Inbound(self.id, kind, received_at=self.clock, **fields)  # type: ignore[arg-type]
        self.last = self.core.process(self.record, inbound)
        self.record = self.last.record
        return self.last

    def say(self, text: str, **fields: object) -> Outcome:
        """Send free text."""
        return self.send(InboundKind.TEXT, text=text, **fields)

    def press(self, action: str, label: str = "") -> Outcome:
        """Press a button."""
        return self.send(InboundKind.BUTTON, button=action, text=label)

    def command(self, name: str, args: str = "", **fields: object) -> Outcome:
        """Send /name args."""
        return self.send(InboundKind.COMMAND, command=name, text=args, **fields)


def reply_text(outcome: Outcome) -> str:
    """All reply text of an outcome, button labels included."""
    return "\n".join(reply.full_text() for reply in outcome.replies)
