"""A recorded stream of updates, replayed through the service to show storage changes nothing.

Three invented people write interleaved: flows, a button, a medical question, crisis messages of
each risk level, a request for a human, ``/forget`` and re-delivered updates. After every update
the stream notes what the service returned and the person's stored record; at the end, every
outbox row and case. ``python -m tests.core.replay`` writes the snapshot the test compares with,
through :class:`DecidingInsideTheLock`: the way updates were handled before the core ran outside
the write transaction (one transaction: lock, load, decide, write).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.config import ModerationConfig, RealertConfig, load_config
from bot.core.pipeline import Core
from bot.core.service import Service
from bot.model import Inbound, InboundKind, Outcome
from bot.moderation import ModerationDesk
from bot.moderation.tables import cases
from bot.storage import Storage
from bot.storage.tables import conversations, outbox

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = ROOT / "config.example.yaml"
RECORDED = Path(__file__).with_name("fixtures") / "replay_recorded.json"
MOD_CHAT = -1_000_777
START = 1_750_000_000.0

# (chat, kind, value): value is the text, the command name, or "first" for the first button
# of the chat's last reply. A step of kind "again" re-delivers the update numbered ``value``.
STREAM: tuple[tuple[str, str, Any], ...] = (
    ("11", "command", "start"),
    ("22", "command", "start"),
    ("11", "button", "first"),
    ("33", "text", "hello"),
    ("22", "text", "what is esketamine"),
    ("11", "text", "how many mg of ketamine should I take"),
    ("33", "text", "sometimes i wish i could go to sleep and never wake up"),
    ("22", "text", "i have all the pills lined up and i am going to take them tonight"),
    ("11", "again", 3),
    ("33", "button", "first"),
    ("22", "command", "human"),
    ("11", "text", "i keep thinking about killing myself"),
    ("22", "text", "thank you"),
    ("33", "text", "can I stop my antidepressants before ketamine"),
    ("11", "text", "ok"),
    ("22", "again", 8),
    ("11", "command", "forget"),
    ("11", "text", "what is ketamine therapy"),
    ("33", "command", "help"),
    ("22", "text", "Grüße 🙂 " + "lange Nachricht " * 400),
)


class DecidingInsideTheLock(Service):
    """The earlier way: the core decides inside the write transaction, on the locked record."""

    def handle(self, inbound: Inbound, *, deliver_to: str | None = None) -> Outcome | None:
        """Lock, load, decide, write, commit: one transaction."""
        with self.storage.conversation(inbound.conversation_id, update_id=inbound.update_id) as tx:
            if tx is None:
                return None
            outcome = self.core.process(tx.load(), inbound)
            self._write(tx, inbound, outcome, deliver_to)
            return outcome


def build(
    core: Core,
    storage: Storage,
    clock: Callable[[], float],
    kind: type[Service] = Service,
) -> Service:
    """The service as ``crisisbot run`` wires it: the desk's listener, replies split to fit."""
    moderation = ModerationConfig(
        chat_id=MOD_CHAT,
        moderators=(501,),
        realert_minutes=RealertConfig(imminent=5, other=15),
        retention_days=30,
    )
    desk = ModerationDesk(storage, core, moderation, clock=clock)
    return kind(core, storage, listeners=[desk.listener()])


def example_core() -> Core:
    """The core as ``crisisbot run`` builds it with a moderators' chat."""
    from bot.app import build_core

    return build_core(load_config(EXAMPLE_CONFIG), handoff_available=True)


