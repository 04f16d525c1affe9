"""Conversation transactions: round trips, rollback, update dedup and per-conversation locking."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.model import ConversationRecord, PendingCheckIn, Reply
from bot.storage import ConversationTx, Storage
from bot.storage.conversation import advisory_key
from bot.storage.tables import conversations

from .records import T0, crisis_record, make_record

StorageFactory = Callable[[], Storage]


class Boom(Exception):
    """Raised inside a transaction to make it roll back."""


@pytest.mark.parametrize(
    "record",
    [make_record(), crisis_record(), make_record("chat-300", country=None, language_code=None)],
    ids=["plain", "crisis", "no-locale"],
)
def test_saved_record_loads_back_equal(storage: Storage, record: ConversationRecord) -> None:
    with storage.conversation(record.conversation_id) as tx:
        assert tx is not None
        tx.save(record)
    with storage.conversation(record.conversation_id) as tx:
        assert tx is not None
        assert tx.load() == record


@pytest.mark.parametrize(
    "record",
    [
        make_record(),
        crisis_record(),
        crisis_record().with_changes(check_in=PendingCheckIn(asked_at=T0, ref=3, means=True)),
    ],
    ids=["plain", "crisis", "check-in"],
)
def test_a_record_is_stored_as_the_json_of_all_its_fields(record: ConversationRecord) -> None:
    assert record.to_dict() == asdict(record)
    assert json.dumps(record.to_dict()) == json.dumps(asdict(record))


def test_unknown_conversation_loads_none(storage: Storage) -> None:
    with storage.conversation("chat-never-seen") as tx:
        assert tx is not None
        assert tx.load() is None


def test_save_replaces_the_previous_record(storage: Storage) -> None:
    for turns in (1, 2, 3):
        with storage.conversation("chat-100") as tx:
            assert tx is not None
            tx.save(make_record(turns=turns))
    with storage.conversation("chat-100") as tx:
        assert tx is not None
        loaded = tx.load()
    assert loaded is not None
    assert loaded.turns == 3
    assert storage.count_conversations() == 1


def fail_inside(
    storage: Storage, work: Callable[[ConversationTx], object], *, update_id: int | None = None
) -> None:
    """Do ``work`` in chat-100's transaction, then raise :class:`Boom` before it commits."""
    with storage.conversation("chat-100", update_id=update_id) as tx:
        assert tx is not None
        work(tx)
        raise Boom


def test_exception_rolls_back_record_and_outbox(storage: Storage) -> None:
    def save_and_enqueue(tx: ConversationTx) -> None:
        tx.save(make_record())
        tx.enqueue("100", Reply("invented reply"))

    with pytest.raises(Boom):
        fail_inside(storage, save_and_enqueue)
    assert storage.count_conversations() == 0
    assert storage.outbox_depth() == 0


def test_work_through_execute_shares_the_transaction(storage: Storage) -> None:
    row = {"conversation_id": "chat-100", "record": "{}", "flow": "f", "state": "s"}
    insert = conversations.insert().values(updated_at=0.0, **row)
    with pytest.raises(Boom):
        fail_inside(storage, lambda tx: tx.execute().execute(insert))
    assert storage.count_conversations() == 0


def test_repeated_update_yields_none(storage: Storage) -> None:
    with storage.conversation("chat-100", update_id=5001) as tx:
        assert tx is not None
        tx.save(make_record(turns=1))
    with storage.conversation("chat-100", update_id=5001) as tx:
        assert tx is None
    with storage.conversation("chat-100", update_id=5002) as tx:
        assert tx is not None


def test_rolled_back_update_is_not_marked_processed(storage: Storage) -> None:
    with pytest.raises(Boom):
        fail_inside(storage, lambda tx: None, update_id=5001)
    with storage.conversation("chat-100", update_id=5001) as tx:
        assert tx is not None, "a failed first attempt must leave the update to be retried"


def test_forget_processed_updates_removes_only_old_marks(storage: Storage) -> None:
    with storage.conversation("chat-100", update_id=5001):
        pass
    assert storage.forget_processed_updates(older_than=0.0) == 0
    with storage.conversation("chat-100", update_id=5001) as tx:
        assert tx is None
    assert storage.forget_processed_updates(older_than=float("inf")) == 1
    with storage.conversation("chat-100", update_id=5001) as tx:
        assert tx is not None


def test_delete_forgets_the_record(storage: Storage) -> None:
    with storage.conversation("chat-100") as tx:
        assert tx is not None
        tx.save(make_record())
    with storage.conversation("chat-100") as tx:
        assert tx is not None
        tx.delete()
    with storage.conversation("chat-100") as tx:
        assert tx is not None
        assert tx.load() is None
    assert storage.count_conversations() == 0


def test_save_refuses_a_record_of_another_conversation(storage: Storage) -> None:
    with storage.conversation("chat-100") as tx:
        assert tx is not None
        with pytest.raises(ValueError, match="chat-999"):
            tx.save(make_record("chat-999"))


@pytest.mark.parametrize(("record", "in_crisis"), [(make_record(), False), (crisis_record(), True)])
def test_crisis_flag_is_queryable(
    storage: Storage, record: ConversationRecord, in_crisis: bool
) -> None:
    with storage.conversation(record.conversation_id) as tx:
        assert tx is not None
        tx.save(record)
        flag = tx.execute().execute(select(conversations.c.in_crisis)).scalar_one()
    assert flag is in_crisis


