"""The Store: where every read and write of the hub goes.

Jobs are plain functions of a SQLAlchemy Connection. On SQLite, writes go through the
group-commit writer (one thread, one connection) and reads through aiosqlite; on
PostgreSQL both run on asyncpg, each write in its own transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from hub.config import DatabaseSettings
from hub.store.writer import GroupCommitWriter

log = logging.getLogger(__name__)
T = TypeVar("T")


class StorageUnavailable(Exception):
    """The database did not answer; callers map this to 503 / an `unavailable` ack."""


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database.removeprefix("file:"))


class Store:
    def __init__(self, settings: DatabaseSettings) -> None:
        self.settings = settings
        self.url = settings.url
        self.sqlite = is_sqlite(self.url)
        self._engine: AsyncEngine | None = None
        self._writer: GroupCommitWriter | None = None

    @property
    def writer(self) -> GroupCommitWriter | None:
        return self._writer

    async def start(self) -> None:
        if self.sqlite:
            path = sqlite_path(self.url)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
        self._engine = create_async_engine(self.url, pool_pre_ping=not self.sqlite)
        if self.sqlite:
            event.listen(self._engine.sync_engine, "connect", self._sqlite_pragmas)
            sync_url = make_url(self.url).set(drivername="sqlite+pysqlite")
            sync_engine = create_engine(sync_url)
            event.listen(sync_engine, "connect", self._sqlite_pragmas)
            event.listen(sync_engine, "connect", _no_implicit_transactions)
            event.listen(sync_engine, "begin", _begin_immediate)
            self._writer = GroupCommitWriter(
                sync_engine, self.settings.batch_max, self.settings.commit_delay_ms
            )
            self._writer.start()

    async def stop(self) -> None:
        if self._writer is not None:
            await self._writer.stop()
            self._writer = None
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    async def write(self, job: Callable[[Connection], T]) -> T:
        """Run job in a transaction; returns after the commit is durable."""
        try:
            if self._writer is not None:
                return await self._writer.submit(job)
            async with self._require_engine().begin() as conn:
                return await conn.run_sync(job)
        except _STORAGE_ERRORS as exc:
            raise StorageUnavailable(str(exc)) from exc

    async def read(self, job: Callable[[Connection], T]) -> T:
        try:
            async with self._require_engine().connect() as conn:
                return await conn.run_sync(job)
        except _STORAGE_ERRORS as exc:
            raise StorageUnavailable(str(exc)) from exc

    async def ping(self) -> bool:
        try:
            await self.read(lambda c: c.execute(text("SELECT 1")).scalar())
        except StorageUnavailable:
            return False
        return True

    def _require_engine(self) -> AsyncEngine:
        if self._engine is None:
            raise StorageUnavailable("the store is not started")
        return self._engine

    def _sqlite_pragmas(self, dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(self.settings.busy_timeout_ms)}")
        cursor.execute(f"PRAGMA synchronous={self.settings.synchronous}")
        cursor.execute(f"PRAGMA cache_size=-{int(self.settings.cache_mb) * 1024}")
        cursor.close()


def _no_implicit_transactions(dbapi_conn: Any, _record: Any) -> None:
    # The writer drives its transactions itself (BEGIN IMMEDIATE), never pysqlite.
    dbapi_conn.isolation_level = None


def _begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


# Errors that mean "the database did not answer", not "this write is wrong".
_STORAGE_ERRORS = (OperationalError, InterfaceError, OSError, TimeoutError)
