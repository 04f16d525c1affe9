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
    assert {"ix_outbox_pending_by_chat", "ix_outbox_pending_priority"} <= outbox_indexes
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


def _outbox_rows(storage: Storage) -> list[tuple[object, ...]]:
    with storage.transaction(write=False) as connection:
        rows = connection.execute(
            text("SELECT id, chat_id, payload, sent_at IS NULL FROM outbox ORDER BY id")
        )
        return [tuple(row) for row in rows]


def test_outbox_priority_migration_keeps_queued_rows_both_ways(storage: Storage) -> None:
    with storage.transaction(write=True) as connection:
        command.downgrade(schema.alembic_config(connection), "0005")
    with storage.transaction(write=True) as connection:  # what a 0005 crisisbot had queued
        for chat, sent_at in [("1", None), ("2", 5.0), ("1", None), ("3", None)]:
            connection.execute(
                text(
                    "INSERT INTO outbox (conversation_id, chat_id, kind, payload, created_at, "
                    "not_before, sent_at) VALUES ('', :chat, 'reply', :payload, 1, 1, :sent_at)"
                ),
                {"chat": chat, "payload": f'{{"text":"to {chat}"}}', "sent_at": sent_at},
            )
        connection.execute(
            text(
                "INSERT INTO cases (id, conversation_id, status, opened_at, updated_at) "
                "VALUES (1, 'conv-1', 'open', 1, 1)"
            )
        )
        connection.execute(text("INSERT INTO case_outbox (outbox_id, case_id) VALUES (1, 1)"))
    before = _outbox_rows(storage)
    storage.upgrade()
    storage.check_schema()
    assert _outbox_rows(storage) == before
    with storage.transaction(write=False) as connection:
        priorities = connection.execute(text("SELECT DISTINCT priority FROM outbox")).all()
    assert priorities == [(0,)]
    claimed = storage.claim_outbox(now=2.0)
    assert [(m.chat_id, m.priority) for m in claimed] == [("1", 0), ("3", 0)]
    with storage.transaction(write=True) as connection:
        command.downgrade(schema.alembic_config(connection), "0005")
        names = {index["name"] for index in inspect(connection).get_indexes("outbox")}
        columns = {column["name"] for column in inspect(connection).get_columns("outbox")}
    assert "ix_outbox_pending" in names
    assert "ix_outbox_pending_priority" not in names
    assert "priority" not in columns
    assert _outbox_rows(storage) == before
    with storage.transaction(write=False) as connection:  # no table copy cascaded the links away
        links = connection.execute(text("SELECT outbox_id, case_id FROM case_outbox")).all()
    assert links == [(1, 1)]
    storage.upgrade()
    storage.check_schema()
