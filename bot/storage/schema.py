"""Alembic, driven from code: which schema revision a database is at, and moving it to head.

No ``alembic.ini`` exists: :func:`alembic_config` builds the configuration pointing at
``bot/storage/migrations``. Every function here works on a connection inside a transaction
opened by the storage, so a migration is one transaction and, on PostgreSQL, holds an advisory
lock that keeps two replicas from migrating at the same time.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, text

from bot.errors import StorageError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

#: pg_advisory_xact_lock key held while migrating ("crisisbt" as a big-endian integer).
MIGRATION_LOCK_KEY = int.from_bytes(b"crisisbt", "big", signed=True)

UPGRADE_HINT = "Run `crisisbot db upgrade`"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for crisisbot's migrations, optionally bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "v%%(rev)s_%%(slug)s")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def _scripts() -> ScriptDirectory:
    """The migration scripts, read once per process."""
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The revision this version of crisisbot expects (the single head of the chain)."""
    head = _scripts().get_current_head()
    if head is None:  # pragma: no cover - the package always ships its first migration
        raise StorageError(f"No migrations found in {MIGRATIONS_DIR}; reinstall crisisbot.")
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision recorded in the database, or ``None`` for a database without our tables."""
    return MigrationContext.configure(connection).get_current_revision()


def is_known_revision(revision: str) -> bool:
    """Whether ``revision`` is part of this version's migration chain."""
    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:
        return False


def check(connection: Connection, shown_url: str) -> None:
    """Raise :class:`StorageError` unless the database is at :func:`head_revision`."""
    current = current_revision(connection)
    head = head_revision()
    if current == head:
        return
    if current is None:
        raise StorageError(
            f"The database at {shown_url} has no crisisbot tables yet. "
            f"{UPGRADE_HINT} to create them."
        )
    if not is_known_revision(current):
        raise StorageError(
            f"The database at {shown_url} is at schema revision {current}, which this version "
            f"of crisisbot does not know (it expects {head}); it was probably upgraded by a newer "
            "crisisbot. Run that newer version, or point the storage URL at another database."
        )
    raise StorageError(
        f"The database at {shown_url} is at schema revision {current}; this version of "
        f"crisisbot needs {head}. {UPGRADE_HINT} to bring it up to date."
    )


def upgrade(connection: Connection) -> None:
    """Apply every pending migration on ``connection`` (inside the caller's transaction)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    command.upgrade(alembic_config(connection), "head")


def ensure(connection: Connection, shown_url: str) -> None:
    """Upgrade a new or older database to head; refuse a database from a newer crisisbot."""
    current = current_revision(connection)
    if current == head_revision():
        return
    if current is not None and not is_known_revision(current):
        check(connection, shown_url)
    upgrade(connection)


def new_revision(message: str) -> Path:
    """Write an empty migration after the current head (for developers; see migrations/README)."""
    next_id = f"{int(head_revision()) + 1:04d}"
    script = command.revision(alembic_config(), message=message, rev_id=next_id)
    _scripts.cache_clear()
    if script is None or isinstance(script, list):  # pragma: no cover - one plain revision
        raise StorageError(f"Alembic did not write the revision {next_id!r}.")
    return Path(script.path)


__all__ = [
    "MIGRATIONS_DIR",
    "MIGRATION_LOCK_KEY",
    "alembic_config",
    "check",
    "current_revision",
    "ensure",
    "head_revision",
    "is_known_revision",
    "new_revision",
    "upgrade",
]
