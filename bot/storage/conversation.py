"""One conversation's transaction: its record, its outgoing messages, and the locks around them.

:meth:`bot.storage.Storage.conversation` opens the transaction, calls :func:`lock_conversation`
and :func:`claim_update`, and hands the caller a :class:`ConversationTx`. Everything done through
it commits together or not at all.

The statements are written once as SQL both dialects accept (``ON CONFLICT``, ``RETURNING``) and
run through the driver (:mod:`bot.storage.driver`), so an update pays for no statement building.

:func:`peek` reads a conversation outside any write transaction; the service decides on what it
read and then, in the short write transaction, checks with :meth:`ConversationTx.stored` that the
record did not change meanwhile (it compares the stored JSON text).

Round trips: on PostgreSQL every statement waits for the server. A transaction opened by
:class:`~bot.storage.Storage` therefore holds back saved records and messages queued with
:meth:`ConversationTx.queue` and writes them together (:class:`Writes`), in one pipeline
(:func:`~bot.storage.driver.pipelined`), just before anything else touches the database in that
transaction and before it commits: the saves, then the messages in the order queued. A group
commit (:class:`ConversationBatch`) also sends its lock, its update claims and its record read
in one pipeline. Its write waits for the server four times however many updates it holds (BEGIN,
those two pipelines, COMMIT), when no listener touches the database in it.

Claiming an update (marking it processed) also deletes its row from the inbox
(:mod:`bot.storage.inbox`) in the same statement on PostgreSQL: the row of an acknowledged
update disappears in the transaction that commits its decision, and in no other.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, text

from bot.model import ConversationRecord, Reply
from bot.storage import outbox as outbox_queries
from bot.storage.driver import ListSql, Sql, compact_json, pipelined, rows_of
from bot.storage.outbox import Outgoing, Priority

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
# Claiming an update also deletes its inbox row (bot/storage/inbox.py), in the same transaction:
# on PostgreSQL in the same statement (a data-modifying WITH runs whether or not it is read, so
# no round trip of its own); SQLite has no DELETE in WITH, and runs in-process: a statement more.
_CLAIM_UPDATE_PG = Sql(
    "WITH decided AS (DELETE FROM inbox WHERE update_id = :update_id) "
    "INSERT INTO processed_updates (update_id, processed_at) VALUES (:update_id, :now) "
    "ON CONFLICT (update_id) DO NOTHING RETURNING update_id"
)
_DECIDED = Sql("DELETE FROM inbox WHERE update_id = :update_id")
_FORGET_UPDATES = text("DELETE FROM processed_updates WHERE processed_at < :older_than")
_ADVISORY_LOCK = Sql("SELECT pg_advisory_xact_lock(:key)")
# A batch's statements: one each for all its conversations or updates (lists, see ListSql).
_LOCK_MANY = Sql("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:values AS bigint[])) AS k")
_RECORDS = ListSql(
    sqlite="SELECT conversation_id, record FROM conversations "
    "WHERE conversation_id IN (SELECT value FROM json_each(:values))",
    postgresql="SELECT conversation_id, record FROM conversations "
    "WHERE conversation_id = ANY(CAST(:values AS text[]))",
)
_SEEN = ListSql(
    sqlite="SELECT update_id FROM processed_updates "
    "WHERE update_id IN (SELECT value FROM json_each(:values))",
    postgresql="SELECT update_id FROM processed_updates "
    "WHERE update_id = ANY(CAST(:values AS bigint[]))",
)
_CLAIM_UPDATES = ListSql(
    sqlite="INSERT INTO processed_updates (update_id, processed_at) "
    "SELECT value, :now FROM json_each(:values) WHERE true "
    "ON CONFLICT (update_id) DO NOTHING RETURNING update_id",
    postgresql="WITH decided AS (DELETE FROM inbox WHERE update_id = ANY(CAST(:values AS "
    "bigint[]))) INSERT INTO processed_updates (update_id, processed_at) "
    "SELECT u, :now FROM unnest(CAST(:values AS bigint[])) AS u "
    "ON CONFLICT (update_id) DO NOTHING RETURNING update_id",
)
_DECIDED_MANY = Sql("DELETE FROM inbox WHERE update_id IN (SELECT value FROM json_each(:values))")
#: A transaction's record not read ahead (read it when asked).
_NOT_READ = object()


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

    def enqueue(
        self,
        chat_id: str,
        *replies: Reply,
        kind: str = "reply",
        priority: Priority = Priority.NORMAL,
    ) -> list[int]:
        """Queue ``replies`` for ``chat_id``, sent after commit; return the outbox ids.

        Each reply is split into the parts that fit a message, one outbox row each. A higher
        ``priority`` goes out before other chats' ordinary messages (never before this chat's
        earlier ones).
        """
        ...

    def queue(
        self,
        chat_id: str,
        *replies: Reply,
        kind: str = "reply",
        priority: Priority = Priority.NORMAL,
    ) -> None:
        """:meth:`enqueue` without the ids: the rows may be written later in the transaction.

        Before anything else reads or writes in it, and before it commits, in the order queued.
        """
        ...

    def execute(self) -> Connection:
        """The transaction's connection, for tables other modules add (same transaction)."""
        ...

    @property
    def shared(self) -> dict[str, Any]:
        """Notes kept for the whole transaction, shared by a batch's conversations.

        What a listener read once for a whole batch (:meth:`ConversationBatch.shared`), by a key
        of its own; empty in a transaction of one conversation.
        """
        ...


