"""/forget in crisis mode: the person's data goes, crisis mode stays until its cool-down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.pipeline import Core
from bot.core.service import Service
from bot.model import Inbound, InboundKind, Route
from bot.storage import Storage

PERSON = "test:forget-crisis"


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    opened = Storage.from_url(f"sqlite:///{tmp_path / 'forget.db'}")
    opened.ensure_schema()
    yield opened
    opened.close()


def send(service: Service, update_id: int, **fields: object) -> Route:
    inbound = Inbound(PERSON, received_at=1e6 + update_id, update_id=update_id, **fields)  # type: ignore[arg-type]
    outcome = service.handle(inbound, deliver_to=None)
    assert outcome is not None
    return outcome.route


def test_forget_in_crisis_mode_keeps_crisis_mode_and_drops_the_rest(
    core: Core, storage: Storage
) -> None:
    service = Service(core, storage)
    send(service, 1, kind=InboundKind.COMMAND, command="country", text="GB")
    assert send(service, 2, kind=InboundKind.TEXT, text="i want to kill myself") is Route.CRISIS
    send(service, 3, kind=InboundKind.COMMAND, command="forget")
    send(service, 4, kind=InboundKind.BUTTON, button="sys:forget:yes")

    with storage.conversation(PERSON) as tx:
        record = tx.load()
    assert record is not None, "crisis mode must outlive /forget"
    assert record.crisis is not None
    assert record.country == "GB"
    assert record.signals == ()
    assert record.turns == 0
    assert record.handoff_case is None
    # The next question about ketamine still gets no treatment content.
    assert send(service, 5, kind=InboundKind.TEXT, text="what is ketamine") is Route.CRISIS


def test_forget_outside_crisis_mode_deletes_the_record(core: Core, storage: Storage) -> None:
    service = Service(core, storage)
    send(service, 1, kind=InboundKind.TEXT, text="what is ketamine")
    send(service, 2, kind=InboundKind.COMMAND, command="forget")
    send(service, 3, kind=InboundKind.BUTTON, button="sys:forget:yes")
    with storage.conversation(PERSON) as tx:
        assert tx.load() is None
