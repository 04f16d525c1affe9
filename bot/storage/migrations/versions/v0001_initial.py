"""Conversations, processed updates and the outbox.

Revision ID: 0001
Revises:
Create Date: 2024-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Worded as bot.storage.tables.is_pending, so the queries match this partial index.
_PENDING = sa.and_(sa.column("sent_at").is_(None), sa.not_(sa.column("dead", sa.Boolean())))


def upgrade() -> None:
    """Create the three tables and the indexes the outbox claim and crisis queries use."""
    op.create_table(
        "conversations",
        sa.Column("conversation_id", sa.Text(), primary_key=True),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("flow", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.Column("in_crisis", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index(
        "ix_conversations_in_crisis",
        "conversations",
        ["updated_at"],
        sqlite_where=sa.text("in_crisis"),
        postgresql_where=sa.text("in_crisis"),
    )
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("processed_at", sa.Double(), nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), primary_key=True),
        sa.Column("conversation_id", sa.Text(), nullable=False),
        sa.Column("chat_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("not_before", sa.Double(), nullable=False),
        sa.Column("leased_until", sa.Double(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.Double(), nullable=True),
        sa.Column("sent_ref", sa.Text(), nullable=True),
        sa.Column("dead", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index(
        "ix_outbox_pending_by_chat",
        "outbox",
        ["chat_id", "id"],
        sqlite_where=_PENDING,
        postgresql_where=_PENDING,
    )


def downgrade() -> None:
    """Drop everything the upgrade created."""
    op.drop_index("ix_outbox_pending_by_chat", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("processed_updates")
    op.drop_index("ix_conversations_in_crisis", table_name="conversations")
    op.drop_table("conversations")
