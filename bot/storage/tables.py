"""The tables as SQLAlchemy Core objects, used by the queries.

The schema itself is made by the Alembic migrations in ``bot/storage/migrations``; this module
describes the result. Other packages put their tables on the same :data:`metadata` in a module
named ``tables`` (``bot/moderation/tables.py``); :func:`load_all_tables` imports them all.
``tests/storage/test_schema.py`` checks that the migrations and the tables agree, so a new
migration must be mirrored in a ``tables`` module (and the other way round).

Times are seconds since the epoch (``time.time()``) as double precision floats.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    and_,
    false,
    not_,
    text,
)
from sqlalchemy.sql import ColumnElement, FromClause

import bot

metadata = MetaData()

#: One row per conversation: the JSON of ``ConversationRecord.to_dict()`` plus a few columns
#: copied out of it for queries (which flow and state, when, whether in crisis mode).
conversations = Table(
    "conversations",
    metadata,
    Column("conversation_id", Text, primary_key=True),
    Column("record", Text, nullable=False),
    Column("flow", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("updated_at", Double, nullable=False),
    Column("in_crisis", Boolean, nullable=False, server_default=false()),
)

#: Telegram update ids already handled, so a re-delivered update is skipped.
processed_updates = Table(
    "processed_updates",
    metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("processed_at", Double, nullable=False),
)

#: Messages to send, written in the same transaction as the state change that caused them.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer().with_variant(BigInteger, "postgresql"), primary_key=True),
    Column("conversation_id", Text, nullable=False),
    Column("chat_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", Double, nullable=False),
    Column("not_before", Double, nullable=False),
    Column("leased_until", Double, nullable=True),
    Column("leased_by", Text, nullable=True),  # which sender holds the lease (see v0005)
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text, nullable=True),
    Column("sent_at", Double, nullable=True),
    Column("sent_ref", Text, nullable=True),
    Column("dead", Boolean, nullable=False, server_default=false()),
    # 0 ordinary, higher more urgent: claimed first, a chat's own order kept (see v0006)
    Column("priority", SmallInteger, nullable=False, server_default=text("0")),
)


def is_pending(table: FromClause) -> ColumnElement[bool]:
    """Whether an outbox row (of ``table``, ``outbox`` or an alias) still waits to be sent.

    The partial index below uses the same expression, so each dialect renders both alike and
    its planner can match them (SQLite compares the wording).
    """
    return and_(table.c.sent_at.is_(None), not_(table.c.dead))


Index(
    "ix_outbox_pending_by_chat",
    outbox.c.chat_id,
    outbox.c.id,
    sqlite_where=is_pending(outbox),
    postgresql_where=is_pending(outbox),
)
#: The claim's walk over pending rows, oldest first, as the previous version claimed (v0005);
#: kept while replicas of that version may still run during a rolling upgrade.
Index(
    "ix_outbox_pending",
    outbox.c.id,
    sqlite_where=text("sent_at IS NULL AND NOT dead"),
    postgresql_where=text("sent_at IS NULL AND NOT dead"),
)
#: The claim's walk over pending rows, most urgent first, then oldest, whatever number of sent
#: rows is kept (v0006).
Index(
    "ix_outbox_pending_priority",
    outbox.c.priority.desc(),
    outbox.c.id,
    sqlite_where=text("sent_at IS NULL AND NOT dead"),
    postgresql_where=text("sent_at IS NULL AND NOT dead"),
)
#: Updates acknowledged to Telegram once stored here, waiting to be decided (see v0007 and
#: ``bot/storage/inbox.py``): ``lane`` is the chat whose order they keep, ``dead`` a row moved
#: aside after failing too often.
inbox = Table(
    "inbox",
    metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("lane", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("received_at", Double, nullable=False),
    Column("not_before", Double, nullable=False),
    Column("leased_until", Double, nullable=True),
    Column("leased_by", Text, nullable=True),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("dead", Boolean, nullable=False, server_default=false()),
    Column("last_error", Text, nullable=True),
)
#: A lane's oldest waiting row, found without walking the rows moved aside.
Index(
    "ix_inbox_waiting_by_lane",
    inbox.c.lane,
    inbox.c.update_id,
    sqlite_where=text("NOT dead"),
    postgresql_where=text("NOT dead"),
)
Index(
    "ix_conversations_in_crisis",
    conversations.c.updated_at,
    sqlite_where=text("in_crisis"),
    postgresql_where=text("in_crisis"),
)


def load_all_tables() -> MetaData:
    """:data:`metadata` with the tables of every ``bot.<package>.tables`` module registered."""
    for folder in bot.__path__:
        for module in sorted(Path(folder).glob("*/tables.py")):
            importlib.import_module(f"bot.{module.parent.name}.tables")
    return metadata


__all__ = [
    "conversations",
    "inbox",
    "is_pending",
    "load_all_tables",
    "metadata",
    "outbox",
    "processed_updates",
]
