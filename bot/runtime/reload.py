"""Hot reload of flows: check a changed flows folder and swap it in only when it is clean.

The running bot keeps answering with the version it has while a new one is loaded and checked.
A clean version replaces the service's core in one assignment (each update reads the core once,
so no update sees half of each). A broken edit leaves the running version in place; the errors
are returned for the log and the moderators' chat.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from bot.app import load_engine
from bot.core.pipeline import Core
from bot.core.service import Service
from bot.engine.loader import flow_files
from bot.errors import CrisisbotError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReloadResult:
    """What a reload attempt did."""

    changed: bool
    swapped: bool
    errors: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()


def fingerprint(flows_dir: Path) -> str:
    """A hash of the flow files' names and contents; it changes when any file does."""
    digest = hashlib.sha256()
    try:
        paths = flow_files(flows_dir)
    except OSError:
        return "unreadable"
    for path in paths:
        digest.update(path.name.encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<unreadable>")
    return digest.hexdigest()


class FlowReloader:
    """Watches one flows folder for a service; call :meth:`poll` on a timer or on SIGHUP."""

    def __init__(self, service: Service, flows_dir: Path, entry: str) -> None:
        self.service = service
        self.flows_dir = flows_dir
        self.entry = entry
        self._seen = fingerprint(flows_dir)

    def poll(self, *, force: bool = False) -> ReloadResult:
        """Reload when the files changed (or ``force``); swap only a version that passes checks."""
        current = fingerprint(self.flows_dir)
        if current == self._seen and not force:
            return ReloadResult(changed=False, swapped=False)
        self._seen = current
        try:
            engine = load_engine(self.flows_dir, self.entry)
        except CrisisbotError as error:
            errors = tuple(str(error).splitlines())
            logger.error(
                "flow reload rejected; the running flows stay in place (%d problems): %s",
                len(errors),
                "; ".join(errors[:10]),
            )
            return ReloadResult(changed=True, swapped=False, errors=errors)
        old = self.service.core
        self.service.core = Core(
            gate=old.gate,
            advice=old.advice,
            replies=old.replies,
            engine=engine,
            settings=old.settings,
        )
        versions = tuple(f"{name}@{flow.version}" for name, flow in sorted(engine.flows.items()))
        logger.info("flows reloaded: %s", ", ".join(versions))
        return ReloadResult(changed=True, swapped=True, versions=versions)
