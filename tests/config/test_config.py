"""Configuration: file, then environment; errors name the file, line, key and value."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.config import (
    TOKEN_FILE_ENV,
    WEBHOOK_SECRET_ENV,
    BotToken,
    load_config,
    telegram_token,
    token_source,
    webhook_secret,
)
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_config_loads_with_the_documented_keys() -> None:
    config = load_config(ROOT / "config.example.yaml")
    assert config.crisis.default_country == "US"
    assert config.crisis.cooldown_hours == 24
    assert config.storage.url == f"sqlite:///{ROOT / 'data' / 'crisisbot.db'}"  # beside the file
    assert config.telegram.mode == "polling"
    assert config.moderation.moderators == ()
    assert config.flows_dir == ROOT / "flows"


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "storage:\n  url: sqlite:///from-file.db\n")
    monkeypatch.setenv("CRISISBOT_STORAGE__URL", "sqlite:///from-env.db")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/bot")
    config = load_config(path)
    assert config.storage.url == f"sqlite:///{tmp_path / 'from-env.db'}"  # like every path
    assert config.telegram.api_base_url == "http://127.0.0.1:8081/bot"


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        ("telegram:\n  mode: pigeon\n", ":2:", "telegram.mode"),
        ("crisis:\n  cooldown_hours: -1\n", ":2:", "crisis.cooldown_hours"),
        ("crisis:\n  default_country: USA\n", ":2:", "crisis.default_country"),
        ("crisis:\n  disable_gate: true\n", ":2:", "unknown key 'crisis.disable_gate'"),
        ("moderation:\n  moderators: [alice]\n", ":2:", "moderation.moderators.0"),
        (
            "crisis:\n  human_contacts:\n    - {name: 'Team?', reach: x, hours: y}\n",
            ":3:",
            "questions or markup",
        ),
        ("telegram: [\n", ":2:", "invalid YAML"),
        ("- just\n- a list\n", ":1:", "must be a mapping"),
    ],
)
def test_bad_values_name_file_line_key_and_value(
    tmp_path: Path, text: str, where: str, fragment: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert f"{path}{where}" in message
    assert fragment in message


def test_there_is_no_key_that_turns_the_gate_off(tmp_path: Path) -> None:
    for key in ("enabled", "gate", "disable", "switch_off"):
        with pytest.raises(ConfigError, match="unknown key"):
            load_config(write(tmp_path, f"crisis:\n  {key}: false\n"))


def test_binary_and_huge_config_files_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(binary)
    huge = write(tmp_path, "#" * (2 * 1024 * 1024))
    with pytest.raises(ConfigError, match="the limit is"):
        load_config(huge)


def test_the_token_comes_only_from_the_environment_and_is_hidden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:secret-token")
    token = telegram_token()
    assert token is not None
    assert "secret-token" not in repr(token)
    assert token.get_secret_value() == "123:secret-token"
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    assert telegram_token() is None


def test_the_token_knows_where_it_was_read_from(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:secret-token")
    from_variable = telegram_token()
    assert from_variable is not None
    assert token_source(from_variable) == "TELEGRAM_BOT_TOKEN"
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    token_file = tmp_path / "token"
    token_file.write_text("123:secret-token\n", encoding="utf-8")
    monkeypatch.setenv(TOKEN_FILE_ENV, str(token_file))
    from_file = telegram_token()
    assert isinstance(from_file, BotToken)
    assert token_source(from_file) == f"{TOKEN_FILE_ENV}={token_file}"
    assert token_source(SecretStr("123:secret-token")) == "TELEGRAM_BOT_TOKEN"
    for shown in (repr(from_file), str(from_file), repr([from_file]), f"{from_file}"):
        assert "secret-token" not in shown


TOKEN = SecretStr("123456:InventedWebhookToken")


def test_webhook_secret_from_the_environment_or_derived_from_the_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(WEBHOOK_SECRET_ENV, raising=False)
    derived = webhook_secret(TOKEN)
    assert derived == webhook_secret(TOKEN)
    assert derived != webhook_secret(SecretStr("999:other"))
    assert TOKEN.get_secret_value() not in derived
    monkeypatch.setenv(WEBHOOK_SECRET_ENV, "chosen_secret-1")
    assert webhook_secret(TOKEN) == "chosen_secret-1"


def test_webhook_secret_with_characters_telegram_refuses_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(WEBHOOK_SECRET_ENV, "has spaces!")
    with pytest.raises(ConfigError, match=WEBHOOK_SECRET_ENV):
        webhook_secret(TOKEN)


def test_only_the_config_module_reads_or_writes_the_environment() -> None:
    bot = ROOT / "bot"
    readers = sorted(
        str(path.relative_to(ROOT))
        for path in bot.rglob("*.py")
        if any(
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and node.attr in {"environ", "getenv", "putenv", "unsetenv"}
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        )
    )
    assert readers == ["bot/config.py"]
