"""Fixtures for moderation: the real core and storage, a desk on an injected clock, people.

Every person, moderator id and message here is invented. Chats are plain numbers as text, and
conversation ids are not Telegram's, to show that moderation does not depend on the channel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.config import ModerationConfig, RealertConfig
from bot.moderation import ModerationDesk
from bot.storage import Storage
from tests.auxil.moderation_people import (
    EXAMPLE_CONFIG,
    MOD_CHAT,
    MODERATORS,
    Clock,
    Person,
)


@pytest.fixture
def clock() -> Clock:
    """The desk's and the people's clock."""
    return Clock()


@pytest.fixture(scope="session")
def core() -> Any:
    """The core as `crisisbot run` builds it with a moderators' chat (handoff offered)."""
    from bot.app import build_core
    from bot.config import load_config

    return build_core(load_config(EXAMPLE_CONFIG), handoff_available=True)


@pytest.fixture
def moderation() -> ModerationConfig:
    """A moderators' chat with two moderators and the default re-alert times."""
    return ModerationConfig(
        chat_id=MOD_CHAT,
        moderators=MODERATORS,
        realert_minutes=RealertConfig(imminent=5, other=15),
        retention_days=30,
    )


@pytest.fixture
def make_desk(core: Any, moderation: ModerationConfig, clock: Clock) -> Callable[..., Any]:
    """A desk on any storage (a second replica, or the same file after a restart)."""

    def build(storage: Storage, config: ModerationConfig | None = None) -> ModerationDesk:
        return ModerationDesk(storage, core, config or moderation, clock=clock)

    return build


@pytest.fixture
def desk(storage: Storage, make_desk: Callable[..., ModerationDesk]) -> ModerationDesk:
    """The desk on the test's database."""
    return make_desk(storage)


@pytest.fixture
def service(core: Any, storage: Storage, desk: ModerationDesk) -> Any:
    """The service with the desk's listener, as `crisisbot run` wires it."""
    from bot.core.service import Service

    return Service(core, storage, listeners=[desk.listener()])


@pytest.fixture
def person(service: Any, clock: Clock) -> Person:
    """The first person."""
    return Person(service, clock)
