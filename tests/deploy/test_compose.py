"""deploy/compose*.yaml, the Caddyfile and the Prometheus and Grafana files agree with the bot.

Each service's command must be a real ``crisisbot`` subcommand with a config file the image
holds; its health check must open a port and a path the process really serves with that config
and the environment the service gives it; the proxy and Prometheus must point at those ports.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tests.auxil.deploy_config import ConfigAsService
from tests.deploy.files import (
    COMPOSE_FILES,
    DEPLOY,
    OPERATOR_ENV,
    ROOT,
    crisisbot,
    dockerfile_stages,
    healthcheck_target,
    interpolate,
    load_compose,
    option,
    served_routes,
    to_repository,
    variables_in,
)

IMAGE = "crisisbot:local"


def bot_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n: s for n, s in compose["services"].items() if s.get("image") == IMAGE}


def runners(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services that run the bot (``crisisbot run``), not one-shot commands."""
    return {n: s for n, s in bot_services(compose).items() if s["command"][0] == "run"}


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "write environment as a mapping"
    return {key: str(value) for key, value in env.items()}


def config_file(service: dict[str, Any]) -> Path:
    path = option(service["command"], "--config")
    assert path is not None, f"{service['command']} names no --config"
    return to_repository(path, dockerfile_stages()[-1])


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_every_variable_is_in_the_env_example(name: str) -> None:
    example = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    defined = set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))
    used = variables_in((DEPLOY / name).read_text(encoding="utf-8"))
    assert used <= defined, f"explain {sorted(used - defined)} in deploy/.env.example"
    assert used <= set(OPERATOR_ENV)
    assert "TELEGRAM_BOT_TOKEN" not in example


