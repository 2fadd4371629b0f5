"""SLA settings: retroactive start per policy, the response clock's thresholds, the clock
start of a non-retroactive priority change, and the append-only admin audit

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sla_policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retroactive_start', sa.Boolean(), server_default=sa.true(), nullable=False))

    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_warn_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('response_at_risk_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('response_stage', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('sla_started_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_incidents_response_warn', ['active', 'response_warn_at'], unique=False)

    op.create_table('admin_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('entity', sa.String(length=30), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('entity_name', sa.String(length=200), nullable=False),
    sa.Column('field', sa.String(length=60), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_admin_audit_agent_id_agents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_audit'))
    )
    with op.batch_alter_table('admin_audit', schema=None) as batch_op:
        batch_op.create_index('ix_admin_audit_entity', ['entity', 'entity_id', 'id'], unique=False)
    for statement in _statements(up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(up=False):
        op.execute(statement)
    with op.batch_alter_table('admin_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_admin_audit_entity')
    op.drop_table('admin_audit')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('ix_incidents_response_warn')
        batch_op.drop_column('sla_started_at')
        batch_op.drop_column('response_stage')
        batch_op.drop_column('response_at_risk_at')
        batch_op.drop_column('response_warn_at')
    with op.batch_alter_table('sla_policies', schema=None) as batch_op:
        batch_op.drop_column('retroactive_start')


# --- the admin audit is append-only, per engine -------------------------------------------

SQLITE_UP = [
    """CREATE TRIGGER admin_audit_no_update BEFORE UPDATE ON admin_audit BEGIN
        SELECT RAISE(ABORT, 'the admin audit is append-only');
    END""",
    """CREATE TRIGGER admin_audit_no_delete BEFORE DELETE ON admin_audit BEGIN
        SELECT RAISE(ABORT, 'the admin audit is append-only');
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS admin_audit_no_delete",
    "DROP TRIGGER IF EXISTS admin_audit_no_update",
]
PG_UP = [
    """CREATE FUNCTION admin_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the admin audit is append-only';
    END $$""",
    """CREATE TRIGGER admin_audit_append_only BEFORE UPDATE OR DELETE ON admin_audit
        FOR EACH ROW EXECUTE FUNCTION admin_audit_append_only()""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS admin_audit_append_only ON admin_audit",
    "DROP FUNCTION IF EXISTS admin_audit_append_only()",
]


def _statements(up: bool) -> list[str]:
    name = op.get_bind().dialect.name
    if name == "sqlite":
        return SQLITE_UP if up else SQLITE_DOWN
    if name == "postgresql":
        return PG_UP if up else PG_DOWN
    return []
