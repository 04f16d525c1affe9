"""The Telegram layer's tables, on the storage's shared ``MetaData``.

``send_budget`` holds one row per rate-limit key (``bot`` for the whole bot, ``chat:<id>`` per
chat): the key's *theoretical arrival time* in the generic cell rate algorithm, seconds since the
epoch. Every replica reserves its sends here (:mod:`bot.telegram.ratelimit`), so Telegram's limits
hold for the bot as a whole. A row whose time has passed says nothing more than no row at all,
so such rows are deleted now and then. The migration
``bot/storage/migrations/versions/v0003_send_budget.py`` creates the table.

``bot_identity`` holds one row (``slot`` 1): the Telegram id of the bot the database serves.
``update_id`` counts per bot, so a database reused with another bot would take every new update
for one already processed; :mod:`bot.telegram.identity` forgets the old bot's processed update
ids when the bot changes. ``v0004_bot_identity.py`` creates the table.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Double, Integer, Table, Text

from bot.storage.tables import metadata

send_budget = Table(
    "send_budget",
    metadata,
    Column("key", Text, primary_key=True),
    Column("tat", Double, nullable=False),
)

bot_identity = Table(
    "bot_identity",
    metadata,
    Column("slot", Integer, primary_key=True, autoincrement=False),
    Column("bot_id", BigInteger, nullable=False),
    Column("since", Double, nullable=False),
)

__all__ = ["bot_identity", "send_budget"]
