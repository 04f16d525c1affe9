"""The smaller operator faults: each once wrong, each now says what it does.

``check`` exits 2 for a config it cannot read and rejects a garbage storage URL; a flow file
checked alone finds the flows it links to; ``db upgrade`` says whether it created, migrated or
found the schema current; an http:// webhook URL is refused; a relative SQLite path resolves
against the config file's folder; a database reused with another bot forgets the old bot's
update ids instead of dropping every new update as a duplicate.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_config
from bot.errors import ConfigError
from bot.storage import Storage
from bot.telegram.identity import adopt_bot
from tests.auxil.cli_runs import crisisbot

ROOT = Path(__file__).resolve().parents[2]


def config_file(folder: Path, text: str) -> Path:
    path = folder / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_check_exits_2_for_a_config_it_cannot_read(tmp_path: Path) -> None:
    result = crisisbot("check", "--config", str(tmp_path / "missing.yaml"))
    assert result.returncode == 2
    assert "cannot read the config file" in result.stderr


@pytest.mark.parametrize("url", ["garbage", "mysql://u@h/db", "postgresql://host:5432/"])
def test_a_garbage_storage_url_is_a_config_error(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError, match=r"config\.yaml:2:.*storage\.url"):
        load_config(config_file(tmp_path, f"storage:\n  url: '{url}'\n"))
    result = crisisbot("check", "--config", str(tmp_path / "config.yaml"))
    assert result.returncode == 1
    assert "storage.url" in result.stdout


def test_a_flow_checked_alone_finds_the_flows_it_links_to(tmp_path: Path) -> None:
    result = crisisbot("check", str(ROOT / "flows" / "ketamine.yaml"))
    assert result.returncode == 0, result.stdout
    alone = tmp_path / "ketamine.yaml"
    alone.write_text((ROOT / "flows" / "ketamine.yaml").read_text(encoding="utf-8"))
    result = crisisbot("check", str(alone))
    assert result.returncode == 1
    assert "leads to flow 'about', which is not loaded" in result.stdout


def test_db_upgrade_says_what_it_did(tmp_path: Path) -> None:
    config = config_file(tmp_path, "storage:\n  url: sqlite:///fresh.db\n")
    first = crisisbot("db", "upgrade", "--config", str(config))
    assert first.returncode == 0, first.stderr
    assert "created the database schema" in first.stderr
    again = crisisbot("db", "upgrade", "--config", str(config))
    assert "already up to date" in again.stderr
    assert (tmp_path / "fresh.db").exists()  # beside the config, not in the working directory


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("http://bot.example.org/telegram", False),
        ("https://bot.example.org/telegram", True),
        ("http://127.0.0.1:8443/telegram", True),  # a Bot API server on this machine
        ("http://localhost:8443/telegram", True),
    ],
)
def test_an_http_webhook_url_is_refused(tmp_path: Path, url: str, accepted: bool) -> None:
    path = config_file(tmp_path, f"telegram:\n  mode: webhook\n  webhook_url: {url}\n")
    if accepted:
        assert load_config(path).telegram.webhook_url == url
        return
    with pytest.raises(ConfigError, match=r"config\.yaml:3:.*https://"):
        load_config(path)


def test_relative_sqlite_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    config = load_config(config_file(tmp_path, "storage:\n  url: sqlite:///data/bot.db\n"))
    assert config.storage.url == f"sqlite:///{tmp_path}/data/bot.db"
    absolute = load_config(config_file(tmp_path, "storage:\n  url: sqlite:////srv/bot.db\n"))
    assert absolute.storage.url == "sqlite:////srv/bot.db"
    memory = load_config(config_file(tmp_path, "storage:\n  url: 'sqlite:///:memory:'\n"))
    assert memory.storage.url == "sqlite:///:memory:"


def test_a_database_reused_with_another_bot_forgets_the_old_update_ids(storage_url: str) -> None:
    storage = Storage.from_url(storage_url)
    storage.upgrade()
    try:
        assert adopt_bot(storage, 1111) == 0
        with storage.conversation("tg:5", update_id=700) as tx:
            assert tx is not None
        assert adopt_bot(storage, 1111) == 0  # the same bot keeps its marks
        with storage.conversation("tg:5", update_id=700) as tx:
            assert tx is None
        assert adopt_bot(storage, 2222) == 1  # another bot: its update 700 is a new one
        with storage.conversation("tg:5", update_id=700) as tx:
            assert tx is not None
    finally:
        storage.close()
