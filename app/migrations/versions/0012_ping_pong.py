"""ping-pong: how many times an incident went back to a group it had left

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

The services count it as the group changes (app.services.incidents.mutation.count_group_return);
this revision adds the count, fills it from the history already in the audit (a group row
whose new group is the old group of one of the incident's earlier-or-same group rows is a
return), and indexes the open incidents by it (the Ping-pong view and its column's sort).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BACKFILL = """
UPDATE incidents SET group_returns = (
    SELECT count(*) FROM audit a
    WHERE a.incident_id = incidents.id AND a.field = 'group_id' AND a.new_value IS NOT NULL
      AND EXISTS (
        SELECT 1 FROM audit b
        WHERE b.incident_id = a.incident_id AND b.field = 'group_id' AND b.id <= a.id
          AND b.old_value = a.new_value
      )
)
WHERE id IN (SELECT incident_id FROM audit WHERE field = 'group_id')
"""


def upgrade() -> None:
    # a plain ADD COLUMN (a batch would rebuild the table and its triggers)
    op.add_column(
        "incidents", sa.Column("group_returns", sa.Integer(), nullable=False, server_default="0")
    )
    op.execute(BACKFILL)
    op.create_index(
        "ix_incidents_ping_pong", "incidents", ["active", "group_returns", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_incidents_ping_pong", table_name="incidents")
    op.drop_column("incidents", "group_returns")
