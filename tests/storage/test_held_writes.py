"""Writes held until due: a transaction's saves and queued messages, written together.

Held writes are invisible from outside the transaction until it commits, as any write; inside
it, anything that reads or writes first writes what is held, so the transaction sees its own
writes in the order it made them. Real SQLite files and the real PostgreSQL.
"""

from __future__ import annotations

import time

from sqlalchemy import text

from bot.model import ConversationRecord, Reply
from bot.storage import Priority, Storage

LATER = time.time() + 3600.0


def record(conversation_id: str, turns: int) -> ConversationRecord:
    base = ConversationRecord(conversation_id, "stub", "1", "start", 1e6, 0.0)
    return base.with_changes(turns=turns)


def test_a_transaction_reads_its_own_held_save(storage: Storage) -> None:
    with storage.conversation("conv-1") as tx:
        assert tx is not None
        tx.save(record("conv-1", 3))
        stored = tx.execute().execute(
            text("SELECT record FROM conversations WHERE conversation_id = 'conv-1'")
        )
        assert '"turns":3' in stored.scalar_one()
        tx.save(record("conv-1", 4))
        loaded = tx.load()
        assert loaded is not None
        assert loaded.turns == 4
    assert storage.peek("conv-1").record() == record("conv-1", 4)


def test_queued_and_enqueued_messages_keep_the_order_they_were_given(storage: Storage) -> None:
    with storage.conversations([("conv-2", None), ("conv-3", None)]) as batch:
        first = batch.open("conv-2")
        second = batch.open("conv-3")
        assert first is not None
        assert second is not None
        first.queue("2", Reply("one"), Reply("two"))
        second.queue("3", Reply("to three"), priority=Priority.HIGH)
        [third] = first.enqueue("2", Reply("three"))
        first.queue("2", Reply("four"))
    claimed: list[tuple[str, str, int]] = []
    while messages := storage.claim_outbox(now=LATER):
        for message in messages:
            claimed.append((message.chat_id, message.reply.text, message.id))
            storage.mark_sent(message.id, now=LATER)
    assert [text_ for chat, text_, _ in claimed if chat == "2"] == ["one", "two", "three", "four"]
    assert claimed[0][:2] == ("3", "to three")
    ids = {text_: message_id for _, text_, message_id in claimed}
    assert ids["one"] < ids["two"] < ids["to three"] < third == ids["three"] < ids["four"]


def test_a_delete_after_a_held_save_leaves_no_record(storage: Storage) -> None:
    with storage.conversation("conv-4") as tx:
        assert tx is not None
        tx.save(record("conv-4", 1))
        tx.delete()
    assert storage.peek("conv-4").stored is None


def test_held_writes_roll_back_with_the_transaction(storage: Storage) -> None:
    class Stop(Exception):
        pass

    try:
        with storage.conversation("conv-5") as tx:
            assert tx is not None
            tx.save(record("conv-5", 1))
            tx.queue("5", Reply("never sent"))
            raise Stop
    except Stop:
        pass
    assert storage.peek("conv-5").stored is None
    assert storage.outbox_depth() == 0


def test_a_write_after_a_read_outside_a_transaction_is_still_atomic(storage: Storage) -> None:
    # On PostgreSQL peeks run in autocommit; the pooled connection must not stay in it.
    class Stop(Exception):
        pass

    for attempt in range(3):
        storage.peek_many([("conv-6", attempt + 1), ("conv-7", attempt + 100)])
        storage.peek("conv-6", update_id=attempt + 1)
        try:
            with storage.conversation("conv-6", update_id=attempt + 1) as tx:
                assert tx is not None
                tx.save(record("conv-6", 1))
                tx.execute()  # the save is written now, inside the transaction
                raise Stop
        except Stop:
            pass
        assert storage.peek("conv-6", update_id=attempt + 1) == storage.peek("conv-none")
