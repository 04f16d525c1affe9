"""Inbox: updates acknowledged once their raw JSON is stored, decided afterwards.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

The webhook answers 200 (and the poller moves its offset) once an update's JSON is committed
here; the process's decider then claims rows, each chat's oldest first, and decides them through
the usual group commit, which deletes each row in the transaction that commits its decision
(``bot/storage/inbox.py``). ``lane`` is the chat an update belongs to (its order), ``dead`` a
row moved aside after failing too often. Additive, for rolling upgrades: replicas of the previous
version never read or write the table, and their decisions leave any row of the same update to
be found processed. Mirrored by ``bot/storage/tables.py``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

WAITING = sa.text("NOT dead")


def upgrade() -> None:
    """Create ``inbox`` and ``ix_inbox_waiting_by_lane``."""
    op.create_table(
        "inbox",
        sa.Column("update_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("lane", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.Double(), nullable=False),
        sa.Column("not_before", sa.Double(), nullable=False),
        sa.Column("leased_until", sa.Double(), nullable=True),
        sa.Column("leased_by", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("dead", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_index(
        "ix_inbox_waiting_by_lane",
        "inbox",
        ["lane", "update_id"],
        sqlite_where=WAITING,
        postgresql_where=WAITING,
    )


def downgrade() -> None:
    """Drop ``inbox`` (rows still waiting in it are lost: decide them before downgrading)."""
    op.drop_index("ix_inbox_waiting_by_lane", table_name="inbox")
    op.drop_table("inbox")
