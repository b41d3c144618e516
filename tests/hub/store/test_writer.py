"""The group-commit writer: shared transactions, isolated failures, each caller its answer."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from hub.config import DatabaseSettings
from hub.store.db import StorageUnavailable, Store


async def _store_with_table(url: str) -> Store:
    store = Store(DatabaseSettings(url=url))
    await store.start()
    await store.write(lambda c: c.execute(text("CREATE TABLE t (v INTEGER UNIQUE)")))
    return store


@pytest.fixture
async def store(database_url: str) -> Any:
    """SQLite (through the group-commit writer) and PostgreSQL (a transaction per write)."""
    store = await _store_with_table(database_url)
    yield store
    await store.stop()


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> Any:
    store = await _store_with_table(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    yield store
    await store.stop()


async def test_concurrent_writes_all_land(store: Store) -> None:
    results = await asyncio.gather(
        *(
            store.write(
                lambda c, i=i: c.execute(text("INSERT INTO t VALUES (:v)"), {"v": i}).rowcount
            )
            for i in range(200)
        )
    )
    assert results == [1] * 200
    total = await store.read(lambda c: c.execute(text("SELECT count(*) FROM t")).scalar_one())
    assert total == 200


async def test_concurrent_writes_share_transactions(sqlite_store: Store) -> None:
    store = sqlite_store
    assert store.writer is not None
    before = store.writer.batches
    await asyncio.gather(
        *(
            store.write(lambda c, i=i: c.execute(text("INSERT INTO t VALUES (:v)"), {"v": i}))
            for i in range(200)
        )
    )
    batches = store.writer.batches - before
    assert batches < 200, "group commit should put many writes in one transaction"


async def test_a_failing_job_rolls_back_alone(store: Store) -> None:
    def bad(conn: Any) -> None:
        conn.execute(text("INSERT INTO t VALUES (1000)"))
        raise ValueError("boom")

    jobs = [
        store.write(lambda c, i=i: c.execute(text("INSERT INTO t VALUES (:v)"), {"v": i}))
        for i in range(5)
    ]
    outcome = await asyncio.gather(*jobs[:2], store.write(bad), *jobs[2:], return_exceptions=True)
    assert isinstance(outcome[2], ValueError)
    assert sum(isinstance(o, Exception) for o in outcome) == 1
    values = await store.read(
        lambda c: [r[0] for r in c.execute(text("SELECT v FROM t ORDER BY v"))]
    )
    assert values == [0, 1, 2, 3, 4]


async def test_sqlite_runs_in_wal_with_full_sync(sqlite_store: Store) -> None:
    store = sqlite_store
    mode = await store.write(lambda c: c.execute(text("PRAGMA journal_mode")).scalar_one())
    sync = await store.write(lambda c: c.execute(text("PRAGMA synchronous")).scalar_one())
    fks = await store.write(lambda c: c.execute(text("PRAGMA foreign_keys")).scalar_one())
    assert (mode, sync, fks) == ("wal", 2, 1)


async def test_a_read_only_database_is_unavailable_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    store = Store(DatabaseSettings(url=f"sqlite+aiosqlite:///{path}"))
    await store.start()
    await store.write(lambda c: c.execute(text("CREATE TABLE t (v INTEGER)")))
    await store.stop()
    ro = Store(DatabaseSettings(url=f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true"))
    await ro.start()
    try:
        with pytest.raises(StorageUnavailable):
            await ro.write(lambda c: c.execute(text("INSERT INTO t VALUES (1)")))
        assert await ro.read(lambda c: c.execute(text("SELECT count(*) FROM t")).scalar_one()) == 0
    finally:
        await ro.stop()
