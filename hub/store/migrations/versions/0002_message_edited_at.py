"""message edited_at

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.store.schema


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edited_at', hub.store.schema.UtcDateTime(), nullable=True))




def downgrade() -> None:

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('edited_at')


