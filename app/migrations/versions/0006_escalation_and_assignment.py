"""automatic escalation rules and what they fired, the job lease, the incident flag, automatic
assignment (per group) and the agents' availability

Revision ID: 0006
Revises: 0008
Create Date: 2026-12-02

Plain ALTER TABLE ... ADD COLUMN on both engines: no table copy (SQLite's batch mode would
recreate incidents and drop its full-text triggers). Every existing SLA policy gets the
default rules (app.services.defaults.DEFAULT_RULES).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0008"
branch_labels = None
depends_on = None

# (clock, threshold, action): as app.services.defaults.DEFAULT_RULES
DEFAULT_RULES = (
    ("resolution", 75, "notify_group"),
    ("resolution", 100, "notify_supervisor"),
    ("response", 100, "notify_supervisor"),
)


def upgrade() -> None:
    op.add_column(
        "incidents", sa.Column("flagged", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column(
        "agents", sa.Column("available", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.add_column(
        "groups",
        sa.Column("assignment", sa.String(length=20), server_default="manual", nullable=False),
    )
    op.add_column("groups", sa.Column("last_assigned_id", sa.Integer(), nullable=True))
    op.create_table(
        "escalation_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("clock", sa.String(length=12), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_escalation_rules_group_id_groups"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["sla_policies.id"],
            name=op.f("fk_escalation_rules_policy_id_sla_policies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_rules")),
        sa.UniqueConstraint(
            "policy_id", "clock", "threshold", "action", name=op.f("uq_escalation_rules_policy_id")
        ),
    )
    op.create_table(
        "escalation_fired",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("clock", sa.String(length=12), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_escalation_fired_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "incident_id", "clock", "threshold", "action", name=op.f("pk_escalation_fired")
        ),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("acquired_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )
    for clock, threshold, action in DEFAULT_RULES:
        op.execute(
            sa.text(
                "INSERT INTO escalation_rules (policy_id, clock, threshold, action) "
                "SELECT id, :clock, :threshold, :action FROM sla_policies"
            ).bindparams(clock=clock, threshold=threshold, action=action)
        )


def downgrade() -> None:
    op.drop_table("leases")
    op.drop_table("escalation_fired")
    op.drop_table("escalation_rules")
    op.drop_column("groups", "last_assigned_id")
    op.drop_column("groups", "assignment")
    op.drop_column("agents", "available")
    op.drop_column("incidents", "flagged")
