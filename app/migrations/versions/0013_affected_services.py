"""the services and configuration items an incident also affects

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

A new table and two indexes: the open incidents on a service, by its primary listing
(incidents.config_item_id) and by the others (incident_services).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incident_services',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('config_item_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['agents.id'], name=op.f('fk_incident_services_added_by_id_agents')),
    sa.ForeignKeyConstraint(['config_item_id'], ['config_items.id'], name=op.f('fk_incident_services_config_item_id_config_items')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_services_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('incident_id', 'config_item_id', name=op.f('pk_incident_services'))
    )
    op.create_index('ix_incident_services_item', 'incident_services', ['config_item_id', 'incident_id'], unique=False)
    op.create_index('ix_incidents_service', 'incidents', ['config_item_id', 'active', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_incidents_service', table_name='incidents')
    op.drop_index('ix_incident_services_item', table_name='incident_services')
    op.drop_table('incident_services')
