"""Every file under deploy/ has a test module that checks it; add a new file here with its test."""

from __future__ import annotations

from pathlib import Path

from tests.deploy.files import DEPLOY

HERE = Path(__file__).parent

CHECKED_BY = {
    ".env.example": ("test_compose.py",),
    "caddy/Caddyfile": ("test_compose.py",),
    "compose.yaml": ("test_compose.py", "test_metric_names.py"),
    "compose.polling.yaml": ("test_compose.py",),
    "config/webhook.yaml": ("test_compose.py", "test_dockerfile.py"),
    "config/polling.yaml": ("test_compose.py",),
    "grafana/crisisbot.json": ("test_metric_names.py", "test_alerts_and_dashboard.py"),
    "grafana/provisioning/datasources/prometheus.yaml": ("test_compose.py",),
    "grafana/provisioning/dashboards/crisisbot.yaml": ("test_compose.py",),
    "prometheus/alerts.yaml": (
        "test_promtool.py",
        "test_metric_names.py",
        "test_alerts_and_dashboard.py",
    ),
    "prometheus/alerts.test.yaml": ("test_promtool.py",),
    "prometheus/prometheus.yml": ("test_promtool.py", "test_compose.py"),
    "prometheus/prometheus.polling.yml": ("test_promtool.py", "test_compose.py"),
    "secrets/.gitignore": ("test_compose.py",),
    "systemd/crisisbot.service": ("test_systemd.py",),
}


def test_every_deploy_file_is_listed_with_its_tests() -> None:
    present = {
        str(path.relative_to(DEPLOY))
        for path in DEPLOY.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    present -= {"secrets/telegram_bot_token"}  # an operator's own token file, never committed
    assert present == set(CHECKED_BY)
    for modules in CHECKED_BY.values():
        assert all((HERE / module).is_file() for module in modules)
