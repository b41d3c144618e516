"""message search: a full-text index of message text (SQLite FTS5, kept by triggers)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# External content: the index keeps only the tokens; the text stays in `message`.
# unicode61 with remove_diacritics folds case and accents ("Jl." ~ "jl").
CREATE = [
    """CREATE VIRTUAL TABLE message_search USING fts5(
        text, content='message', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER message_search_insert AFTER INSERT ON message BEGIN
        INSERT INTO message_search(rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TRIGGER message_search_delete AFTER DELETE ON message BEGIN
        INSERT INTO message_search(message_search, rowid, text) VALUES ('delete', old.id, old.text);
    END""",
    """CREATE TRIGGER message_search_update AFTER UPDATE OF text ON message BEGIN
        INSERT INTO message_search(message_search, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO message_search(rowid, text) VALUES (new.id, new.text);
    END""",
    "INSERT INTO message_search(message_search) VALUES ('rebuild')",
]
DROP = [
    "DROP TRIGGER IF EXISTS message_search_update",
    "DROP TRIGGER IF EXISTS message_search_delete",
    "DROP TRIGGER IF EXISTS message_search_insert",
    "DROP TABLE IF EXISTS message_search",
]


def upgrade() -> None:
    # PostgreSQL searches with to_tsvector at query time (hub/search.py); its index is
    # part of the scale-out work.
    if op.get_bind().dialect.name == "sqlite":
        for statement in CREATE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in DROP:
            op.execute(statement)
