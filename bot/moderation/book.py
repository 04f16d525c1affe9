"""Reading cases without changing them: for ``crisisbot cases`` and for tests.

Each method runs in its own short transaction. Reading a transcript is itself recorded in the
audit log, naming who read it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from bot.moderation import cases, journal
from bot.moderation.models import AuditEntry, Case, TranscriptLine
from bot.storage import ConversationTx, Storage
from bot.storage.conversation import SqlConversationTx


@contextmanager
def desk_transaction(storage: Storage, *, write: bool = True) -> Iterator[ConversationTx]:
    """A transaction for moderation work not tied to one person (queue, audit, timer sweeps).

    No conversation is locked, and what its ``enqueue`` queues belongs to no conversation (a
    message about a case is linked to the case by the announcer); it has no record to
    ``load``/``save``/``delete``.
    """
    with storage.transaction(write=write) as connection:
        yield SqlConversationTx(connection, None)


class CaseBook:
    """Read-only views of the cases."""

    def __init__(self, storage: Storage, clock: Callable[[], float] = time.time) -> None:
        self._storage = storage
        self._clock = clock

    def cases(self, *, include_resolved: bool = False) -> list[Case]:
        """Cases, most urgent then oldest first; unresolved only unless asked."""
        with desk_transaction(self._storage, write=False) as tx:
            return cases.queue(tx.execute(), include_resolved=include_resolved)

    def case(self, case_id: int) -> Case | None:
        """One case, or ``None``."""
        with desk_transaction(self._storage, write=False) as tx:
            return cases.get(tx.execute(), case_id)

    def line_count(self, case_id: int) -> int:
        """How many transcript lines and notes the case keeps (without reading them)."""
        with desk_transaction(self._storage, write=False) as tx:
            return journal.count_lines(tx.execute(), case_id)

    def transcript(self, case_id: int, *, viewer: str) -> list[TranscriptLine]:
        """A case's transcript; the read is audited as ``viewer`` (e.g. ``cli:alice``)."""
        with desk_transaction(self._storage) as tx:
            connection = tx.execute()
            lines = journal.transcript(connection, case_id)
            journal.audit(
                connection,
                actor_id=viewer,
                action="transcript",
                case_id=case_id,
                allowed=True,
                now=self._clock(),
                detail="viewed transcript",
            )
            return lines

    def audit_trail(self, case_id: int | None = None) -> list[AuditEntry]:
        """The audit log, oldest first; only the entries of ``case_id`` when given."""
        with desk_transaction(self._storage, write=False) as tx:
            return journal.audit_trail(tx.execute(), case_id)


__all__ = ["CaseBook", "desk_transaction"]
