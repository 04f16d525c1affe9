"""A damaged or read-only SQLite database stops ``crisisbot run`` at start with what to do.

Before, the bot logged "running" and then answered nothing, a crisis message included. Now the
real process exits 2 with one message: restore from a backup for a damaged file, fix permissions
for one that cannot be written. ``/readyz`` answers 503 while the database takes no write.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest
from telegram import Bot

from bot.app import storage_ready
from bot.storage import Storage
from bot.telegram.webhook import create_webhook_app
from tests.auxil.botapi_standin import BotApiStandIn
from tests.auxil.botprocess import BotProcess, write_config

TOKEN = "123:abc"


def database_with_schema(path: Path, *, keep_wal: bool = False) -> None:
    """A database file on the current schema, its WAL folded in so the file holds everything."""
    storage = Storage.from_url(f"sqlite:///{path}")
    storage.ensure_schema()
    storage.close()
    if keep_wal:  # opened read-only later, which cannot switch the journal mode
        return
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.execute("PRAGMA journal_mode=DELETE")
    connection.close()


def damage(path: Path) -> None:
    """Overwrite the start of every page after the first (the header stays readable)."""
    data = bytearray(path.read_bytes())
    for offset in range(4096, len(data) - 200, 4096):
        data[offset : offset + 200] = b"\xa5" * 200
    path.write_bytes(bytes(data))


def config_with_storage(folder: Path, url: str) -> Path:
    path = write_config(folder)
    text = path.read_text(encoding="utf-8")
    default = f"url: sqlite:///{folder / 'bot.db'}"
    assert default in text
    path.write_text(text.replace(default, f"url: {url}"), encoding="utf-8")
    return path


def run_expecting_exit(folder: Path, url: str) -> str:
    with BotApiStandIn(token=TOKEN) as standin:
        process = BotProcess(config_with_storage(folder, url), base_url=standin.base_url)
        process.start()
        try:
            assert process.run_to_end(timeout=60) == 2, process.stderr()
        finally:
            process.ensure_stopped()
        assert standin.calls("getUpdates") == []  # it never said it was running
    return process.stderr()


@pytest.mark.e2e
def test_a_damaged_database_stops_the_start_with_restore_from_backup(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    database_with_schema(database)
    damage(database)
    log = run_expecting_exit(tmp_path, f"sqlite:///{database}")
    assert "is damaged" in log
    assert "restore the file from your latest backup" in log
    assert "Traceback" not in log


@pytest.mark.e2e
def test_a_read_only_database_stops_the_start_with_fix_permissions(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    database_with_schema(database)
    # SQLite's own read-only mode: the same refusal a file without write permission gives
    # (file permissions cannot be tested reliably where tests run as root).
    log = run_expecting_exit(tmp_path, f"sqlite:///file:{database}?mode=ro&uri=true")
    assert "cannot be written" in log
    assert "write permission on the file and on its folder" in log
    assert "Traceback" not in log


async def test_readyz_is_false_while_the_database_takes_no_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # storage makes the URI's "file:" folder in the working directory
    database = tmp_path / "bot.db"
    database_with_schema(database, keep_wal=True)
    url = f"sqlite:///file:{database}?mode=ro&uri=true"
    storage = Storage.from_url(url)

    async def never_called(update: object) -> bool:
        raise AssertionError("no update is posted here")

    app = create_webhook_app(
        bot=Bot(TOKEN), secret="s", process=never_called, storage_ready=storage_ready(storage, url)
    )
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
            response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["ready"] is False
    finally:
        storage.close()
