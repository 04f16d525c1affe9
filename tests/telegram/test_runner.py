"""``crisisbot run`` set-up errors: one clear line and exit 2, the token never shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.cli.run import run_command
from bot.config import TOKEN_FILE_ENV, BotToken
from bot.errors import TelegramSetupError
from bot.telegram.runner import require_token


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (None, "TELEGRAM_BOT_TOKEN is not set"),
        ("", "TELEGRAM_BOT_TOKEN is not set"),
        ("not a token", "does not look like a bot token"),
        ("123:abc def", "does not look like a bot token"),
    ],
    ids=["unset", "empty", "no-colon", "space"],
)
def test_unusable_token_says_what_to_do(token: str | None, message: str) -> None:
    with pytest.raises(TelegramSetupError, match=message) as raised:
        require_token(SecretStr(token) if token is not None else None)
    assert "@BotFather" in str(raised.value)
    if token:
        assert token not in str(raised.value)


def test_good_token_passes_and_stays_hidden() -> None:
    token = require_token(SecretStr("123456:AA-bb_Cc"))
    assert token.get_secret_value() == "123456:AA-bb_Cc"
    assert "AA-bb_Cc" not in repr(token)
    assert "AA-bb_Cc" not in str(token)


def test_a_missing_token_names_both_ways_to_give_it() -> None:
    with pytest.raises(TelegramSetupError) as raised:
        require_token(None)
    assert TOKEN_FILE_ENV in str(raised.value)


def test_a_malformed_token_from_a_file_names_the_file_not_the_variable() -> None:
    token = BotToken("not a token", f"{TOKEN_FILE_ENV}=/run/secrets/bot_token")
    with pytest.raises(TelegramSetupError) as raised:
        require_token(token)
    message = str(raised.value)
    assert message.startswith(f"the token in {TOKEN_FILE_ENV}=/run/secrets/bot_token does not")
    assert "not a token" not in message


@pytest.mark.usefixtures("process_logging")
def test_run_without_a_token_exits_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert run_command(None) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("crisisbot: TELEGRAM_BOT_TOKEN is not set")


@pytest.mark.usefixtures("process_logging")
def test_run_with_a_missing_config_file_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    assert run_command(tmp_path / "absent.yaml") == 2
    err = capsys.readouterr().err
    assert "absent.yaml" in err
    assert "123:abc" not in err
