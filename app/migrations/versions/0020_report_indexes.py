"""the reports' covering indexes: by group now, the first line, the resolution SLA

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03

The reports (app.services.reports) read the incidents opened in a period by the group they are
in now (reassignments, reopens), the resolved or closed ones by state and support line (push
to front), and the resolution SLA in two parts: the imports by their source's verdict and the
desk's own incidents with a target, by their resolution; the last two indexes are partial,
holding only the incidents of their part. Each holds every column its report reads, so that
neither engine reads the table for it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

BY_GROUP = ["group_id", "opened_at", "reassignment_count", "reopen_count", "resolved_at"]
FIRST_LINE = ["state", "priority", "support_line", "opened_at", "group_id"]
SLA_SOURCE = ["priority", "opened_at", "group_id", "made_sla"]
SLA_DESK = ["priority", "resolved_at", "group_id", "sla_breached"]
SOURCE_WHERE = "made_sla IS NOT NULL"
DESK_WHERE = "made_sla IS NULL AND resolution_due IS NOT NULL"
FIRST_LINE_WHERE = "support_line <= 1"


def upgrade() -> None:
    op.create_index("ix_incidents_by_group", "incidents", BY_GROUP, unique=False)
    op.create_index(
        "ix_incidents_first_line",
        "incidents",
        FIRST_LINE,
        unique=False,
        sqlite_where=sa.text(FIRST_LINE_WHERE),
        postgresql_where=sa.text(FIRST_LINE_WHERE),
    )
    op.create_index(
        "ix_incidents_sla_source",
        "incidents",
        SLA_SOURCE,
        unique=False,
        sqlite_where=sa.text(SOURCE_WHERE),
        postgresql_where=sa.text(SOURCE_WHERE),
    )
    op.create_index(
        "ix_incidents_sla_desk",
        "incidents",
        SLA_DESK,
        unique=False,
        sqlite_where=sa.text(DESK_WHERE),
        postgresql_where=sa.text(DESK_WHERE),
    )


def downgrade() -> None:
    for name in (
        "ix_incidents_sla_desk",
        "ix_incidents_sla_source",
        "ix_incidents_first_line",
        "ix_incidents_by_group",
    ):
        op.drop_index(name, table_name="incidents")
