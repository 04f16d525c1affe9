"""One conversation's transaction: its record, its outgoing messages, and the locks around them.

:meth:`bot.storage.Storage.conversation` opens the transaction, calls :func:`lock_conversation`
and :func:`claim_update`, and hands the caller a :class:`ConversationTx`. Everything done through
it commits together or not at all.

The statements are written once as SQL both dialects accept (``ON CONFLICT``, ``RETURNING``) and
run through the driver (:mod:`bot.storage.driver`), so an update pays for no statement building.

:func:`peek` reads a conversation outside any write transaction; the service decides on what it
read and then, in the short write transaction, checks with :meth:`ConversationTx.stored` that the
record did not change meanwhile (it compares the stored JSON text).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection, text

from bot.model import ConversationRecord, Reply
from bot.storage import outbox as outbox_queries
from bot.storage.driver import Sql

_LOAD = Sql("SELECT record FROM conversations WHERE conversation_id = :conversation_id")
_PEEK = Sql(
    "SELECT (SELECT record FROM conversations WHERE conversation_id = :conversation_id), "
    "(SELECT 1 FROM processed_updates WHERE update_id = :update_id)"
)
_SAVE = Sql(
    "INSERT INTO conversations (conversation_id, record, flow, state, updated_at, in_crisis) "
    "VALUES (:conversation_id, :record, :flow, :state, :updated_at, :in_crisis) "
    "ON CONFLICT (conversation_id) DO UPDATE SET record = excluded.record, "
    "flow = excluded.flow, state = excluded.state, updated_at = excluded.updated_at, "
    "in_crisis = excluded.in_crisis"
)
_DELETE = Sql("DELETE FROM conversations WHERE conversation_id = :conversation_id")
# RETURNING rather than rowcount: SQLAlchemy reports no rowcount for INSERT on psycopg.
_CLAIM_UPDATE = Sql(
    "INSERT INTO processed_updates (update_id, processed_at) VALUES (:update_id, :now) "
    "ON CONFLICT (update_id) DO NOTHING RETURNING update_id"
)
_FORGET_UPDATES = text("DELETE FROM processed_updates WHERE processed_at < :older_than")
_ADVISORY_LOCK = Sql("SELECT pg_advisory_xact_lock(:key)")


@dataclass(frozen=True, slots=True)
class Peek:
    """What a conversation held when read outside the write transaction."""

    stored: str | None  # the record's JSON text as stored, ``None`` for no record
    seen: bool  # the update was already processed

    def record(self) -> ConversationRecord | None:
        """The record itself, or ``None``."""
        return parse_record(self.stored)


def parse_record(stored: str | None) -> ConversationRecord | None:
    """A record from its stored JSON text; ``None`` stays ``None``."""
    return None if stored is None else ConversationRecord.from_dict(json.loads(stored))


class ConversationTx(Protocol):
    """What a conversation transaction offers; all of it commits together."""

    def load(self) -> ConversationRecord | None:
        """The conversation's record, or ``None`` if it has none (new, or forgotten)."""
        ...

    def stored(self) -> str | None:
        """The record's JSON text as stored (to compare with a :class:`Peek`), or ``None``."""
        ...

    def save(self, record: ConversationRecord) -> None:
        """Store ``record`` as the conversation's record (insert or replace)."""
        ...

    def delete(self) -> None:
        """Remove the conversation's record (``/forget``)."""
        ...

    def enqueue(self, chat_id: str, reply: Reply, *, kind: str = "reply") -> int:
        """Queue ``reply`` for ``chat_id``, sent after commit; return the outbox id."""
        ...

    def execute(self) -> Connection:
        """The transaction's connection, for tables other modules add (same transaction)."""
        ...


