"""Outbox: a partial index on pending rows, and who holds each lease.

The partial index keeps claiming flat as sent rows pile up; ``leased_by`` lets a replica that
restarts after a crash release its own leases at once instead of waiting them out.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

The claim walks pending rows oldest first; without this index it walked the primary key through
every kept sent row (3 ms with none kept, 369 ms with a million). Mirrored by
``bot/storage/tables.py``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

PENDING = sa.text("sent_at IS NULL AND NOT dead")


def upgrade() -> None:
    """Create ``ix_outbox_pending`` on ``outbox (id)`` where pending; add ``leased_by``."""
    op.add_column("outbox", sa.Column("leased_by", sa.Text(), nullable=True))
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["id"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def downgrade() -> None:
    """Drop ``ix_outbox_pending`` and ``leased_by``."""
    op.drop_index("ix_outbox_pending", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("leased_by")
