"""``crisisbot run`` set-up errors: one clear line and exit 2, the token never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.run import run_command
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
        require_token(token)
    assert "@BotFather" in str(raised.value)
    if token:
        assert token not in str(raised.value)


def test_good_token_passes() -> None:
    assert require_token("123456:AA-bb_Cc") == "123456:AA-bb_Cc"


def test_run_without_a_token_exits_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert run_command(None) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("crisisbot: TELEGRAM_BOT_TOKEN is not set")


def test_run_with_a_missing_config_file_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    assert run_command(tmp_path / "absent.yaml") == 2
    err = capsys.readouterr().err
    assert "absent.yaml" in err
    assert "123:abc" not in err
