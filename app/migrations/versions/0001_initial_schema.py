"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('agents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agents')),
    sa.UniqueConstraint('username', name=op.f('uq_agents_username'))
    )
    op.create_table('calendars',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('tz', sa.String(length=64), nullable=False),
    sa.Column('always', sa.Boolean(), nullable=False),
    sa.Column('week', sa.JSON(), nullable=False),
    sa.Column('holiday_country', sa.String(length=8), nullable=True),
    sa.Column('holiday_subdiv', sa.String(length=16), nullable=True),
    sa.Column('custom_holidays', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendars')),
    sa.UniqueConstraint('name', name=op.f('uq_calendars_name'))
    )
    op.create_table('callers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=60), nullable=True),
    sa.Column('department', sa.String(length=120), nullable=True),
    sa.Column('vip', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callers'))
    )
    with op.batch_alter_table('callers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callers_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_callers_name_key'), ['name_key'], unique=False)

    op.create_table('change_log',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('entity', sa.String(length=30), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_change_log'))
    )
    op.create_table('groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['supervisor_id'], ['agents.id'], name=op.f('fk_groups_supervisor_id_agents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_groups')),
    sa.UniqueConstraint('name', name=op.f('uq_groups_name'))
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    op.create_table('agent_groups',
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_agent_groups_agent_id_agents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_agent_groups_group_id_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agent_id', 'group_id', name=op.f('pk_agent_groups'))
    )
    with op.batch_alter_table('agent_groups', schema=None) as batch_op:
        batch_op.create_index('ix_agent_groups_group', ['group_id'], unique=False)

    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('default_group_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['default_group_id'], ['groups.id'], name=op.f('fk_categories_default_group_id_groups')),
    sa.ForeignKeyConstraint(['parent_id'], ['categories.id'], name=op.f('fk_categories_parent_id_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('parent_id', 'name', name='uq_categories_parent_name')
    )
    op.create_table('config_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_config_items_group_id_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_config_items')),
    sa.UniqueConstraint('name', name=op.f('uq_config_items_name'))
    )
    op.create_table('matrix_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('impact_labels', sa.JSON(), nullable=False),
    sa.Column('urgency_labels', sa.JSON(), nullable=False),
    sa.Column('priority_labels', sa.JSON(), nullable=False),
    sa.Column('cells', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['agents.id'], name=op.f('fk_matrix_versions_created_by_id_agents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matrix_versions'))
    )
    op.create_table('problems',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('root_cause', sa.Text(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['agents.id'], name=op.f('fk_problems_created_by_id_agents')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_problems_group_id_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problems')),
    sa.UniqueConstraint('number', name=op.f('uq_problems_number'))
    )
    op.create_table('saved_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('filter', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_saved_views_agent_id_agents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_views')),
    sa.UniqueConstraint('agent_id', 'name', name='uq_saved_views_agent_name')
    )
    op.create_table('sla_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('auto_close_days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['calendars.id'], name=op.f('fk_sla_policies_calendar_id_calendars')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_policies')),
    sa.UniqueConstraint('name', name=op.f('uq_sla_policies_name'))
    )
    op.create_table('known_errors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('problem_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('symptom', sa.Text(), nullable=False),
    sa.Column('workaround', sa.Text(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_known_errors_category_id_categories')),
    sa.ForeignKeyConstraint(['problem_id'], ['problems.id'], name=op.f('fk_known_errors_problem_id_problems')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_known_errors'))
    )
    op.create_table('sla_targets',
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('response_s', sa.Integer(), nullable=False),
    sa.Column('resolution_s', sa.Integer(), nullable=False),
    sa.Column('calendar_override_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['calendar_override_id'], ['calendars.id'], name=op.f('fk_sla_targets_calendar_override_id_calendars')),
    sa.ForeignKeyConstraint(['policy_id'], ['sla_policies.id'], name=op.f('fk_sla_targets_policy_id_sla_policies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('policy_id', 'priority', name=op.f('pk_sla_targets'))
    )
    op.create_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('caller_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('config_item_id', sa.Integer(), nullable=True),
    sa.Column('impact', sa.Integer(), nullable=False),
    sa.Column('urgency', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('matrix_version', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('hold_reason', sa.String(length=30), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('support_line', sa.Integer(), nullable=False),
    sa.Column('reassignment_count', sa.Integer(), nullable=False),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('escalated_to_supervisor', sa.Boolean(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('major', sa.Boolean(), nullable=False),
    sa.Column('problem_id', sa.Integer(), nullable=True),
    sa.Column('known_error_id', sa.Integer(), nullable=True),
    sa.Column('resolution_code', sa.String(length=40), nullable=True),
    sa.Column('resolution_notes', sa.Text(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('close_reason', sa.String(length=30), nullable=True),
    sa.Column('cancel_reason', sa.String(length=500), nullable=True),
    sa.Column('sla_policy_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('responded_at', sa.DateTime(), nullable=True),
    sa.Column('response_due', sa.DateTime(), nullable=True),
    sa.Column('resolution_due', sa.DateTime(), nullable=True),
    sa.Column('warn_at', sa.DateTime(), nullable=True),
    sa.Column('at_risk_at', sa.DateTime(), nullable=True),
    sa.Column('sla_paused', sa.Boolean(), nullable=False),
    sa.Column('sla_breached', sa.Boolean(), nullable=False),
    sa.Column('sla_stage', sa.Integer(), nullable=False),
    sa.Column('due_sort', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['agents.id'], name=op.f('fk_incidents_assignee_id_agents')),
    sa.ForeignKeyConstraint(['caller_id'], ['callers.id'], name=op.f('fk_incidents_caller_id_callers')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_incidents_category_id_categories')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['agents.id'], name=op.f('fk_incidents_closed_by_id_agents')),
    sa.ForeignKeyConstraint(['config_item_id'], ['config_items.id'], name=op.f('fk_incidents_config_item_id_config_items')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_incidents_group_id_groups')),
    sa.ForeignKeyConstraint(['known_error_id'], ['known_errors.id'], name=op.f('fk_incidents_known_error_id_known_errors')),
    sa.ForeignKeyConstraint(['matrix_version'], ['matrix_versions.id'], name=op.f('fk_incidents_matrix_version_matrix_versions')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['agents.id'], name=op.f('fk_incidents_opened_by_id_agents')),
    sa.ForeignKeyConstraint(['parent_id'], ['incidents.id'], name=op.f('fk_incidents_parent_id_incidents')),
    sa.ForeignKeyConstraint(['problem_id'], ['problems.id'], name=op.f('fk_incidents_problem_id_problems')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['agents.id'], name=op.f('fk_incidents_resolved_by_id_agents')),
    sa.ForeignKeyConstraint(['sla_policy_id'], ['sla_policies.id'], name=op.f('fk_incidents_sla_policy_id_sla_policies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents')),
    sa.UniqueConstraint('number', name=op.f('uq_incidents_number'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index('ix_incidents_active_due', ['active', 'due_sort', 'id'], unique=False)
        batch_op.create_index('ix_incidents_active_id', ['active', 'id'], unique=False)
        batch_op.create_index('ix_incidents_active_updated', ['active', 'updated_at', 'id'], unique=False)
        batch_op.create_index('ix_incidents_assignee_queue', ['assignee_id', 'active', 'priority', 'due_sort', 'id'], unique=False)
        batch_op.create_index('ix_incidents_at_risk', ['active', 'at_risk_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_caller_id'), ['caller_id'], unique=False)
        batch_op.create_index('ix_incidents_group_queue', ['group_id', 'active', 'priority', 'due_sort', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_problem_id'), ['problem_id'], unique=False)
        batch_op.create_index('ix_incidents_priority', ['priority', 'due_sort', 'id'], unique=False)
        batch_op.create_index('ix_incidents_queue', ['active', 'priority', 'due_sort', 'id'], unique=False)
        batch_op.create_index('ix_incidents_state', ['state', 'priority', 'due_sort', 'id'], unique=False)
        batch_op.create_index('ix_incidents_updated', ['updated_at', 'id'], unique=False)

    op.create_table('audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=60), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('incident_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_audit_agent_id_agents')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_audit_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit'))
    )
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.create_index('ix_audit_incident', ['incident_id', 'id'], unique=False)

    op.create_table('journal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['agents.id'], name=op.f('fk_journal_author_id_agents')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_journal_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal'))
    )
    with op.batch_alter_table('journal', schema=None) as batch_op:
        batch_op.create_index('ix_journal_incident', ['incident_id', 'id'], unique=False)

    op.create_table('sla_pauses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_sla_pauses_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_pauses'))
    )
    with op.batch_alter_table('sla_pauses', schema=None) as batch_op:
        batch_op.create_index('ix_sla_pauses_incident', ['incident_id'], unique=False)
    _create_search_and_guards()


def downgrade() -> None:
    _drop_search_and_guards()

    with op.batch_alter_table('sla_pauses', schema=None) as batch_op:
        batch_op.drop_index('ix_sla_pauses_incident')

    op.drop_table('sla_pauses')
    with op.batch_alter_table('journal', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_incident')

    op.drop_table('journal')
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_incident')

    op.drop_table('audit')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('ix_incidents_updated')
        batch_op.drop_index('ix_incidents_state')
        batch_op.drop_index('ix_incidents_queue')
        batch_op.drop_index('ix_incidents_priority')
        batch_op.drop_index(batch_op.f('ix_incidents_problem_id'))
        batch_op.drop_index(batch_op.f('ix_incidents_parent_id'))
        batch_op.drop_index('ix_incidents_group_queue')
        batch_op.drop_index(batch_op.f('ix_incidents_caller_id'))
        batch_op.drop_index('ix_incidents_at_risk')
        batch_op.drop_index('ix_incidents_assignee_queue')
        batch_op.drop_index('ix_incidents_active_updated')
        batch_op.drop_index('ix_incidents_active_id')
        batch_op.drop_index('ix_incidents_active_due')

    op.drop_table('incidents')
    op.drop_table('sla_targets')
    op.drop_table('known_errors')
    op.drop_table('sla_policies')
    op.drop_table('saved_views')
    op.drop_table('problems')
    op.drop_table('matrix_versions')
    op.drop_table('config_items')
    op.drop_table('categories')
    with op.batch_alter_table('agent_groups', schema=None) as batch_op:
        batch_op.drop_index('ix_agent_groups_group')

    op.drop_table('agent_groups')
    op.drop_table('settings')
    op.drop_table('groups')
    op.drop_table('change_log')
    with op.batch_alter_table('callers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callers_name_key'))
        batch_op.drop_index(batch_op.f('ix_callers_email'))

    op.drop_table('callers')
    op.drop_table('calendars')
    op.drop_table('agents')


# --- full-text search and append-only audit, per engine ---------------------------------

SQLITE_UP = [
    # one FTS5 document per incident: title, description and the journal's text
    """CREATE VIRTUAL TABLE incident_fts USING fts5(
        title, description, journal, tokenize = 'porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER incidents_fts_insert AFTER INSERT ON incidents BEGIN
        INSERT INTO incident_fts(rowid, title, description, journal)
        VALUES (new.id, new.title, new.description, '');
    END""",
    """CREATE TRIGGER incidents_fts_update AFTER UPDATE OF title, description ON incidents BEGIN
        UPDATE incident_fts SET title = new.title, description = new.description
        WHERE rowid = new.id;
    END""",
    """CREATE TRIGGER incidents_fts_delete AFTER DELETE ON incidents BEGIN
        DELETE FROM incident_fts WHERE rowid = old.id;
    END""",
    """CREATE TRIGGER journal_fts_insert AFTER INSERT ON journal BEGIN
        UPDATE incident_fts SET journal = journal || ' ' || new.body WHERE rowid = new.incident_id;
    END""",
    """CREATE VIRTUAL TABLE known_error_fts USING fts5(
        title, symptom, workaround, tokenize = 'porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER known_errors_fts_insert AFTER INSERT ON known_errors BEGIN
        INSERT INTO known_error_fts(rowid, title, symptom, workaround)
        VALUES (new.id, new.title, new.symptom, new.workaround);
    END""",
    """CREATE TRIGGER known_errors_fts_update AFTER UPDATE ON known_errors BEGIN
        UPDATE known_error_fts SET title = new.title, symptom = new.symptom,
            workaround = new.workaround WHERE rowid = new.id;
    END""",
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN
        SELECT RAISE(ABORT, 'the audit is append-only');
    END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        WHEN (SELECT count(*) FROM incidents WHERE id = old.incident_id) > 0 BEGIN
        SELECT RAISE(ABORT, 'the audit is append-only');
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_no_delete",
    "DROP TRIGGER IF EXISTS audit_no_update",
    "DROP TABLE IF EXISTS known_error_fts",
    "DROP TABLE IF EXISTS incident_fts",
]

PG_UP = [
    """CREATE TABLE incident_search (
        incident_id integer PRIMARY KEY REFERENCES incidents(id) ON DELETE CASCADE,
        doc tsvector NOT NULL)""",
    "CREATE INDEX ix_incident_search_doc ON incident_search USING gin (doc)",
    """CREATE FUNCTION incident_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO incident_search (incident_id, doc) VALUES (NEW.id,
            setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') ||
            setweight(to_tsvector('english', coalesce(NEW.description, '')), 'B'))
        ON CONFLICT (incident_id) DO UPDATE SET doc =
            setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') ||
            setweight(to_tsvector('english', coalesce(NEW.description, '')), 'B') ||
            coalesce((SELECT setweight(to_tsvector('english', string_agg(j.body, ' ')), 'C')
                      FROM journal j WHERE j.incident_id = NEW.id), ''::tsvector);
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER incidents_search_insert AFTER INSERT ON incidents
        FOR EACH ROW EXECUTE FUNCTION incident_search_refresh()""",
    """CREATE TRIGGER incidents_search_update AFTER UPDATE OF title, description ON incidents
        FOR EACH ROW EXECUTE FUNCTION incident_search_refresh()""",
    """CREATE FUNCTION journal_search_append() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE incident_search SET doc = doc || setweight(to_tsvector('english', NEW.body), 'C')
        WHERE incident_id = NEW.incident_id;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER journal_search_insert AFTER INSERT ON journal
        FOR EACH ROW EXECUTE FUNCTION journal_search_append()""",
    """ALTER TABLE known_errors ADD COLUMN doc tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(symptom, '')), 'B') ||
        setweight(to_tsvector('english', coalesce(workaround, '')), 'C')) STORED""",
    "CREATE INDEX ix_known_errors_doc ON known_errors USING gin (doc)",
    # the queue of open incidents, as a partial index
    """CREATE INDEX ix_incidents_open_queue ON incidents (priority, due_sort, id)
        WHERE active""",
    """CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM incidents WHERE id = OLD.incident_id)
        THEN RETURN OLD; END IF;
        RAISE EXCEPTION 'the audit is append-only';
    END $$""",
    """CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
        FOR EACH ROW EXECUTE FUNCTION audit_append_only()""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS audit_append_only ON audit",
    "DROP FUNCTION IF EXISTS audit_append_only()",
    "DROP INDEX IF EXISTS ix_incidents_open_queue",
    "DROP TRIGGER IF EXISTS journal_search_insert ON journal",
    "DROP FUNCTION IF EXISTS journal_search_append()",
    "DROP TRIGGER IF EXISTS incidents_search_update ON incidents",
    "DROP TRIGGER IF EXISTS incidents_search_insert ON incidents",
    "DROP FUNCTION IF EXISTS incident_search_refresh()",
    "DROP TABLE IF EXISTS incident_search",
    "ALTER TABLE known_errors DROP COLUMN IF EXISTS doc",
]


def _statements(up: bool) -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        return SQLITE_UP if up else SQLITE_DOWN
    if dialect == "postgresql":
        return PG_UP if up else PG_DOWN
    raise RuntimeError(f"unsupported database {dialect}")


def _create_search_and_guards() -> None:
    for sql in _statements(True):
        op.execute(sql)


def _drop_search_and_guards() -> None:
    for sql in _statements(False):
        op.execute(sql)
