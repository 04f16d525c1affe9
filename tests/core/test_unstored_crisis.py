"""Safety before consistency: a crisis message whose transaction fails still gets its reply.

The storage really fails here: a table the update needs is dropped from the test's database
(SQLite file and PostgreSQL). The service then sends the crisis reply directly, once per update
however often the update is retried, counts it in ``crisisbot_crisis_unstored_total`` and raises
the storage error so the update is offered again. An ordinary message is not sent directly.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import text

from bot.core.pipeline import Core
from bot.core.service import Service
from bot.health.metrics import default_metrics
from bot.model import Inbound, InboundKind, Reply, Route
from bot.storage import Storage

CHAT = "7200"
CRISIS_TEXT = "i keep thinking about killing myself"


class Sent:
    """The channel's direct sends, as (chat, parts)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[Reply]]] = []

    def __call__(self, chat: str, parts: Sequence[Reply]) -> None:
        self.calls.append((chat, list(parts)))


def said(text_: str, update_id: int) -> Inbound:
    return Inbound(
        "person:7200", InboundKind.TEXT, text=text_, received_at=1e6, update_id=update_id
    )


def unstored() -> float:
    value = default_metrics().registry.get_sample_value("crisisbot_crisis_unstored_total")
    return value or 0.0


def drop(storage: Storage, table: str) -> None:
    with storage.transaction() as connection:
        cascade = " CASCADE" if connection.dialect.name == "postgresql" else ""
        connection.execute(text(f"DROP TABLE {table}{cascade}"))


@pytest.mark.parametrize("table", ["outbox", "conversations"])
def test_a_crisis_message_that_cannot_be_stored_is_answered_directly_once(
    core: Core, storage: Storage, table: str
) -> None:
    sent = Sent()
    service = Service(core, storage, direct_send=sent)
    decided = core.process(None, said(CRISIS_TEXT, 1))
    assert decided.route is Route.CRISIS
    expected = decided.replies
    drop(storage, table)
    before = unstored()
    with pytest.raises(Exception, match=table):
        service.handle(said(CRISIS_TEXT, 1), deliver_to=CHAT)
    assert sent.calls == [(CHAT, list(expected))]
    with pytest.raises(Exception, match=table):  # the update is offered again
        service.handle(said(CRISIS_TEXT, 1), deliver_to=CHAT)
    assert len(sent.calls) == 1
    assert unstored() == before + 2


def test_an_ordinary_message_that_cannot_be_stored_is_not_sent_directly(
    core: Core, storage: Storage
) -> None:
    sent = Sent()
    service = Service(core, storage, direct_send=sent)
    drop(storage, "outbox")
    before = unstored()
    with pytest.raises(Exception, match="outbox"):
        service.handle(said("what is esketamine", 2), deliver_to=CHAT)
    assert sent.calls == []
    assert unstored() == before


def test_a_failing_direct_send_leaves_the_storage_error_to_the_caller(
    core: Core, storage: Storage
) -> None:
    def broken(_chat: str, _parts: Sequence[Reply]) -> None:
        raise ConnectionError("the channel is down too")

    service = Service(core, storage, direct_send=broken)
    drop(storage, "outbox")
    with pytest.raises(Exception, match="outbox"):
        service.handle(said(CRISIS_TEXT, 3), deliver_to=CHAT)
