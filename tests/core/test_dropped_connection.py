"""PostgreSQL without a ping before each transaction: a connection the server dropped is replaced.

The server really drops the pooled connection (``pg_terminate_backend``); the next update and the
next outbox claim still succeed, on a fresh connection, and nothing is stored twice.
"""

from __future__ import annotations

import pytest

from bot.core.pipeline import Core
from bot.core.service import Service
from bot.model import Inbound, InboundKind
from bot.storage import Storage
from tests.auxil.postgres import drop_pooled_connection

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("storage_url", ["postgres"], indirect=True)
def test_an_update_after_the_server_dropped_the_connection_is_stored_once(
    core: Core, storage: Storage
) -> None:
    service = Service(core, storage)
    drop_pooled_connection(storage)
    inbound = Inbound(
        "person:7300", InboundKind.TEXT, text="what is esketamine", received_at=1e6, update_id=1
    )
    assert service.handle(inbound, deliver_to="7300") is not None
    drop_pooled_connection(storage)
    [claimed] = storage.claim_outbox(now=2e9)
    assert claimed.chat_id == "7300"
    assert service.handle(inbound, deliver_to="7300") is None
    assert storage.count_conversations() == 1
