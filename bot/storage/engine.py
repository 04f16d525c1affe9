"""Turn a storage URL into a configured SQLAlchemy engine, or a :class:`StorageError` that helps.

Supported URLs:

- ``sqlite:///data/crisisbot.db`` (relative to the working directory) and
  ``sqlite:////abs/path.db``: the parent folder is created; WAL journal, ``synchronous=NORMAL``,
  foreign keys on, a busy timeout, and write transactions opened with ``BEGIN IMMEDIATE`` so a
  read-modify-write of one conversation is serialised across threads and processes.
- ``sqlite:///:memory:``: one shared connection (``StaticPool``); the caller serialises access
  (see :attr:`EngineSetup.shared_connection`).
- ``postgresql://user:password@host:port/db`` (also ``postgres://`` and ``postgresql+psycopg://``):
  the psycopg 3 driver, READ COMMITTED. No ping before each checkout (one round trip per
  transaction saved): a connection the server dropped fails its first statement, SQLAlchemy
  discards it and the pool, and :meth:`bot.storage.Storage.retrying` runs the work once more.

Passwords never appear in messages: every URL shown is rendered with :func:`redact_url`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from bot.errors import StorageError
from bot.storage.driver import Sql

#: Execution option read by the SQLite ``begin`` hook: ``True`` opens ``BEGIN IMMEDIATE``.
WRITE_OPTION = "crisisbot_write"

SQLITE_BUSY_TIMEOUT_MS = 15_000
POSTGRES_CONNECT_TIMEOUT_S = 10

_POSTGRES_NAMES = {"postgresql", "postgres", "postgresql+psycopg"}
_SQLITE_NAMES = {"sqlite", "sqlite+pysqlite"}
_MEMORY_DATABASES = {None, "", ":memory:"}


@dataclass(frozen=True, slots=True)
class EngineSetup:
    """A configured engine and what the storage must know about it."""

    engine: Engine
    shown_url: str  # the URL with its password hidden, for messages and logs
    shared_connection: bool  # True for in-memory SQLite: one connection, callers must serialise


def redact_url(url: str) -> str:
    """The URL as text with any password replaced by ``***``; unparsable text is hidden whole."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "<unparsable storage URL>"
    return url if parsed.password is None else parsed.render_as_string(hide_password=True)


def build_engine(url: str) -> EngineSetup:
    """Create the engine for ``url`` without connecting; raise :class:`StorageError` if unusable."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(
            f"The storage URL {redact_url(url)!r} is not a valid database URL. Use "
            "sqlite:///data/crisisbot.db, sqlite:////absolute/path.db, sqlite:///:memory: or "
            "postgresql://user:password@host:5432/dbname."
        ) from None
    shown = redact_url(url)
    if parsed.drivername in _SQLITE_NAMES:
        return _sqlite_engine(parsed, shown)
    if parsed.drivername in _POSTGRES_NAMES:
        return _postgres_engine(parsed, shown)
    raise StorageError(
        f"The storage URL {shown!r} names the database kind "
        f"{parsed.drivername!r}, which crisisbot does not support. Use a sqlite:/// URL for the "
        "embedded database or a postgresql:// URL for several replicas."
    )


def connect_error(setup: EngineSetup, exc: DBAPIError, action: str) -> StorageError:
    """A :class:`StorageError` for a driver failure, naming the URL without password or SQL."""
    reason = " ".join(str(exc.orig).split()) if exc.orig is not None else type(exc).__name__
    password = setup.engine.url.password
    if password:
        reason = reason.replace(str(password), "***")
    hint = (
        "Check that the file's folder is writable and no other program holds the database."
        if setup.engine.dialect.name == "sqlite"
        else "Check that the server is running and reachable, and the user, password and "
        "database name are right."
    )
    ending = "" if reason.endswith((".", "?", "!")) else "."
    return StorageError(
        f"Could not {action} the database at {setup.shown_url}: {reason}{ending} {hint}"
    )


def _sqlite_engine(url: URL, shown: str) -> EngineSetup:
    memory = url.database in _MEMORY_DATABASES
    if memory:
        engine = create_engine(
            url.set(drivername="sqlite+pysqlite", database=":memory:"),
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
            hide_parameters=True,
        )
    else:
        _create_parent_folder(Path(str(url.database)), shown)
        engine = create_engine(
            url.set(drivername="sqlite+pysqlite"),
            connect_args={"check_same_thread": False},
            hide_parameters=True,
        )
    event.listen(engine, "connect", _sqlite_on_connect(wal=not memory))
    event.listen(engine, "begin", _sqlite_begin)
    return EngineSetup(engine=engine, shown_url=shown, shared_connection=memory)


def _create_parent_folder(path: Path, shown_url: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(
            f"Could not create the folder {str(path.parent)!r} for the database {shown_url}: "
            f"{exc.strerror}. Create it yourself or choose a writable path."
        ) from None


def _sqlite_on_connect(*, wal: bool) -> Callable[[Any, ConnectionPoolEntry], None]:
    """A ``connect`` hook that sets the pragmas and hands BEGIN over to SQLAlchemy."""

    def on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let the begin hook emit BEGIN itself (the sqlite3 module's own BEGIN is deferred
        # and skips SELECT and DDL, see the SQLAlchemy SQLite transaction notes).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    return on_connect


_BEGIN_WRITE = Sql("BEGIN IMMEDIATE")
_BEGIN_READ = Sql("BEGIN")


def _sqlite_begin(connection: Any) -> None:
    """Open write transactions with the write lock taken at once; reads stay deferred."""
    write = connection.get_execution_options().get(WRITE_OPTION, False)
    (_BEGIN_WRITE if write else _BEGIN_READ).run(connection, {}).close()


def _postgres_engine(url: URL, shown: str) -> EngineSetup:
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
    engine = create_engine(
        url.set(drivername="postgresql+psycopg"),
        isolation_level="READ COMMITTED",
        connect_args=connect_args,
        hide_parameters=True,
    )
    return EngineSetup(engine=engine, shown_url=shown, shared_connection=False)


__all__ = [
    "WRITE_OPTION",
    "EngineSetup",
    "build_engine",
    "connect_error",
    "redact_url",
]