class Writes:
    """Records saved and messages queued in one transaction, written together when due.

    :meth:`flush` writes them, the saves first (each record once, the last saved), then the
    messages in the order queued; call it before any other statement of the transaction and
    before it commits. Nothing is written if the transaction rolls back first.
    """

    __slots__ = ("_connection", "_items", "_saves")

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._saves: dict[str, dict[str, object]] = {}
        self._items: list[Outgoing] = []

    def save(self, values: dict[str, object]) -> None:
        """Hold a record's row (``_SAVE``'s values); a later save of it replaces this one."""
        self._saves.pop(str(values["conversation_id"]), None)
        self._saves[str(values["conversation_id"])] = values

    def queue(self, item: Outgoing) -> None:
        """Hold messages to queue."""
        self._items.append(item)

    def flush(self, then: Outgoing | None = None) -> list[int]:
        """Write what is held (and ``then``, queued after it); ``then``'s ids, if given.

        On PostgreSQL the whole write waits for the server once.
        """
        saves = list(self._saves.values())
        items = [*self._items, *((then,) if then is not None else ())]
        self._saves.clear()
        self._items.clear()
        if not saves and not items:
            return []
        with pipelined(self._connection):  # one round trip for all of it
            if saves:
                _SAVE.execute_many(self._connection, saves)
            queued = outbox_queries.send_many(self._connection, items) if items else None
        ids = queued.ids() if queued is not None else []
        return ids[-1] if then is not None else []


class SqlConversationTx:
    """A :class:`ConversationTx` over a SQLAlchemy connection already in a transaction.

    With ``conversation_id`` ``None`` it belongs to no conversation (moderation work across
    cases): what it queues belongs to none, and it has no record to load, save or delete.
    """

    def __init__(
        self,
        connection: Connection,
        conversation_id: str | None,
        *,
        read_ahead: object = _NOT_READ,
        writes: Writes | None = None,
        shared: dict[str, Any] | None = None,
    ) -> None:
        self._connection = connection
        self._shared = {} if shared is None else shared
        self.conversation_id = conversation_id
        # The record's text as a batch read it in this transaction, until anything may change it.
        self._read_ahead = read_ahead
        # Saves and queued messages held until due; ``None``: each is written at once.
        self._writes = writes

    def load(self) -> ConversationRecord | None:
        """The conversation's record, or ``None`` if it has none (new, or forgotten)."""
        return parse_record(self.stored())

    def stored(self) -> str | None:
        """The record's JSON text as stored, or ``None``."""
        if self._read_ahead is not _NOT_READ:
            return None if self._read_ahead is None else str(self._read_ahead)
        self._flush()
        found = _LOAD.one_value(self._connection, {"conversation_id": self._own()})
        return None if found is None else str(found)

    def save(self, record: ConversationRecord) -> None:
        """Store ``record`` as the conversation's record (insert or replace)."""
        if record.conversation_id != self._own():
            raise ValueError(
                f"A record of conversation {record.conversation_id!r} cannot be saved in the "
                f"transaction of conversation {self.conversation_id!r}."
            )
        self._read_ahead = _NOT_READ
        values = {
            "conversation_id": record.conversation_id,
            "record": compact_json(record.to_dict()),
            "flow": record.flow,
            "state": record.state,
            "updated_at": record.updated_at,
            "in_crisis": record.crisis is not None,
        }
        if self._writes is None:
            _SAVE.execute(self._connection, values)
        else:
            self._writes.save(values)

    def delete(self) -> None:
        """Remove the conversation's record (``/forget``); queued messages stay queued."""
        self._read_ahead = _NOT_READ
        self._flush()
        _DELETE.execute(self._connection, {"conversation_id": self._own()})

    def enqueue(
        self,
        chat_id: str,
        *replies: Reply,
        kind: str = "reply",
        priority: Priority = Priority.NORMAL,
    ) -> list[int]:
        """Queue ``replies`` for ``chat_id``, split to fit, sent after commit; the outbox ids."""
        item = self._outgoing(chat_id, replies, kind, priority)
        if self._writes is None:
            return outbox_queries.enqueue_many(self._connection, [item])[0]
        return self._writes.flush(then=item)

    def queue(
        self,
        chat_id: str,
        *replies: Reply,
        kind: str = "reply",
        priority: Priority = Priority.NORMAL,
    ) -> None:
        """:meth:`enqueue` without the ids, written with the transaction's other held writes."""
        item = self._outgoing(chat_id, replies, kind, priority)
        if self._writes is None:
            outbox_queries.enqueue_many(self._connection, [item])
        else:
            self._writes.queue(item)

    def _outgoing(
        self, chat_id: str, replies: Sequence[Reply], kind: str, priority: Priority
    ) -> Outgoing:
        conversation_id = self.conversation_id
        if conversation_id == outbox_queries.NO_CONVERSATION:
            raise ValueError("a conversation id cannot be empty; pass None for no conversation")
        return Outgoing(chat_id, tuple(replies), conversation_id, kind, time.time(), priority)

    def execute(self) -> Connection:
        """The transaction's connection, for tables other modules add (same transaction)."""
        self._read_ahead = _NOT_READ  # the caller may write the record through it
        self._flush()  # and read what this transaction wrote
        return self._connection

    @property
    def shared(self) -> dict[str, Any]:
        """Notes kept for the whole transaction (see :attr:`ConversationTx.shared`)."""
        return self._shared

    def _flush(self) -> None:
        if self._writes is not None:
            self._writes.flush()

    def _own(self) -> str:
        """The conversation's id; a transaction that belongs to none has no record."""
        if self.conversation_id is None:
            raise ValueError("this transaction belongs to no conversation: it has no record")
        return self.conversation_id


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
    rows_of(connection, _lock_cursor(connection, conversation_ids))


