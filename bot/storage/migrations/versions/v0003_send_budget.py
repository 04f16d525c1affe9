"""The shared send budget: one row per rate-limit key, so replicas pace Telegram sends together.

Revision ID: 0003
Revises: 0002
Create Date: 2024-11-29

Mirrored by ``bot/telegram/tables.py``; used by ``bot/telegram/ratelimit.py``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``send_budget`` (key, theoretical arrival time)."""
    op.create_table(
        "send_budget",
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("tat", sa.Double(), nullable=False),
    )


def downgrade() -> None:
    """Drop ``send_budget``."""
    op.drop_table("send_budget")
