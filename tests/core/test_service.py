"""Service.handle queues each reply through the outbox's one door: a row per part, in order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.pipeline import Core
from bot.core.service import Service
from bot.model import Inbound, InboundKind, Reply
from bot.storage import Storage
from bot.storage.parts import split_reply

CHAT = "7001"


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


def test_each_reply_is_queued_as_the_parts_that_fit_one_message(
    core: Core, storage: Storage
) -> None:
    outcome = Service(core, storage).handle(start_command(1), deliver_to=CHAT)
    assert outcome is not None
    assert queued(storage) == [part for reply in outcome.replies for part in split_reply(reply)]


def test_a_redelivered_update_queues_nothing_twice(core: Core, storage: Storage) -> None:
    service = Service(core, storage)
    outcome = service.handle(start_command(5), deliver_to=CHAT)
    assert outcome is not None
    depth = storage.outbox_depth()
    assert depth == sum(len(split_reply(reply)) for reply in outcome.replies) > 0
    assert service.handle(start_command(5), deliver_to=CHAT) is None
    assert storage.outbox_depth() == depth
