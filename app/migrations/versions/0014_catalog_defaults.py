"""groups can be deactivated; a category's default impact and urgency

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

A deactivated group leaves the pickers and takes no new incidents; its history stays. A
category may name the impact and urgency an incident logged in it starts with (none: the
form's own defaults).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMNs (a batch would rebuild the tables)
    op.add_column(
        "groups", sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.add_column("categories", sa.Column("default_impact", sa.Integer(), nullable=True))
    op.add_column("categories", sa.Column("default_urgency", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("categories", "default_urgency")
    op.drop_column("categories", "default_impact")
    op.drop_column("groups", "active")
