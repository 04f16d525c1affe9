"""``TELEGRAM_BOT_TOKEN_FILE``: the token from a Docker secret or a systemd credential.

The file holds only the token (a trailing newline is fine). Setting both variables, or naming a
file that is missing, empty, huge or not text, is a configuration error that says what to do and
never quotes the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import TOKEN_ENV, TOKEN_FILE_ENV, telegram_token
from bot.errors import ConfigError

TOKEN = "424242:InventedTokenInAFile_abc"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    monkeypatch.delenv(TOKEN_FILE_ENV, raising=False)


def with_file(monkeypatch: pytest.MonkeyPatch, path: Path, content: bytes) -> None:
    path.write_bytes(content)
    monkeypatch.setenv(TOKEN_FILE_ENV, str(path))


def test_token_is_read_from_the_file_and_hidden_in_reprs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with_file(monkeypatch, tmp_path / "token", f"  {TOKEN}\n".encode())
    token = telegram_token()
    assert token is not None
    assert token.get_secret_value() == TOKEN
    assert TOKEN not in repr(token)
    assert TOKEN not in str(token)


def test_neither_variable_means_no_token() -> None:
    assert telegram_token() is None


def test_both_variables_set_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with_file(monkeypatch, tmp_path / "token", TOKEN.encode())
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with pytest.raises(ConfigError, match="both set; keep one of them") as caught:
        telegram_token()
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the token file is empty; put the token from @BotFather in it"),
        (b" \n\t\n", "the token file is empty"),
        (b"\xff\xfe" + TOKEN.encode(), "the token file is not UTF-8 text"),
        (TOKEN.encode() * 200, "is not a bot token; the file holds only it"),
    ],
    ids=["empty", "blank", "binary", "huge"],
)
def test_unusable_files_are_errors_naming_the_file_not_its_content(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "token"
    with_file(monkeypatch, path, content)
    with pytest.raises(ConfigError, match=message) as caught:
        telegram_token()
    assert f"{TOKEN_FILE_ENV}={path}" in str(caught.value)
    assert "InventedToken" not in str(caught.value)


def test_missing_file_is_an_error_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere" / "token"
    monkeypatch.setenv(TOKEN_FILE_ENV, str(missing))
    with pytest.raises(ConfigError, match=r"cannot read the token file \(No such file"):
        telegram_token()


def test_a_directory_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(TOKEN_FILE_ENV, str(tmp_path))
    with pytest.raises(ConfigError, match="cannot read the token file"):
        telegram_token()
