"""admin fields: change reference, caused-by, priority override

Revision ID: 0002
Revises: 0003
Create Date: 2026-12-01

Plain ALTER TABLE ... ADD COLUMN on both engines: no table copy (SQLite's batch mode would
recreate incidents and drop its full-text triggers).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0003'
branch_labels = None
depends_on = None

FK = 'fk_incidents_caused_by_id_incidents'


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    op.add_column('incidents', sa.Column('priority_overridden', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('incidents', sa.Column('change_ref', sa.String(length=40), nullable=True))
    op.add_column('incidents', sa.Column('caused_by_change', sa.String(length=40), nullable=True))
    if sqlite:  # SQLite adds a foreign key only inline, with the column
        op.add_column(
            'incidents',
            sa.Column('caused_by_id', sa.Integer(), sa.ForeignKey('incidents.id', name=FK), nullable=True),
            inline_references=True,
        )
    else:
        op.add_column('incidents', sa.Column('caused_by_id', sa.Integer(), nullable=True))
        op.create_foreign_key(FK, 'incidents', 'incidents', ['caused_by_id'], ['id'])


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(FK, 'incidents', type_='foreignkey')
    op.drop_column('incidents', 'caused_by_id')
    op.drop_column('incidents', 'caused_by_change')
    op.drop_column('incidents', 'change_ref')
    op.drop_column('incidents', 'priority_overridden')
