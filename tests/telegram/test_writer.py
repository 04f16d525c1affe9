"""The process's update writer: updates that wait together are written in one batch.

Each handler gets its own update's result: the outcome, ``None`` for an update seen before, or
its own error raised; a batch never fails the updates in it that were stored.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from bot.model import ConversationRecord, Inbound, InboundKind, Outcome, Reply, Route
from bot.telegram.writer import UpdateWriter


def said(chat: int, text: str) -> Inbound:
    return Inbound(f"tg:{chat}", InboundKind.TEXT, text=text, received_at=0.0, update_id=chat)


class BatchRecorder:
    """A service that answers each request by its text and notes the batches it was given."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def handle_many(
        self, requests: Sequence[tuple[Inbound, str | None]]
    ) -> list[Outcome | Exception | None]:
        self.batches.append([inbound.text for inbound, _ in requests])
        results: list[Outcome | Exception | None] = []
        for inbound, _ in requests:
            if inbound.text == "seen":
                results.append(None)
            elif inbound.text == "broken":
                results.append(RuntimeError("could not be stored"))
            else:
                record = ConversationRecord(inbound.conversation_id, "f", "1", "s", 0.0, 0.0)
                results.append(Outcome(Route.ANSWER, (Reply(inbound.text),), record))
        return results


async def test_updates_waiting_together_are_written_in_one_batch() -> None:
    service = BatchRecorder()
    writer = UpdateWriter(service)
    texts = [f"message {chat}" for chat in range(10)]
    outcomes = await asyncio.gather(
        *(writer.handle(said(chat, text), deliver_to=str(chat)) for chat, text in enumerate(texts))
    )
    assert [o.replies[0].text for o in outcomes if o is not None] == texts
    assert sorted(text for batch in service.batches for text in batch) == sorted(texts)
    assert len(service.batches) < len(texts)


async def test_each_handler_gets_its_own_result_and_only_its_own_error() -> None:
    writer = UpdateWriter(BatchRecorder())
    results = await asyncio.gather(
        writer.handle(said(1, "hello"), deliver_to="1"),
        writer.handle(said(2, "broken"), deliver_to="2"),
        writer.handle(said(3, "seen"), deliver_to="3"),
        return_exceptions=True,
    )
    assert isinstance(results[0], Outcome)
    assert isinstance(results[1], RuntimeError)
    assert results[2] is None


async def test_batches_hold_at_most_max_batch_updates() -> None:
    service = BatchRecorder()
    writer = UpdateWriter(service, max_batch=3)
    await asyncio.gather(*(writer.handle(said(c, f"m{c}"), deliver_to=str(c)) for c in range(8)))
    assert max(len(batch) for batch in service.batches) <= 3
    assert sum(len(batch) for batch in service.batches) == 8


async def test_a_service_that_raises_fails_the_whole_batch_and_the_writer_goes_on() -> None:
    class Broken(BatchRecorder):
        def handle_many(
            self, requests: Sequence[tuple[Inbound, str | None]]
        ) -> list[Outcome | Exception | None]:
            if any(inbound.text == "explode" for inbound, _ in requests):
                raise ConnectionError("storage is gone")
            return super().handle_many(requests)

    writer = UpdateWriter(Broken())
    with pytest.raises(ConnectionError):
        await writer.handle(said(1, "explode"), deliver_to="1")
    assert await writer.handle(said(2, "hello"), deliver_to="2") is not None


async def test_every_batch_runs_on_a_worker_thread_however_short() -> None:
    # A batch's rescue of an unstored crisis reply sends through the loop and waits for it, so a
    # batch on the loop's own thread would wait on itself: unlike the short storage calls
    # (bot.telegram.offload), the writer never runs one there.
    threads: list[int] = []

    class Noted(BatchRecorder):
        def handle_many(
            self, requests: Sequence[tuple[Inbound, str | None]]
        ) -> list[Outcome | Exception | None]:
            threads.append(threading.get_ident())
            return super().handle_many(requests)

    writer = UpdateWriter(Noted())
    for chat in range(5):
        assert await writer.handle(said(chat, f"m{chat}"), deliver_to=str(chat)) is not None
    assert len(threads) == 5
    assert threading.get_ident() not in threads


async def test_a_cancelled_handler_leaves_its_batch_written_and_the_others_answered() -> None:
    entered, release = threading.Event(), threading.Event()

    class Held(BatchRecorder):
        """Holds its first batch until the test lets it go."""

        def handle_many(
            self, requests: Sequence[tuple[Inbound, str | None]]
        ) -> list[Outcome | Exception | None]:
            if not self.batches:
                entered.set()
                release.wait(timeout=60)
            return super().handle_many(requests)

    service = Held()
    writer = UpdateWriter(service)
    handlers = [
        asyncio.create_task(writer.handle(said(chat, f"m{chat}"), deliver_to=str(chat)))
        for chat in range(3)
    ]
    await asyncio.to_thread(entered.wait, 60)
    handlers[1].cancel()
    release.set()
    async with asyncio.timeout(60):  # a batch that stopped at the cancelled one never answers
        results = await asyncio.gather(*handlers, return_exceptions=True)
    assert isinstance(results[1], asyncio.CancelledError)
    assert [r.replies[0].text for r in (results[0], results[2]) if isinstance(r, Outcome)] == [
        "m0",
        "m2",
    ]
    assert service.batches == [["m0", "m1", "m2"]]  # the cancelled one was written all the same
    later = await writer.handle(said(4, "after"), deliver_to="4")
    assert later is not None
    assert later.replies[0].text == "after"
