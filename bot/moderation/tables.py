"""The moderation tables as SQLAlchemy Core objects, on the storage's shared ``MetaData``.

The migration ``bot/storage/migrations/versions/v0002_moderation.py`` creates them; this module
describes the result, column for column, so the two must change together.

- ``cases``: one row per escalation. At most one unresolved case per conversation (a partial
  unique index); a resolved case is never reopened, a new risk signal opens a new one.
- ``case_messages``: the transcript excerpt of a case (person, bot, moderator, and moderators'
  notes), bounded per case, removed after ``moderation.retention_days`` and by ``/forget``.
- ``audit_log``: every moderator action and every refused attempt. Never holds message text.
- ``case_timers``: re-alert timers, fired once across replicas (claimed with a conditional
  UPDATE on ``fired_at IS NULL``).
- ``case_outbox``: which outbox message belongs to which case, so a moderator's reply to a
  relayed message (known by the Telegram message id in ``outbox.sent_ref``) finds its case.

Times are seconds since the epoch as double precision floats, as in :mod:`bot.storage.tables`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    Table,
    Text,
    false,
    text,
)

from bot.storage.tables import metadata

#: Integer primary keys: 64-bit on PostgreSQL, SQLite's rowid alias otherwise (as ``outbox.id``).
_ID = Integer().with_variant(BigInteger, "postgresql")

#: Rows of unresolved cases; worded the same in the migration so both dialects render it alike.
UNRESOLVED_SQL = "status <> 'resolved'"

cases = Table(
    "cases",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("conversation_id", Text, nullable=False),
    Column("chat_id", Text, nullable=True),  # where the person's messages go; None once forgotten
    Column("risk", Text, nullable=True),  # None: the person asked for a human without a risk signal
    Column("risk_rank", Integer, nullable=False, server_default=text("0")),
    Column("category", Text, nullable=True),
    Column("rule", Text, nullable=True),
    Column("status", Text, nullable=False),  # open, claimed, handoff, resolved
    Column("human_requested", Boolean, nullable=False, server_default=false()),
    Column("claimed_by", BigInteger, nullable=True),
    Column("opened_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
    Column("resolved_at", Double, nullable=True),
    Column("resolved_by", Text, nullable=True),
    Column("resolution", Text, nullable=True),
    Column("alert_count", Integer, nullable=False, server_default=text("0")),
)

case_messages = Table(
    "case_messages",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("case_id", _ID, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("at", Double, nullable=False),
    Column("who", Text, nullable=False),  # person, bot, moderator, note
    Column("text", Text, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("at", Double, nullable=False),
    Column("actor_id", Text, nullable=False),  # a Telegram user id, or "cli:<name>", "person"
    Column("action", Text, nullable=False),
    Column("case_id", _ID, nullable=True),  # no foreign key: the audit outlives anything
    Column("allowed", Boolean, nullable=False),
    Column("detail", Text, nullable=True),  # what changed, never message text
)

case_timers = Table(
    "case_timers",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("case_id", _ID, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("kind", Text, nullable=False),  # realert
    Column("due_at", Double, nullable=False),
    Column("fired_at", Double, nullable=True),
)

case_outbox = Table(
    "case_outbox",
    metadata,
    Column(
        "outbox_id",
        _ID,
        ForeignKey("outbox.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("case_id", _ID, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
)

Index(
    "ux_cases_unresolved_conversation",
    cases.c.conversation_id,
    unique=True,
    sqlite_where=text(UNRESOLVED_SQL),
    postgresql_where=text(UNRESOLVED_SQL),
)
Index("ix_cases_queue", cases.c.status, cases.c.risk_rank, cases.c.opened_at)
Index("ix_case_messages_case", case_messages.c.case_id, case_messages.c.id)
Index("ix_case_messages_at", case_messages.c.at)
Index("ix_audit_log_case", audit_log.c.case_id, audit_log.c.at)
Index(
    "ix_case_timers_due",
    case_timers.c.due_at,
    sqlite_where=text("fired_at IS NULL"),
    postgresql_where=text("fired_at IS NULL"),
)
Index("ix_case_timers_case", case_timers.c.case_id)
Index("ix_case_outbox_case", case_outbox.c.case_id)

__all__ = ["UNRESOLVED_SQL", "audit_log", "case_messages", "case_outbox", "case_timers", "cases"]