def _lock_cursor(connection: Connection, conversation_ids: Iterable[str]) -> Any:
    """Send the locks of :func:`lock_conversations`; the cursor to read (``None``: nothing sent).

    In a pipeline, the statements sent after it run once the locks are held.
    """
    if connection.dialect.name != "postgresql":
        return None
    keys = sorted({advisory_key(conversation_id) for conversation_id in conversation_ids})
    if len(keys) == 1:
        return _ADVISORY_LOCK.run(connection, {"key": keys[0]})
    if keys:
        return _LOCK_MANY.run(connection, {"values": keys})  # taken in the array's order
    return None


class ConversationBatch:
    """Several conversations' work in one write transaction (a group commit).

    It locks every conversation of the batch, claims every update and reads every record, one
    statement each, sent together (one round trip on PostgreSQL: the lock is taken before the
    claim and the read start, and each statement reads what was committed when it started);
    :meth:`open` then hands out one conversation's :class:`ConversationTx`, whose
    :meth:`~ConversationTx.stored` answers from what was read (until the transaction writes that
    record). Their saves and queued messages are held in one :class:`Writes`; :meth:`flush`
    writes what is still held. All of it commits together or not at all.
    """

    def __init__(
        self, connection: Connection, wanted: Sequence[tuple[str, int | None]], *, now: float
    ) -> None:
        self._connection = connection
        updates = [update_id for _, update_id in wanted if update_id is not None]
        conversation_ids = [conversation for conversation, _ in wanted]
        with pipelined(connection):  # one round trip for the three
            locked = _lock_cursor(connection, conversation_ids)
            claimed = _claim_updates_cursor(connection, updates, now=now) if updates else None
            records = _read_records_cursor(connection, conversation_ids)
        rows_of(connection, locked)
        self._claimed = {int(row[0]) for row in rows_of(connection, claimed)}
        self._records = {str(key): str(record) for key, record in rows_of(connection, records)}
        self._opened: set[str] = set()
        self._writes = Writes(connection)
        #: Notes for the whole batch, by a key of their owner's (see ConversationTx.shared).
        self.shared: dict[str, Any] = {}

    def open(self, conversation_id: str, *, update_id: int | None = None) -> ConversationTx | None:
        """The conversation's part of the batch; ``None`` if ``update_id`` was processed before."""
        if update_id is not None:
            if update_id not in self._claimed:
                return None
            self._claimed.discard(update_id)  # the same update twice: the second is a duplicate
        if conversation_id in self._opened:  # written earlier in this batch: read it again
            return SqlConversationTx(
                self._connection, conversation_id, writes=self._writes, shared=self.shared
            )
        self._opened.add(conversation_id)
        read = self._records.get(conversation_id)
        return SqlConversationTx(
            self._connection,
            conversation_id,
            read_ahead=read,
            writes=self._writes,
            shared=self.shared,
        )

    def execute(self) -> Connection:
        """The batch's connection, for a listener's read of the whole batch (after the locks)."""
        self._writes.flush()
        return self._connection

    def flush(self) -> None:
        """Write the saves and messages still held (before the transaction commits)."""
        self._writes.flush()


