"""Per-update statements sent through the database driver inside a SQLAlchemy transaction.

An update runs a handful of short statements; through SQLAlchemy's execution layer (events,
compiled-cache lookup, result objects) each cost about 50 µs of CPU, more than SQLite takes to run
it. :class:`Sql` holds one statement written once in both drivers' placeholder styles
(``:name`` for sqlite3, ``%(name)s`` for psycopg) and runs it on the cursor of the connection the
transaction already holds, so it commits or rolls back with everything else.

Driver errors are raised as SQLAlchemy's (``OperationalError``, ``IntegrityError``, ...), and a
connection the server dropped is invalidated, exactly as SQLAlchemy does for its own statements:
callers handle one exception tree either way.

On PostgreSQL each statement waits for its answer, a round trip to the server. :func:`pipelined`
sends several statements of one transaction without waiting (psycopg's pipeline mode): the
server still runs them one after the other, each with its own snapshot, and the client waits
once, when it first reads a result or at the end of the block. SQLite runs in-process: there it
changes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

_NAMED = re.compile(r"(?<![:\w]):(\w+)")
#: ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` built once: ``dumps`` with
#: options builds a new encoder on every call (about 1 µs of CPU; two calls per update).
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def compact_json(value: Any) -> str:
    """``value`` as the compact JSON text stored in a column (non-ASCII kept as it is)."""
    return _COMPACT.encode(value)


class Sql:
    """One statement, ready for either driver."""

    __slots__ = ("named", "pyformat")

    def __init__(self, statement: str) -> None:
        if "%" in statement:
            raise ValueError("write % as a parameter: psycopg would read it as a placeholder")
        self.named = statement
        self.pyformat = _NAMED.sub(r"%(\1)s", statement)

    def run(
        self,
        connection: Connection,
        parameters: Mapping[str, Any],
        *,
        many: Sequence[Mapping[str, Any]] | None = None,
    ) -> Any:
        """Execute on ``connection``'s driver connection; return the driver's cursor.

        With ``many``, the statement runs once per mapping in it (``executemany``) instead.
        """
        statement = self.pyformat if connection.dialect.name == "postgresql" else self.named
        raw = connection.connection
        cursor = raw.cursor()
        try:
            if many is not None:
                cursor.executemany(statement, many)
            else:
                cursor.execute(statement, parameters)
        except connection.dialect.loaded_dbapi.Error as error:
            raise _translated(connection, error, statement, cursor) from error
        return cursor

    def one_value(self, connection: Connection, parameters: Mapping[str, Any]) -> Any:
        """The first column of the first row, or ``None`` when there is no row."""
        cursor = self.run(connection, parameters)
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()
        return None if row is None else row[0]

    def row(self, connection: Connection, parameters: Mapping[str, Any]) -> Any:
        """The first row (a tuple), or ``None``."""
        cursor = self.run(connection, parameters)
        try:
            return cursor.fetchone()
        finally:
            cursor.close()

    def all(self, connection: Connection, parameters: Mapping[str, Any]) -> list[Any]:
        """Every row (tuples)."""
        cursor = self.run(connection, parameters)
        try:
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def execute_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement once per mapping in ``rows`` (the driver's ``executemany``)."""
        self.run(connection, {}, many=rows).close()

    def execute(self, connection: Connection, parameters: Mapping[str, Any]) -> int:
        """Run the statement; return how many rows it changed."""
        cursor = self.run(connection, parameters)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()


def rows_of(connection: Connection, cursor: Any) -> list[Any]:
    """Every row of a cursor :meth:`Sql.run` returned (``None``: nothing ran), closing it.

    After a :func:`pipelined` block, this reads the answer its sync brought.
    """
    if cursor is None:
        return []
    try:
        return list(cursor.fetchall())
    except connection.dialect.loaded_dbapi.Error as error:
        raise _translated(connection, error, None, cursor) from error
    finally:
        cursor.close()


def _translated(
    connection: Connection, error: Any, statement: str | None, cursor: Any = None
) -> Exception:
    """``error`` from the driver as SQLAlchemy raises it; a dropped connection is invalidated."""
    raw = connection.connection
    dropped = connection.dialect.is_disconnect(error, raw, cursor)
    if cursor is not None:
        # a cursor of a broken pipeline or connection: nothing left to close
        with suppress(connection.dialect.loaded_dbapi.Error):
            cursor.close()
    if dropped:
        connection.invalidate(error)
    translated: Exception = DBAPIError.instance(
        statement,
        None,
        error,
        connection.dialect.loaded_dbapi.Error,
        hide_parameters=True,
        connection_invalidated=dropped,
        dialect=connection.dialect,
    )
    return translated


@contextmanager
def pipelined(connection: Connection) -> Iterator[None]:
    """Send the block's statements without waiting for each answer (PostgreSQL only).

    Read the statements' rows after the block (:func:`rows_of`): the block's
    end waits once for every answer, and reading inside it would wait there too. An error of any
    of them is raised, as SQLAlchemy's, at the latest when the block ends; the statements after
    it did not run, and the transaction is to be rolled back, as after any failed statement.
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    driver = connection.connection.driver_connection
    try:
        with driver.pipeline():  # type: ignore[union-attr]
            yield
    except DBAPIError:
        raise
    except connection.dialect.loaded_dbapi.Error as error:
        raise _translated(connection, error, None) from error


class ListSql:
    """One statement over a list of values, written for each dialect.

    Neither driver binds a list the same way: PostgreSQL takes an array (``unnest(:values)``,
    ``= ANY(:values)``), SQLite a JSON array text read with ``json_each(:values)``. Name the
    list ``:values`` in both statements; :meth:`bind` turns the list into what the driver takes.
    """

    __slots__ = ("_by_dialect",)

    def __init__(self, *, sqlite: str, postgresql: str) -> None:
        self._by_dialect = {"sqlite": Sql(sqlite), "postgresql": Sql(postgresql)}

    def on(self, connection: Connection) -> Sql:
        """The statement for ``connection``'s dialect."""
        return self._by_dialect[connection.dialect.name]

    @staticmethod
    def bind(connection: Connection, values: Sequence[Any]) -> Any:
        """``values`` as the driver of ``connection`` binds a list."""
        if connection.dialect.name == "postgresql":
            return list(values)
        return json.dumps(list(values), ensure_ascii=False)


__all__ = ["ListSql", "Sql", "compact_json", "pipelined", "rows_of"]
