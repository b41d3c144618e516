"""One SQLite writer with group commit.

SQLite allows one writer at a time, and a durable commit costs an fsync. The writer
owns the only write connection, in its own thread: it takes every job queued while the
previous transaction committed, runs them all in one transaction, commits once, and only
then resolves each caller's future. Jobs are plain functions of a SQLAlchemy Connection,
so the thread hop is paid once per batch, not once per statement; jobs that share a
`batch_key` are handed over together to their `run_batch`, so that they can be written
with one statement per step instead of one per job.

Failures are rare, so they are paid for only when they happen: if anything in a batch
fails, the transaction is rolled back and its jobs are replayed one transaction each, so
that only the failing job fails. A storage fault (the database locked by another process,
the disk full, the file read-only) is not one job's fault: every job of the batch fails at
once, rather than each waiting out the busy timeout again alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

log = logging.getLogger(__name__)
T = TypeVar("T")
Job = Callable[[Connection], Any]


@dataclass
class _Pending:
    job: Job
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop


class BatchJob(Protocol):
    """A job the writer may run together with others of the same batch_key."""

    batch_key: str

    def __call__(self, conn: Connection) -> Any: ...

    def run_batch(self, conn: Connection, jobs: Sequence[Any]) -> Sequence[Any]: ...


_STOP = object()


class GroupCommitWriter:
    def __init__(self, engine: Engine, batch_max: int = 256, linger_ms: float = 0.0) -> None:
        self._engine = engine
        self._batch_max = batch_max
        self._linger = linger_ms / 1000
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.batches = 0
        self.jobs = 0
        self.changed = 0  # batches committed that changed rows: real writes, not only reads

    @property
    def engine(self) -> Engine:
        """The engine of the write connection (its "connect" event sees every reconnect)."""
        return self._engine

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="kanal-writer", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        if self._thread is None:
            return
        self._queue.put(_STOP)
        await asyncio.to_thread(self._thread.join)
        self._thread = None
        self._engine.dispose()  # closes the connection: SQLite checkpoints and drops the WAL

    async def submit(self, job: Callable[[Connection], T]) -> T:
        if self._thread is None:
            raise RuntimeError("the writer is not running")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Pending(job, future, loop))
        return await future

    def _run(self) -> None:
        conn: Connection | None = None
        stopping = busy = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                break
            batch, stopping = self._gather(first, linger=self._linger if busy else 0.0)
            busy = len(batch) > 1
            try:
                if conn is None:
                    conn = self._engine.connect()
                self._commit_batch(conn, batch)
            except Exception as exc:  # the whole transaction failed: every caller hears it
                if isinstance(exc, SQLAlchemyError):  # the Store logs when writes start failing
                    log.warning("database write failed for %d job(s): %s", len(batch), exc)
                else:  # a job refused (a closed case, a rule): the caller answers for it
                    log.debug("write job refused: %s", exc)
                _resolve([(pending, exc, True) for pending in batch])
                if conn is not None:
                    conn.invalidate()
                    conn.close()
                    conn = None
        if conn is not None:
            conn.close()

    def _gather(self, first: _Pending, linger: float) -> tuple[list[_Pending], bool]:
        """Everything queued now; under load, also what arrives within `linger` seconds.

        Waiting a moment when callers are many (the last batch had several jobs) makes the
        batches larger, and a batch costs nearly the same for one job as for ten; alone, a
        job is never kept waiting.
        """
        batch = [first]
        deadline = time.monotonic() + linger
        while len(batch) < self._batch_max:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    item = self._queue.get(timeout=remaining)
                except queue.Empty:
                    break
            if item is _STOP:
                return batch, True
            batch.append(item)
        return batch, False

    def _commit_batch(self, conn: Connection, batch: list[_Pending]) -> None:
        batch = [p for p in batch if not p.future.cancelled()]
        if not batch:
            return
        before = _total_changes(conn)
        try:
            with conn.begin():
                results = _run_jobs(conn, batch)
        except Exception as exc:
            if len(batch) == 1 or isinstance(exc, OperationalError):
                raise
            log.info("a batch of %d failed (%s); replaying it job by job", len(batch), exc)
            for pending in batch:
                self._commit_alone(conn, pending)
            return
        self.batches += 1
        self.jobs += len(batch)
        if _total_changes(conn) != before:
            self.changed += 1
        _resolve([(pending, result, False) for pending, result in zip(batch, results, strict=True)])

    def _commit_alone(self, conn: Connection, pending: _Pending) -> None:
        before = _total_changes(conn)
        try:
            with conn.begin():
                [result] = _run_jobs(conn, [pending])
        except Exception as exc:
            _resolve([(pending, exc, True)])
            return
        self.batches += 1
        self.jobs += 1
        if _total_changes(conn) != before:
            self.changed += 1
        _resolve([(pending, result, False)])


def _total_changes(conn: Connection) -> int:
    """Rows this connection has changed since it opened (sqlite3's own counter)."""
    return int(getattr(conn.connection.dbapi_connection, "total_changes", 0))


def _run_jobs(conn: Connection, batch: list[_Pending]) -> list[Any]:
    """Run every job; jobs with the same batch_key go to their run_batch together."""
    results: list[Any] = [None] * len(batch)
    groups: dict[str, list[int]] = {}
    for n, pending in enumerate(batch):
        key = getattr(pending.job, "batch_key", None)
        if key is None:
            results[n] = pending.job(conn)
            continue
        groups.setdefault(key, []).append(n)
    for members in groups.values():
        jobs = [batch[n].job for n in members]
        runner: BatchJob = jobs[0]  # type: ignore[assignment]
        for n, result in zip(members, runner.run_batch(conn, jobs), strict=True):
            results[n] = result
    return results


def _resolve(outcomes: list[tuple[_Pending, Any, bool]]) -> None:
    """Settle the callers' futures: one wake-up per event loop, not one per job."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Pending, Any, bool]]] = {}
    for outcome in outcomes:
        by_loop.setdefault(outcome[0].loop, []).append(outcome)
    for loop, settled in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the caller's loop is gone (shutdown)
            loop.call_soon_threadsafe(_settle, settled)


def _settle(outcomes: list[tuple[_Pending, Any, bool]]) -> None:
    for pending, value, failed in outcomes:
        if pending.future.done():
            continue
        if failed:
            pending.future.set_exception(value)
        else:
            pending.future.set_result(value)
