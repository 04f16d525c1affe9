"""One conversation's transaction: its record, its outgoing messages, and the locks around them.

:meth:`bot.storage.Storage.conversation` opens the transaction, calls :func:`lock_conversation`
and :func:`claim_update`, and hands the caller a :class:`ConversationTx`. Everything done through
it commits together or not at all.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Protocol

from sqlalchemy import Connection, Table, delete, select, text
from sqlalchemy.dialects import postgresql, sqlite

from bot.core.models import ConversationRecord, Reply
from bot.storage import outbox as outbox_queries
from bot.storage.tables import conversations, processed_updates


class ConversationTx(Protocol):
    """What a conversation transaction offers; all of it commits together."""

    def load(self) -> ConversationRecord | None:
        """The conversation's record, or ``None`` if it has none (new, or forgotten)."""
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
        stored = self._connection.execute(
            select(conversations.c.record).where(
                conversations.c.conversation_id == self.conversation_id
            )
        ).scalar_one_or_none()
        return None if stored is None else ConversationRecord.from_dict(json.loads(stored))

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
        statement = _insert(self._connection, conversations).values(values)
        self._connection.execute(
            statement.on_conflict_do_update(
                index_elements=[conversations.c.conversation_id],
                set_={name: statement.excluded[name] for name in values},
            )
        )

    def delete(self) -> None:
        """Remove the conversation's record (``/forget``); queued messages stay queued."""
        self._connection.execute(
            delete(conversations).where(conversations.c.conversation_id == self.conversation_id)
        )

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
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(conversation_id)}
        )


def claim_update(connection: Connection, update_id: int, *, now: float) -> bool:
    """Record ``update_id`` as processed; ``False`` if an earlier transaction already did."""
    statement = _insert(connection, processed_updates).values(update_id=update_id, processed_at=now)
    # RETURNING rather than rowcount: SQLAlchemy reports no rowcount for INSERT on psycopg.
    inserted = connection.execute(
        statement.on_conflict_do_nothing(index_elements=["update_id"]).returning(
            processed_updates.c.update_id
        )
    ).first()
    return inserted is not None


def forget_updates(connection: Connection, *, older_than: float) -> int:
    """Delete processed-update marks older than ``older_than``; return how many."""
    result = connection.execute(
        delete(processed_updates).where(processed_updates.c.processed_at < older_than)
    )
    return int(result.rowcount)


def _insert(connection: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT with the dialect's ``ON CONFLICT`` support (both dialects spell it alike)."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


__all__ = [
    "ConversationTx",
    "SqlConversationTx",
    "advisory_key",
    "claim_update",
    "forget_updates",
    "lock_conversation",
]
