"""The configuration keys for replicas: telegram.metrics_port and max_messages_per_second."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_config
from bot.errors import ConfigError


def test_defaults_keep_telegrams_rate_and_serve_no_extra_port() -> None:
    telegram = load_config(None).telegram
    assert telegram.metrics_port is None
    assert telegram.max_messages_per_second == 30.0


def test_values_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("telegram:\n  metrics_port: 9464\n  max_messages_per_second: 100\n")
    telegram = load_config(path).telegram
    assert (telegram.metrics_port, telegram.max_messages_per_second) == (9464, 100.0)


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("metrics_port: 70000", "telegram.metrics_port"),
        ("metrics_port: 0", "telegram.metrics_port"),
        ("max_messages_per_second: 0", "telegram.max_messages_per_second"),
        ("max_messages_per_second: 5000", "telegram.max_messages_per_second"),
    ],
)
def test_bad_values_name_the_key_and_the_line(tmp_path: Path, line: str, key: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f"telegram:\n  {line}\n")
    with pytest.raises(ConfigError, match=rf"config.yaml:2:\d+: error: {key}: "):
        load_config(path)
