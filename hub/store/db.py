"""The Store: where every read and write of the hub goes.

Jobs are plain functions of a SQLAlchemy Connection. On SQLite, writes go through the
group-commit writer (one thread, one connection) and reads through aiosqlite; on
PostgreSQL both run on asyncpg, each write in its own transaction.

A storage fault (the database locked by another process, the disk full, the file
read-only) reaches callers as StorageUnavailable, which they answer with a 503 or an
`unavailable` ack so that the sender tries again. The Store remembers that its writes are
failing, for /healthz, and says so in the log once when it starts and once when a write
goes through again: nothing needs restarting.
"""

from __future__ import annotations

import asyncio
import logging
import random
import shlex
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from hub.config import DatabaseSettings
from hub.store.writer import GroupCommitWriter

log = logging.getLogger(__name__)
T = TypeVar("T")


class StorageUnavailable(Exception):
    """The database did not answer; callers map this to 503 / an `unavailable` ack."""


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def connect_options(url: str) -> tuple[URL, dict[str, Any]]:
    """The URL SQLAlchemy gets and its connect_args.

    libpq's `options=-csearch_path=kanal` (how psql and most tools name a schema or any
    other server setting) is not an asyncpg argument: it becomes asyncpg's
    server_settings.
    """
    parsed = make_url(url)
    if is_sqlite(url) or "options" not in parsed.query:
        return parsed, {}
    settings = {}
    words = shlex.split(str(parsed.query["options"]))
    for n, word in enumerate(words):
        setting = word.removeprefix("-c") or (words[n + 1] if n + 1 < len(words) else "")
        if word.startswith("-c") and "=" in setting:
            name, value = setting.split("=", 1)
            settings[name.strip()] = value.strip()
    return parsed.difference_update_query(["options"]), {"server_settings": settings}


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
        self.on_error: Callable[[str], None] = lambda op: None  # metrics: "read" | "write"
        self.write_failure: str | None = None  # why the last writes failed; None: they succeed
        self._failing_since = 0.0

    @property
    def writer(self) -> GroupCommitWriter | None:
        return self._writer

    async def start(self) -> None:
        if self.sqlite:
            self._start_sqlite()
            return
        # PostgreSQL: a sized pool, each write its own transaction (_write_alone).
        url, connect_args = connect_options(self.url)
        self._engine = create_async_engine(
            url,
            connect_args=connect_args,
            pool_size=self.settings.pool_size,
            max_overflow=0,  # pool_size is the most this process opens, as configured
            pool_timeout=self.settings.pool_timeout_s,
            pool_pre_ping=True,
        )

    def _start_sqlite(self) -> None:
        path = sqlite_path(self.url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._engine = create_async_engine(self.url)
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
        changed = self._writer.changed if self._writer is not None else 0
        try:
            if self._writer is not None:
                result = await self._writer.submit(job)
            else:
                result = await self._write_alone(job)
        except _STORAGE_ERRORS as exc:
            self.on_error("write")
            self._writes_fail(exc)
            raise StorageUnavailable(str(exc)) from exc
        if self.write_failure is not None and (
            self._writer is None or self._writer.changed != changed
        ):
            self._writes_succeed()
        return result

    def _writes_fail(self, exc: Exception) -> None:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
        if self.write_failure is None:
            self._failing_since = time.monotonic()
            log.error(
                "storage: writes are failing (%s); inbound deliveries are refused with 503 "
                "or an `unavailable` ack until a write succeeds again",
                reason,
            )
        self.write_failure = reason

    def _writes_succeed(self) -> None:
        """A write went through (on SQLite: one that changed rows, not only a read in a
        write transaction, which succeeds on a full disk too)."""
        log.warning(
            "storage: writes succeed again after %.1fs of failures (%s)",
            time.monotonic() - self._failing_since,
            self.write_failure,
        )
        self.write_failure = None

    async def _write_alone(self, job: Callable[[Connection], T]) -> T:
        """One transaction; run again when a concurrent writer got there first.

        Several processes write at once on PostgreSQL: a job that read "no receipt, no
        contact, no open case" may then collide with the same row another transaction
        just committed (a unique violation), or deadlock with it. Run again, it sees that
        row and takes the duplicate path, as it would have behind SQLite's single writer.
        A genuine violation fails the same way every time and is raised after the last try.
        """
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            try:
                async with self._require_engine().begin() as conn:
                    return await conn.run_sync(job)
            except DBAPIError as exc:
                if attempt == CONFLICT_ATTEMPTS or not is_conflict(exc):
                    raise
                log.debug("write conflict (attempt %d): %s", attempt, exc.orig)
                await asyncio.sleep(random.uniform(0, 0.005 * attempt))
        raise AssertionError("unreachable")

    async def read(self, job: Callable[[Connection], T]) -> T:
        try:
            async with self._require_engine().connect() as conn:
                return await conn.run_sync(job)
        except _STORAGE_ERRORS as exc:
            self.on_error("read")
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


#: How often a write is tried when it collides with a concurrent one (PostgreSQL).
CONFLICT_ATTEMPTS = 5

# unique_violation, serialization_failure, deadlock_detected
_CONFLICTS = frozenset({"23505", "40001", "40P01"})


def is_conflict(exc: DBAPIError) -> bool:
    """A collision with a concurrent transaction, which a new attempt may not meet."""
    return getattr(exc.orig, "sqlstate", None) in _CONFLICTS


# Errors that mean "the database did not answer", not "this write is wrong".
_STORAGE_ERRORS = (OperationalError, InterfaceError, OSError, TimeoutError, PoolTimeout)
