"""The Telegram layer's table, on the storage's shared ``MetaData``.

``send_budget`` holds one row per rate-limit key (``bot`` for the whole bot, ``chat:<id>`` per
chat): the key's *theoretical arrival time* in the generic cell rate algorithm, seconds since the
epoch. Every replica reserves its sends here (:mod:`bot.telegram.ratelimit`), so Telegram's limits
hold for the bot as a whole. A row whose time has passed says nothing more than no row at all,
so such rows are deleted now and then. The migration
``bot/storage/migrations/versions/v0003_send_budget.py`` creates the table.
"""

from __future__ import annotations

from sqlalchemy import Column, Double, Table, Text

from bot.storage.tables import metadata

send_budget = Table(
    "send_budget",
    metadata,
    Column("key", Text, primary_key=True),
    Column("tat", Double, nullable=False),
)

__all__ = ["send_budget"]
