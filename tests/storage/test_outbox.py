"""The outbox: claim order, one message per chat, leases, retries, dead messages, replicas."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from bot.errors import StorageError
from bot.model import MESSAGE_LIMIT, Button, Reply
from bot.storage import OutboxMessage, Storage, outbox
from bot.storage.outbox import Delivery
from bot.storage.parts import split_reply, utf16_length

StorageFactory = Callable[[], Storage]

# Messages are enqueued at the real time; claims happen "later" at fixed points after it.
LATER = time.time() + 3600.0


def enqueue(storage: Storage, chat_id: str, text: str, *, kind: str = "reply") -> int:
    """Queue one invented reply for ``chat_id`` in its own conversation transaction."""
    with storage.conversation(f"conv-{chat_id}") as tx:
        assert tx is not None
        [message_id] = tx.enqueue(chat_id, Reply(text), kind=kind)
        return message_id


def texts(messages: list[OutboxMessage]) -> list[str]:
    return [message.reply.text for message in messages]


@pytest.mark.parametrize(
    "reply",
    [
        Reply("plain"),
        Reply("with buttons", (Button("Tell me more", "more"), Button("Zurück", "back"))),
        Reply("emoji and quotes: \U0001f49a \"'\n second line"),
    ],
    ids=["plain", "buttons", "unicode"],
)
def test_claimed_message_carries_what_was_enqueued(storage: Storage, reply: Reply) -> None:
    with storage.conversation("conv-1") as tx:
        assert tx is not None
        [message_id] = tx.enqueue("1", reply, kind="notice")
    [message] = storage.claim_outbox(now=LATER)
    assert message.id == message_id
    assert (message.conversation_id, message.chat_id, message.kind) == ("conv-1", "1", "notice")
    assert message.reply == reply
    assert message.attempts == 0
    assert message.created_at <= time.time()


def claim_all(storage: Storage) -> list[OutboxMessage]:
    """Every pending message, in the order a chat receives them (one claim per chat a round)."""
    claimed: list[OutboxMessage] = []
    while messages := storage.claim_outbox(now=LATER):
        for message in messages:
            claimed.append(message)
            storage.mark_sent(message.id, now=LATER, sent_ref=None)
    return claimed


def test_a_long_reply_is_queued_once_as_parts_that_fit_with_the_buttons_on_the_last(
    storage: Storage,
) -> None:
    paragraph = "An invented paragraph about nothing in particular, " * 30 + "\n\n"
    reply = Reply(paragraph * 8, (Button("More", "f:more"),))
    with storage.conversation("conv-7") as tx:
        assert tx is not None
        ids = tx.enqueue("7", reply, Reply("short"), kind="reply")
    messages = claim_all(storage)
    assert [message.id for message in messages] == ids
    parts = [message.reply for message in messages]
    assert parts == [*split_reply(reply), Reply("short")]
    assert len(parts) >= 3
    assert all(utf16_length(part.text) <= MESSAGE_LIMIT for part in parts)
    assert [part.buttons for part in parts[:-2]] == [()] * (len(parts) - 2)
    assert parts[-2].buttons == reply.buttons


def test_a_reply_with_no_text_is_queued_whole(storage: Storage) -> None:
    with storage.conversation("conv-8") as tx:
        assert tx is not None
        [message_id] = tx.enqueue("8", Reply("   "))
    [message] = claim_all(storage)
    assert (message.id, message.reply) == (message_id, Reply("   "))


def test_a_message_that_belongs_to_no_conversation_says_so(storage: Storage) -> None:
    with storage.transaction() as connection:
        [message_id] = outbox.enqueue(
            connection, "-100", (Reply("a listing"),), conversation_id=None, kind="notice", now=1.0
        )
        with pytest.raises(ValueError, match="pass None"):
            outbox.enqueue(connection, "-100", (Reply("x"),), conversation_id="", kind="n", now=1.0)
    [message] = storage.claim_outbox(now=LATER)
    assert (message.id, message.conversation_id, message.reply) == (
        message_id,
        None,
        Reply("a listing"),
    )


def test_claim_gives_oldest_first_and_one_per_chat(storage: Storage) -> None:
    for chat_id, text in [("1", "a1"), ("2", "b1"), ("1", "a2"), ("3", "c1"), ("2", "b2")]:
        enqueue(storage, chat_id, text)
    assert texts(storage.claim_outbox(now=LATER)) == ["a1", "b1", "c1"]


def test_chat_whose_oldest_is_leased_gives_nothing(storage: Storage) -> None:
    enqueue(storage, "1", "a1")
    enqueue(storage, "1", "a2")
    enqueue(storage, "2", "b1")
    assert texts(storage.claim_outbox(now=LATER, limit=1)) == ["a1"]
    assert texts(storage.claim_outbox(now=LATER)) == ["b1"]


def test_sent_message_lets_the_next_of_its_chat_through(storage: Storage) -> None:
    enqueue(storage, "1", "a1")
    enqueue(storage, "1", "a2")
    [first] = storage.claim_outbox(now=LATER)
    storage.mark_sent(first.id, now=LATER, sent_ref="telegram-77")
    assert texts(storage.claim_outbox(now=LATER)) == ["a2"]
    assert storage.outbox_depth() == 1


def test_claim_respects_the_limit(storage: Storage) -> None:
    for chat_id in "12345":
        enqueue(storage, chat_id, f"to {chat_id}")
    assert texts(storage.claim_outbox(now=LATER, limit=2)) == ["to 1", "to 2"]
    assert texts(storage.claim_outbox(now=LATER, limit=2)) == ["to 3", "to 4"]


def test_expired_lease_lets_another_claimer_take_it(storage: Storage) -> None:
    enqueue(storage, "1", "a1")
    [first] = storage.claim_outbox(now=LATER, lease_seconds=30.0)
    assert storage.claim_outbox(now=LATER + 29.0) == []
    [again] = storage.claim_outbox(now=LATER + 30.0)
    assert again.id == first.id


def test_retry_counts_the_attempt_and_waits_until_not_before(storage: Storage) -> None:
    enqueue(storage, "1", "a1")
    enqueue(storage, "1", "a2")
    [first] = storage.claim_outbox(now=LATER)
    storage.mark_retry(first.id, not_before=LATER + 10.0, error="Telegram: Too Many Requests")
    assert storage.claim_outbox(now=LATER + 9.0) == [], "a2 must wait behind a1"
    [again] = storage.claim_outbox(now=LATER + 10.0)
    assert (again.id, again.attempts) == (first.id, 1)


def test_dead_message_is_never_claimed_and_unblocks_its_chat(storage: Storage) -> None:
    enqueue(storage, "1", "a1")
    enqueue(storage, "1", "a2")
    [first] = storage.claim_outbox(now=LATER)
    storage.mark_dead(first.id, error="Forbidden: bot was blocked by the user")
    assert texts(storage.claim_outbox(now=LATER + 3600.0)) == ["a2"]
    assert storage.outbox_depth() == 1


def test_outbox_depth_counts_pending_messages(storage: Storage) -> None:
    assert storage.outbox_depth() == 0
    ids = [enqueue(storage, "1", "a1"), enqueue(storage, "2", "b1"), enqueue(storage, "3", "c1")]
    storage.claim_outbox(now=LATER)
    assert storage.outbox_depth() == 3, "leased messages are still pending"
    storage.mark_sent(ids[0], now=LATER)
    storage.mark_dead(ids[1], error="blocked")
    assert storage.outbox_depth() == 1


def test_forget_sent_messages_keeps_pending_ones(storage: Storage) -> None:
    sent = enqueue(storage, "1", "a1")
    enqueue(storage, "2", "b1")
    storage.mark_sent(sent, now=LATER)
    assert storage.forget_sent_messages(older_than=LATER) == 0
    assert storage.forget_sent_messages(older_than=LATER + 1.0) == 1
    assert storage.outbox_depth() == 1


@pytest.mark.parametrize(
    "mark",
    [
        lambda storage: storage.mark_sent(424242, now=LATER),
        lambda storage: storage.mark_retry(424242, not_before=LATER, error="x"),
        lambda storage: storage.mark_dead(424242, error="x"),
    ],
    ids=["sent", "retry", "dead"],
)
def test_marking_an_unknown_message_says_so(
    storage: Storage, mark: Callable[[Storage], None]
) -> None:
    with pytest.raises(StorageError, match="Outbox message 424242 does not exist"):
        mark(storage)


def test_replicas_claiming_concurrently_never_share_a_message(
    open_storage: StorageFactory,
) -> None:
    first = open_storage()
    first.upgrade()
    replicas = [first, open_storage()]
    expected: dict[int, str] = {}
    for round_number in range(4):
        for chat in range(25):
            chat_id = str(chat)
            expected[enqueue(first, chat_id, f"{chat_id}/{round_number}")] = chat_id
    claimed: list[tuple[int, OutboxMessage]] = []
    claimed_lock = threading.Lock()
    start = threading.Barrier(len(replicas))
    errors: list[BaseException] = []

    def send_all(replica_number: int, storage: Storage) -> None:
        try:
            start.wait()
            while storage.outbox_depth() > 0:
                batch = storage.claim_outbox(now=LATER, limit=7)
                with claimed_lock:
                    claimed.extend((replica_number, message) for message in batch)
                for message in batch:
                    storage.mark_sent(message.id, now=LATER)
        except BaseException as exc:  # reported to the main thread below
            errors.append(exc)

    threads = [
        threading.Thread(target=send_all, args=(number, storage))
        for number, storage in enumerate(replicas)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    claimed_ids = [message.id for _, message in claimed]
    assert sorted(claimed_ids) == sorted(expected), "every message exactly once"
    for chat_id in {message.chat_id for _, message in claimed}:
        in_claim_order = [message.id for _, message in claimed if message.chat_id == chat_id]
        assert in_claim_order == sorted(in_claim_order), f"chat {chat_id} out of order"


def test_a_restarted_replica_releases_its_own_leases_and_no_one_elses(storage: Storage) -> None:
    enqueue(storage, "1", "mine")
    enqueue(storage, "2", "theirs")
    [mine] = storage.claim_outbox(now=LATER, limit=1, claimer="host-a:8443")
    [theirs] = storage.claim_outbox(now=LATER, limit=1, claimer="host-b:8443")
    assert storage.claim_outbox(now=LATER + 1) == []
    assert storage.release_claims("host-a:8443", now=LATER + 1) == 1
    assert texts(storage.claim_outbox(now=LATER + 1)) == ["mine"]
    assert storage.release_claims("host-a:8443", now=LATER + 2) == 0  # sent or claimed anew
    storage.mark_sent(mine.id, now=LATER + 2)
    storage.mark_sent(theirs.id, now=LATER + 2)
    assert storage.release_claims("host-b:8443", now=LATER + 3) == 0


def test_a_round_of_results_is_recorded_together(storage: Storage) -> None:
    for chat in ("1", "2", "3"):
        enqueue(storage, chat, f"to {chat}")
    sent, retried, dead = storage.claim_outbox(now=LATER)
    storage.record_deliveries(
        [
            Delivery(sent.id, sent_ref="77"),
            Delivery(retried.id, retry_at=LATER + 60, error="TimedOut: x" * 600),
            Delivery(dead.id, dead=True, error="Forbidden: blocked"),
        ],
        now=LATER,
    )
    assert storage.outbox_depth() == 1
    assert storage.claim_outbox(now=LATER + 59) == []
    [again] = storage.claim_outbox(now=LATER + 60)
    assert (again.id, again.attempts) == (retried.id, 1)
