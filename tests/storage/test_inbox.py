"""The inbox: stored once, each chat's oldest first, leases, decided rows gone with the decision."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.model import Reply
from bot.storage import Storage
from bot.storage.inbox import Arrival
from bot.storage.outbox import Outgoing, Priority

StorageFactory = Callable[[], Storage]
LATER = time.time() + 3600.0


def arrive(storage: Storage, *items: tuple[int, str]) -> None:
    storage.put_inbox(
        [Arrival(update_id, lane, f'{{"update_id": {update_id}}}') for update_id, lane in items]
    )


def claim(
    storage: Storage, *, now: float = LATER, claimer: str = "a", **options: object
) -> list[int]:
    return [row.update_id for row in storage.claim_inbox(now=now, claimer=claimer, **options)]  # type: ignore[arg-type]


def test_each_chat_gives_only_its_oldest_waiting_update_oldest_first(storage: Storage) -> None:
    arrive(storage, (12, "chat-b"), (10, "chat-a"), (11, "chat-a"), (13, "chat-c"))
    assert claim(storage) == [10, 12, 13]
    # Leased: nothing more until a decision removes the chat's head.
    assert claim(storage) == []
    storage.settle_inbox([10])
    assert claim(storage) == [11]


def test_a_claimed_row_carries_what_arrived_and_counts_its_claims(storage: Storage) -> None:
    storage.put_inbox([Arrival(7, "chat-a", '{"update_id": 7, "x": "Zürich \\u00e9"}')])
    [row] = storage.claim_inbox(now=LATER, claimer="a")
    assert (row.update_id, row.lane, row.payload) == (
        7,
        "chat-a",
        '{"update_id": 7, "x": "Zürich \\u00e9"}',
    )
    assert row.attempts == 1
    assert row.received_at <= time.time()


def test_an_update_arriving_twice_is_stored_once_and_a_processed_one_not_at_all(
    storage: Storage,
) -> None:
    arrive(storage, (20, "chat-a"), (20, "chat-a"))
    arrive(storage, (20, "chat-a"))
    with storage.conversation("conv-a", update_id=21) as tx:
        assert tx is not None
    arrive(storage, (21, "chat-a"))
    assert storage.inbox_figures().waiting == 1
    assert claim(storage) == [20]


def test_the_decision_transaction_deletes_the_row(storage: Storage) -> None:
    arrive(storage, (30, "chat-a"), (31, "chat-a"), (40, "chat-b"), (50, "chat-c"))
    assert claim(storage) == [30, 40, 50]
    with storage.conversation("conv-a", update_id=30) as tx:  # one conversation
        assert tx is not None
    with storage.conversations([("conv-b", 40), ("conv-c", 50)]) as batch:  # a group commit
        assert batch.open("conv-b", update_id=40) is not None
    assert storage.inbox_figures().waiting == 1
    assert claim(storage) == [31]


def test_a_rolled_back_decision_keeps_the_row(storage: Storage) -> None:
    arrive(storage, (60, "chat-a"))
    assert claim(storage) == [60]
    try:
        with storage.conversations([("conv-a", 60)]):
            raise RuntimeError("the decision failed")
    except RuntimeError:
        pass
    assert storage.inbox_figures().waiting == 1


def test_a_lease_that_ran_out_is_taken_over_and_a_restarted_claimer_releases_its_own(
    storage: Storage,
) -> None:
    arrive(storage, (70, "chat-a"), (71, "chat-b"))
    now = time.time()
    assert claim(storage, now=now, claimer="a", lease_seconds=10.0) == [70, 71]
    assert claim(storage, now=now + 5, claimer="b") == []
    assert claim(storage, now=now + 11, claimer="b", limit=1) == [70]
    assert storage.release_inbox_claims("a", now=now + 11) == 0  # its lease had run out
    assert storage.release_inbox_claims("b", now=now + 12) == 1
    assert claim(storage, now=now + 12, claimer="b") == [70, 71]  # 71's lease ran out too


def test_a_failed_row_waits_until_due_and_keeps_its_chat_waiting(storage: Storage) -> None:
    arrive(storage, (80, "chat-a"), (81, "chat-a"))
    now = time.time()
    assert claim(storage, now=now) == [80]
    storage.retry_inbox(80, not_before=now + 30, error="not stored")
    assert claim(storage, now=now + 1) == []
    [row] = storage.claim_inbox(now=now + 31, claimer="a")
    assert (row.update_id, row.attempts) == (80, 2)


def test_a_row_moved_aside_lets_its_chat_go_on_and_queues_its_notices(storage: Storage) -> None:
    arrive(storage, (90, "chat-a"), (91, "chat-a"))
    assert claim(storage) == [90]
    notice = Outgoing("5", (Reply("lines"),), "tg:5", "notice", time.time(), Priority.HIGH)
    assert storage.bury_inbox(90, error="unreadable", notices=[notice])
    assert not storage.bury_inbox(90, error="again", notices=[notice])  # queued once
    assert claim(storage) == [91]
    figures = storage.inbox_figures()
    assert (figures.waiting, figures.dead) == (1, 1)
    assert [m.reply.text for m in storage.claim_outbox(now=LATER)] == ["lines"]


def test_figures_say_how_many_wait_and_since_when(storage: Storage) -> None:
    assert storage.inbox_figures().waiting == 0
    assert storage.inbox_figures().oldest_received_at is None
    before = time.time()
    arrive(storage, (100, "chat-a"), (101, "chat-b"))
    figures = storage.inbox_figures()
    assert figures.waiting == 2
    assert figures.oldest_received_at is not None
    assert before <= figures.oldest_received_at <= time.time()


def test_two_replicas_claiming_at_once_never_take_the_same_chat(
    storage: Storage, open_storage: StorageFactory
) -> None:
    other = open_storage()
    arrive(storage, *[(1000 + n, f"chat-{n % 10}") for n in range(50)])
    taken_a = claim(storage, claimer="a", limit=5)
    taken_b = claim(other, claimer="b", limit=50)
    assert len(taken_a) == 5
    assert len(taken_b) == 5
    assert not set(taken_a) & set(taken_b)
    lanes = {n % 10 for n in (*taken_a, *taken_b)}
    assert lanes == set(range(10))