def run_stream(
    core: Core, storage: Storage, kind: type[Service] = Service, *, batch: int = 1
) -> dict[str, Any]:
    """Feed :data:`STREAM` to a fresh service on ``storage``; return what was returned and kept.

    With ``batch`` above 1, consecutive updates of different chats go to
    ``Service.handle_many`` together (at most ``batch``, as the process's writer groups them);
    a chat's next update starts a new batch, as the update processor holds it back.
    """
    now = [START]
    service = build(core, storage, lambda: now[0], kind)
    sent: dict[int, Inbound] = {}
    last: dict[str, Outcome] = {}
    steps: list[dict[str, Any]] = []
    waiting: list[tuple[str, Inbound]] = []

    def flush() -> None:
        if batch == 1:
            results: list[Outcome | Exception | None] = [
                service.handle(inbound, deliver_to=chat) for chat, inbound in waiting
            ]
        else:
            results = service.handle_many([(inbound, chat) for chat, inbound in waiting])
        for (chat, inbound), outcome in zip(waiting, results, strict=True):
            assert not isinstance(outcome, Exception), outcome
            if outcome is not None:
                last[chat] = outcome
            steps.append({"update": inbound.update_id, "outcome": _outcome(outcome)})
            steps[-1]["record"] = _record(storage, inbound.conversation_id)
        waiting.clear()

    for number, (chat, kind_, value) in enumerate(STREAM, start=1):
        if len(waiting) >= batch or any(chat == other for other, _ in waiting):
            flush()
        now[0] += 60.0
        if kind_ == "again":
            inbound = sent[value]
        else:
            inbound = _inbound(chat, kind_, value, last.get(chat), now[0], number)
            sent[number] = inbound
        waiting.append((chat, inbound))
    flush()
    return {"steps": steps, "outbox": _outbox(storage), "cases": _cases(storage)}


def _inbound(
    chat: str, kind: str, value: Any, last: Outcome | None, now: float, update_id: int
) -> Inbound:
    conversation = f"person:{chat}"
    if kind == "command":
        return Inbound(
            conversation, InboundKind.COMMAND, command=value, received_at=now, update_id=update_id
        )
    if kind == "button":
        assert last is not None
        button = next(b for reply in last.replies for b in reply.buttons)
        return Inbound(
            conversation,
            InboundKind.BUTTON,
            button=button.action,
            text=button.label,
            received_at=now,
            update_id=update_id,
        )
    return Inbound(conversation, InboundKind.TEXT, text=value, received_at=now, update_id=update_id)


def _outcome(outcome: Outcome | None) -> dict[str, Any] | None:
    if outcome is None:
        return None
    return {
        "route": outcome.route.value,
        "events": list(outcome.events),
        "replies": [
            [reply.text, [[b.label, b.action] for b in reply.buttons]] for reply in outcome.replies
        ],
    }


def _record(storage: Storage, conversation_id: str) -> Any:
    with storage.transaction(write=False) as connection:
        stored = connection.execute(
            select(conversations.c.record).where(conversations.c.conversation_id == conversation_id)
        ).scalar_one_or_none()
    return None if stored is None else json.loads(stored)


def _outbox(storage: Storage) -> list[list[Any]]:
    columns = (outbox.c.conversation_id, outbox.c.chat_id, outbox.c.kind, outbox.c.payload)
    with storage.transaction(write=False) as connection:
        rows = connection.execute(select(*columns).order_by(outbox.c.id)).all()
    return [[row[0], row[1], row[2], json.loads(row[3])] for row in rows]


def _cases(storage: Storage) -> list[list[Any]]:
    columns = (
        cases.c.conversation_id,
        cases.c.chat_id,
        cases.c.risk,
        cases.c.category,
        cases.c.status,
        cases.c.human_requested,
    )
    with storage.transaction(write=False) as connection:
        rows = connection.execute(select(*columns).order_by(cases.c.id)).all()
    return [[*row[:5], bool(row[5])] for row in rows]


def main() -> None:
    """Record the stream through the storage of this checkout into :data:`RECORDED`."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        storage = Storage.from_url(f"sqlite:///{folder}/replay.db")
        storage.ensure_schema()
        try:
            snapshot = run_stream(example_core(), storage, DecidingInsideTheLock)
        finally:
            storage.close()
    text = json.dumps(snapshot, ensure_ascii=False, indent=1, sort_keys=True)
    RECORDED.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
