"""Alembic migrations of the crisisbot schema (run from code by :mod:`bot.storage.schema`)."""

__all__: list[str] = []  # read by Alembic from its folder, not imported by name
