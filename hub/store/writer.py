"""One SQLite writer with group commit.

SQLite allows one writer at a time, and a durable commit costs an fsync. The writer
owns the only write connection, in its own thread: it takes every job queued while the
previous transaction committed, runs each in a SAVEPOINT (a failing job rolls back
alone), commits once, and only then resolves each caller's future. Jobs are plain
functions of a SQLAlchemy Connection, so the thread hop is paid once per batch, not
once per statement.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

log = logging.getLogger(__name__)
T = TypeVar("T")
Job = Callable[[Connection], Any]


@dataclass
class _Pending:
    job: Job
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop


_STOP = object()


class GroupCommitWriter:
    def __init__(self, engine: Engine, batch_max: int = 256) -> None:
        self._engine = engine
        self._batch_max = batch_max
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.batches = 0
        self.jobs = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="kanal-writer", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        if self._thread is None:
            return
        self._queue.put(_STOP)
        await asyncio.to_thread(self._thread.join)
        self._thread = None

    async def submit(self, job: Callable[[Connection], T]) -> T:
        if self._thread is None:
            raise RuntimeError("the writer is not running")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Pending(job, future, loop))
        return await future

    def _run(self) -> None:
        conn: Connection | None = None
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                break
            batch = [first]
            while len(batch) < self._batch_max:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
            try:
                if conn is None:
                    conn = self._engine.connect()
                self._commit_batch(conn, batch)
            except Exception as exc:  # the whole transaction failed: every caller hears it
                log.error("database write failed for %d job(s): %s", len(batch), exc)
                for pending in batch:
                    _resolve(pending, exc, failed=True)
                if conn is not None:
                    conn.invalidate()
                    conn.close()
                    conn = None
        if conn is not None:
            conn.close()

    def _commit_batch(self, conn: Connection, batch: list[_Pending]) -> None:
        outcomes: list[tuple[_Pending, Any, bool]] = []
        with conn.begin():
            for pending in batch:
                if pending.future.cancelled():
                    continue
                savepoint = conn.begin_nested()
                try:
                    result = pending.job(conn)
                except Exception as exc:
                    savepoint.rollback()
                    outcomes.append((pending, exc, True))
                else:
                    savepoint.commit()
                    outcomes.append((pending, result, False))
        self.batches += 1
        self.jobs += len(outcomes)
        for pending, value, failed in outcomes:
            _resolve(pending, value, failed=failed)


def _resolve(pending: _Pending, value: Any, *, failed: bool) -> None:
    def settle() -> None:
        if pending.future.done():
            return
        if failed:
            pending.future.set_exception(value)
        else:
            pending.future.set_result(value)

    with contextlib.suppress(RuntimeError):  # the caller's loop is gone (shutdown)
        pending.loop.call_soon_threadsafe(settle)
