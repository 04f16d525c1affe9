"""Service.handle with a splitter: each part of a reply is its own outbox row, in order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.pipeline import Core
from bot.core.service import Service
from bot.model import Inbound, InboundKind, Reply
from bot.storage import Storage

CHAT = "7001"


def halves(reply: Reply) -> tuple[Reply, ...]:
    """An invented splitter: the text in two halves, the buttons under the second."""
    middle = len(reply.text) // 2
    return (Reply(reply.text[:middle]), Reply(reply.text[middle:], reply.buttons))


def nothing(reply: Reply) -> tuple[Reply, ...]:
    """A splitter that finds nothing to send."""
    return ()


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    opened = Storage.from_url(f"sqlite:///{tmp_path / 'service.db'}")
    opened.ensure_schema()
    yield opened
    opened.close()


def start_command(update_id: int) -> Inbound:
    return Inbound(
        "test:split", InboundKind.COMMAND, command="start", received_at=1e6, update_id=update_id
    )


def queued(storage: Storage) -> list[Reply]:
    """Every pending outbox reply for the test chat, oldest first (one claim per round)."""
    replies: list[Reply] = []
    while claimed := storage.claim_outbox(now=2e9):
        for message in claimed:
            assert message.chat_id == CHAT
            replies.append(message.reply)
            storage.mark_sent(message.id, now=2e9)
    return replies


def test_without_a_splitter_each_reply_is_one_row(core: Core, storage: Storage) -> None:
    outcome = Service(core, storage).handle(start_command(1), deliver_to=CHAT)
    assert outcome is not None
    assert queued(storage) == list(outcome.replies)


def test_each_part_is_its_own_row_with_the_buttons_on_the_last(
    core: Core, storage: Storage
) -> None:
    outcome = Service(core, storage, split=halves).handle(start_command(1), deliver_to=CHAT)
    assert outcome is not None
    expected = [part for reply in outcome.replies for part in halves(reply)]
    rows = queued(storage)
    assert rows == expected
    assert len(rows) == 2 * len(outcome.replies)
    assert rows[0].buttons == ()
    assert rows[1].buttons == outcome.replies[0].buttons != ()


def test_a_reply_the_splitter_drops_is_queued_whole(core: Core, storage: Storage) -> None:
    outcome = Service(core, storage, split=nothing).handle(start_command(1), deliver_to=CHAT)
    assert outcome is not None
    assert queued(storage) == list(outcome.replies)


def test_a_redelivered_update_queues_no_part_twice(core: Core, storage: Storage) -> None:
    service = Service(core, storage, split=halves)
    outcome = service.handle(start_command(5), deliver_to=CHAT)
    assert outcome is not None
    assert service.handle(start_command(5), deliver_to=CHAT) is None
    assert storage.outbox_depth() == 2 * len(outcome.replies)
