"""The access log (UU PDP): who viewed, downloaded or took out which case's personal data.

Reading a case is the hot path, so a view is only noted in memory; a background task
writes the notes in batches through the store's writer. A failed write is logged and the
notes are kept for the next try (up to MAX_PENDING, then the oldest are dropped, loudly).
The same agent opening the same case again within COALESCE_S is one note, not many.
Actions that change or hand over data (a resident's export or erasure) are written in
their own transaction instead (`write`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import Connection, insert, select

from hub import tasks
from hub.models import utcnow
from hub.store import schema as s
from hub.store.db import Store

log = logging.getLogger(__name__)
FLUSH_S = 0.5  # how long a note may wait for its batch
COALESCE_S = 60.0
MAX_PENDING = 10_000
PAGE_MAX = 500


@dataclass(frozen=True)
class Filter:
    conversation_id: int | None = None
    agent_id: int | None = None
    since: datetime | None = None
    before_id: int | None = None  # keyset: rows older than this one
    limit: int = 100


def write(
    conn: Connection,
    agent_id: int | None,
    action: str,
    *,
    conversation_id: int | None = None,
    contact_id: int | None = None,
    data: Any = None,
    at: datetime | None = None,
) -> None:
    """One audit row, in the caller's transaction."""
    conn.execute(
        insert(s.audit_event).values(
            agent_id=agent_id,
            action=action,
            conversation_id=conversation_id,
            contact_id=contact_id,
            data=data,
            created_at=at or utcnow(),
        )
    )


def events(conn: Connection, where: Filter) -> list[dict[str, Any]]:
    """The trail, newest first, filtered by case, agent and time."""
    a = s.audit_event.c
    query = select(s.audit_event, s.agent.c.name.label("agent_name")).outerjoin(
        s.agent, s.agent.c.id == a.agent_id
    )
    if where.conversation_id is not None:
        query = query.where(a.conversation_id == where.conversation_id)
    if where.agent_id is not None:
        query = query.where(a.agent_id == where.agent_id)
    if where.since is not None:
        query = query.where(a.created_at >= where.since)
    if where.before_id is not None:
        query = query.where(a.id < where.before_id)
    rows = conn.execute(query.order_by(a.id.desc()).limit(where.limit)).all()
    return [
        {
            "id": r.id,
            "at": r.created_at.isoformat(),
            "agent": None if r.agent_id is None else {"id": r.agent_id, "name": r.agent_name},
            "action": r.action,
            "conversation_id": r.conversation_id,
            "contact_id": r.contact_id,
            "data": r.data,
        }
        for r in rows
    ]


class AuditLog:
    """Notes of reads, written behind the request in batches."""

    def __init__(self, store: Store, flush_s: float = FLUSH_S) -> None:
        self.store = store
        self.flush_s = flush_s
        self._pending: list[dict[str, Any]] = []
        self._recent: dict[tuple[int | None, str, int | None, int | None], float] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def note(
        self,
        agent_id: int | None,
        action: str,
        *,
        conversation_id: int | None = None,
        contact_id: int | None = None,
        data: Any = None,
    ) -> None:
        """Remember one access; it is written within `flush_s`."""
        if data is None:
            key = (agent_id, action, conversation_id, contact_id)
            now = time.monotonic()
            if now - self._recent.get(key, -COALESCE_S) < COALESCE_S:
                return
            self._recent[key] = now
            if len(self._recent) > MAX_PENDING:
                self._recent = {k: t for k, t in self._recent.items() if now - t < COALESCE_S}
        self._pending.append(
            {
                "agent_id": agent_id,
                "action": action,
                "conversation_id": conversation_id,
                "contact_id": contact_id,
                "data": data,
                "created_at": utcnow(),
            }
        )
        self._wake.set()

    async def flush(self) -> int:
        """Write what is noted; returns how many rows were written (0 on a failure)."""
        batch, self._pending = self._pending, []
        if not batch:
            return 0
        try:
            await self.store.write(lambda conn: conn.execute(insert(s.audit_event), batch))
        except Exception as exc:
            self._pending = batch + self._pending
            dropped = len(self._pending) - MAX_PENDING
            if dropped > 0:
                del self._pending[:dropped]
                log.error("audit log: %d access records dropped (storage failing)", dropped)
            log.error("audit log: %d access records not written yet: %s", len(batch), exc)
            return 0
        return len(batch)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="kanal-audit")

    async def stop(self) -> None:
        await tasks.stop(self._task)
        self._task = None
        await self.flush()
        if self._pending:
            log.error("audit log: %d access records lost at shutdown", len(self._pending))

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(self.flush_s)  # gather a batch
            self._wake.clear()
            if not await self.flush() and self._pending:
                await asyncio.sleep(self.flush_s * 4)  # storage failing: back off a little
                self._wake.set()


AUDIT = web.AppKey("audit", AuditLog)
