"""The outbox: messages written with the state change that caused them, sent after commit.

A message is *pending* until it is marked sent or dead. Each chat is served in order: only the
oldest pending message of a chat can be claimed, and not while another claimer holds its lease or
before its ``not_before`` time. A claim leases the message for a while; a sender that crashes lets
the lease run out and another sender (or replica) takes the message again, so delivery is at least
once. Functions here run on a connection inside a transaction opened by :class:`Storage`.

Urgent messages go first. Each row has a :class:`Priority`; the claim serves chats whose head
message is most urgent first, then oldest first, so a crisis reply queued behind a backlog of
ordinary replies to other chats is claimed in the next round. A chat's own messages are never
reordered: only a chat's oldest pending message can be claimed, whatever the priorities. So that
an urgent message does not wait behind its own chat's ordinary ones for the whole backlog,
queuing it raises that chat's earlier pending messages to its priority (they go first, in their
order, then it). A chat whose head waits for a retry (flood control, a network error) holds its
urgent message back too: order within a chat comes first.

The hot statements (enqueue, claim, recording a round of sends) are SQL written once; the claim
is a single ``UPDATE ... RETURNING`` that walks the partial index of pending rows by priority,
then id (``ix_outbox_pending_priority``), so its cost does not grow with the sent rows kept for
housekeeping.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from sqlalchemy import Connection, TextClause, func, select, text

from bot.errors import StorageError
from bot.model import Button, Reply
from bot.storage.driver import Sql, compact_json, rows_of
from bot.storage.parts import split_reply
from bot.storage.tables import is_pending, outbox

MAX_ERROR_CHARS = 1000
#: ``outbox.conversation_id`` of a message that belongs to no conversation (a moderators' chat
#: listing, a flow reload notice); the column is ``NOT NULL``, so "none" is stored as empty text.
NO_CONVERSATION = ""


class Priority(IntEnum):
    """How soon a message goes out relative to other chats' messages; higher is sooner."""

    NORMAL = 0  # ordinary replies, notices, listings
    HIGH = 1  # crisis replies, check-ins, alerts about urgent cases


_ENQUEUE = Sql(
    "INSERT INTO outbox (conversation_id, chat_id, kind, payload, priority, created_at, "
    "not_before) VALUES (:conversation_id, :chat_id, :kind, :payload, :priority, :now, :now) "
    "RETURNING id"
)
# Several rows in one statement (PostgreSQL): ids are taken in the order the rows are selected,
# which is the order given (``ORDINALITY``), so ascending ids are the rows in order.
_ENQUEUE_ROWS = Sql(
    "INSERT INTO outbox (conversation_id, chat_id, kind, payload, priority, created_at, "
    "not_before) SELECT c, h, k, p, r, t, t FROM unnest(CAST(:conversation_ids AS text[]), "
    "CAST(:chat_ids AS text[]), CAST(:kinds AS text[]), CAST(:payloads AS text[]), "
    "CAST(:priorities AS smallint[]), CAST(:times AS double precision[])) "
    "WITH ORDINALITY AS q(c, h, k, p, r, t, n) ORDER BY n RETURNING id"
)
# The chat's pending messages queued before an urgent one go no later than it (per-chat order).
_PROMOTE = Sql(
    "UPDATE outbox SET priority = :priority WHERE chat_id = :chat_id "
    "AND sent_at IS NULL AND NOT dead AND priority < :priority"
)
_CLAIM = (
    "UPDATE outbox SET leased_until = :until, leased_by = :claimer WHERE id IN ("
    " SELECT o.id FROM outbox AS o"
    " WHERE o.sent_at IS NULL AND NOT o.dead AND o.not_before <= :now"
    " AND (o.leased_until IS NULL OR o.leased_until <= :now)"
    " AND o.id = (SELECT min(h.id) FROM outbox AS h"
    "  WHERE h.chat_id = o.chat_id AND h.sent_at IS NULL AND {h_not_dead})"
    " ORDER BY o.priority DESC, o.id LIMIT :limit{lock})"
    " RETURNING id, conversation_id, chat_id, kind, payload, attempts, created_at, priority"
)
# PostgreSQL skips rows another replica is claiming; SQLite holds the write lock already. A chat's
# head is found in ``ix_outbox_pending_by_chat``, whose condition SQLite wrote as ``dead = 0``:
# SQLite uses a partial index only for a query worded as it is, so the head's subquery says so
# there (with ``NOT h.dead`` it walked every kept sent row by id).
_CLAIM_BY_DIALECT: dict[str, Sql] = {
    "postgresql": Sql(_CLAIM.format(lock=" FOR UPDATE SKIP LOCKED", h_not_dead="NOT h.dead")),
    "sqlite": Sql(_CLAIM.format(lock="", h_not_dead="h.dead = 0")),
}
_SENT = "UPDATE outbox SET sent_at = :now, sent_ref = :sent_ref, leased_until = NULL WHERE id = :id"
_RETRY = (
    "UPDATE outbox SET attempts = attempts + 1, not_before = :not_before, leased_until = NULL, "
    "last_error = :error WHERE id = :id"
)
_DEAD = (
    "UPDATE outbox SET attempts = attempts + 1, dead = TRUE, leased_until = NULL, "
    "last_error = :error WHERE id = :id"
)
_MARK_SENT, _MARK_RETRY, _MARK_DEAD = text(_SENT), text(_RETRY), text(_DEAD)
_RECORD_SENT, _RECORD_RETRY, _RECORD_DEAD = Sql(_SENT), Sql(_RETRY), Sql(_DEAD)