class SqlConversationTx:
    """A :class:`ConversationTx` over a SQLAlchemy connection already in a transaction."""

    def __init__(self, connection: Connection, conversation_id: str) -> None:
        self._connection = connection
        self.conversation_id = conversation_id

    def load(self) -> ConversationRecord | None:
        """The conversation's record, or ``None`` if it has none (new, or forgotten)."""
        return parse_record(self.stored())

    def stored(self) -> str | None:
        """The record's JSON text as stored, or ``None``."""
        found = _LOAD.one_value(self._connection, {"conversation_id": self.conversation_id})
        return None if found is None else str(found)

    def save(self, record: ConversationRecord) -> None:
        """Store ``record`` as the conversation's record (insert or replace)."""
        if record.conversation_id != self.conversation_id:
            raise ValueError(
                f"A record of conversation {record.conversation_id!r} cannot be saved in the "
                f"transaction of conversation {self.conversation_id!r}."
            )
        values = {
            "conversation_id": record.conversation_id,
            "record": json.dumps(record.to_dict(), ensure_ascii=False, separators=(",", ":")),
            "flow": record.flow,
            "state": record.state,
            "updated_at": record.updated_at,
            "in_crisis": record.crisis is not None,
        }
        _SAVE.execute(self._connection, values)

    def delete(self) -> None:
        """Remove the conversation's record (``/forget``); queued messages stay queued."""
        _DELETE.execute(self._connection, {"conversation_id": self.conversation_id})

    def enqueue(self, chat_id: str, reply: Reply, *, kind: str = "reply") -> int:
        """Queue ``reply`` for ``chat_id``, sent after commit; return the outbox id."""
        return outbox_queries.enqueue(
            self._connection,
            conversation_id=self.conversation_id,
            chat_id=chat_id,
            reply=reply,
            kind=kind,
            now=time.time(),
        )

    def execute(self) -> Connection:
        """The transaction's connection, for tables other modules add (same transaction)."""
        return self._connection


def advisory_key(conversation_id: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_xact_lock`` (the same in every process)."""
    digest = hashlib.blake2b(conversation_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_conversation(connection: Connection, conversation_id: str) -> None:
    """Serialise transactions of one conversation across connections and replicas.

    PostgreSQL takes a transaction-scoped advisory lock; SQLite already holds the database's
    write lock from ``BEGIN IMMEDIATE``.
    """
    lock_conversations(connection, (conversation_id,))


def lock_conversations(connection: Connection, conversation_ids: Iterable[str]) -> None:
    """Lock several conversations for one transaction, always in the same order.

    Two replicas locking overlapping sets take the locks in ascending key order, so neither
    holds one the other waits for while waiting for one the other holds (no deadlock).
    """
    if connection.dialect.name != "postgresql":
        return
    for key in sorted({advisory_key(conversation_id) for conversation_id in conversation_ids}):
        _ADVISORY_LOCK.row(connection, {"key": key})


class ConversationBatch:
    """Several conversations' work in one write transaction (a group commit).

    :meth:`Storage.conversations` locks every conversation of the batch first; :meth:`open`
    then claims one update and hands out that conversation's :class:`ConversationTx`. All of it
    commits together or not at all.
    """

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def open(self, conversation_id: str, *, update_id: int | None = None) -> ConversationTx | None:
        """The conversation's part of the batch; ``None`` if ``update_id`` was processed before."""
        if update_id is not None and not claim_update(self._connection, update_id, now=time.time()):
            return None
        return SqlConversationTx(self._connection, conversation_id)


def peek(connection: Connection, conversation_id: str, update_id: int | None) -> Peek:
    """The stored record and whether ``update_id`` was processed, in one statement, no lock."""
    row = _PEEK.row(connection, {"conversation_id": conversation_id, "update_id": update_id})
    return Peek(stored=row[0], seen=update_id is not None and row[1] is not None)


def claim_update(connection: Connection, update_id: int, *, now: float) -> bool:
    """Record ``update_id`` as processed; ``False`` if an earlier transaction already did."""
    inserted = _CLAIM_UPDATE.row(connection, {"update_id": update_id, "now": now})
    return inserted is not None


def forget_updates(connection: Connection, *, older_than: float) -> int:
    """Delete processed-update marks older than ``older_than``; return how many."""
    result = connection.execute(_FORGET_UPDATES, {"older_than": older_than})
    return int(result.rowcount)


__all__ = [
    "ConversationBatch",
    "ConversationTx",
    "Peek",
    "SqlConversationTx",
    "advisory_key",
    "claim_update",
    "forget_updates",
    "lock_conversation",
    "lock_conversations",
    "parse_record",
    "peek",
]
