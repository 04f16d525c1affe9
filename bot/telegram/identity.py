"""One database serves one bot: forget another bot's processed update ids at start.

Telegram's ``update_id`` counts per bot. The storage's deduplication keeps the ids it processed,
so a database first used with one bot and then with another (a test bot swapped for the real
one) would drop the new bot's updates as already processed, silently. At start,
:func:`adopt_bot` compares the bot Telegram names with the one recorded in ``bot_identity``: the
same bot changes nothing, nor does the first start on a database that records no bot yet; another
bot clears ``processed_updates`` (those ids belong to the old
bot) and is recorded, with a warning in the log. Two different bots must not share a database
at the same time.

Replicas start together: two may find no row and both record theirs. The first record is written
with ``ON CONFLICT DO NOTHING`` (PostgreSQL waits for the other's insert to commit, then skips),
so the second start reads the row the first wrote instead of failing on the primary key.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import delete, select, text, update

from bot.storage import Storage
from bot.storage.tables import processed_updates
from bot.telegram.tables import bot_identity

_LOGGER = logging.getLogger(__name__)
_SLOT = 1
_RECORD_FIRST_BOT = text(
    "INSERT INTO bot_identity (slot, bot_id, since) VALUES (:slot, :bot_id, :since) "
    "ON CONFLICT (slot) DO NOTHING"
)


def adopt_bot(storage: Storage, bot_id: int, *, now: float | None = None) -> int:
    """Record ``bot_id`` as the database's bot; return how many old update ids were forgotten."""
    stamp = time.time() if now is None else now
    with storage.transaction(write=True) as connection:
        # A new database, or one from before bot ids were recorded: this bot is its first.
        connection.execute(_RECORD_FIRST_BOT, {"slot": _SLOT, "bot_id": bot_id, "since": stamp})
        recorded = connection.execute(
            select(bot_identity.c.bot_id).where(bot_identity.c.slot == _SLOT)
        ).scalar_one()
        if recorded == bot_id:
            return 0
        forgotten = int(connection.execute(delete(processed_updates)).rowcount or 0)
        connection.execute(
            update(bot_identity)
            .where(bot_identity.c.slot == _SLOT)
            .values(bot_id=bot_id, since=stamp)
        )
    _LOGGER.warning(
        "this database served another bot (id %s) until now; forgot its %d processed update "
        "ids so the updates of this bot (id %s) are not taken for duplicates",
        recorded,
        forgotten,
        bot_id,
    )
    return forgotten
