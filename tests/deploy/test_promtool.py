"""promtool (Debian's prometheus package) checks the alert rules, their unit tests, the configs.

Skipped, with the reason, where promtool is not installed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.deploy.files import DEPLOY

PROMETHEUS = DEPLOY / "prometheus"
PROMTOOL = shutil.which("promtool")

pytestmark = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool is not installed (apt-get install prometheus provides it)",
)


def promtool(*args: str, cwd: Path = PROMETHEUS) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_alert_rules_pass_promtool_check() -> None:
    done = promtool("check", "rules", "alerts.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_alert_rules_fire_as_their_unit_tests_say() -> None:
    done = promtool("test", "rules", "alerts.test.yaml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_unit_tests_cover_every_page_alert() -> None:
    rules = yaml.safe_load((PROMETHEUS / "alerts.yaml").read_text(encoding="utf-8"))
    pages = {
        rule["alert"]
        for group in rules["groups"]
        for rule in group["rules"]
        if rule["labels"]["severity"] == "page"
    }
    tests = yaml.safe_load((PROMETHEUS / "alerts.test.yaml").read_text(encoding="utf-8"))
    firing = {
        case["alertname"]
        for test in tests["tests"]
        for case in test["alert_rule_test"]
        if case["exp_alerts"]
    }
    assert pages - {"CrisisbotAllReplicasDown", "CrisisbotCrisisSurge"} <= firing


@pytest.mark.parametrize("name", ["prometheus.yml", "prometheus.polling.yml"])
def test_prometheus_configs_pass_promtool_check(name: str, tmp_path: Path) -> None:
    config = yaml.safe_load((PROMETHEUS / name).read_text(encoding="utf-8"))
    assert config["rule_files"] == ["/etc/prometheus/alerts.yaml"]  # where compose mounts it
    config["rule_files"] = [str(PROMETHEUS / "alerts.yaml")]
    (tmp_path / name).write_text(yaml.safe_dump(config), encoding="utf-8")
    done = promtool("check", "config", name, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
