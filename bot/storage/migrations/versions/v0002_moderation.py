"""Moderation: cases, their transcripts, the audit log, re-alert timers, case outbox messages.

Revision ID: 0002
Revises: 0001
Create Date: 2024-11-28

Mirrored by ``bot/moderation/tables.py``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.Integer().with_variant(sa.BigInteger(), "postgresql")
# Worded as bot.moderation.tables.UNRESOLVED_SQL.
_UNRESOLVED = sa.text("status <> 'resolved'")
_UNFIRED = sa.text("fired_at IS NULL")


def upgrade() -> None:
    """Create the five moderation tables and their indexes."""
    op.create_table(
        "cases",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("conversation_id", sa.Text(), nullable=False),
        sa.Column("chat_id", sa.Text(), nullable=True),
        sa.Column("risk", sa.Text(), nullable=True),
        sa.Column("risk_rank", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("rule", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("human_requested", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("claimed_by", sa.BigInteger(), nullable=True),
        sa.Column("opened_at", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.Column("resolved_at", sa.Double(), nullable=True),
        sa.Column("resolved_by", sa.Text(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("alert_count", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    op.create_index(
        "ux_cases_unresolved_conversation",
        "cases",
        ["conversation_id"],
        unique=True,
        sqlite_where=_UNRESOLVED,
        postgresql_where=_UNRESOLVED,
    )
    op.create_index("ix_cases_queue", "cases", ["status", "risk_rank", "opened_at"])
    op.create_table(
        "case_messages",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("case_id", _ID, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("who", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_index("ix_case_messages_case", "case_messages", ["case_id", "id"])
    op.create_index("ix_case_messages_at", "case_messages", ["at"])
    op.create_table(
        "audit_log",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("actor_id", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("case_id", _ID, nullable=True),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
    )
    op.create_index("ix_audit_log_case", "audit_log", ["case_id", "at"])
    op.create_table(
        "case_timers",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("case_id", _ID, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("due_at", sa.Double(), nullable=False),
        sa.Column("fired_at", sa.Double(), nullable=True),
    )
    op.create_index(
        "ix_case_timers_due",
        "case_timers",
        ["due_at"],
        sqlite_where=_UNFIRED,
        postgresql_where=_UNFIRED,
    )
    op.create_index("ix_case_timers_case", "case_timers", ["case_id"])
    op.create_table(
        "case_outbox",
        sa.Column(
            "outbox_id",
            _ID,
            sa.ForeignKey("outbox.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("case_id", _ID, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_index("ix_case_outbox_case", "case_outbox", ["case_id"])


def downgrade() -> None:
    """Drop everything the upgrade created."""
    op.drop_index("ix_case_outbox_case", table_name="case_outbox")
    op.drop_table("case_outbox")
    op.drop_index("ix_case_timers_case", table_name="case_timers")
    op.drop_index("ix_case_timers_due", table_name="case_timers")
    op.drop_table("case_timers")
    op.drop_index("ix_audit_log_case", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_case_messages_at", table_name="case_messages")
    op.drop_index("ix_case_messages_case", table_name="case_messages")
    op.drop_table("case_messages")
    op.drop_index("ix_cases_queue", table_name="cases")
    op.drop_index("ux_cases_unresolved_conversation", table_name="cases")
    op.drop_table("cases")
