"""The real ``crisisbot run`` process for end-to-end tests, and its configuration.

:class:`BotProcess` starts ``python -m bot run --config FILE`` with ``TELEGRAM_BOT_TOKEN`` and
``TELEGRAM_API_BASE_URL`` pointing at a Bot API stand-in, stops it with SIGTERM (or kills it, to
play a crash), and keeps its stderr in a file the test can show when something fails.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
STOP_TIMEOUT_SECONDS = 30


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_config(
    folder: Path,
    *,
    mode: str = "polling",
    webhook_port: int | None = None,
    log_text: bool = False,
) -> Path:
    """A config file for a test bot: the project's flows, a SQLite file in ``folder``."""
    lines = [
        f"flows_dir: {ROOT / 'flows'}",
        "storage:",
        f"  url: sqlite:///{folder / 'bot.db'}",
        "telegram:",
        f"  mode: {mode}",
        f"  log_text: {'true' if log_text else 'false'}",
    ]
    if webhook_port is not None:
        lines += [
            "  webhook_listen: 127.0.0.1",
            f"  webhook_port: {webhook_port}",
            "  webhook_path: /telegram",
            f"  webhook_url: http://127.0.0.1:{webhook_port}/telegram",
        ]
    path = folder / "config.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class BotProcess:
    """One ``crisisbot run`` process; start it, then stop or kill it."""

    def __init__(self, config: Path, *, base_url: str, token: str = "123:abc") -> None:
        self.config = config
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TELEGRAM_", "CRISISBOT_"))
        }
        self.env.update(TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_BASE_URL=base_url)
        self.log_path = config.parent / "bot-stderr.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> BotProcess:
        """Start the process; its stderr is appended to :attr:`log_path`."""
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(self.config)],
            cwd=self.config.parent,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        return self

    def run_to_end(self, timeout: float = STOP_TIMEOUT_SECONDS) -> int:
        """Wait for a process that is expected to exit on its own; return its exit code."""
        assert self._process is not None
        try:
            return self._process.wait(timeout=timeout)
        finally:
            self._close_log()

    def stop(self) -> int:
        """SIGTERM, then wait for a clean exit; return the exit code."""
        assert self._process is not None
        self._process.send_signal(signal.SIGTERM)
        return self.run_to_end()

    def kill(self) -> None:
        """SIGKILL: a crash, with no chance to flush anything."""
        assert self._process is not None
        self._process.kill()
        self._process.wait(timeout=STOP_TIMEOUT_SECONDS)
        self._close_log()

    def is_running(self) -> bool:
        """Whether the process has not exited."""
        return self._process is not None and self._process.poll() is None

    def stderr(self) -> str:
        """Everything the process wrote to stderr so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def ensure_stopped(self) -> None:
        """Kill the process if a failed test left it running."""
        if self.is_running():
            self.kill()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
