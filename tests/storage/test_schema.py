"""The schema: Alembic from code, schema checks that say what to do, tables matching migrations."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.errors import StorageError
from bot.storage import Storage, schema
from bot.storage.tables import load_all_tables

StorageFactory = Callable[[], Storage]


def test_check_on_an_empty_database_says_run_upgrade(open_storage: StorageFactory) -> None:
    storage = open_storage()
    with pytest.raises(StorageError, match=r"no crisisbot tables yet\. Run `crisisbot db upgrade`"):
        storage.check_schema()


def test_check_passes_after_upgrade(storage: Storage) -> None:
    storage.check_schema()


def test_ensure_creates_the_schema_and_is_idempotent(open_storage: StorageFactory) -> None:
    storage = open_storage()
    storage.ensure_schema()
    storage.ensure_schema()
    storage.check_schema()
    assert storage.count_conversations() == 0


def test_upgrade_twice_changes_nothing(storage: Storage) -> None:
    storage.upgrade()
    storage.check_schema()


def test_database_from_a_newer_crisisbot_is_refused(storage: Storage) -> None:
    with storage.transaction(write=True) as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    for attempt in (storage.check_schema, storage.ensure_schema):
        with pytest.raises(StorageError, match="revision 9999, which this version"):
            attempt()


def test_tables_module_matches_the_migrations(storage: Storage) -> None:
    with storage.transaction(write=False) as connection:
        differences = compare_metadata(MigrationContext.configure(connection), load_all_tables())
    assert differences == []


def test_partial_indexes_exist(storage: Storage) -> None:
    with storage.transaction(write=False) as connection:
        inspector = inspect(connection)
        outbox_indexes = {index["name"] for index in inspector.get_indexes("outbox")}
        conversation_indexes = {index["name"] for index in inspector.get_indexes("conversations")}
    assert "ix_outbox_pending_by_chat" in outbox_indexes
    assert "ix_conversations_in_crisis" in conversation_indexes


def test_downgrade_to_base_and_up_again(storage: Storage) -> None:
    with storage.transaction(write=True) as connection:
        command.downgrade(schema.alembic_config(connection), "base")
    with pytest.raises(StorageError, match="no crisisbot tables yet"):
        storage.check_schema()
    storage.upgrade()
    storage.check_schema()


@pytest.fixture
def migrations_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the schema module at a scratch copy of the migrations folder."""
    copy = tmp_path / "migrations"
    shutil.copytree(schema.MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(schema, "MIGRATIONS_DIR", copy)
    schema._scripts.cache_clear()
    yield copy
    schema._scripts.cache_clear()


def test_new_revision_follows_the_current_head(migrations_copy: Path) -> None:
    head = schema.head_revision()
    following = f"{int(head) + 1:04d}"
    path = schema.new_revision("add reminders")
    assert path == migrations_copy / "versions" / f"v{following}_add_reminders.py"
    written = path.read_text(encoding="utf-8")
    assert f"revision = '{following}'" in written
    assert f"down_revision = '{head}'" in written
    assert schema.head_revision() == following
