"""problem records: states, workaround, fix, known-error flag; an imported incident's made_sla

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02

Problems get their workaround, fix, known-error flag, version and the times they were updated,
resolved and closed. The old state "known_error" becomes the flag (state Assessed). Every known
error becomes a problem's: those linked to one flag it (and give it their workaround when it
has none), the others get a problem of their own (PRB number, state Assessed). Incidents get
``made_sla``: the SLA verdict their source gave (an import), null for the desk's own.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMNs (a batch would rebuild the tables and their triggers)
    op.add_column("problems", sa.Column("workaround", sa.Text(), nullable=True))
    op.add_column("problems", sa.Column("fix", sa.Text(), nullable=True))
    op.add_column(
        "problems",
        sa.Column("known_error", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("problems", sa.Column("updated_at", sa.DateTime(), nullable=True))
    op.add_column("problems", sa.Column("resolved_at", sa.DateTime(), nullable=True))
    op.add_column("problems", sa.Column("closed_at", sa.DateTime(), nullable=True))
    op.add_column(
        "problems", sa.Column("version", sa.Integer(), nullable=False, server_default="1")
    )
    op.add_column("incidents", sa.Column("made_sla", sa.Boolean(), nullable=True))

    conn = op.get_bind()
    problems = sa.table(
        "problems",
        sa.column("id", sa.Integer),
        sa.column("number", sa.String),
        sa.column("title", sa.String),
        sa.column("description", sa.Text),
        sa.column("state", sa.String),
        sa.column("root_cause", sa.Text),
        sa.column("workaround", sa.Text),
        sa.column("known_error", sa.Boolean),
        sa.column("created_at", sa.DateTime),
        sa.column("version", sa.Integer),
    )
    kes = sa.table(
        "known_errors",
        sa.column("id", sa.Integer),
        sa.column("problem_id", sa.Integer),
        sa.column("title", sa.String),
        sa.column("symptom", sa.Text),
        sa.column("workaround", sa.Text),
        sa.column("active", sa.Boolean),
        sa.column("created_at", sa.DateTime),
    )
    conn.execute(
        sa.update(problems)
        .where(problems.c.state == "known_error")
        .values(state="assessed", known_error=True)
    )
    for ke in conn.execute(sa.select(kes).order_by(kes.c.id)).all():
        if ke.problem_id is not None:
            conn.execute(
                sa.update(problems)
                .where(problems.c.id == ke.problem_id)
                .values(
                    known_error=bool(ke.active),
                    workaround=sa.func.coalesce(problems.c.workaround, ke.workaround),
                )
            )
            continue
        pid = conn.execute(
            sa.insert(problems)
            .values(
                number=f"~ke{ke.id}",
                title=ke.title,
                description=ke.symptom or "",
                state="assessed",
                root_cause=None,
                workaround=ke.workaround,
                known_error=bool(ke.active),
                created_at=ke.created_at,
                version=1,
            )
            .returning(problems.c.id)
        ).scalar_one()
        conn.execute(sa.update(problems).where(problems.c.id == pid).values(number=f"PRB{pid:07d}"))
        conn.execute(sa.update(kes).where(kes.c.id == ke.id).values(problem_id=pid))


def downgrade() -> None:
    conn = op.get_bind()
    conn.execute(
        sa.text("UPDATE problems SET state = 'known_error' WHERE known_error AND state <> 'closed'")
    )
    op.drop_column("incidents", "made_sla")
    for name in (
        "version",
        "closed_at",
        "resolved_at",
        "updated_at",
        "known_error",
        "fix",
        "workaround",
    ):
        op.drop_column("problems", name)
