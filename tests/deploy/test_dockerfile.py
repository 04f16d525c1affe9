"""The Dockerfile, read as Docker would: small, non-root, healthy, and never holding the token.

No image can be built here (no Docker engine), so each instruction is checked against the
project: the base and the user, the health check's port and path against the webhook config
and the routes the webhook app serves, the entry point's command against the real command line.
"""

from __future__ import annotations

import re

from tests.auxil.deploy_config import ConfigAsService
from tests.deploy.files import (
    ROOT,
    container_paths,
    crisisbot,
    dockerfile_stages,
    exec_form,
    healthcheck_target,
    option,
    served_routes,
    to_repository,
)


def test_multi_stage_on_slim_python_311() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 2
    assert all(re.fullmatch(r"python:3\.11-slim(-\w+)?", stage.base) for stage in stages)
    build, final = stages[0], stages[-1]
    assert any(re.search(r"pip install( --[\w-]+)* \.( |$)", run) for run in build.all("RUN"))
    assert not any("pip install" in run for run in final.all("RUN"))  # no build tools at the end
    assert any(copy.startswith(f"--from={build.name} ") for copy in final.all("COPY"))


def test_runs_as_a_user_other_than_root() -> None:
    final = dockerfile_stages()[-1]
    users = final.all("USER")
    assert users, "the final stage sets no USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert any("useradd" in run and user in run for run in final.all("RUN"))
    words = [word for word, _ in final.instructions]
    assert words.index("USER") < words.index("ENTRYPOINT")


def test_no_token_or_secret_is_baked_into_the_image() -> None:
    for stage in dockerfile_stages():
        for word, args in stage.instructions:
            if word in {"ENV", "ARG", "LABEL"}:
                assert not re.search(r"TOKEN|SECRET|PASSWORD", args, flags=re.IGNORECASE), args
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    for private in (".git", ".venv", "deploy/secrets", "deploy/.env", "*.db"):
        assert private in ignored


def test_everything_the_image_copies_exists_and_is_not_ignored() -> None:
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for stage in dockerfile_stages():
        for inside, outside in container_paths(stage).items():
            assert outside.exists(), f"{inside} <- {outside}"
            assert str(outside.relative_to(ROOT)) not in ignored


def test_build_proves_the_gate_works_offline_with_the_baked_in_model() -> None:
    final = dockerfile_stages()[-1]
    offline = [run for run in final.all("RUN") if run.startswith("--network=none")]
    assert offline, "the build should run the bot once with the network cut"
    assert "crisisbot check" in offline[0]
    assert "crisisbot triage" in offline[0]
    assert '"route": *"crisis"' in offline[0]


def test_default_command_is_a_real_subcommand_with_a_config_in_the_image() -> None:
    final = dockerfile_stages()[-1]
    [entrypoint] = final.all("ENTRYPOINT")
    [cmd] = final.all("CMD")
    assert exec_form(entrypoint) == ["crisisbot"]
    args = exec_form(cmd)
    config = option(args, "--config")
    assert config is not None
    assert to_repository(config, final).is_file()
    done = crisisbot(*args, "--help")
    assert done.returncode == 0, done.stderr


def test_healthcheck_asks_readyz_on_the_default_config_webhook_port(
    config_as_service: ConfigAsService,
) -> None:
    final = dockerfile_stages()[-1]
    [healthcheck] = final.all("HEALTHCHECK")
    options, _, command = healthcheck.partition("CMD ")
    assert "--interval=" in options
    assert "--start-period=" in options  # the model loads before the first check counts
    test = exec_form(command)
    assert "curl" not in command  # slim has no curl
    port, path = healthcheck_target(test)
    assert port == "%s"  # CRISISBOT_TELEGRAM__WEBHOOK_PORT when set, else the default below
    default = re.search(r"'CRISISBOT_TELEGRAM__WEBHOOK_PORT', '(\d+)'", test[-1])
    assert default
    config = config_as_service(
        to_repository(option(exec_form(final.all("CMD")[0]), "--config") or "", final), {}
    )
    assert config.telegram.mode == "webhook"
    assert int(default[1]) == config.telegram.webhook_port
    assert path == "/readyz"
    assert "GET" in served_routes(config.telegram.webhook_path)[path]
    assert f"EXPOSE {config.telegram.webhook_port}" in {
        f"{word} {args}" for word, args in final.instructions
    }
