"""Wiring: build the core and the service from a validated configuration.

This is the only module that knows how the parts fit together; every entry point (terminal chat,
triage, Telegram) calls it, so all of them run the same gate, guard and flows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.config import Config
from bot.core.pipeline import Core, CoreSettings
from bot.core.replies import CrisisReplies, HumanContact
from bot.core.service import Service
from bot.crisis import load_crisis_lines
from bot.engine.check import check_flows
from bot.engine.compiler import compile_flow
from bot.engine.engine import FlowEngine
from bot.engine.loader import load_flow_dir
from bot.errors import ConfigError, FlowError, StorageError
from bot.gate import AdviceGuard, CrisisGate, load_lexicon
from bot.health.storage_check import check_ready, classified, verify_sqlite
from bot.i18n import Languages, load_languages
from bot.lasting import lasting
from bot.moderation import ModerationDesk
from bot.storage import Storage
from bot.storage.engine import redact_url


class Wiring(NamedTuple):
    """What every channel runs: the service, its storage, and the moderators' desk."""

    service: Service
    storage: Storage
    desk: ModerationDesk | None  # None when moderation.chat_id is not set


def load_engine(flows_dir: Path, entry: str) -> FlowEngine:
    """Load, check and compile every flow in ``flows_dir``; :class:`FlowError` lists all errors."""
    if not flows_dir.is_dir():
        raise ConfigError(
            f"flows_dir {str(flows_dir)!r} is not a folder; set flows_dir in the config file "
            "to the folder that holds the flow YAML files"
        )
    loaded = load_flow_dir(flows_dir)
    errors = [d for d in check_flows(loaded) if d.severity == "error"]
    if errors:
        raise FlowError(errors)
    compiled = [compile_flow(flow.spec, flow.version) for flow in loaded]
    try:
        return FlowEngine(compiled, entry)
    except ValueError as error:
        raise ConfigError(f"entry_flow: {error}") from None


def load_config_languages(config: Config) -> Languages:
    """The packaged languages plus the operator's catalogs, when the config names a folder."""
    extra = config.crisis.catalogs_dir
    if extra is not None and not extra.is_dir():
        raise ConfigError(
            f"crisis.catalogs_dir {str(extra)!r} is not a folder; point it at the folder that "
            "holds <lang>/LC_MESSAGES/crisisbot.po"
        )
    return load_languages(extra_dirs=[extra] if extra is not None else [])


def build_core(config: Config, *, handoff_available: bool | None = None) -> Core:
    """The pure pipeline for ``config``: gate, advice guard, crisis replies and flows."""
    lines = load_crisis_lines(config.crisis.lines_file)
    contacts = [
        HumanContact(name=c.name, reach=c.reach, hours=c.hours)
        for c in config.crisis.human_contacts
    ]
    if handoff_available is None:
        handoff_available = config.moderation.chat_id is not None
    settings = CoreSettings(
        default_country=config.crisis.default_country,
        cooldown_seconds=config.crisis.cooldown_hours * 3600.0,
        handoff_available=handoff_available,
    )
    return Core(
        gate=CrisisGate(load_lexicon(config.crisis.lexicon_extra)),
        advice=AdviceGuard.default(),
        replies=CrisisReplies(lines, contacts, languages=load_config_languages(config)),
        engine=load_engine(config.flows_dir, config.entry_flow),
        settings=settings,
    )


def build_service(
    config: Config,
    *,
    storage_url: str | None = None,
    upgrade: bool = True,
) -> Wiring:
    """The core behind storage, with the moderators' desk when ``moderation.chat_id`` is set.

    The one wiring of ``crisisbot run``, ``chat`` and ``triage``: the same gate, flows, storage
    and moderation listener, so a case opened in one is opened in all. ``upgrade`` brings an
    embedded database to the current schema.

    The desk's listener runs inside every update's transaction, so a crisis reply, its case and
    the alert to the moderators' chat are committed together. The desk reads the service's
    current core (for the person's language), so a flow reload (:mod:`bot.runtime.reload`)
    reaches it too.
    """
    core = build_core(config)
    storage = open_storage(config, storage_url=storage_url, upgrade=upgrade)
    if config.moderation.chat_id is None:
        return Wiring(Service(core, storage), storage, None)
    desk = ModerationDesk(storage, lambda: service.core, config.moderation)
    service = Service(core, storage, listeners=[desk.listener()])
    return Wiring(service, storage, desk)


def build_lasting_service(
    config: Config,
    *,
    storage_url: str | None = None,
    upgrade: bool = True,
) -> Wiring:
    """:func:`build_service` for a command that keeps the service until the process ends: built
    with the cyclic collector paused, then frozen (:func:`bot.lasting.lasting`); the caller calls
    :func:`gc.unfreeze` when it is done with the service."""
    with lasting():
        return build_service(config, storage_url=storage_url, upgrade=upgrade)


def open_storage(
    config: Config, *, storage_url: str | None = None, upgrade: bool = True
) -> Storage:
    """Storage at ``storage_url`` (else the configured one), its schema brought up or checked.

    Only an embedded SQLite database is upgraded here; a shared PostgreSQL database is checked,
    and migrated by ``crisisbot db upgrade`` before replicas roll out (docs/deploy.md).
    """
    url = storage_url or config.storage.url
    shown = redact_url(url)
    file = is_sqlite_file(url)
    try:
        storage = Storage.from_url(url)
    except StorageError as error:
        raise (classified(error, shown) if file else error) from None
    try:
        if file:  # damaged or read-only: stop here with what to do, not later with silence
            verify_sqlite(storage, shown)
        if upgrade and url.startswith("sqlite"):
            storage.ensure_schema()
        else:
            storage.check_schema()
    except BaseException:
        storage.close()
        raise
    return storage


def is_sqlite_file(url: str) -> bool:
    """Whether ``url`` names an SQLite database in a file (not in memory, not PostgreSQL)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return False
    return parsed.get_backend_name() == "sqlite" and parsed.database not in {None, "", ":memory:"}


def storage_ready(storage: Storage, url: str) -> Callable[[], None]:
    """What ``/readyz`` calls: the schema answers, and an SQLite file still takes a write."""
    shown = redact_url(url)
    file = is_sqlite_file(url)

    def ready() -> None:
        storage.check_schema()
        if file:
            check_ready(storage, shown)

    return ready
