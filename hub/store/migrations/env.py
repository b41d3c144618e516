"""Alembic environment: runs the migrations over the hub's async engine (aiosqlite or asyncpg)."""

import asyncio

from alembic import context
from sqlalchemy import Connection, pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from hub.store.db import connect_options
from hub.store.schema import is_search_table, metadata

config = context.config

#: The PostgreSQL advisory lock that serialises migrations ("kanal" in ASCII).
MIGRATION_LOCK = 0x6B616E616C


def _modelled(name: str | None, type_: str, parent_names: object) -> bool:
    """Everything but the full-text index (SQLite's table, PostgreSQL's expression index),
    which the schema cannot describe."""
    return not (type_ in ("table", "index") and is_search_table(name))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=_modelled,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Hub processes starting together migrate one at a time; the later ones then
            # find the schema up to date. Released at commit.
            connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
        context.run_migrations()


async def _run_async() -> None:
    url, connect_args = connect_options(config.get_main_option("sqlalchemy.url") or "")
    engine = create_async_engine(url, connect_args=connect_args, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
