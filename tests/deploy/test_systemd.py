"""deploy/systemd/crisisbot.service: a unit systemd accepts, restarting on failure, token as a
credential.

``systemd-analyze verify`` checks it where systemd is installed (with the executable path
pointed at this checkout's ``crisisbot``); elsewhere the unit is read as an INI file only.
"""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.files import DEPLOY, crisisbot

UNIT = DEPLOY / "systemd" / "crisisbot.service"
INSTALLED = "/opt/crisisbot/bin/crisisbot"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser


def test_unit_restarts_on_failure_and_never_gives_up() -> None:
    service = unit()["Service"]
    assert service["Restart"] == "on-failure"
    assert "RestartPreventExitStatus" not in service  # storage down at boot exits 2 as well
    assert unit()["Unit"]["StartLimitIntervalSec"] == "0"
    assert service["User"] != "root"
    assert unit()["Install"]["WantedBy"] == "multi-user.target"


def test_token_arrives_as_a_credential_file_never_in_the_unit() -> None:
    service = unit()["Service"]
    name, _, source = service["LoadCredential"].partition(":")
    assert source.startswith("/etc/credstore/")
    assert service["Environment"] == f"TELEGRAM_BOT_TOKEN_FILE=%d/{name}"
    assert "TELEGRAM_BOT_TOKEN=" not in UNIT.read_text(encoding="utf-8")


def test_commands_are_real_subcommands() -> None:
    service = unit()["Service"]
    for key, expected in (("ExecStartPre", ["db", "upgrade"]), ("ExecStart", ["run"])):
        program, *args = shlex.split(service[key])
        assert program == INSTALLED
        assert args[: len(expected)] == expected
        done = crisisbot(*args, "--help")
        assert done.returncode == 0, done.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    here = Path(sys.executable).parent / "crisisbot"
    assert here.exists(), "install the project (pip install -e .) to get the crisisbot script"
    copy = tmp_path / UNIT.name
    copy.write_text(UNIT.read_text(encoding="utf-8").replace(INSTALLED, str(here)))
    done = subprocess.run(
        ["systemd-analyze", "verify", str(copy)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.strip() == ""