_RELEASE = text(
    "UPDATE outbox SET leased_until = NULL, leased_by = NULL "
    "WHERE leased_by = :claimer AND leased_until > :now AND sent_at IS NULL AND NOT dead"
)


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of one claimed message: sent, due again at ``retry_at``, or ``dead``."""

    message_id: int
    sent_ref: str | None = None  # sent: Telegram's message ids
    retry_at: float | None = None  # not sent: try again from then
    dead: bool = False  # not sent and never to be retried
    error: str | None = None  # why it was not sent


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One claimed message: where it goes, what it says, and how often sending it failed."""

    id: int
    conversation_id: str | None  # ``None``: it belongs to no conversation
    chat_id: str  # where to send, e.g. a Telegram chat id as text
    kind: str  # "reply", "alert", "notice"
    reply: Reply
    attempts: int
    created_at: float
    priority: Priority = Priority.NORMAL


def reply_to_json(reply: Reply) -> str:
    """The compact JSON stored in ``outbox.payload``."""
    data: dict[str, Any] = {"text": reply.text}
    if reply.buttons:
        data["buttons"] = [[button.label, button.action] for button in reply.buttons]
    return compact_json(data)


def reply_from_json(payload: str) -> Reply:
    """Read back what :func:`reply_to_json` wrote."""
    data = json.loads(payload)
    buttons = tuple(
        Button(label=str(label), action=str(action)) for label, action in data.get("buttons", ())
    )
    return Reply(text=str(data["text"]), buttons=buttons)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """Replies to queue for one chat: what :func:`enqueue_many` takes."""

    chat_id: str  # where to send, e.g. a Telegram chat id as text
    replies: tuple[Reply, ...]
    conversation_id: str | None  # the conversation they belong to, ``None`` for none
    kind: str  # "reply", "alert", "notice", ...
    now: float  # when queued: the rows' ``created_at`` and ``not_before``
    priority: Priority = Priority.NORMAL


def enqueue(
    connection: Connection,
    chat_id: str,
    replies: Sequence[Reply],
    *,
    conversation_id: str | None,
    kind: str,
    now: float,
    priority: Priority = Priority.NORMAL,
) -> list[int]:
    """Queue ``replies`` for ``chat_id``, due at once; return the new rows' ids, in order.

    The one way into the outbox (with :func:`enqueue_many`, which it calls), and the one place
    that splits: each reply becomes one row per part that fits a message
    (:func:`bot.storage.parts.split_reply`), so the sender sends rows as they are. A reply with
    no text to split is queued whole (the sender gives it up with a reason). ``conversation_id``
    is the conversation the messages belong to, ``None`` for none (a message about a case is
    linked to it by :mod:`bot.moderation.alerts`). ``priority`` orders them against other chats'
    messages; above :attr:`Priority.NORMAL` it also raises the chat's earlier pending messages
    to it, so they do not hold it back (see the module).
    """
    item = Outgoing(chat_id, tuple(replies), conversation_id, kind, now, Priority(priority))
    return enqueue_many(connection, [item])[0]


