"""The storage facade: one object per process, safe to share between threads.

Every method runs in its own short transaction. SQLite write transactions start with
``BEGIN IMMEDIATE`` (one writer at a time, across threads and processes); PostgreSQL runs READ
COMMITTED with a per-conversation advisory lock and ``FOR UPDATE SKIP LOCKED`` for the outbox.
In-memory SQLite has a single connection, so its transactions are serialised by a lock here.

Do not call a :class:`Storage` method while holding a :meth:`Storage.conversation` transaction
in the same thread: it would wait for the lock its own thread holds. Use the transaction.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TypeVar

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.storage import inbox, outbox, schema
from bot.storage.conversation import (
    ConversationBatch,
    ConversationTx,
    Peek,
    SqlConversationTx,
    Writes,
    claim_update,
    forget_updates,
    lock_conversation,
    peek,
    peek_many,
)
from bot.storage.engine import WRITE_OPTION, EngineSetup, build_engine, connect_error
from bot.storage.inbox import Arrival, InboxFigures, InboxRow
from bot.storage.outbox import Delivery, OutboxMessage, Outgoing
from bot.storage.tables import conversations

T = TypeVar("T")


def lost_connection(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) is a database connection that was dropped."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        seen = seen.__cause__
    return False


class Storage:
    """Conversations, processed updates and the outbox in SQLite or PostgreSQL."""

    def __init__(self, setup: EngineSetup) -> None:
        """Wrap a configured engine; use :meth:`from_url` rather than calling this."""
        self._setup = setup
        self._engine = setup.engine
        self._shared_connection_lock = threading.Lock() if setup.shared_connection else None

    @classmethod
    def from_url(cls, url: str) -> Storage:
        """Open the database at ``url`` and check that it answers.

        Raises :class:`~bot.errors.StorageError` naming the URL (password hidden) and what to
        do when the URL is invalid or the database cannot be reached. The schema is not checked
        here: call :meth:`check_schema` or :meth:`ensure_schema`.
        """
        setup = build_engine(url)
        try:
            with setup.engine.connect():
                pass
        except DBAPIError as exc:
            setup.engine.dispose()
            raise connect_error(setup, exc, "connect to") from None
        return cls(setup)

    def retrying(self, work: Callable[[], T]) -> T:
        """Run ``work`` (whole transactions), once more if the server had dropped the connection.

        The pool does not ping connections before use; a dropped one fails its first statement,
        is discarded, and the second run gets a fresh connection. Nothing was committed by the
        failed run, so running it again is safe.
        """
        try:
            return work()
        except Exception as error:
            if not lost_connection(error):
                raise
        return work()

    def __repr__(self) -> str:
        return f"Storage({self._setup.shown_url!r})"

    @property
    def embedded(self) -> bool:
        """Whether the database is a file in this process (SQLite), not a server: its calls
        wait on no network."""
        return self._engine.dialect.name == "sqlite"

    # -- schema -------------------------------------------------------------------------------

    def upgrade(self) -> None:
        """Apply every pending migration (``crisisbot db upgrade``)."""
        with self.transaction(write=True) as connection:
            schema.upgrade(connection)

    def check_schema(self) -> None:
        """Raise :class:`~bot.errors.StorageError` unless the schema is the one this code needs."""
        with self.transaction(write=False) as connection:
            schema.check(connection, self._setup.shown_url)

    def ensure_schema(self) -> None:
        """Create or upgrade the schema if the database is new or behind (embedded SQLite)."""
        with self.transaction(write=True) as connection:
            schema.ensure(connection, self._setup.shown_url)

    # -- conversations ------------------------------------------------------------------------

    @contextmanager
    def conversation(
        self, conversation_id: str, *, update_id: int | None = None
    ) -> Iterator[ConversationTx | None]:
        """One transaction for one conversation, with the conversation locked.

        If ``update_id`` is given and was already processed, yields ``None`` (the caller skips
        the update); otherwise records it as processed in the same transaction. Commits on
        normal exit, rolls back on exception, so a failure leaves no partial state and the
        update can be retried.
        """
        with self.transaction(write=True) as connection:
            lock_conversation(connection, conversation_id)
            if update_id is not None and not claim_update(connection, update_id, now=time.time()):
                yield None
            else:
                writes = Writes(connection)
                yield SqlConversationTx(connection, conversation_id, writes=writes)
                writes.flush()

    @contextmanager
    def conversations(
        self, wanted: Sequence[tuple[str, int | None]]
    ) -> Iterator[ConversationBatch]:
        """One transaction for several ``(conversation_id, update_id)`` pairs (a group commit).

        Every conversation is locked and every update claimed up front, one statement each (sent
        together);
        :meth:`ConversationBatch.open` then gives ``None`` for an update processed before, as
        :meth:`conversation` does. Commits on normal exit, rolls back everything on exception.
        """
        with self.transaction(write=True) as connection:
            batch = ConversationBatch(connection, wanted, now=time.time())
            yield batch
            batch.flush()

    def peek_many(self, wanted: Sequence[tuple[str, int | None]]) -> list[Peek]:
        """:meth:`peek` for several ``(conversation_id, update_id)`` pairs in one read."""

        def read() -> list[Peek]:
            with self._lock_free_read() as connection:
                return peek_many(connection, wanted)

        return self.retrying(read)

    def peek(self, conversation_id: str, *, update_id: int | None = None) -> Peek:
        """The conversation's stored record and whether ``update_id`` was processed.

        A read without the write lock (SQLite readers run beside the writer; PostgreSQL takes
        no lock): decide on it, then write in :meth:`conversation` after checking with
        :meth:`ConversationTx.stored` that the record is still the one read here.
        """

        def read() -> Peek:
            with self._lock_free_read() as connection:
                return peek(connection, conversation_id, update_id)

        return self.retrying(read)

    def count_conversations(self) -> int:
        """How many conversations have a stored record."""
        with self.transaction(write=False) as connection:
            count = connection.execute(select(func.count()).select_from(conversations))
            return int(count.scalar_one())

    def forget_processed_updates(self, *, older_than: float) -> int:
        """Housekeeping: drop processed-update marks older than ``older_than``; return how many."""
        with self.transaction(write=True) as connection:
            return forget_updates(connection, older_than=older_than)

    # -- inbox --------------------------------------------------------------------------------

    def put_inbox(self, arrivals: Sequence[Arrival]) -> None:
        """Store arriving updates in one transaction (see :mod:`bot.storage.inbox`).

        Once this returns they are committed: the update can be acknowledged to Telegram.
        """

        def write() -> None:
            with self.transaction(write=True) as connection:
                inbox.put(connection, arrivals, now=time.time())

        self.retrying(write)

    def claim_inbox(
        self,
        *,
        now: float,
        claimer: str,
        limit: int = 64,
        lease_seconds: float = 15.0,
        settle: Sequence[int] = (),
    ) -> list[InboxRow]:
        """Lease each chat's oldest waiting update that is due, oldest first.

        ``settle``: update ids decided since the last claim, whose rows are deleted first in
        the same transaction (those whose decision wrote nothing: ignored kinds, duplicates).
        """

        def lease() -> list[InboxRow]:
            with self.transaction(write=True) as connection:
                inbox.settle(connection, settle)
                return inbox.claim(
                    connection,
                    now=now,
                    limit=limit,
                    lease_seconds=lease_seconds,
                    claimer=claimer,
                )

        return self.retrying(lease)

    def settle_inbox(self, update_ids: Sequence[int]) -> None:
        """Delete the inbox rows of decided updates."""
        with self.transaction(write=True) as connection:
            inbox.settle(connection, update_ids)

    def retry_inbox(self, update_id: int, *, not_before: float, error: str) -> None:
        """End a failed inbox row's lease; it is due again at ``not_before``."""
        with self.transaction(write=True) as connection:
            inbox.retry(connection, update_id, not_before=not_before, error=error)

    def bury_inbox(self, update_id: int, *, error: str, notices: Sequence[Outgoing] = ()) -> bool:
        """Move an inbox row aside and queue ``notices`` in the same transaction.

        ``False`` (and nothing queued): the row was no longer waiting.
        """
        with self.transaction(write=True) as connection:
            if not inbox.bury(connection, update_id, error=error):
                return False
            if notices:
                outbox.enqueue_many(connection, notices)
            return True

    def release_inbox_claims(self, claimer: str, *, now: float) -> int:
        """End the running inbox leases ``claimer`` holds (it restarted); return how many."""
        with self.transaction(write=True) as connection:
            return inbox.release(connection, claimer, now=now)

    def forget_dead_updates(self, *, older_than: float) -> int:
        """Housekeeping: delete inbox rows moved aside that arrived before ``older_than``."""
        with self.transaction(write=True) as connection:
            return inbox.forget_dead(connection, older_than=older_than)

    def inbox_figures(self) -> InboxFigures:
        """How many updates wait in the inbox, since when, and how many were moved aside."""
        with self.transaction(write=False) as connection:
            return inbox.figures(connection)

    # -- outbox -------------------------------------------------------------------------------

    def claim_outbox(
        self,
        *,
        now: float,
        limit: int = 50,
        lease_seconds: float = 30.0,
        claimer: str | None = None,
    ) -> list[OutboxMessage]:
        """Unsent messages due at ``now``, oldest first, at most one per chat, leased.

        A chat contributes only its oldest unsent message, and nothing while that message is
        leased by another claimer or not yet due. Claimed messages are leased until
        ``now + lease_seconds`` so another sender or replica does not take them meanwhile;
        ``claimer`` names the sender holding the leases (see :meth:`release_claims`).
        """

        def lease() -> list[OutboxMessage]:
            with self.transaction(write=True) as connection:
                return outbox.claim(
                    connection, now=now, limit=limit, lease_seconds=lease_seconds, claimer=claimer
                )

        return self.retrying(lease)

    def release_claims(self, claimer: str, *, now: float) -> int:
        """End the running leases ``claimer`` holds (it restarted: what it held is not in flight).

        Its messages can be claimed at once instead of after the lease. Return how many.
        """
        with self.transaction(write=True) as connection:
            return outbox.release(connection, claimer, now=now)

    def mark_sent(self, message_id: int, *, now: float, sent_ref: str | None = None) -> None:
        """Record that a claimed message went out (``sent_ref``: e.g. Telegram's message id)."""
        with self.transaction(write=True) as connection:
            outbox.mark_sent(connection, message_id, now=now, sent_ref=sent_ref)

    def mark_retry(self, message_id: int, *, not_before: float, error: str) -> None:
        """Count a failed attempt, clear the lease, and make the message due at ``not_before``."""
        with self.transaction(write=True) as connection:
            outbox.mark_retry(connection, message_id, not_before=not_before, error=error)

    def mark_dead(self, message_id: int, *, error: str) -> None:
        """Count a final failed attempt; the message is never retried (e.g. the bot is blocked)."""
        with self.transaction(write=True) as connection:
            outbox.mark_dead(connection, message_id, error=error)

    def record_deliveries(self, deliveries: list[Delivery], *, now: float) -> None:
        """Record what became of several claimed messages in one transaction (a sender's round)."""

        def write() -> None:
            with self.transaction(write=True) as connection:
                outbox.record(connection, deliveries, now=now)

        self.retrying(write)

    def outbox_depth(self) -> int:
        """How many messages wait to be sent (due or not)."""
        with self.transaction(write=False) as connection:
            return outbox.depth(connection)

    def forget_sent_messages(self, *, older_than: float) -> int:
        """Housekeeping: delete messages sent before ``older_than``; return how many."""
        with self.transaction(write=True) as connection:
            return outbox.forget_sent(connection, older_than=older_than)

    # -- lifecycle ----------------------------------------------------------------------------

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    @contextmanager
    def _lock_free_read(self) -> Iterator[Connection]:
        """A connection for :meth:`peek`: a read transaction, or none at all on PostgreSQL.

        Under READ COMMITTED each statement reads what was committed when it started, inside a
        transaction or not, so on PostgreSQL the read runs without one (autocommit): no BEGIN
        and no COMMIT, two round trips fewer. What is read is checked again under the lock
        before anything is written (:meth:`ConversationTx.stored`).
        """
        if self._engine.dialect.name != "postgresql":
            with self.transaction(write=False) as connection:
                yield connection
            return
        try:
            with self._engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT")
                yield connection
        except OperationalError as exc:
            raise connect_error(self._setup, exc, "read from") from exc

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Connection]:
        """A connection in a transaction: committed on normal exit, rolled back on exception.

        For work that is not about one conversation (timer sweeps, moderator listings, tables
        added by later migrations). ``write=False`` lets SQLite readers run beside the writer.
        No conversation is locked: for one conversation's data use :meth:`conversation`.
        """
        lock: AbstractContextManager[object] = self._shared_connection_lock or nullcontext()
        with lock:
            try:
                with self._engine.connect() as connection:
                    connection.execution_options(**{WRITE_OPTION: write})
                    with connection.begin():
                        yield connection
            except OperationalError as exc:
                raise connect_error(self._setup, exc, "complete a transaction on") from exc


__all__ = ["Storage", "lost_connection"]
