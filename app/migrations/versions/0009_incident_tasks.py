"""incident tasks; time worked on journal entries; attachments on a journal entry

Revision ID: 0009
Revises: 0006b
Create Date: 2026-12-02

A new table and plain ADD COLUMNs; the attachments' new foreign key goes through batch mode
(a table copy on SQLite).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0006b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incident_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('close_note', sa.Text(), nullable=True),
    sa.Column('time_worked_s', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['agents.id'], name=op.f('fk_incident_tasks_assignee_id_agents')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['agents.id'], name=op.f('fk_incident_tasks_closed_by_id_agents')),
    sa.ForeignKeyConstraint(['created_by_id'], ['agents.id'], name=op.f('fk_incident_tasks_created_by_id_agents')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_incident_tasks_group_id_groups')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_tasks_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_tasks')),
    sa.UniqueConstraint('number', name=op.f('uq_incident_tasks_number'))
    )
    with op.batch_alter_table('incident_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_incident_tasks_incident', ['incident_id', 'id'], unique=False)
        batch_op.create_index('ix_incident_tasks_group', ['group_id', 'state', 'due_at'], unique=False)

    op.add_column('journal', sa.Column('time_worked_s', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('journal_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_attachments_journal_id_journal'), 'journal', ['journal_id'], ['id'],
            ondelete='SET NULL',
        )


def downgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attachments_journal_id_journal'), type_='foreignkey')
        batch_op.drop_column('journal_id')
    with op.batch_alter_table('journal', schema=None) as batch_op:
        batch_op.drop_column('time_worked_s')
    with op.batch_alter_table('incident_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_incident_tasks_group')
        batch_op.drop_index('ix_incident_tasks_incident')
    op.drop_table('incident_tasks')