def test_a_missing_variable_stops_compose_naming_the_env_file() -> None:
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    with pytest.raises(KeyError, match=r"POSTGRES_PASSWORD: set POSTGRES_PASSWORD in deploy/.env"):
        interpolate(text, {**OPERATOR_ENV, "POSTGRES_PASSWORD": ""})


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_each_bot_command_is_a_real_subcommand_with_a_config_in_the_image(name: str) -> None:
    services = bot_services(load_compose(name))
    assert services
    for service_name, service in services.items():
        command = service["command"]
        build = service["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == ROOT / "Dockerfile"
        assert config_file(service).is_file(), service_name
        done = crisisbot(*command, "--help")
        assert done.returncode == 0, f"{service_name}: crisisbot {command}: {done.stderr}"


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_each_config_passes_crisisbot_check(name: str) -> None:
    for path in {config_file(service) for service in runners(load_compose(name)).values()}:
        done = crisisbot("check", "--config", str(path), env=_check_env())
        assert done.returncode == 0, done.stdout + done.stderr


def _check_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRISISBOT_", "TELEGRAM_"))}
    return {**env, "CRISISBOT_FLOWS_DIR": str(ROOT / "flows")}


def test_webhook_replicas_listen_where_their_health_check_and_proxy_look(
    config_as_service: ConfigAsService,
) -> None:
    compose = load_compose("compose.yaml")
    replicas = runners(compose)
    assert len(replicas) == 2
    upstreams = set()
    for name, service in replicas.items():
        config = config_as_service(config_file(service), environment(service))
        telegram = config.telegram
        assert telegram.mode == "webhook"
        assert telegram.webhook_listen == "0.0.0.0"  # reachable from the proxy's container
        assert telegram.webhook_url == f"https://{OPERATOR_ENV['CRISISBOT_DOMAIN']}/telegram"
        assert config.moderation.chat_id == int(OPERATOR_ENV["CRISISBOT_MODERATION_CHAT_ID"])
        assert config.moderation.moderators == (111111111, 222222222)
        port, path = healthcheck_target(service["healthcheck"]["test"])
        assert int(port) == telegram.webhook_port
        assert path == "/readyz"
        assert "GET" in served_routes(telegram.webhook_path)[path]
        assert str(telegram.webhook_port) in service["expose"]
        assert "ports" not in service, f"{name} must not be published; only the proxy is"
        upstreams.add(f"{name}:{telegram.webhook_port}")
        webhook_path = telegram.webhook_path
    caddy = (DEPLOY / "caddy" / "Caddyfile").read_text(encoding="utf-8")
    [proxied] = re.findall(r"reverse_proxy ([^{]+)\{", caddy)
    assert set(proxied.split()) == upstreams
    assert re.search(rf"^\s*path {re.escape(webhook_path)}$", caddy, flags=re.MULTILINE)
    assert re.search(r"^\s*method POST$", caddy, flags=re.MULTILINE)
    [health] = re.findall(r"health_uri (\S+)", caddy)
    assert health in served_routes(webhook_path)
    assert compose["services"]["caddy"]["ports"] == ["80:80", "443:443"]
    assert "./caddy/Caddyfile:/etc/caddy/Caddyfile:ro" in compose["services"]["caddy"]["volumes"]


def test_polling_process_health_check_opens_its_metrics_port(
    config_as_service: ConfigAsService,
) -> None:
    [service] = runners(load_compose("compose.polling.yaml")).values()
    config = config_as_service(config_file(service), environment(service))
    assert config.telegram.mode == "polling"
    assert config.storage.url.startswith("sqlite:////app/data/")
    assert "botdata:/app/data" in service["volumes"]
    port, path = healthcheck_target(service["healthcheck"]["test"])
    assert int(port) == config.telegram.metrics_port
    assert path == "/metrics"
    assert config.telegram.webhook_listen == "0.0.0.0"  # the metrics server's address


def test_replicas_start_after_the_one_shot_migration_on_a_healthy_database(
    config_as_service: ConfigAsService,
) -> None:
    compose = load_compose("compose.yaml")
    services = compose["services"]
    migrate = services["migrate"]
    assert migrate["command"][:2] == ["db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for service in runners(compose).values():
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert service["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert config_file(service) == config_file(migrate)
        assert (
            environment(service)["CRISISBOT_STORAGE__URL"]
            == (environment(migrate)["CRISISBOT_STORAGE__URL"])
        )
    postgres = services["postgres"]
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in postgres["volumes"])
    url = urlsplit(config_as_service(config_file(migrate), environment(migrate)).storage.url)
    pg_env = postgres["environment"]
    assert (url.hostname, url.port) == ("postgres", 5432)
    assert (url.username, url.password) == (pg_env["POSTGRES_USER"], pg_env["POSTGRES_PASSWORD"])
    assert url.path == f"/{pg_env['POSTGRES_DB']}"


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_the_token_reaches_the_bot_only_as_a_secret_file(name: str) -> None:
    compose = load_compose(name)
    for service_name, service in compose["services"].items():
        assert "TELEGRAM_BOT_TOKEN" not in environment(service), service_name
    for service_name, service in runners(compose).items():
        [secret] = service["secrets"]
        assert environment(service)["TELEGRAM_BOT_TOKEN_FILE"] == f"/run/secrets/{secret}"
        source = DEPLOY / compose["secrets"][secret]["file"]
        assert source.parent == DEPLOY / "secrets", service_name
    ignored = (DEPLOY / "secrets" / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "*" in ignored  # a token file put there is never committed


@pytest.mark.parametrize(
    ("name", "prometheus_file"),
    [("compose.yaml", "prometheus.yml"), ("compose.polling.yaml", "prometheus.polling.yml")],
)
def test_prometheus_scrapes_every_bot_process_where_it_serves_metrics(
    name: str, prometheus_file: str, config_as_service: ConfigAsService
) -> None:
    compose = load_compose(name)
    expected = set()
    for service_name, service in runners(compose).items():
        telegram = config_as_service(config_file(service), environment(service)).telegram
        port = telegram.webhook_port if telegram.mode == "webhook" else telegram.metrics_port
        expected.add((f"{service_name}:{port}", telegram.mode))
        if telegram.mode == "webhook":
            assert "GET" in served_routes(telegram.webhook_path)["/metrics"]
    scrape = yaml.safe_load((DEPLOY / "prometheus" / prometheus_file).read_text())
    [job] = scrape["scrape_configs"]
    assert job["job_name"] == "crisisbot"
    assert job["metrics_path"] == "/metrics"
    targets = {
        (target, group["labels"]["mode"])
        for group in job["static_configs"]
        for target in group["targets"]
    }
    assert targets == expected
    mounts = compose["services"]["prometheus"]["volumes"]
    assert f"./prometheus/{prometheus_file}:/etc/prometheus/prometheus.yml:ro" in mounts
    assert scrape["rule_files"] == ["/etc/prometheus/alerts.yaml"]
    assert "./prometheus/alerts.yaml:/etc/prometheus/alerts.yaml:ro" in mounts


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_every_bind_mount_names_a_file_in_the_repository(name: str) -> None:
    for service_name, service in load_compose(name)["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{service_name}: {source}"


def test_grafana_is_provisioned_with_prometheus_and_the_dashboard() -> None:
    compose = load_compose("compose.yaml")
    grafana = compose["services"]["grafana"]
    assert grafana["profiles"] == ["dashboard"]  # optional
    provisioning = DEPLOY / "grafana" / "provisioning"
    [source] = yaml.safe_load((provisioning / "datasources" / "prometheus.yaml").read_text())[
        "datasources"
    ]
    host = urlsplit(source["url"])
    assert host.hostname in compose["services"]
    assert host.port == 9090
    [provider] = yaml.safe_load((provisioning / "dashboards" / "crisisbot.yaml").read_text())[
        "providers"
    ]
    folder = provider["options"]["path"]
    assert f"./grafana/crisisbot.json:{folder}/crisisbot.json:ro" in grafana["volumes"]


def compose_validator() -> list[str] | None:
    """``docker compose`` (v2) or ``docker-compose`` (v1), whichever validates files here."""
    if shutil.which("docker"):
        probe = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, timeout=30, check=False
        )
        if probe.returncode == 0:
            return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


@pytest.mark.skipif(
    compose_validator() is None, reason="neither docker compose nor docker-compose is installed"
)
@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_docker_compose_accepts_the_file(name: str, tmp_path: Path) -> None:
    validator = compose_validator()
    assert validator is not None
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in OPERATOR_ENV.items()), encoding="utf-8")
    text = (DEPLOY / name).read_text(encoding="utf-8")
    if validator == ["docker-compose"]:  # v1 predates the top-level name key
        text = re.sub(r"^name: .*$", "", text, flags=re.MULTILINE)
    copy = tmp_path / name
    copy.write_text(text, encoding="utf-8")
    options = ["--project-directory", str(DEPLOY), "--env-file", str(env_file), "-f", str(copy)]
    done = subprocess.run(
        [*validator, *options, "config", "-q"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def _walk(node: Any) -> Any:
    """Every mapping inside ``node``, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed")
def test_caddy_accepts_the_caddyfile_and_proxies_as_the_replicas_expect(
    config_as_service: ConfigAsService,
) -> None:
    done = subprocess.run(
        ["caddy", "adapt", "--config", "Caddyfile", "--adapter", "caddyfile", "--validate"],
        cwd=DEPLOY / "caddy",
        env={"PATH": os.environ.get("PATH", ""), "CRISISBOT_DOMAIN": "bot.example.org"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    adapted = json.loads(done.stdout)
    replicas = runners(load_compose("compose.yaml"))
    telegram = {
        name: config_as_service(config_file(service), environment(service)).telegram
        for name, service in replicas.items()
    }
    [proxy] = [node for node in _walk(adapted) if node.get("handler") == "reverse_proxy"]
    assert {upstream["dial"] for upstream in proxy["upstreams"]} == {
        f"{name}:{settings.webhook_port}" for name, settings in telegram.items()
    }
    assert proxy["health_checks"]["active"]["uri"] == "/readyz"
    paths = sorted({settings.webhook_path for settings in telegram.values()})
    matches = [node for node in _walk(adapted) if "method" in node and "path" in node]
    assert matches == [{"method": ["POST"], "path": paths}]
    hosts = [node["host"] for node in _walk(adapted) if "host" in node]
    assert hosts == [["bot.example.org"]]
