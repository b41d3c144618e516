"""report speed: facts kept in order of arrival day, every-OPD rollups, a backlog index

case_sla becomes WITHOUT ROWID keyed by (day, conversation_id) on SQLite, so a report's
range is one stretch of the table. Its rows are dropped and made again: the SLA keeper
recomputes the facts of every case at its next start (hub/sla.py, stale), and the
rollups after them. sla_rollup rows may be for every OPD at once (opd_id NULL).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from typing import Any

import sqlalchemy as sa
from alembic import op

import hub.store.schema


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _facts_table(day_first: bool) -> None:
    key = ["day", "conversation_id"] if day_first else ["conversation_id"]
    columns: list[Any] = [
        sa.Column("conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("opd_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("agent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("kelurahan", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", hub.store.schema.UtcDateTime(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("first_response_at", hub.store.schema.UtcDateTime(), nullable=True),
        sa.Column("first_response_s", sa.Integer(), nullable=True),
        sa.Column("first_response_wall_s", sa.Integer(), nullable=True),
        sa.Column("resolved_at", hub.store.schema.UtcDateTime(), nullable=True),
        sa.Column("resolution_s", sa.Integer(), nullable=True),
        sa.Column("resolution_wall_s", sa.Integer(), nullable=True),
        sa.Column("response_due_at", hub.store.schema.UtcDateTime(), nullable=True),
        sa.Column("resolution_due_at", hub.store.schema.UtcDateTime(), nullable=True),
        sa.Column("response_met", sa.Boolean(), nullable=True),
        sa.Column("resolution_met", sa.Boolean(), nullable=True),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("alerts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_alert_at", hub.store.schema.UtcDateTime(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("updated_at", hub.store.schema.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agent.id"], name=op.f("fk_case_sla_agent_id_agent")),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversation.id"],
            name=op.f("fk_case_sla_conversation_id_conversation"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["opd_id"], ["opd.id"], name=op.f("fk_case_sla_opd_id_opd")),
        sa.PrimaryKeyConstraint(*key, name=op.f("pk_case_sla")),
    ]
    op.create_table("case_sla", *columns, sqlite_with_rowid=not day_first)
    with op.batch_alter_table("case_sla", schema=None) as batch_op:
        if day_first:
            batch_op.create_index("ix_case_sla_conversation", ["conversation_id"], unique=True)
        else:
            batch_op.create_index("ix_case_sla_day", ["day", "opd_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_sla_next_alert_at"), ["next_alert_at"], unique=False)
        batch_op.create_index("ix_case_sla_open", ["status", "opd_id"], unique=False)


def _forget_facts() -> None:
    op.drop_table("case_sla")
    op.execute("DELETE FROM sla_rollup")
    op.execute("DELETE FROM sla_month")


def upgrade() -> None:
    _forget_facts()
    _facts_table(day_first=True)
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_conversation_open_backlog",
            ["opd_id", "created_at", "assignee_id", "first_response_at", "response_due_at", "due_at"],
            unique=False,
            sqlite_where=sa.text("status IN ('open', 'pending')"),
            postgresql_where=sa.text("status IN ('open', 'pending')"),
        )
    with op.batch_alter_table("sla_rollup", schema=None) as batch_op:
        batch_op.alter_column("opd_id", existing_type=sa.INTEGER(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM sla_rollup WHERE opd_id IS NULL")
    with op.batch_alter_table("sla_rollup", schema=None) as batch_op:
        batch_op.alter_column("opd_id", existing_type=sa.INTEGER(), nullable=False)
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_open_backlog")
    _forget_facts()
    _facts_table(day_first=False)
