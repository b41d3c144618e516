"""audit event: who viewed, downloaded, exported or erased personal data (hub/audit.py)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.store.schema


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('agent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('conversation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('contact_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('created_at', hub.store.schema.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_agent', ['agent_id', 'id'], unique=False)
        batch_op.create_index('ix_audit_event_conversation', ['conversation_id', 'id'], unique=False)
        batch_op.create_index('ix_audit_event_created', ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_created')
        batch_op.drop_index('ix_audit_event_conversation')
        batch_op.drop_index('ix_audit_event_agent')

    op.drop_table('audit_event')
