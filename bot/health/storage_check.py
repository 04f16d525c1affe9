"""Start-up and readiness checks of an embedded SQLite database: readable, whole, writable.

A database file that is damaged or cannot be written used to pass the start: the bot logged
"running" and then answered nothing, a crisis message included. ``crisisbot run`` (and every
command that opens storage through :func:`bot.app.open_storage`) now stops with exit 2 and a
message that says what to do: :func:`verify_sqlite` runs ``PRAGMA quick_check`` and a write that
is rolled back. The webhook's ``/readyz`` runs :func:`check_ready`, which repeats the write probe,
so it answers 503 while storage cannot take updates.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from bot.errors import StorageError
from bot.storage import Storage

_DAMAGED_MARKERS = ("malformed", "not a database", "corrupt")
_READ_ONLY_MARKERS = ("readonly", "read-only", "read only")
_PROBE_TABLE = "crisisbot_write_probe"


class _RolledBack(Exception):
    """Raised inside the probe transaction so that it is rolled back."""


def damaged(shown: str, detail: str) -> StorageError:
    """The error for a database file that fails its integrity check."""
    return StorageError(
        f"The database at {shown} is damaged ({detail}). Stop every crisisbot process that uses "
        "it, then restore the file from your latest backup (docs/deploy.md), or move it aside "
        "to start with an empty database; conversations and cases in it are then lost."
    )


def read_only(shown: str, detail: str) -> StorageError:
    """The error for a database that can be read but not written."""
    return StorageError(
        f"The database at {shown} cannot be written ({detail}). Give the user crisisbot runs "
        "as write permission on the file and on its folder (SQLite writes -wal and -shm files "
        "beside it), and check that the disk is not mounted read-only or full."
    )


def verify_sqlite(storage: Storage, shown: str) -> None:
    """Raise :class:`StorageError` unless the database passes ``quick_check`` and takes a write.

    ``shown`` is the database's URL as messages show it.
    """
    try:
        with storage.transaction(write=False) as connection:
            rows = connection.exec_driver_sql("PRAGMA quick_check").scalars()
            result = [str(row) for row in rows]
    except (StorageError, DBAPIError) as error:
        raise classified(error, shown) from None
    if result != ["ok"]:
        raise damaged(shown, "; ".join(result[:3]))
    check_ready(storage, shown)


def check_ready(storage: Storage, shown: str) -> None:
    """Raise :class:`StorageError` unless a write transaction can be opened, written and undone."""
    try:
        with storage.transaction(write=True) as connection:
            connection.exec_driver_sql(f"CREATE TABLE {_PROBE_TABLE} (x INTEGER)")
            raise _RolledBack
    except _RolledBack:
        return
    except (StorageError, DBAPIError) as error:
        raise classified(error, shown) from None


def classified(error: Exception, shown: str) -> StorageError:
    """A damaged or read-only database's error for ``error``, or ``error`` as a StorageError."""
    # A StorageError keeps the driver's error as its cause, or as its context when raised
    # "from None" (its own message adds a hint about permissions that may not apply).
    cause = (error.__cause__ or error.__context__) if isinstance(error, StorageError) else error
    detail = " ".join(str(getattr(cause, "orig", None) or cause or error).split())
    lowered = detail.lower()
    if any(marker in lowered for marker in _DAMAGED_MARKERS):
        return damaged(shown, detail)
    if any(marker in lowered for marker in _READ_ONLY_MARKERS):
        return read_only(shown, detail)
    return error if isinstance(error, StorageError) else StorageError(f"{shown}: {detail}")
