"""Fixtures for the deployment checks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import Config, load_config
from tests.auxil.deploy_config import ConfigAsService
from tests.deploy.files import ROOT


@pytest.fixture
def config_as_service(monkeypatch: pytest.MonkeyPatch) -> ConfigAsService:
    """Load a config file with exactly the environment a service gives the process."""

    def load(path: Path, environment: dict[str, str]) -> Config:
        for key in [k for k in os.environ if k.startswith(("CRISISBOT_", "TELEGRAM_"))]:
            monkeypatch.delenv(key)
        for key, value in environment.items():
            monkeypatch.setenv(key, str(value))
        monkeypatch.setenv("CRISISBOT_FLOWS_DIR", str(ROOT / "flows"))  # /app/flows in the image
        return load_config(path)

    return load
