"""Helpers of the moderation tests: invented people, a clock, the outbox and cases.

Fixtures stay in the conftest beside the tests; these are imported by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.model import Inbound, InboundKind, Outcome, Reply
from bot.moderation import Case, ModerationDesk
from bot.storage import Storage
from bot.storage.outbox import reply_from_json
from bot.storage.tables import outbox

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = ROOT / "config.example.yaml"
MOD_CHAT = -1_000_777
MODERATORS = (501, 502)
OUTSIDER = 909
START = 1_750_000_000.0
# Invented messages, one per risk level of the gate (checked in test_listener.py).
IMMINENT_TEXT = "i have all the pills lined up and i am going to take them tonight"
HIGH_TEXT = "i keep thinking about killing myself"
CONCERN_TEXT = "sometimes i wish i could go to sleep and never wake up"
PLAIN_TEXT = "what is esketamine"


class Clock:
    """A clock that moves only when told to."""

    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move forward by ``seconds``."""
        self.now += seconds


class Person:
    """One invented person writing to the bot through the service, into the outbox."""

    def __init__(self, service: Any, clock: Clock, chat: str = "4242") -> None:
        self.service = service
        self.clock = clock
        self.chat = chat
        self.id = f"person:{chat}"

    def send(self, kind: InboundKind, **fields: Any) -> Outcome:
        """One inbound, a minute after the previous one."""
        self.clock.advance(60.0)
        inbound = Inbound(self.id, kind, received_at=self.clock(), **fields)
        outcome = self.service.handle(inbound, deliver_to=self.chat)
        assert outcome is not None
        return outcome

    def say(self, text: str) -> Outcome:
        """Free text."""
        return self.send(InboundKind.TEXT, text=text)

    def press(self, action: str, label: str = "") -> Outcome:
        """A button press."""
        return self.send(InboundKind.BUTTON, button=action, text=label)

    def command(self, name: str, args: str = "") -> Outcome:
        """``/name args``."""
        return self.send(InboundKind.COMMAND, command=name, text=args)


@dataclass(frozen=True, slots=True)
class Row:
    """One outbox row as a test reads it."""

    id: int
    chat_id: str
    kind: str
    reply: Reply
    conversation_id: str
    priority: int  # bot.storage.Priority


def outbox_rows(storage: Storage, *, chat: str | int | None = None) -> list[Row]:
    """Every outbox row (sent or not), oldest first; only those for ``chat`` when given."""
    statement = select(outbox).order_by(outbox.c.id)
    if chat is not None:
        statement = statement.where(outbox.c.chat_id == str(chat))
    with storage.transaction(write=False) as connection:
        return [
            Row(
                int(row.id),
                str(row.chat_id),
                str(row.kind),
                reply_from_json(row.payload),
                str(row.conversation_id),
                int(row.priority),
            )
            for row in connection.execute(statement)
        ]


def alerts(storage: Storage) -> list[Row]:
    """The alerts queued for the moderators' chat."""
    return [row for row in outbox_rows(storage, chat=MOD_CHAT) if row.kind == "alert"]


def only_case(desk: ModerationDesk, *, include_resolved: bool = False) -> Case:
    """The one case there is."""
    found = desk.book.cases(include_resolved=include_resolved)
    assert len(found) == 1, found
    return found[0]
