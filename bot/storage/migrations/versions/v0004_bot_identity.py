"""The bot a database serves, so a database reused with another bot forgets the old update ids.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

Mirrored by ``bot/telegram/tables.py``; used by ``bot/telegram/identity.py``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``bot_identity`` (one row: the Telegram id of the bot this database serves)."""
    op.create_table(
        "bot_identity",
        sa.Column("slot", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("since", sa.Double(), nullable=False),
    )


def downgrade() -> None:
    """Drop ``bot_identity``."""
    op.drop_table("bot_identity")
