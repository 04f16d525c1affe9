"""Shared fixtures. Each section belongs to one area; add yours under its own heading."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bot.storage import Storage
from tests.auxil.postgres import (
    POSTGRES_CONNINFO,
    POSTGRES_URL,
    StorageFactory,
    require_postgres,
)

# ---------------------------------------------------------------------------------------------
# storage: one suite over both backends
#
# `storage_url` is a fresh, empty database per test: a SQLite file in tmp_path, or a schema of
# its own in the PostgreSQL database `test` at 127.0.0.1:5432 (user postgres, trust auth),
# dropped afterwards. Where PostgreSQL does not answer, its cases are skipped with the reason,
# unless the environment variable CI is set to true: CI must have PostgreSQL, so they fail.
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def postgres_url() -> str:
    """The URL of the PostgreSQL test database (skips, or fails in CI, when it does not answer)."""
    require_postgres()
    return POSTGRES_URL


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def storage_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of each backend, isolated to this test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crisisbot.db'}"
        return
    require_postgres()
    schema = f"crisisbot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_CONNINFO, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES_CONNINFO, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def open_storage(storage_url: str) -> Iterator[StorageFactory]:
    """Open another :class:`Storage` on the test's database (a second process or replica)."""
    opened: list[Storage] = []

    def open_one() -> Storage:
        storage = Storage.from_url(storage_url)
        opened.append(storage)
        return storage

    yield open_one
    for storage in opened:
        storage.close()


@pytest.fixture
def storage(open_storage: StorageFactory) -> Storage:
    """A :class:`Storage` on an empty database of each backend, upgraded to the current schema."""
    opened = open_storage()
    opened.upgrade()
    return opened


@pytest.fixture
def sqlite_storage(tmp_path: Path) -> Iterator[Storage]:
    """A fresh SQLite storage on the current schema (for tests of one backend's behaviour)."""
    storage = Storage.from_url(f"sqlite:///{tmp_path / 'telegram.db'}")
    storage.ensure_schema()
    yield storage
    storage.close()


# ---------------------------------------------------------------------------------------------
# (next area: add fixtures below this line under a heading of their own)
# ---------------------------------------------------------------------------------------------
