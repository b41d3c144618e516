"""visitor revocations: widget visitor tokens no longer honoured (hub/revocations.py)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.store.schema


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('visitor_revocation',
    sa.Column('inbox_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('visitor_id', sa.String(length=200), nullable=False),
    sa.Column('revoked_at', hub.store.schema.UtcDateTime(), nullable=False),
    sa.Column('agent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name=op.f('fk_visitor_revocation_agent_id_agent'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['inbox_id'], ['inbox.id'], name=op.f('fk_visitor_revocation_inbox_id_inbox'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('inbox_id', 'visitor_id', name=op.f('pk_visitor_revocation'))
    )


def downgrade() -> None:
    op.drop_table('visitor_revocation')
