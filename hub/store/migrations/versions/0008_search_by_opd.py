"""search by OPD: the full-text index also holds each message's OPD

An agent's search then filters by OPD inside the index (intersecting posting lists)
instead of looking up every match's case: a common word stays fast for an OPD agent
(bench/search.py). A disposisi re-indexes the case's messages under their new OPD.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = [
    "DROP TRIGGER IF EXISTS message_search_update",
    "DROP TRIGGER IF EXISTS message_search_delete",
    "DROP TRIGGER IF EXISTS message_search_insert",
    "DROP TABLE IF EXISTS message_search",
]
# The index reads its content through a view: the message's text and its case's OPD as a
# token ("opd12"), so that MATCH can say `opd : opd12`.
CREATE = [
    """CREATE VIEW message_search_source AS
        SELECT m.id AS id, m.text AS text, 'opd' || c.opd_id AS opd
        FROM message m JOIN conversation c ON c.id = m.conversation_id""",
    """CREATE VIRTUAL TABLE message_search USING fts5(
        text, opd, content='message_search_source', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER message_search_insert AFTER INSERT ON message BEGIN
        INSERT INTO message_search(rowid, text, opd)
            SELECT new.id, new.text, 'opd' || opd_id FROM conversation
            WHERE id = new.conversation_id;
    END""",
    """CREATE TRIGGER message_search_delete AFTER DELETE ON message BEGIN
        INSERT INTO message_search(message_search, rowid, text, opd)
            SELECT 'delete', old.id, old.text, 'opd' || opd_id FROM conversation
            WHERE id = old.conversation_id;
    END""",
    """CREATE TRIGGER message_search_update AFTER UPDATE OF text ON message BEGIN
        INSERT INTO message_search(message_search, rowid, text, opd)
            SELECT 'delete', old.id, old.text, 'opd' || opd_id FROM conversation
            WHERE id = old.conversation_id;
        INSERT INTO message_search(rowid, text, opd)
            SELECT new.id, new.text, 'opd' || opd_id FROM conversation
            WHERE id = new.conversation_id;
    END""",
    """CREATE TRIGGER message_search_move AFTER UPDATE OF opd_id ON conversation
    WHEN old.opd_id != new.opd_id BEGIN
        INSERT INTO message_search(message_search, rowid, text, opd)
            SELECT 'delete', id, text, 'opd' || old.opd_id FROM message
            WHERE conversation_id = old.id;
        INSERT INTO message_search(rowid, text, opd)
            SELECT id, text, 'opd' || new.opd_id FROM message WHERE conversation_id = new.id;
    END""",
    "INSERT INTO message_search(message_search) VALUES ('rebuild')",
]
DROP = [
    "DROP TRIGGER IF EXISTS message_search_move",
    *OLD,
    "DROP VIEW IF EXISTS message_search_source",
]
PREVIOUS = [
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


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in [*OLD, *CREATE]:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in [*DROP, *PREVIOUS]:
            op.execute(statement)
