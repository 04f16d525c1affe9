"""Replicas starting together on one PostgreSQL database both record the bot without failing."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from bot.storage import Storage
from bot.telegram.identity import adopt_bot
from tests.auxil.postgres import POSTGRES_CONNINFO, POSTGRES_URL, require_postgres

pytestmark = pytest.mark.postgres

BOT_ID = 4242


@pytest.fixture
def schema() -> Iterator[str]:
    """A schema of its own in the PostgreSQL test database, dropped afterwards."""
    require_postgres()
    name = f"crisisbot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_CONNINFO, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(POSTGRES_CONNINFO, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{name}" CASCADE')


def _wait_until_blocked(
    admin: psycopg.Connection[tuple[object, ...]], done: threading.Event
) -> None:
    """Return once another backend waits on a lock (the second start's insert), or it finished."""
    deadline = time.monotonic() + 30
    while not done.is_set():
        waiting = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database() AND query LIKE 'INSERT INTO bot_identity%'"
        ).fetchone()
        if waiting is not None and int(str(waiting[0])) > 0:
            return
        assert time.monotonic() < deadline, "the second start never reached the bot's row"
        done.wait(0.01)


def test_a_replica_starting_beside_another_reads_the_bot_the_other_recorded(schema: str) -> None:
    storage = Storage.from_url(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    storage.upgrade()
    options = f"-csearch_path={schema}"
    done = threading.Event()
    try:
        with (
            psycopg.connect(POSTGRES_CONNINFO, options=options) as first,
            psycopg.connect(POSTGRES_CONNINFO, autocommit=True) as admin,
            ThreadPoolExecutor(max_workers=1) as pool,
        ):
            # The first replica has inserted its record and not committed yet.
            first.execute(
                "INSERT INTO bot_identity (slot, bot_id, since) VALUES (1, %s, 0)", (BOT_ID,)
            )
            second = pool.submit(adopt_bot, storage, BOT_ID)
            second.add_done_callback(lambda _: done.set())
            _wait_until_blocked(admin, done)
            first.commit()
            assert second.result(timeout=30) == 0
        assert adopt_bot(storage, BOT_ID) == 0
    finally:
        storage.close()
