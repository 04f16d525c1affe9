"""Service.handle_many: the updates of several chats written in one transaction.

Each result is that update's own: its outcome, ``None`` for an update seen before, or the error
that kept it from being stored. When the shared transaction fails, the others are still stored
one by one, and a crisis update that cannot be stored is sent directly (safety before
consistency), as with ``Service.handle``. Crisis replies get the lowest outbox ids of their
batch and a high priority, so a sender's claim takes them first, even before a backlog queued by
earlier batches. Real SQLite files and the real PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from bot.core.pipeline import Core
from bot.core.service import Service
from bot.model import ConversationRecord, Inbound, InboundKind, Outcome, Reply, Route
from bot.storage import ConversationTx, Priority, Storage
from bot.storage.outbox import OutboxMessage
from tests.auxil.postgres import StorageFactory

CRISIS_TEXT = "i keep thinking about killing myself"


def said(chat: str, text_: str, update_id: int) -> Inbound:
    return Inbound(
        f"person:{chat}", InboundKind.TEXT, text=text_, received_at=1e6, update_id=update_id
    )


def claimed(storage: Storage) -> list[OutboxMessage]:
    """Every pending outbox message, in the order the sender would claim them."""
    messages: list[OutboxMessage] = []
    while found := storage.claim_outbox(now=2e9, limit=1000):
        messages.extend(found)
        for message in found:
            storage.mark_sent(message.id, now=2e9)
    return messages


class FailingFor:
    """A listener that fails for one conversation, as a bug on one update would."""

    def __init__(self, conversation_id: str) -> None:
        self.conversation_id = conversation_id

    def on_outcome(self, tx: ConversationTx, inbound: Inbound, outcome: Outcome) -> None:
        if inbound.conversation_id == self.conversation_id:
            raise RuntimeError("the listener cannot handle this update")


class Sent:
    def __init__(self) -> None:
        self.calls: list[tuple[str, list[Reply]]] = []

    def __call__(self, chat: str, parts: Sequence[Reply]) -> None:
        self.calls.append((chat, list(parts)))


def test_a_batch_stores_every_chat_and_answers_each_in_order(core: Core, storage: Storage) -> None:
    service = Service(core, storage)
    assert service.handle(said("1", "hello", 1), deliver_to="1") is not None
    requests = [
        (said("1", "hello", 1), "1"),  # seen before
        (said("2", "what is esketamine", 2), "2"),
        (said("3", "hello", 3), "3"),
    ]
    results = service.handle_many(requests)
    assert results[0] is None
    assert all(isinstance(result, Outcome) for result in results[1:])
    for chat in ("1", "2", "3"):
        assert storage.peek(f"person:{chat}").record() is not None
    assert service.handle_many(requests[1:]) == [None, None]


def test_two_updates_of_one_chat_in_a_batch_are_decided_in_arrival_order(
    core: Core, storage: Storage
) -> None:
    batched = Service(core, storage).handle_many(
        [(said("4", "hello", 1), "4"), (said("4", "what is esketamine", 2), "4")]
    )
    assert all(isinstance(result, Outcome) for result in batched)
    first, second = batched
    assert isinstance(first, Outcome)
    assert isinstance(second, Outcome)
    assert second.record.turns == first.record.turns + 1
    assert storage.peek("person:4").record() == second.record


def test_crisis_replies_get_the_first_outbox_rows_of_their_batch(
    core: Core, storage: Storage
) -> None:
    results = Service(core, storage).handle_many(
        [
            (said("5", "what is esketamine", 1), "5"),
            (said("6", CRISIS_TEXT, 2), "6"),
            (said("7", "hello", 3), "7"),
        ]
    )
    routes = [result.route for result in results if isinstance(result, Outcome)]
    assert routes[1] is Route.CRISIS
    assert len(routes) == 3
    chats = [message.chat_id for message in claimed(storage)]
    assert chats[0] == "6"
    assert {"5", "7"} <= set(chats)


def test_a_crisis_reply_goes_before_a_backlog_of_ordinary_replies(
    core: Core, storage: Storage
) -> None:
    service = Service(core, storage)
    ordinary = [(said(str(chat), "hello", 100 + chat), str(chat)) for chat in range(60)]
    assert all(isinstance(result, Outcome) for result in service.handle_many(ordinary))
    [outcome] = service.handle_many([(said("crisis", CRISIS_TEXT, 1), "crisis")])
    assert isinstance(outcome, Outcome)
    assert outcome.route is Route.CRISIS
    first_round = storage.claim_outbox(now=2e9, limit=50)
    assert first_round[0].chat_id == "crisis"
    assert first_round[0].priority is Priority.HIGH
    assert {message.priority for message in first_round[1:]} == {Priority.NORMAL}


def test_one_failing_update_fails_alone_and_its_crisis_reply_is_sent_directly(
    core: Core, storage: Storage
) -> None:
    sent = Sent()
    service = Service(core, storage, [FailingFor("person:9")], direct_send=sent)
    results = service.handle_many(
        [
            (said("8", "what is esketamine", 1), "8"),
            (said("9", CRISIS_TEXT, 2), "9"),
            (said("10", "hello", 3), "10"),
        ]
    )
    assert isinstance(results[0], Outcome)
    assert isinstance(results[2], Outcome)
    assert isinstance(results[1], RuntimeError)
    assert storage.peek("person:8", update_id=1).seen
    assert storage.peek("person:10", update_id=3).seen
    assert not storage.peek("person:9", update_id=2).seen  # offered again later
    assert storage.peek("person:9").record() is None
    assert [chat for chat, _ in sent.calls] == ["9"]
    assert {message.chat_id for message in claimed(storage)} == {"8", "10"}


@pytest.mark.parametrize("text_", [CRISIS_TEXT, "what is esketamine"])
def test_a_batch_that_cannot_be_read_rescues_crisis_updates_only(
    core: Core, storage: Storage, text_: str
) -> None:
    sent = Sent()
    service = Service(core, storage, direct_send=sent)
    with storage.transaction() as connection:
        connection.exec_driver_sql("DROP TABLE processed_updates")
    results = service.handle_many([(said("11", text_, 1), "11")])
    assert isinstance(results[0], Exception)
    assert len(sent.calls) == (1 if text_ == CRISIS_TEXT else 0)


def test_a_record_another_replica_wrote_meanwhile_is_decided_on_again_in_a_batch(
    core: Core, storage: Storage, open_storage: StorageFactory
) -> None:
    service = Service(core, storage)
    first = service.handle(said("12", "what is esketamine", 1), deliver_to="12")
    assert first is not None
    elsewhere = first.record.with_changes(country="NZ", turns=first.record.turns + 40)
    other = open_storage()
    decided_on: list[ConversationRecord | None] = []

    class OtherReplicaWritesDuringTheFirstDecision:
        def process(self, record: ConversationRecord | None, inbound: Inbound) -> Outcome:
            decided_on.append(record)
            if len(decided_on) == 1:
                with other.conversation("person:12") as tx:
                    assert tx is not None
                    tx.save(elsewhere)
            return core.process(record, inbound)

        def __getattr__(self, name: str) -> Any:
            return getattr(core, name)

    batch = Service(OtherReplicaWritesDuringTheFirstDecision(), storage)  # type: ignore[arg-type]
    results = batch.handle_many(
        [(said("12", "how does it work", 2), "12"), (said("13", "hello", 3), "13")]
    )
    outcome = results[0]
    assert isinstance(outcome, Outcome)
    assert decided_on[0] == first.record
    assert elsewhere in decided_on[2:]  # decided again, inside the transaction, on what is stored
    assert outcome.record.country == "NZ"
    assert storage.peek("person:12").record() == outcome.record
    assert isinstance(results[1], Outcome)


def test_a_batchs_new_texts_are_prepared_together_before_any_is_decided(
    core: Core, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The texts of a group commit are encoded in one batch (a cache: the decisions are the
    same); an update seen before is not prepared again, and a failing preparation changes
    nothing but the cost."""
    service = Service(core, storage)
    assert service.handle(said("1", "hello", 1), deliver_to="1") is not None
    prepared: list[list[str]] = []
    monkeypatch.setattr(core, "prepare", prepared.append)
    requests = [
        (said("1", "hello", 1), "1"),  # seen before
        (said("2", "what is esketamine", 2), "2"),
        (said("3", CRISIS_TEXT, 3), "3"),
    ]
    results = service.handle_many(requests)
    assert prepared == [["what is esketamine", CRISIS_TEXT]]
    assert [getattr(result, "route", None) for result in results] == [
        None,
        Route.ANSWER,
        Route.CRISIS,
    ]

    def broken(texts: Sequence[str]) -> None:
        raise RuntimeError("the encoder is unavailable")

    monkeypatch.setattr(core, "prepare", broken)
    again = service.handle_many([(said("4", CRISIS_TEXT, 4), "4"), (said("5", "hi", 5), "5")])
    assert getattr(again[0], "route", None) is Route.CRISIS
