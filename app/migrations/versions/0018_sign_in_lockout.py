"""sign-in lock-out: failed sign-ins in a row and the end of a lock, per user

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMNs (a batch would rebuild the table)
    op.add_column(
        "agents",
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("agents", sa.Column("locked_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("agents", "locked_until")
    op.drop_column("agents", "failed_sign_ins")
