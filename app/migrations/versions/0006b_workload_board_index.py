"""the workload board's covering index over the open incidents

Revision ID: 0006b
Revises: 0006
Create Date: 2026-12-02

The board groups the open incidents by group, assignee and priority and counts what is on hold,
at risk and breached; this index holds every column it reads, in that order, so neither engine
reads the table (measured on 20,000 open incidents on SQLite: 170 ms without it, 25 ms with it).
"""

from __future__ import annotations

from alembic import op

revision = "0006b"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMNS = [
    "active",
    "group_id",
    "assignee_id",
    "priority",
    "state",
    "at_risk_at",
    "resolution_due",
    "sla_breached",
    "opened_at",
]


def upgrade() -> None:
    op.create_index("ix_incidents_workload", "incidents", COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_incidents_workload", table_name="incidents")
