"""The outbox: messages written with the state change that caused them, sent after commit.

A message is *pending* until it is marked sent or dead. Each chat is served in order: only the
oldest pending message of a chat can be claimed, and not while another claimer holds its lease or
before its ``not_before`` time. A claim leases the message for a while; a sender that crashes lets
the lease run out and another sender (or replica) takes the message again, so delivery is at least
once. Functions here run on a connection inside a transaction opened by :class:`Storage`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, func, insert, or_, select, update

from bot.core.models import Button, Reply
from bot.errors import StorageError
from bot.storage.tables import is_pending, outbox

MAX_ERROR_CHARS = 1000


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One claimed message: where it goes, what it says, and how often sending it failed."""

    id: int
    conversation_id: str
    chat_id: str  # where to send, e.g. a Telegram chat id as text
    kind: str  # "reply", "alert", "notice"
    reply: Reply
    attempts: int
    created_at: float


def reply_to_json(reply: Reply) -> str:
    """The compact JSON stored in ``outbox.payload``."""
    data: dict[str, Any] = {"text": reply.text}
    if reply.buttons:
        data["buttons"] = [[button.label, button.action] for button in reply.buttons]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def reply_from_json(payload: str) -> Reply:
    """Read back what :func:`reply_to_json` wrote."""
    data = json.loads(payload)
    buttons = tuple(
        Button(label=str(label), action=str(action)) for label, action in data.get("buttons", ())
    )
    return Reply(text=str(data["text"]), buttons=buttons)


def enqueue(
    connection: Connection,
    *,
    conversation_id: str,
    chat_id: str,
    reply: Reply,
    kind: str,
    now: float,
) -> int:
    """Add a pending message, due at once; return its id."""
    result = connection.execute(
        insert(outbox)
        .values(
            conversation_id=conversation_id,
            chat_id=chat_id,
            kind=kind,
            payload=reply_to_json(reply),
            created_at=now,
            not_before=now,
        )
        .returning(outbox.c.id)
    )
    return int(result.scalar_one())


def claim(
    connection: Connection, *, now: float, limit: int, lease_seconds: float
) -> list[OutboxMessage]:
    """Lease the due head message of up to ``limit`` chats, oldest first."""
    head = outbox.alias("head")
    oldest_pending_of_chat = (
        select(func.min(head.c.id))
        .where(head.c.chat_id == outbox.c.chat_id, is_pending(head))
        .scalar_subquery()
    )
    rows = connection.execute(
        select(outbox)
        .where(
            is_pending(outbox),
            outbox.c.id == oldest_pending_of_chat,
            outbox.c.not_before <= now,
            or_(outbox.c.leased_until.is_(None), outbox.c.leased_until <= now),
        )
        .order_by(outbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite holds the write lock already
    ).all()
    if rows:
        connection.execute(
            update(outbox)
            .where(outbox.c.id.in_([row.id for row in rows]))
            .values(leased_until=now + lease_seconds)
        )
    return [_message(row) for row in rows]


def mark_sent(connection: Connection, message_id: int, *, now: float, sent_ref: str | None) -> None:
    """Record that the message went out; it is never claimed again."""
    _update_one(connection, message_id, sent_at=now, sent_ref=sent_ref, leased_until=None)


def mark_retry(connection: Connection, message_id: int, *, not_before: float, error: str) -> None:
    """Count a failed attempt and make the message due again at ``not_before``."""
    _update_one(
        connection,
        message_id,
        attempts=outbox.c.attempts + 1,
        not_before=not_before,
        leased_until=None,
        last_error=error[:MAX_ERROR_CHARS],
    )


def mark_dead(connection: Connection, message_id: int, *, error: str) -> None:
    """Count a final failed attempt and never try the message again."""
    _update_one(
        connection,
        message_id,
        attempts=outbox.c.attempts + 1,
        dead=True,
        leased_until=None,
        last_error=error[:MAX_ERROR_CHARS],
    )


def depth(connection: Connection) -> int:
    """How many messages are pending (due now or later, leased or not)."""
    count = connection.execute(select(func.count()).select_from(outbox).where(is_pending(outbox)))
    return int(count.scalar_one())


def forget_sent(connection: Connection, *, older_than: float) -> int:
    """Delete messages sent before ``older_than``; return how many."""
    result = connection.execute(
        outbox.delete().where(outbox.c.sent_at.is_not(None), outbox.c.sent_at < older_than)
    )
    return int(result.rowcount)


def _update_one(connection: Connection, message_id: int, **values: Any) -> None:
    result = connection.execute(update(outbox).where(outbox.c.id == message_id).values(**values))
    if result.rowcount != 1:
        raise StorageError(
            f"Outbox message {message_id} does not exist (it may have been sent and forgotten "
            "by housekeeping); the sender must only mark messages it claimed."
        )


def _message(row: Row[Any]) -> OutboxMessage:
    return OutboxMessage(
        id=int(row.id),
        conversation_id=str(row.conversation_id),
        chat_id=str(row.chat_id),
        kind=str(row.kind),
        reply=reply_from_json(row.payload),
        attempts=int(row.attempts),
        created_at=float(row.created_at),
    )


__all__ = [
    "OutboxMessage",
    "claim",
    "depth",
    "enqueue",
    "forget_sent",
    "mark_dead",
    "mark_retry",
    "mark_sent",
    "reply_from_json",
    "reply_to_json",
]
