"""PostgreSQL without a ping before each transaction: a connection the server dropped is replaced.

The server really drops the pooled connection (``pg_terminate_backend``); the next update and the
next outbox claim still succeed, on a fresh connection, and nothing is stored twice.
"""

from __future__ import annotations

import psycopg
import pytest

from bot.core.pipeline import Core
from bot.core.service import Service
from bot.model import Inbound, InboundKind
from bot.storage import Storage
from tests.auxil.postgres import POSTGRES_CONNINFO

pytestmark = pytest.mark.postgres


def drop_pooled_connection(storage: Storage) -> None:
    with storage.transaction(write=False) as connection:
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    with psycopg.connect(POSTGRES_CONNINFO, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


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
