"""callers: the employee id (the number in the organisation's HR directory)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

A plain ALTER TABLE ... ADD COLUMN and an index, on both engines (no table copy).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('callers', sa.Column('employee_id', sa.String(length=40), nullable=True))
    op.create_index('ix_callers_employee_id', 'callers', ['employee_id'])


def downgrade() -> None:
    op.drop_index('ix_callers_employee_id', table_name='callers')
    with op.batch_alter_table('callers', schema=None) as batch_op:
        batch_op.drop_column('employee_id')
