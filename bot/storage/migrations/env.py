"""Alembic environment: migrate over the connection :mod:`bot.storage.schema` hands in.

There is no alembic.ini and no logging setup here; the storage opens the connection (with its
SQLite pragmas or PostgreSQL settings) and the transaction, and passes the connection in
``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from bot.errors import StorageError
from bot.storage.tables import load_all_tables


def run_migrations() -> None:
    """Run the pending migrations in the caller's transaction."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise StorageError(
            "The crisisbot migrations run through the storage, not the alembic command line: "
            "run `crisisbot db upgrade` (or Storage.upgrade() in code)."
        )
    context.configure(
        connection=connection,
        target_metadata=load_all_tables(),
        render_as_batch=True,  # SQLite changes columns by copying the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
