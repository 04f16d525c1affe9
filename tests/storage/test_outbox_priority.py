"""Outbox priority: urgent messages are claimed before a backlog, a chat's order never changes."""

from __future__ import annotations

import random
import time
from collections import defaultdict

from bot.model import Reply
from bot.storage import OutboxMessage, Priority, Storage
from bot.storage.outbox import enqueue as outbox_enqueue

LATER = time.time() + 3600.0
ROUND = 50  # the sender's default batch


def backlog(storage: Storage, *, chats: int, per_chat: int) -> None:
    """Ordinary replies to many chats, queued in one transaction, oldest chat first."""
    with storage.transaction() as connection:
        for turn in range(per_chat):
            for chat in range(chats):
                outbox_enqueue(
                    connection,
                    f"{1000 + chat}",
                    (Reply(f"ordinary {chat}.{turn}"),),
                    conversation_id=f"conv-{1000 + chat}",
                    kind="reply",
                    now=1.0,
                )


def queue(storage: Storage, chat_id: str, text: str, priority: Priority) -> int:
    with storage.conversation(f"conv-{chat_id}") as tx:
        assert tx is not None
        [message_id] = tx.enqueue(chat_id, Reply(text), priority=priority)
        return message_id


def rounds(storage: Storage) -> list[list[OutboxMessage]]:
    """Every pending message, round by round as a sender claims them, each marked sent."""
    done: list[list[OutboxMessage]] = []
    while claimed := storage.claim_outbox(now=LATER, limit=ROUND):
        done.append(claimed)
        for message in claimed:
            storage.mark_sent(message.id, now=LATER, sent_ref=None)
    return done


def test_a_crisis_reply_behind_a_backlog_of_other_chats_is_claimed_in_the_first_round(
    storage: Storage,
) -> None:
    backlog(storage, chats=120, per_chat=3)
    crisis_id = queue(storage, "7", "crisis lines", Priority.HIGH)
    first = storage.claim_outbox(now=LATER, limit=ROUND)
    assert first[0].id == crisis_id
    assert first[0].priority is Priority.HIGH
    # the rest of the round is the backlog's oldest heads, oldest first
    assert [message.reply.text for message in first[1:4]] == [
        "ordinary 0.0",
        "ordinary 1.0",
        "ordinary 2.0",
    ]
    assert all(message.priority is Priority.NORMAL for message in first[1:])


def test_an_urgent_alert_is_claimed_before_ordinary_messages_of_other_chats(
    storage: Storage,
) -> None:
    backlog(storage, chats=80, per_chat=1)
    alert_id = queue(storage, "-100", "NEW CASE", Priority.HIGH)
    ordinary_id = queue(storage, "-200", "a listing", Priority.NORMAL)
    first = storage.claim_outbox(now=LATER, limit=ROUND)
    assert first[0].id == alert_id
    assert ordinary_id not in {message.id for message in first}


def test_a_crisis_reply_behind_its_own_chats_ordinary_replies_keeps_their_order(
    storage: Storage,
) -> None:
    backlog(storage, chats=120, per_chat=2)
    # chat 1119's two ordinary replies are at the end of the backlog
    crisis_id = queue(storage, "1119", "crisis lines", Priority.HIGH)
    done = rounds(storage)
    received = [m.reply.text for claimed in done for m in claimed if m.chat_id == "1119"]
    assert received == ["ordinary 119.0", "ordinary 119.1", "crisis lines"]
    # its earlier replies were raised with it, so it does not wait for the whole backlog
    round_of = {m.id: number for number, claimed in enumerate(done) for m in claimed}
    assert round_of[crisis_id] == 2
    assert done[0][0].chat_id == "1119"


def test_an_ordinary_reply_after_a_crisis_reply_in_its_chat_stays_after_it(
    storage: Storage,
) -> None:
    crisis_id = queue(storage, "5", "crisis lines", Priority.HIGH)
    later_id = queue(storage, "5", "an ordinary answer", Priority.NORMAL)
    done = rounds(storage)
    assert [[m.id for m in claimed] for claimed in done] == [[crisis_id], [later_id]]


def test_per_chat_order_holds_under_mixed_priorities(storage: Storage) -> None:
    chooser = random.Random(20261206)
    queued: dict[str, list[int]] = defaultdict(list)
    with storage.transaction() as connection:
        for _ in range(600):
            chat = str(chooser.randrange(40))
            priority = Priority.HIGH if chooser.random() < 0.15 else Priority.NORMAL
            [message_id] = outbox_enqueue(
                connection,
                chat,
                (Reply(f"to {chat}"),),
                conversation_id=None,
                kind="reply",
                now=1.0,
                priority=priority,
            )
            queued[chat].append(message_id)
    done = rounds(storage)
    received: dict[str, list[int]] = defaultdict(list)
    for claimed in done:
        assert len({message.chat_id for message in claimed}) == len(claimed)  # one per chat
        # a round goes out most urgent first
        priorities = [message.priority for message in claimed]
        assert priorities == sorted(priorities, reverse=True)
        for message in claimed:
            received[message.chat_id].append(message.id)
    assert received == queued


def test_a_retried_head_holds_back_its_chats_crisis_reply(storage: Storage) -> None:
    first_id = queue(storage, "9", "an ordinary answer", Priority.NORMAL)
    [claimed] = storage.claim_outbox(now=LATER)
    storage.mark_retry(claimed.id, not_before=LATER + 60.0, error="flood control")
    crisis_id = queue(storage, "9", "crisis lines", Priority.HIGH)
    assert storage.claim_outbox(now=LATER) == []
    assert [m.id for m in storage.claim_outbox(now=LATER + 60.0)] == [first_id]
    assert crisis_id != first_id


def test_the_sqlite_claim_walks_only_the_partial_indexes(sqlite_storage: Storage) -> None:
    # Claiming must not visit the sent rows housekeeping keeps: SQLite uses a partial index only
    # when the query is worded like its condition, so check the plan names both of them.
    from bot.storage.outbox import _CLAIM_BY_DIALECT

    statement = _CLAIM_BY_DIALECT["sqlite"].named
    values = {"now": 1.0, "until": 2.0, "limit": ROUND, "claimer": None}
    with sqlite_storage.transaction(write=False) as connection:
        cursor = connection.connection.cursor()
        plan = [str(row[3]) for row in cursor.execute(f"EXPLAIN QUERY PLAN {statement}", values)]
    assert "SCAN o USING INDEX ix_outbox_pending_priority" in plan
    assert "SEARCH h USING INDEX ix_outbox_pending_by_chat (chat_id=?)" in plan
    assert not [step for step in plan if step.startswith("SCAN") and "INDEX" not in step]
