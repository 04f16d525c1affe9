"""Alembic migrations of the crisisbot schema (run from code by :mod:`bot.storage.schema`)."""
