"""Alembic environment: migrate over the connection :mod:`bot.storage.schema` hands in.

There is no alembic.ini and no logging setup here; the storage opens the connection (with its
SQLite pragmas or PostgreSQL settings) and the transaction, and passes the connection in
``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from bot.errors import StorageError


def run_migrations() -> None:
    """Run the pending migrations in the caller's transaction."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise StorageError(
            "The crisisbot migrations run through the storage, not the alembic command line: "
            "run `crisisbot db upgrade` (or Storage.upgrade() in code)."
        )
    # No target_metadata: the migrations are written by hand and upgrading does not compare
    # the models with the database. Loading every package's tables here imported the Telegram
    # layer (python-telegram-bot included) into `triage` and `chat`, about 0.2 s at each start.
    context.configure(connection=connection, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
