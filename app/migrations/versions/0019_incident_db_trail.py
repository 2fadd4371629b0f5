"""the database's own trail of every change to an incident, which no setting turns off

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03

PostgreSQL only. Migration 0017 audits, in the incident's history, the changes made around the
application; it leaves alone a transaction that says it is the application's
(``incidentdesk.app``), and since each person works under their own login role, anyone with
those credentials in psql can say so too. So the database also keeps a trail of its own:
``incident_db_trail``, one row per changed incident row, whatever the transaction says of
itself: the session's login role (``session_user``), whether the transaction claimed to be the application's, the incident's version and the changed fields
with their old and new values. It is written by a SECURITY DEFINER trigger (running as the
schema's owner), and the desk's group roles may only read it (``db roles``): nobody writes
it but the trigger, and it refuses UPDATE and DELETE for everyone, the owner included, like
the audit. The history the desk shows stays the services' audit (plus 0017's rows); this is
the evidence an admin compares it with.
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

PG_UP = [
    """CREATE TABLE incident_db_trail (
        id bigserial PRIMARY KEY,
        incident_id integer NOT NULL,
        at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
        login_role text NOT NULL,
        said_application boolean NOT NULL,
        incident_version integer,
        changes jsonb NOT NULL
    )""",
    "CREATE INDEX ix_incident_db_trail_incident ON incident_db_trail (incident_id, id)",
    # SECURITY DEFINER: the trigger runs as the schema's owner, so the desk's roles need (and
    # get) no INSERT on the trail, and a trigger function cannot be called but by its trigger;
    # session_user is still the login role that connected (a SET ROLE does not change it)
    """CREATE FUNCTION incident_db_trail_row() RETURNS trigger LANGUAGE plpgsql
        SECURITY DEFINER SET search_path FROM CURRENT AS $$
    DECLARE
        diff jsonb;
    BEGIN
        SELECT coalesce(jsonb_object_agg(n.key, jsonb_build_array(o.value, n.value)), '{}'::jsonb)
          INTO diff
          FROM jsonb_each(to_jsonb(NEW)) AS n JOIN jsonb_each(to_jsonb(OLD)) AS o USING (key)
         WHERE n.value IS DISTINCT FROM o.value;
        IF diff <> '{}'::jsonb THEN
            INSERT INTO incident_db_trail (incident_id, login_role, said_application,
                                           incident_version, changes)
            VALUES (NEW.id, session_user::text,
                    coalesce(current_setting('incidentdesk.app', true), '') = 'on',
                    NEW.version, diff);
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER incidents_db_trail AFTER UPDATE ON incidents
        FOR EACH ROW EXECUTE FUNCTION incident_db_trail_row()""",
    """CREATE FUNCTION incident_db_trail_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the database''s trail of incident changes is append-only';
    END $$""",
    """CREATE TRIGGER incident_db_trail_append_only BEFORE UPDATE OR DELETE ON incident_db_trail
        FOR EACH ROW EXECUTE FUNCTION incident_db_trail_append_only()""",
    """CREATE TRIGGER incident_db_trail_no_truncate BEFORE TRUNCATE ON incident_db_trail
        FOR EACH STATEMENT EXECUTE FUNCTION incident_db_trail_append_only()""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS incidents_db_trail ON incidents",
    "DROP FUNCTION IF EXISTS incident_db_trail_row()",
    "DROP TABLE IF EXISTS incident_db_trail",
    "DROP FUNCTION IF EXISTS incident_db_trail_append_only()",
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
