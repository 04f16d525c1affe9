"""Outbox priority: urgent messages (crisis replies, check-ins, alerts about urgent cases) first.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

``priority`` is 0 for an ordinary message, higher for a more urgent one; rows already queued
become ordinary. The claim walks pending rows by priority, then id, in the partial index
``ix_outbox_pending_priority`` (priority descending, id), so the walk stays flat however many
sent rows housekeeping keeps. Additive, for rolling upgrades: replicas of the previous version
insert without a priority (ordinary) and still claim through ``ix_outbox_pending``, which stays
until a later migration drops it. Mirrored by ``bot/storage/tables.py``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PENDING = sa.text("sent_at IS NULL AND NOT dead")


def upgrade() -> None:
    """Add ``priority`` (default 0) and ``ix_outbox_pending_priority``."""
    op.add_column(
        "outbox",
        sa.Column("priority", sa.SmallInteger(), nullable=False, server_default=sa.text("0")),
    )
    op.create_index(
        "ix_outbox_pending_priority",
        "outbox",
        [sa.text("priority DESC"), "id"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def downgrade() -> None:
    """Drop ``ix_outbox_pending_priority`` and ``priority`` (queued rows keep their order)."""
    op.drop_index("ix_outbox_pending_priority", table_name="outbox")
    # In place, not as a batch copy: on SQLite copying ``outbox`` would drop the old table, and
    # with foreign keys on that deletes every ``case_outbox`` link (SQLite >= 3.35 drops a column).
    op.drop_column("outbox", "priority")
