"""post-incident reviews

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

A new table only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incident_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('approver_id', sa.Integer(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('timeline', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['agents.id'], name=op.f('fk_incident_reviews_approved_by_id_agents')),
    sa.ForeignKeyConstraint(['approver_id'], ['agents.id'], name=op.f('fk_incident_reviews_approver_id_agents')),
    sa.ForeignKeyConstraint(['created_by_id'], ['agents.id'], name=op.f('fk_incident_reviews_created_by_id_agents')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_reviews_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['agents.id'], name=op.f('fk_incident_reviews_owner_id_agents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_reviews')),
    sa.UniqueConstraint('incident_id', name=op.f('uq_incident_reviews_incident_id'))
    )


def downgrade() -> None:
    op.drop_table('incident_reviews')
