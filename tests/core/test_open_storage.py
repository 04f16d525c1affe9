"""Start-up: an embedded SQLite database is migrated in place; a shared one is only checked."""

from __future__ import annotations

import pytest

from bot.app import open_storage
from bot.config import Config
from bot.errors import StorageError


def test_embedded_sqlite_is_brought_to_the_current_schema(tmp_path) -> None:
    storage = open_storage(Config(), storage_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        storage.check_schema()
    finally:
        storage.close()


@pytest.mark.postgres
@pytest.mark.parametrize("storage_url", ["postgres"], indirect=True)
def test_a_new_postgresql_database_must_be_migrated_by_the_operator(storage_url: str) -> None:
    with pytest.raises(StorageError, match="crisisbot db upgrade"):
        open_storage(Config(), storage_url=storage_url)