def _read_records_cursor(connection: Connection, conversation_ids: Sequence[str]) -> Any:
    statement = _RECORDS.on(connection)
    return statement.run(connection, {"values": _RECORDS.bind(connection, conversation_ids)})


def _claim_updates_cursor(connection: Connection, update_ids: Sequence[int], *, now: float) -> Any:
    """Send the claims of ``update_ids``, which also delete their inbox rows; the cursor."""
    statement = _CLAIM_UPDATES.on(connection)
    values = _CLAIM_UPDATES.bind(connection, update_ids)
    if connection.dialect.name != "postgresql":
        _DECIDED_MANY.execute(connection, {"values": values})
    return statement.run(connection, {"values": values, "now": now})


def read_records(connection: Connection, conversation_ids: Sequence[str]) -> dict[str, str]:
    """The stored record texts of ``conversation_ids`` that have one, in one statement."""
    if not conversation_ids:
        return {}
    statement = _RECORDS.on(connection)
    rows = statement.all(connection, {"values": _RECORDS.bind(connection, conversation_ids)})
    return {str(conversation): str(record) for conversation, record in rows}


def seen_updates(connection: Connection, update_ids: Sequence[int]) -> set[int]:
    """Which of ``update_ids`` were processed, in one statement."""
    if not update_ids:
        return set()
    statement = _SEEN.on(connection)
    rows = statement.all(connection, {"values": _SEEN.bind(connection, update_ids)})
    return {int(row[0]) for row in rows}


def claim_updates(connection: Connection, update_ids: Sequence[int], *, now: float) -> list[int]:
    """Record ``update_ids`` as processed; return those no earlier transaction had recorded.

    Their inbox rows are deleted in the same transaction (they are decided).
    """
    cursor = _claim_updates_cursor(connection, update_ids, now=now)
    return [int(row[0]) for row in rows_of(connection, cursor)]


def peek_many(connection: Connection, wanted: Sequence[tuple[str, int | None]]) -> list[Peek]:
    """:func:`peek` for several ``(conversation_id, update_id)`` pairs, in two statements."""
    if len(wanted) == 1:
        return [peek(connection, *wanted[0])]  # one statement
    updates = [update for _, update in wanted if update is not None]
    with pipelined(connection):  # both statements sent before either answer is read
        records_cursor = _read_records_cursor(
            connection, [conversation for conversation, _ in wanted]
        )
        seen_cursor = (
            _SEEN.on(connection).run(connection, {"values": _SEEN.bind(connection, updates)})
            if updates
            else None
        )
    records = {str(key): str(record) for key, record in rows_of(connection, records_cursor)}
    seen = {int(row[0]) for row in rows_of(connection, seen_cursor)}
    return [
        Peek(stored=records.get(conversation), seen=update is not None and update in seen)
        for conversation, update in wanted
    ]


def peek(connection: Connection, conversation_id: str, update_id: int | None) -> Peek:
    """The stored record and whether ``update_id`` was processed, in one statement, no lock."""
    row = _PEEK.row(connection, {"conversation_id": conversation_id, "update_id": update_id})
    return Peek(stored=row[0], seen=update_id is not None and row[1] is not None)


def claim_update(connection: Connection, update_id: int, *, now: float) -> bool:
    """Record ``update_id`` as processed; ``False`` if an earlier transaction already did.

    Its inbox row is deleted in the same transaction (it is decided).
    """
    values = {"update_id": update_id, "now": now}
    if connection.dialect.name == "postgresql":
        return _CLAIM_UPDATE_PG.row(connection, values) is not None
    _DECIDED.execute(connection, {"update_id": update_id})
    return _CLAIM_UPDATE.row(connection, values) is not None


def forget_updates(connection: Connection, *, older_than: float) -> int:
    """Delete processed-update marks older than ``older_than``; return how many."""
    result = connection.execute(_FORGET_UPDATES, {"older_than": older_than})
    return int(result.rowcount)


__all__ = [
    "ConversationBatch",
    "ConversationTx",
    "Peek",
    "SqlConversationTx",
    "Writes",
    "advisory_key",
    "claim_update",
    "claim_updates",
    "forget_updates",
    "lock_conversation",
    "lock_conversations",
    "parse_record",
    "peek",
    "peek_many",
    "read_records",
    "seen_updates",
]
