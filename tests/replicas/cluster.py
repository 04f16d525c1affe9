"""Several real ``crisisbot run`` replicas in webhook mode on one fresh PostgreSQL database.

:func:`fresh_database` creates ``crisisbot_rt_<random>`` on the test server and drops it after;
:func:`replica_config` writes one replica's configuration; :func:`upgrade_database` runs
``crisisbot db upgrade`` as an operator would before rolling out; :func:`prepare_replicas` does
both for N replicas and :func:`start_replicas` starts them; :func:`wait_ready` polls a replica's
``/readyz`` until it answers 200 or a deadline passes.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg

from tests.auxil.botprocess import ROOT, BotProcess, free_port
from tests.auxil.postgres import POSTGRES_CONNINFO

SERVER_URL = "postgresql://postgres@127.0.0.1:5432"
POLL_SECONDS = 0.1


@contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database, dropped (connections and all) afterwards."""
    name = f"crisisbot_rt_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_CONNINFO, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{SERVER_URL}/{name}"
    finally:
        with psycopg.connect(POSTGRES_CONNINFO, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def replica_config(
    folder: Path,
    *,
    storage_url: str,
    port: int,
    moderation_chat: int,
    moderators: tuple[int, ...],
    max_messages_per_second: float,
) -> Path:
    """A webhook replica's config file in ``folder`` (its log goes beside it)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        f"flows_dir: {ROOT / 'flows'}",
        "storage:",
        f"  url: {storage_url}",
        "telegram:",
        "  mode: webhook",
        "  webhook_listen: 127.0.0.1",
        f"  webhook_port: {port}",
        "  webhook_path: /telegram",
        f"  webhook_url: http://127.0.0.1:{port}/telegram",
        f"  max_messages_per_second: {max_messages_per_second}",
        "moderation:",
        f"  chat_id: {moderation_chat}",
        f"  moderators: [{', '.join(str(m) for m in moderators)}]",
    ]
    path = folder / "config.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def upgrade_database(config: Path) -> None:
    """``crisisbot db upgrade --config FILE``; fail with its stderr when it does not exit 0."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade", "--config", str(config)],
        cwd=config.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def prepare_replicas(
    folder: Path,
    names: Sequence[str],
    *,
    storage_url: str,
    bot_api_url: str,
    token: str,
    secret: str,
    moderation_chat: int,
    moderators: Sequence[int],
) -> tuple[list[BotProcess], list[int]]:
    """One webhook replica per name on ``storage_url``, the database migrated once; not started."""
    ports = [free_port() for _ in names]
    configs = [
        replica_config(
            folder / name,
            storage_url=storage_url,
            port=port,
            moderation_chat=moderation_chat,
            moderators=tuple(moderators),
            max_messages_per_second=1000,
        )
        for name, port in zip(names, ports, strict=True)
    ]
    upgrade_database(configs[0])
    processes = [BotProcess(config, base_url=bot_api_url, token=token) for config in configs]
    for process in processes:
        process.env["TELEGRAM_WEBHOOK_SECRET"] = secret
    return processes, ports


def start_replicas(processes: Sequence[BotProcess], ports: Sequence[int]) -> None:
    """Start every replica, then wait until each answers ``/readyz``."""
    for process in processes:
        process.start()
    for port in ports:
        wait_ready(port)


def wait_ready(port: int, timeout: float = 60.0) -> None:
    """Poll ``GET /readyz`` until 200; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"the replica on port {port} was not ready within {timeout}s")
        time.sleep(POLL_SECONDS)


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``predicate()`` until it is true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached within {timeout}s")
        time.sleep(POLL_SECONDS)
