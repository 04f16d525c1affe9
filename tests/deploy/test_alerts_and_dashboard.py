"""The alert rules cover what the operators asked for, in words a moderator understands, and the
dashboard shows every figure the deploy guide names, each panel on the provisioned data source.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from tests.deploy.files import DEPLOY

#: What must raise an alert -> a metric its expression reads.
REQUIRED_ALERTS = {
    "an imminent case left open": 'crisisbot_open_cases{risk="imminent"}',
    "an urgent case nobody has taken": (
        'crisisbot_unclaimed_case_oldest_age_seconds{risk="imminent"}'
    ),
    "replies waiting too long": "crisisbot_outbox_oldest_age_seconds",
    "received messages not decided": "crisisbot_inbox_oldest_age_seconds",
    "sends failing": "crisisbot_outbox_depth",
    "updates failing": 'crisisbot_updates_total{result="failed"}',
    "no updates for hours while polling": 'crisisbot_updates_total{mode="polling"}',
    "a replica not ready": "crisisbot_storage_up",
    "a replica down": 'up{job="crisisbot"}',
}
#: Panel contents the dashboard must have -> a metric one of its panels reads.
REQUIRED_PANELS = (
    "crisisbot_updates_total",
    "crisisbot_routes_total",
    "crisisbot_crisis_total",
    "crisisbot_open_cases",
    "crisisbot_time_to_claim_seconds_bucket",
    "crisisbot_outbox_depth",
    "crisisbot_outbox_oldest_age_seconds",
    "crisisbot_update_latency_seconds_bucket",
)


def rules() -> list[dict[str, Any]]:
    loaded = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yaml").read_text(encoding="utf-8"))
    return [rule for group in loaded["groups"] for rule in group["rules"]]


def dashboard() -> dict[str, Any]:
    loaded = json.loads((DEPLOY / "grafana" / "crisisbot.json").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_every_required_situation_has_an_alert() -> None:
    expressions = [" ".join(rule["expr"].split()) for rule in rules()]
    for situation, selector in REQUIRED_ALERTS.items():
        assert any(selector in expr for expr in expressions), situation


def test_each_alert_has_a_severity_and_a_summary_without_jargon() -> None:
    names = [rule["alert"] for rule in rules()]
    assert len(names) == len(set(names))
    for rule in rules():
        assert rule["labels"]["severity"] in {"page", "warning"}, rule["alert"]
        summary = rule["annotations"]["summary"]
        assert rule["annotations"]["description"]
        assert not re.search(r"crisisbot_\w+|\{\{|\[\d+[smh]\]|histogram|p\d\d", summary), summary
        assert summary.rstrip().endswith("."), summary
    pages = [rule for rule in rules() if rule["labels"]["severity"] == "page"]
    assert {"CrisisbotImminentCaseOpen", "CrisisbotRepliesNotSent"} <= {r["alert"] for r in pages}


def test_dashboard_shows_every_figure_of_the_deploy_guide() -> None:
    exprs = [target["expr"] for panel in dashboard()["panels"] for target in panel["targets"]]
    for metric in REQUIRED_PANELS:
        assert any(metric in expr for expr in exprs), metric


def test_dashboard_panels_use_the_data_source_variable_and_do_not_overlap() -> None:
    board = dashboard()
    [variable] = board["templating"]["list"]
    assert (variable["type"], variable["query"]) == ("datasource", "prometheus")
    source = {"type": "prometheus", "uid": f"${{{variable['name']}}}"}
    cells: set[tuple[int, int]] = set()
    ids = set()
    for panel in board["panels"]:
        assert panel["datasource"] == source, panel["title"]
        assert all(target["datasource"] == source for target in panel["targets"])
        assert panel["description"], panel["title"]
        ids.add(panel["id"])
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24
        mine = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not mine & cells, f"{panel['title']} overlaps another panel"
        cells |= mine
    assert len(ids) == len(board["panels"])
    assert board["uid"] == "crisisbot"
