"""Opening storage from a URL: SQLite settings, folders, and errors that help without leaking."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from bot.errors import StorageError
from bot.storage import Storage, engine
from bot.storage.engine import SQLITE_BUSY_TIMEOUT_MS, redact_url

PASSWORD = "invented-Secret-77"


def error_chain_text(error: BaseException) -> str:
    """Everything a traceback of ``error`` could print: its message and its causes'."""
    parts = []
    current: BaseException | None = error
    while current is not None:
        parts.append(f"{type(current).__name__}: {current}")
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url at all", "not a valid database URL"),
        (f"mysql://crisis:{PASSWORD}@db.invalid/bot", "'mysql', which crisisbot does not support"),
        (f"postgresql+psycopg2://crisis:{PASSWORD}@db.invalid/bot", "does not support"),
    ],
    ids=["garbage", "mysql", "other-postgres-driver"],
)
def test_unusable_url_is_refused_with_what_to_use(url: str, expected: str) -> None:
    with pytest.raises(StorageError, match=expected) as caught:
        Storage.from_url(url)
    message = str(caught.value)
    assert "sqlite:///" in message or "postgresql://" in message
    assert PASSWORD not in error_chain_text(caught.value)


def test_unreachable_server_is_named_without_its_password() -> None:
    url = f"postgresql://crisis:{PASSWORD}@127.0.0.1:1/bot"
    with pytest.raises(StorageError, match="Could not connect to the database") as caught:
        Storage.from_url(url)
    message = str(caught.value)
    assert "postgresql://crisis:***@127.0.0.1:1/bot" in message
    assert "Check that the server is running" in message
    assert PASSWORD not in error_chain_text(caught.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            f"postgresql://crisis:{PASSWORD}@db.invalid:5432/bot",
            "postgresql://crisis:***@db.invalid:5432/bot",
        ),
        ("sqlite:///data/crisisbot.db", "sqlite:///data/crisisbot.db"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        (f"::{PASSWORD}::", "<unparsable storage URL>"),
    ],
)
def test_redact_url_hides_only_the_password(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_relative_sqlite_path_is_under_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    storage = Storage.from_url("sqlite:///data/crisisbot.db")
    storage.close()
    assert (tmp_path / "data" / "crisisbot.db").is_file()


def test_absolute_sqlite_path_gets_its_folders(tmp_path: Path) -> None:
    database = tmp_path / "deep" / "er" / "crisisbot.db"
    storage = Storage.from_url(f"sqlite:///{database}")
    storage.close()
    assert database.is_file()


def test_sqlite_folder_that_cannot_be_made_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(StorageError, match=r"Could not create the folder .*writable path"):
        Storage.from_url(f"sqlite:///{blocker / 'crisisbot.db'}")


@pytest.mark.parametrize(
    ("pragma", "expected"),
    [
        ("journal_mode", "wal"),
        ("synchronous", 1),  # NORMAL
        ("foreign_keys", 1),
        ("busy_timeout", SQLITE_BUSY_TIMEOUT_MS),
    ],
)
def test_sqlite_connections_are_configured(tmp_path: Path, pragma: str, expected: object) -> None:
    storage = Storage.from_url(f"sqlite:///{tmp_path / 'crisisbot.db'}")
    try:
        with storage.transaction(write=False) as connection:
            value = connection.execute(text(f"PRAGMA {pragma}")).scalar_one()
    finally:
        storage.close()
    assert value == expected


@pytest.mark.parametrize("url", ["sqlite:///:memory:", "sqlite://"])
def test_in_memory_database_is_one_shared_database(url: str) -> None:
    storage = Storage.from_url(url)
    try:
        storage.ensure_schema()
        storage.check_schema()
        assert storage.count_conversations() == 0
    finally:
        storage.close()


@pytest.mark.postgres
@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg"])
def test_postgres_url_spellings_use_psycopg(postgres_url: str, scheme: str) -> None:
    storage = Storage.from_url(postgres_url.replace("postgresql", scheme, 1))
    try:
        assert storage._engine.dialect.driver == "psycopg"
    finally:
        storage.close()


def test_a_write_transaction_takes_the_write_lock_at_its_begin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's BEGIN IMMEDIATE: a second writer waits at its BEGIN (here past a short busy
    timeout, and is refused with a StorageError that says what to check), while a reader runs
    beside the writer."""
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "crisisbot.db"
    holder = Storage.from_url(f"sqlite:///{path}")
    other = Storage.from_url(f"sqlite:///{path}")
    try:
        holder.ensure_schema()
        with holder.transaction(write=True):
            with other.transaction(write=False) as connection:
                assert connection.execute(text("SELECT 1")).scalar_one() == 1
            with (
                pytest.raises(StorageError, match="database is locked") as caught,
                other.transaction(write=True),
            ):
                pytest.fail("the second writer got past its BEGIN")
        assert "no other program holds the database" in str(caught.value)
        with other.transaction(write=True) as connection:  # the lock is free again
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        holder.close()
        other.close()
