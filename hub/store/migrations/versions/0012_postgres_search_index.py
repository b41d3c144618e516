"""PostgreSQL full-text index: GIN over the messages' words

SQLite has its FTS5 table (0007, 0008). On PostgreSQL, search matched
to_tsvector('simple', text) at query time, reading every message; this expression index
answers the same condition (hub/search.py writes it identically). The 'simple'
configuration, like SQLite's unicode61 tokenizer, lower-cases without stemming: there is
no Indonesian dictionary in PostgreSQL's default build. Nothing to do on SQLite.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Named like the SQLite index, so hub.store.schema.is_search_table leaves it out of the
#: modelled schema (the schema cannot describe an expression index on one dialect).
INDEX = "message_search_text"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON message "
        "USING gin (to_tsvector('simple'::regconfig, text))"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