def enqueue_many(connection: Connection, items: Sequence[Outgoing]) -> list[list[int]]:
    """:func:`enqueue` for several chats' replies, in order; each item's new ids."""
    return send_many(connection, items).ids()


def send_many(connection: Connection, items: Sequence[Outgoing]) -> _Queued:
    """Send :func:`enqueue_many`'s statements; read the ids with ``.ids()``.

    The same rows as one :func:`enqueue` per item, in that order: on PostgreSQL one statement
    for all of them (and one per urgent chat, see :func:`enqueue`), which in a
    :func:`bot.storage.driver.pipelined` block costs no round trip of its own (read the ids
    after the block); on SQLite one statement per row.
    """
    for item in items:
        if item.conversation_id == NO_CONVERSATION:
            raise ValueError("a conversation id cannot be empty; pass None for no conversation")
    # An urgent item raises its chat's earlier rows: those already stored (one statement per
    # chat, before any row of this call is inserted) and those of earlier items here (given the
    # raised priority as they are inserted). Rows after it in its chat keep their own.
    raised: dict[str, Priority] = {}
    priorities: list[Priority] = []
    for item in reversed(items):
        priority = max(Priority(item.priority), raised.get(item.chat_id, Priority.NORMAL))
        raised[item.chat_id] = priority
        priorities.append(priority)
    priorities.reverse()
    promotions = [
        {"chat_id": chat_id, "priority": int(priority)}
        for chat_id, priority in raised.items()
        if priority > Priority.NORMAL
    ]
    if promotions:
        _PROMOTE.execute_many(connection, promotions)
    rows: list[dict[str, Any]] = []
    counts: list[int] = []
    for item, priority in zip(items, priorities, strict=True):
        owner = NO_CONVERSATION if item.conversation_id is None else item.conversation_id
        parts = [part for reply in item.replies for part in split_reply(reply) or (reply,)]
        counts.append(len(parts))
        rows.extend(
            {
                "conversation_id": owner,
                "chat_id": item.chat_id,
                "kind": item.kind,
                "payload": reply_to_json(part),
                "priority": int(priority),
                "now": item.now,
            }
            for part in parts
        )
    if not rows:
        return _Queued(connection, [], None, counts)
    if connection.dialect.name != "postgresql":  # in-process: a statement per row costs little
        return _Queued(
            connection, [int(_ENQUEUE.one_value(connection, row)) for row in rows], None, counts
        )
    values = {
        "conversation_ids": [row["conversation_id"] for row in rows],
        "chat_ids": [row["chat_id"] for row in rows],
        "kinds": [row["kind"] for row in rows],
        "payloads": [row["payload"] for row in rows],
        "priorities": [row["priority"] for row in rows],
        "times": [row["now"] for row in rows],
    }
    return _Queued(connection, [], _ENQUEUE_ROWS.run(connection, values), counts)


class _Queued:
    """Rows sent by :func:`send_many`, their ids read by :meth:`ids`."""

    __slots__ = ("_connection", "_counts", "_cursor", "_ids")

    def __init__(
        self, connection: Connection, ids: list[int], cursor: Any, counts: list[int]
    ) -> None:
        self._connection, self._ids, self._cursor, self._counts = connection, ids, cursor, counts

    def ids(self) -> list[list[int]]:
        """Each item's new ids, in order (after the pipeline the rows were sent in)."""
        ids = self._ids
        if self._cursor is not None:
            ids = sorted(int(row[0]) for row in rows_of(self._connection, self._cursor))
        grouped: list[list[int]] = []
        start = 0
        for count in self._counts:
            grouped.append(ids[start : start + count])
            start += count
        return grouped


