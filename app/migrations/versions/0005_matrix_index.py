"""The priority matrix's index: open incidents by impact, urgency and priority, so that a
preview or a recompute reads only the cells that change

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = ["active", "impact", "urgency", "priority", "priority_overridden", "id"]


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index("ix_incidents_matrix", COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_matrix")
