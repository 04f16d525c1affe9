"""``crisisbot --version`` and the environment variables ``crisisbot run --help`` lists."""

from __future__ import annotations

import re
from importlib.metadata import version

import pytest

from bot.cli.run import ENVIRONMENT_VARIABLES
from bot.config import Config
from tests.deploy.files import crisisbot


def test_version_prints_the_installed_version() -> None:
    done = crisisbot("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"crisisbot {version('crisisbot')}\n"


def test_run_help_lists_every_environment_variable() -> None:
    done = crisisbot("run", "--help", env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_BOT_TOKEN_FILE",
        "TELEGRAM_WEBHOOK_SECRET",
        "TELEGRAM_API_BASE_URL",
        "CRISISBOT_<SECTION>__<KEY>",
    ):
        assert f"{name}:" in done.stdout


@pytest.mark.parametrize("meaning", [m for _, m in ENVIRONMENT_VARIABLES])
def test_every_example_override_names_a_real_config_key(meaning: str) -> None:
    for section, key in re.findall(r"CRISISBOT_([A-Z]+)__([A-Z_]+)", meaning):
        model = Config.model_fields[section.lower()].annotation
        assert key.lower() in model.model_fields  # type: ignore[union-attr]
    for key in re.findall(r"CRISISBOT_([A-Z_]+?)(?=[,.;\s]|$)", meaning):
        if "__" not in key:
            assert key.lower() in Config.model_fields