def claim(
    connection: Connection,
    *,
    now: float,
    limit: int,
    lease_seconds: float,
    claimer: str | None = None,
) -> list[OutboxMessage]:
    """Lease the due head message of up to ``limit`` chats to ``claimer``.

    Most urgent first, then oldest first: the order to send them in.
    """
    statement = _CLAIM_BY_DIALECT[connection.dialect.name]
    values = {"now": now, "until": now + lease_seconds, "limit": limit, "claimer": claimer}
    rows = statement.all(connection, values)
    return sorted((_message(row) for row in rows), key=_send_order)


def _send_order(message: OutboxMessage) -> tuple[int, int]:
    return (-message.priority, message.id)


def mark_sent(connection: Connection, message_id: int, *, now: float, sent_ref: str | None) -> None:
    """Record that the message went out; it is never claimed again."""
    _update_one(connection, _MARK_SENT, {"id": message_id, "now": now, "sent_ref": sent_ref})


def mark_retry(connection: Connection, message_id: int, *, not_before: float, error: str) -> None:
    """Count a failed attempt and make the message due again at ``not_before``."""
    values = {"id": message_id, "not_before": not_before, "error": error[:MAX_ERROR_CHARS]}
    _update_one(connection, _MARK_RETRY, values)


def mark_dead(connection: Connection, message_id: int, *, error: str) -> None:
    """Count a final failed attempt and never try the message again."""
    _update_one(connection, _MARK_DEAD, {"id": message_id, "error": error[:MAX_ERROR_CHARS]})


def record(connection: Connection, deliveries: list[Delivery], *, now: float) -> None:
    """Record what became of a round of claimed messages (one statement per outcome kind)."""
    sent = [
        {"id": d.message_id, "now": now, "sent_ref": d.sent_ref}
        for d in deliveries
        if d.retry_at is None and not d.dead
    ]
    retried = [
        {"id": d.message_id, "not_before": d.retry_at, "error": (d.error or "")[:MAX_ERROR_CHARS]}
        for d in deliveries
        if d.retry_at is not None and not d.dead
    ]
    dead = [
        {"id": d.message_id, "error": (d.error or "")[:MAX_ERROR_CHARS]}
        for d in deliveries
        if d.dead
    ]
    for statement, rows in ((_RECORD_SENT, sent), (_RECORD_RETRY, retried), (_RECORD_DEAD, dead)):
        if rows:
            statement.execute_many(connection, rows)


def release(connection: Connection, claimer: str, *, now: float) -> int:
    """End every running lease ``claimer`` holds on a pending message; return how many."""
    return int(connection.execute(_RELEASE, {"claimer": claimer, "now": now}).rowcount)


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


def _update_one(connection: Connection, statement: TextClause, values: dict[str, Any]) -> None:
    message_id = values["id"]
    result = connection.execute(statement, values)
    if result.rowcount != 1:
        raise StorageError(
            f"Outbox message {message_id} does not exist (it may have been sent and forgotten "
            "by housekeeping); the sender must only mark messages it claimed."
        )


def _message(row: tuple[Any, ...]) -> OutboxMessage:
    """A claimed row: the columns ``_CLAIM`` returns, in their order."""
    message_id, conversation_id, chat_id, kind, payload, attempts, created_at, priority = row
    return OutboxMessage(
        id=int(message_id),
        conversation_id=None if conversation_id == NO_CONVERSATION else str(conversation_id),
        chat_id=str(chat_id),
        kind=str(kind),
        reply=reply_from_json(payload),
        attempts=int(attempts),
        created_at=float(created_at),
        priority=Priority(int(priority)),
    )


__all__ = [
    "NO_CONVERSATION",
    "Delivery",
    "OutboxMessage",
    "Outgoing",
    "Priority",
    "claim",
    "depth",
    "enqueue",
    "enqueue_many",
    "forget_sent",
    "mark_dead",
    "mark_retry",
    "mark_sent",
    "record",
    "release",
    "reply_from_json",
    "reply_to_json",
    "send_many",
]
