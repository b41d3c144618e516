"""A case's life over time: a resolved case nobody writes to closes by itself after
`[cases] close_after_days`; from then on the resident's next message starts a new case."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select, update

from hub import tasks
from hub.cases import Change
from hub.directory import Directory
from hub.events import ConversationChanged
from hub.models import Status, utcnow
from hub.store import schema as s
from hub.store.queries import audit, conversation_by_id
from hub.views import conversation_view

if TYPE_CHECKING:
    from hub.service import HubService

log = logging.getLogger(__name__)
BATCH = 500


def close_stale(conn: Connection, directory: Directory, now: datetime, days: float) -> list[Change]:
    """Close the resolved cases whose resolution is older than `days` (a batch at a time)."""
    c = s.conversation.c
    cutoff = now - timedelta(days=days)
    ids = (
        conn.execute(
            select(c.id)
            .where(c.status == Status.RESOLVED, c.resolved_at < cutoff)
            .order_by(c.resolved_at)
            .limit(BATCH)
        )
        .scalars()
        .all()
    )
    changes = []
    for conv_id in ids:
        conn.execute(
            update(s.conversation)
            .where(c.id == conv_id, c.status == Status.RESOLVED)
            .values(status=Status.CLOSED, updated_at=now)
        )
        audit(
            conn,
            "status",
            {"from": "resolved", "to": "closed", "by": "system"},
            conversation_id=conv_id,
            at=now,
        )
        row = conversation_by_id(conn, conv_id)
        changes.append(Change(conversation_view(row, directory), True, row.reply_to))
    return changes


class Sweeper:
    """The background task that closes stale resolved cases, every `interval` seconds."""

    def __init__(self, service: HubService, days: float, interval: float = 600.0) -> None:
        self.service = service
        self.days = days
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="kanal-sweeper")

    async def stop(self) -> None:
        await tasks.stop(self._task)
        self._task = None

    async def sweep(self) -> int:
        """One pass; returns how many cases it closed."""
        directory, days = self.service.directory, self.days
        closed = await self.service.store.write(
            lambda conn: close_stale(conn, directory, utcnow(), days)
        )
        for change in closed:
            self.service.emit(ConversationChanged(change.conversation, "status", change.recipient))
        return len(closed)

    async def _run(self) -> None:
        while True:
            try:
                while await self.sweep() >= BATCH:
                    pass
            except Exception:
                log.exception("closing stale cases failed; trying again later")
            await asyncio.sleep(self.interval)
