"""The Alembic migrations build exactly the schema of hub/store/schema.py."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from hub.store.migrate import upgrade
from hub.store.schema import is_search_table, metadata


def test_migrations_match_the_schema(tmp_path: Path) -> None:
    upgrade(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "include_name": lambda name, kind, _: (
                    not (kind == "table" and is_search_table(name))
                )
            },
        )
        assert compare_metadata(context, metadata) == []
        tables = inspect(conn).get_table_names()
        indexes = {i["name"] for i in inspect(conn).get_indexes("conversation")}
    assert "uq_conversation_open_contact_inbox" in indexes
    assert "message_search" in tables  # the full-text index, outside the modelled schema


def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    upgrade(url)
