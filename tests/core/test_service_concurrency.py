"""Service.handle decides outside the write transaction and writes only on what it decided on.

The core runs with no write lock held (SQLite's write lock and PostgreSQL's advisory lock of the
conversation are free meanwhile). If another process writes the conversation, or takes the
update, between the read and the write, the service decides again on the stored record, or skips
the update. Real SQLite files and the real PostgreSQL; the "other process" is a second Storage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from bot.core.pipeline import Core
from bot.core.service import Service
from bot.model import ConversationRecord, Inbound, InboundKind, Outcome
from bot.storage import Storage
from bot.storage.conversation import advisory_key, claim_update
from tests.auxil.postgres import StorageFactory

CHAT = "7100"
CONVERSATION = "person:7100"


class ProbingCore:
    """The real core, with something done by "another process" during each decision."""

    def __init__(self, core: Core, during: Callable[[int], None]) -> None:
        self._core = core
        self._during = during
        self.decided_on: list[ConversationRecord | None] = []

    def process(self, record: ConversationRecord | None, inbound: Inbound) -> Outcome:
        self.decided_on.append(record)
        self._during(len(self.decided_on))
        return self._core.process(record, inbound)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._core, name)


def said(text_: str, update_id: int, at: float = 1e6) -> Inbound:
    return Inbound(CONVERSATION, InboundKind.TEXT, text=text_, received_at=at, update_id=update_id)


def write_lock_is_free(other: Storage) -> bool:
    """Whether another connection can take the lock a write of the conversation needs now."""
    with other.transaction(write=False) as connection:
        if connection.dialect.name == "postgresql":
            key = advisory_key(CONVERSATION)
            taken = connection.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key})
            return bool(taken.scalar_one())
        connection.exec_driver_sql("PRAGMA busy_timeout=0")
        connection.exec_driver_sql("ROLLBACK")
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            return False
        return True


def test_the_core_decides_with_no_write_lock_held(
    core: Core, storage: Storage, open_storage: StorageFactory
) -> None:
    other = open_storage()
    free: list[bool] = []
    probing = ProbingCore(core, lambda _call: free.append(write_lock_is_free(other)))
    service = Service(probing, storage)  # type: ignore[arg-type]
    service.handle(said("what is esketamine", 1), deliver_to=CHAT)
    service.handle(said("how does it work", 2, at=1e6 + 60), deliver_to=CHAT)
    assert free == [True, True]


def test_a_record_written_meanwhile_is_decided_on_again(
    core: Core, storage: Storage, open_storage: StorageFactory
) -> None:
    service = Service(core, storage)
    first = service.handle(said("what is esketamine", 1), deliver_to=CHAT)
    assert first is not None
    other = open_storage()
    elsewhere = first.record.with_changes(country="NZ", turns=first.record.turns + 40)

    def other_replica_writes(call: int) -> None:
        if call == 1:
            with other.conversation(CONVERSATION) as tx:
                assert tx is not None
                tx.save(elsewhere)

    probing = ProbingCore(core, other_replica_writes)
    outcome = Service(probing, storage).handle(  # type: ignore[arg-type]
        said("how does it work", 2, at=1e6 + 60), deliver_to=CHAT
    )
    assert outcome is not None
    assert probing.decided_on == [first.record, elsewhere]
    with storage.conversation(CONVERSATION) as tx:
        assert tx is not None
        stored = tx.load()
    assert stored == outcome.record
    assert stored is not None
    assert stored.country == "NZ"
    assert stored.turns == elsewhere.turns + 1


def test_an_update_taken_meanwhile_is_skipped(
    core: Core, storage: Storage, open_storage: StorageFactory
) -> None:
    other = open_storage()

    def other_replica_takes_it(_call: int) -> None:
        with other.transaction() as connection:
            assert claim_update(connection, 9, now=1e6)

    probing = ProbingCore(core, other_replica_takes_it)
    service = Service(probing, storage)  # type: ignore[arg-type]
    assert service.handle(said("what is esketamine", 9), deliver_to=CHAT) is None
    assert storage.outbox_depth() == 0
    assert storage.count_conversations() == 0
