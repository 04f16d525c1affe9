"""Every metric an alert rule or a dashboard panel names is one a running bot exports.

A real ``crisisbot run`` in webhook mode (token from ``TELEGRAM_BOT_TOKEN_FILE``) against the Bot
API stand-in takes one crisis message; then its ``/metrics`` page is scraped over HTTP, and the
health checks of the image and of the compose replicas are run against it as Docker would.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from bot.health.storage_figures import RISKS
from bot.model import Route
from tests.auxil.botapi_standin import BotApiStandIn
from tests.auxil.botprocess import BotProcess, free_port, write_config
from tests.auxil.updates import UpdateFactory
from tests.deploy.files import (
    DEPLOY,
    dockerfile_stages,
    exec_form,
    healthcheck_target,
    load_compose,
)

pytestmark = pytest.mark.e2e

TOKEN = "987654321:InventedTokenForDeployChecks_x1"
CHAT = 5151
CRISIS_MESSAGE = "lately I keep thinking everyone would be better off if I killed myself"
#: Labels Prometheus adds to every scraped series (deploy/prometheus/*.yml).
TARGET_LABELS = {"job", "instance", "mode"}
#: What ``crisisbot_updates_total{result}`` holds besides ``ignored:<reason>`` (bot.health.metrics).
RESULTS = {"handled", "duplicate", "group_notice", "failed", "moderation", "refused"}
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "gauge": ("",),
}
SELECTOR = re.compile(r"\b(?P<name>(?:crisisbot|process)_[a-z_]+|up)\b(?:\{(?P<labels>[^}]*)\})?")
MATCHER = re.compile(r'(?P<label>\w+)\s*(?:=~|!=|!~|=)\s*"(?P<value>[^"]*)"')
GROUPING = re.compile(r"\b(?:by|without)\s*\((?P<labels>[^)]*)\)")


@dataclass
class Replica:
    port: int
    process: BotProcess
    page: str


@pytest.fixture(scope="module")
def replica(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replica]:
    folder = tmp_path_factory.mktemp("replica")
    token_file = folder / "telegram_bot_token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    port = free_port()
    config = write_config(folder, mode="webhook", webhook_port=port)
    with BotApiStandIn(token=TOKEN) as standin:
        process = BotProcess(config, base_url=standin.base_url, token=TOKEN)
        del process.env["TELEGRAM_BOT_TOKEN"]
        process.env["TELEGRAM_BOT_TOKEN_FILE"] = str(token_file)
        process.start()
        try:
            standin.wait_for(lambda: bool(standin.calls("setWebhook")), timeout=60)
            update = UpdateFactory().text(CHAT, CRISIS_MESSAGE)
            assert standin.post_to_webhook(update) == 200
            standin.wait_for(lambda: bool(standin.sent_messages(CHAT)), timeout=30)
            page = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
            yield Replica(port, process, page)
        finally:
            process.ensure_stopped()


def exported(page: str) -> dict[str, set[str]]:
    """Every sample name the page can carry -> the label names seen on it."""
    names: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(page):
        for suffix in SUFFIXES.get(family.type, ("",)):
            names.setdefault(family.name + suffix, set())
        for sample in family.samples:
            names.setdefault(sample.name, set()).update(sample.labels)
    return names


def alert_expressions() -> list[tuple[str, str]]:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yaml").read_text(encoding="utf-8"))
    return [(rule["alert"], rule["expr"]) for group in rules["groups"] for rule in group["rules"]]


def panel_expressions() -> list[tuple[str, str]]:
    dashboard = json.loads((DEPLOY / "grafana" / "crisisbot.json").read_text(encoding="utf-8"))
    return [
        (panel["title"], target["expr"])
        for panel in dashboard["panels"]
        for target in panel["targets"]
    ]


def check_expression(where: str, expr: str, names: dict[str, set[str]]) -> list[str]:
    """What in ``expr`` the bot does not export; empty when everything is."""
    problems = []
    mentioned: set[str] = set()
    for match in SELECTOR.finditer(expr):
        name = match["name"]
        mentioned.add(name)
        if name == "up":
            continue
        if name not in names:
            problems.append(f"{where}: {name} is not exported")
            continue
        for matcher in MATCHER.finditer(match["labels"] or ""):
            label, value = matcher["label"], matcher["value"]
            if label not in names[name] | TARGET_LABELS:
                problems.append(f"{where}: {name} has no label {label!r}")
            allowed = {"risk": set(RISKS), "route": {r.value for r in Route}, "result": RESULTS}
            if label in allowed and value not in allowed[label]:
                problems.append(f"{where}: {name}{{{label}={value!r}}} never occurs")
            if label == "job" and value != "crisisbot":
                problems.append(f"{where}: job {value!r} is not the scrape job 'crisisbot'")
    labels_anywhere = set().union(*(names.get(n, set()) for n in mentioned)) | TARGET_LABELS
    for group in GROUPING.finditer(expr):
        for label in (part.strip() for part in group["labels"].split(",")):
            if label and label not in labels_anywhere:
                problems.append(f"{where}: no metric in it has the label {label!r}")
    return problems


def test_the_scrape_holds_the_bots_metrics(replica: Replica) -> None:
    names = exported(replica.page)
    for name in (
        "crisisbot_updates_total",
        "crisisbot_open_cases",
        "crisisbot_outbox_oldest_age_seconds",
        "crisisbot_time_to_claim_seconds_bucket",
        "process_start_time_seconds",
    ):
        assert name in names
    assert {"kind", "result"} <= names["crisisbot_updates_total"]
    assert 'crisisbot_crisis_total{risk="' in replica.page  # the crisis message was counted


def test_every_metric_an_alert_names_is_exported(replica: Replica) -> None:
    names = exported(replica.page)
    expressions = alert_expressions()
    assert len(expressions) >= 10
    problems = [p for alert, expr in expressions for p in check_expression(alert, expr, names)]
    assert problems == []


def test_every_metric_a_dashboard_panel_names_is_exported(replica: Replica) -> None:
    names = exported(replica.page)
    expressions = panel_expressions()
    assert len(expressions) >= 10
    problems = [p for title, expr in expressions for p in check_expression(title, expr, names)]
    assert problems == []


def test_the_checker_finds_a_misspelt_metric_or_label(replica: Replica) -> None:
    names = exported(replica.page)
    assert check_expression("x", "max(crisisbot_open_case)", names) == [
        "x: crisisbot_open_case is not exported"
    ]
    assert check_expression("x", 'crisisbot_open_cases{level="imminent"}', names) == [
        "x: crisisbot_open_cases has no label 'level'"
    ]
    assert check_expression("x", 'crisisbot_open_cases{risk="urgent"}', names) == [
        "x: crisisbot_open_cases{risk='urgent'} never occurs"
    ]


def run_healthcheck(test: list[str], env: dict[str, str]) -> int:
    command = test[1:] if test[0] == "CMD" else test
    assert command[0] == "python"
    done = subprocess.run(
        [sys.executable, *command[1:]], env=env, capture_output=True, timeout=30, check=False
    )
    return done.returncode


def test_the_images_healthcheck_passes_on_a_ready_replica_and_fails_without_one(
    replica: Replica,
) -> None:
    [healthcheck] = dockerfile_stages()[-1].all("HEALTHCHECK")
    test = exec_form(healthcheck.partition("CMD ")[2])
    env = {**os.environ, "CRISISBOT_TELEGRAM__WEBHOOK_PORT": str(replica.port)}
    assert run_healthcheck(test, env) == 0
    env["CRISISBOT_TELEGRAM__WEBHOOK_PORT"] = str(free_port())
    assert run_healthcheck(test, env) != 0


def test_the_compose_replicas_healthcheck_passes_on_a_ready_replica(replica: Replica) -> None:
    service = load_compose("compose.yaml")["services"]["bot-1"]
    test = service["healthcheck"]["test"]
    port, _path = healthcheck_target(test)
    moved = [part.replace(f":{port}/", f":{replica.port}/") for part in test]
    assert run_healthcheck(moved, dict(os.environ)) == 0


def test_the_token_from_the_file_works_and_is_never_logged(replica: Replica) -> None:
    assert replica.process.is_running()
    log = replica.process.stderr()
    assert TOKEN.partition(":")[2] not in log  # the bot id before the colon is public


def test_a_file_with_another_token_is_refused_without_showing_it(tmp_path: Path) -> None:
    wrong = "1234567:AnotherInventedToken_zz9"
    token_file = tmp_path / "token"
    token_file.write_text(wrong, encoding="utf-8")
    config = write_config(tmp_path, mode="webhook", webhook_port=free_port())
    with BotApiStandIn(token=TOKEN) as standin:
        process = BotProcess(config, base_url=standin.base_url, token=wrong)
        del process.env["TELEGRAM_BOT_TOKEN"]
        process.env["TELEGRAM_BOT_TOKEN_FILE"] = str(token_file)
        process.start()
        try:
            assert process.run_to_end(timeout=60) == 2
        finally:
            process.ensure_stopped()
    log = process.stderr()
    assert "rejected" in log
    assert "AnotherInventedToken" not in log
