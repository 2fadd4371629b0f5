"""the database audits a change to an incident made around the application

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02

PostgreSQL only (SQLite is a file whoever can open it can edit; nothing in it can tell the
application from anyone else). A trigger on incidents writes an audit row per changed field,
naming the database user, for every UPDATE that does not come from the application: the
application marks its own write transactions with the transaction-local setting
``incidentdesk.app`` (``set_config('incidentdesk.app', 'on', true)`` in ``Desk.write``), so its
changes, audited by the services themselves, are not audited twice. Such a change also moves the
incident's version, so a form open on it sees that it changed. The audit tables already refuse
UPDATE and DELETE for everyone (0001, 0003).
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

PG_UP = [
    # SECURITY INVOKER (the default) on purpose: current_user is then the role that made the
    # change (a SECURITY DEFINER function would see its owner), and a role that may not write
    # the audit cannot change an incident either (the insert below fails, and the UPDATE with it)
    """CREATE FUNCTION incident_outside_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF coalesce(current_setting('incidentdesk.app', true), '') <> 'on'
           AND NEW.version IS NOT DISTINCT FROM OLD.version THEN
            NEW.version := OLD.version + 1;
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER incidents_outside_version BEFORE UPDATE ON incidents
        FOR EACH ROW EXECUTE FUNCTION incident_outside_version()""",
    """CREATE FUNCTION incident_outside_audit() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        who text;
        change record;
    BEGIN
        IF coalesce(current_setting('incidentdesk.app', true), '') = 'on' THEN
            RETURN NULL;
        END IF;
        who := 'changed outside Incident Desk by database user ' || current_user::text
            || CASE WHEN session_user <> current_user
                    THEN ' (signed in as ' || session_user::text || ')' ELSE '' END;
        FOR change IN
            SELECT n.key AS field, o.value #>> '{}' AS old_value, n.value #>> '{}' AS new_value
            FROM jsonb_each(to_jsonb(NEW)) AS n JOIN jsonb_each(to_jsonb(OLD)) AS o USING (key)
            WHERE n.value IS DISTINCT FROM o.value AND n.key <> 'version'
            ORDER BY n.key
        LOOP
            INSERT INTO audit (incident_id, field, old_value, new_value, agent_id, at, reason,
                               incident_version)
            VALUES (NEW.id, change.field, change.old_value, change.new_value, NULL,
                    now() AT TIME ZONE 'UTC', who, NEW.version);
        END LOOP;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER incidents_outside_audit AFTER UPDATE ON incidents
        FOR EACH ROW EXECUTE FUNCTION incident_outside_audit()""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS incidents_outside_audit ON incidents",
    "DROP FUNCTION IF EXISTS incident_outside_audit()",
    "DROP TRIGGER IF EXISTS incidents_outside_version ON incidents",
    "DROP FUNCTION IF EXISTS incident_outside_version()",
]


def _statements(up: bool) -> list[str]:
    if op.get_bind().dialect.name != "postgresql":
        return []
    return PG_UP if up else PG_DOWN


def upgrade() -> None:
    for statement in _statements(True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(False):
        op.execute(statement)
