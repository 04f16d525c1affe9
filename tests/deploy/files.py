"""Reading the deployment files as Docker, Compose, Caddy and Prometheus would.

Compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?message}`` are filled from the values an
operator would put in ``deploy/.env`` (:data:`OPERATOR_ENV`); container paths are mapped back to
the repository through the Dockerfile's ``WORKDIR`` and ``COPY`` lines.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILES = ("compose.yaml", "compose.polling.yaml")

#: What an operator writes in deploy/.env (invented values).
OPERATOR_ENV = {
    "CRISISBOT_DOMAIN": "bot.example.org",
    "POSTGRES_PASSWORD": "an-invented-password",
    "CRISISBOT_MODERATION_CHAT_ID": "-1001234567890",
    "CRISISBOT_MODERATORS": "[111111111, 222222222]",
    "GRAFANA_ADMIN_PASSWORD": "another-invented-password",
}

_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def variables_in(text: str) -> set[str]:
    """The names of every ``${...}`` in ``text``."""
    return {match["name"] for match in _VARIABLE.finditer(text)}


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's interpolation; a missing required variable raises ``KeyError`` naming it."""

    def fill(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        value = env.get(name, "")
        if value:
            return value
        if op in {":-", "-"}:
            return arg or ""
        if op in {":?", "?"}:
            raise KeyError(f"{name}: {arg}")
        return ""

    return _VARIABLE.sub(fill, text)


def load_compose(name: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """A compose file with its variables filled in, YAML anchors and merge keys resolved."""
    text = (DEPLOY / name).read_text(encoding="utf-8")
    loaded = yaml.safe_load(interpolate(text, OPERATOR_ENV if env is None else env))
    assert isinstance(loaded, dict)
    return loaded


@dataclass
class Stage:
    """One ``FROM`` stage of the Dockerfile: its base and its instructions in order."""

    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for word, args in self.instructions if word == keyword]


def dockerfile_stages(path: Path = ROOT / "Dockerfile") -> list[Stage]:
    """The Dockerfile's stages; continuation lines joined, comments dropped."""
    joined: list[str] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    stages: list[Stage] = []
    args: dict[str, str] = {}
    for line in joined:
        word, _, rest = line.partition(" ")
        word, rest = word.upper(), rest.strip()
        if word == "ARG" and not stages:
            key, _, default = rest.partition("=")
            args[key] = default
            continue
        if word == "FROM":
            parts = rest.split()
            base = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m[1], ""), parts[0])
            named = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(base, named))
            continue
        stages[-1].instructions.append((word, rest))
    return stages


def exec_form(args: str) -> list[str]:
    """A JSON-array instruction (``CMD ["a", "b"]``) as a list; shell form split like a shell."""
    loaded = yaml.safe_load(args) if args.startswith("[") else None
    return [str(part) for part in loaded] if isinstance(loaded, list) else shlex.split(args)


def container_paths(stage: Stage) -> dict[PurePosixPath, Path]:
    """Where each ``COPY``'d repository folder or file lands in the image."""
    workdir = PurePosixPath("/")
    mapping: dict[PurePosixPath, Path] = {}
    for word, rest in stage.instructions:
        if word == "WORKDIR":
            workdir = workdir / rest
        elif word == "COPY" and "--from" not in rest:
            *sources, dest = rest.split()
            for source in sources:
                mapping[workdir / dest] = ROOT / source
    return mapping


def to_repository(path: str, stage: Stage) -> Path:
    """The repository file an image path (such as ``/app/config/webhook.yaml``) comes from."""
    wanted = PurePosixPath(path)
    for inside, outside in container_paths(stage).items():
        if wanted == inside or inside in wanted.parents:
            return outside / wanted.relative_to(inside)
    raise AssertionError(f"{path} is not copied into the image by the Dockerfile")


def option(args: list[str], name: str) -> str | None:
    """The value after ``name`` in an argument list, or ``None``."""
    return args[args.index(name) + 1] if name in args else None


def served_routes(webhook_path: str) -> dict[str, set[str]]:
    """Path -> methods of the real webhook app built with ``webhook_path``."""
    from prometheus_client import CollectorRegistry
    from starlette.routing import Route

    from bot.health.metrics import Metrics
    from bot.telegram.webhook import create_webhook_app

    async def process(update: object) -> bool:
        return True

    app = create_webhook_app(
        bot=None,  # type: ignore[arg-type]  # only the routes are read
        secret="s",
        process=process,
        storage_ready=lambda: None,
        path=webhook_path,
        metrics=Metrics(CollectorRegistry()),
    )
    return {
        route.path: set(route.methods or ()) for route in app.routes if isinstance(route, Route)
    }


def crisisbot(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real ``crisisbot`` command line; never raises on a non-zero exit."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


HEALTHCHECK_URL = re.compile(r"http://127\.0\.0\.1:(?P<port>[^/']+)(?P<path>/[A-Za-z0-9_/-]*)")


def healthcheck_target(test: list[str]) -> tuple[str, str]:
    """``(port, path)`` of the URL a ``python -c`` health check opens."""
    assert test[:3] == ["CMD", "python", "-c"] or test[:2] == ["python", "-c"], test
    match = HEALTHCHECK_URL.search(test[-1])
    assert match, f"no http://127.0.0.1:PORT/PATH in {test[-1]!r}"
    return match["port"], match["path"]