def increment_concurrently(storages: list[Storage], *, per_thread: int) -> int:
    """Two threads each add 1 to chat-100's turn count ``per_thread`` times; return the total.

    Thread ``i`` uses ``storages[i % len(storages)]``. Each increment is a read-modify-write in
    one conversation transaction, so a missing lock would show up as a lost increment.
    """
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def increment(storage: Storage) -> None:
        try:
            start.wait()
            for _ in range(per_thread):
                with storage.conversation("chat-100") as tx:
                    assert tx is not None
                    current = tx.load() or make_record(turns=0)
                    tx.save(current.with_changes(turns=current.turns + 1))
        except BaseException as exc:  # reported to the main thread below
            errors.append(exc)

    threads = [
        threading.Thread(target=increment, args=(storages[i % len(storages)],)) for i in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with storages[0].conversation("chat-100") as tx:
        assert tx is not None
        final = tx.load()
    assert final is not None
    return final.turns


@pytest.mark.parametrize("replicas", [1, 2], ids=["threads-share-one-storage", "two-storages"])
def test_concurrent_increments_lose_nothing(open_storage: StorageFactory, replicas: int) -> None:
    storages = [open_storage() for _ in range(replicas)]
    storages[0].upgrade()
    assert increment_concurrently(storages, per_thread=100) == 200


def test_in_memory_storage_serialises_threads() -> None:
    storage = Storage.from_url("sqlite:///:memory:")
    try:
        storage.ensure_schema()
        assert increment_concurrently([storage], per_thread=100) == 200
    finally:
        storage.close()


def test_sqlite_data_survives_closing_and_reopening(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'crisisbot.db'}"
    storage = Storage.from_url(url)
    storage.ensure_schema()
    with storage.conversation("chat-200", update_id=7001) as tx:
        assert tx is not None
        tx.save(crisis_record())
        tx.enqueue("200", Reply("invented reply"))
    storage.close()

    reopened = Storage.from_url(url)
    try:
        reopened.check_schema()
        with reopened.conversation("chat-200", update_id=7001) as tx:
            assert tx is None
        with reopened.conversation("chat-200") as tx:
            assert tx is not None
            assert tx.load() == crisis_record()
        assert reopened.outbox_depth() == 1
    finally:
        reopened.close()


@pytest.mark.parametrize(
    ("conversation_id", "key"),
    [("100", -243818827058921250), ("-1001234567890", -6004438156539627837)],
)
def test_advisory_key_is_pinned(conversation_id: str, key: int) -> None:
    # Replicas running different releases must take the same lock for the same chat.
    assert advisory_key(conversation_id) == key


def test_plain_transaction_rolls_back_on_exception(storage: Storage) -> None:
    def insert_then_fail() -> None:
        with storage.transaction() as connection:
            connection.execute(
                conversations.insert().values(
                    conversation_id="chat-100", record="{}", flow="f", state="s", updated_at=0.0
                )
            )
            raise Boom

    with pytest.raises(Boom):
        insert_then_fail()
    assert storage.count_conversations() == 0


def test_a_batch_claims_each_update_once_and_reads_records_ahead(storage: Storage) -> None:
    with storage.conversation("chat-1", update_id=1) as tx:
        assert tx is not None
        tx.save(make_record("chat-1"))
    wanted = [("chat-1", 1), ("chat-2", 2), ("chat-2", 2), ("chat-3", 3), ("chat-1", None)]
    with storage.conversations(wanted) as batch:
        assert batch.open("chat-1", update_id=1) is None  # processed before the batch
        first = batch.open("chat-2", update_id=2)
        assert first is not None
        assert first.stored() is None
        first.save(make_record("chat-2", turns=9))
        assert first.load() == make_record("chat-2", turns=9)  # read again once written
        assert batch.open("chat-2", update_id=2) is None  # the same update twice in a batch
        third = batch.open("chat-3", update_id=3)
        assert third is not None
        assert third.load() is None
        again = batch.open("chat-1")
        assert again is not None
        assert again.load() == make_record("chat-1")
    peeks = storage.peek_many([("chat-2", 2), ("chat-3", 3), ("chat-4", 4), ("chat-1", None)])
    assert [peek.seen for peek in peeks] == [True, True, False, False]
    assert peeks[0].record() == make_record("chat-2", turns=9)
    assert peeks[1].stored is None
    assert peeks[3].record() == make_record("chat-1")


def test_a_batch_that_fails_claims_and_writes_nothing(storage: Storage) -> None:
    def save_then_fail() -> None:
        with storage.conversations([("chat-5", 5), ("chat-6", 6)]) as batch:
            tx = batch.open("chat-5", update_id=5)
            assert tx is not None
            tx.save(make_record("chat-5"))
            raise Boom

    with pytest.raises(Boom):
        save_then_fail()
    assert [peek.seen for peek in storage.peek_many([("chat-5", 5), ("chat-6", 6)])] == [
        False,
        False,
    ]
    assert storage.peek("chat-5").stored is None
