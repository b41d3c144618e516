"""Retention ([retention] in the config file): what the hub keeps, and for how long.

- raw_payload_days: the providers' message ids kept to refuse their retries twice
  (inbound receipts) and receipts that came before their send (early statuses).
- closed_case_days: a case closed this long ago is anonymised (hub/privacy.py): its
  messages become a tombstone and its files go; the case row stays for the statistics.
  A resident none of whose cases keeps content any more is forgotten too.
0 keeps forever. A background task applies them, a batch at a time.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, delete, select

from hub import audit, privacy, tasks
from hub.config import RetentionSettings
from hub.models import Status, utcnow
from hub.store import schema as s
from hub.store.db import Store

log = logging.getLogger(__name__)
BATCH = 200


@dataclass
class Swept:
    receipts: int = 0
    cases: int = 0
    contacts: int = 0
    files: int = 0


def drop_raw(conn: Connection, now: datetime, days: int) -> int:
    """Delete inbound receipts and early statuses older than `days`."""
    cutoff = now - timedelta(days=days)
    gone = conn.execute(
        delete(s.inbound_receipt).where(s.inbound_receipt.c.created_at < cutoff)
    ).rowcount
    gone += conn.execute(
        delete(s.early_status).where(s.early_status.c.created_at < cutoff)
    ).rowcount
    return int(gone)


def expire_cases(conn: Connection, now: datetime, days: int) -> tuple[privacy.Erased, int]:
    """Anonymise a batch of cases closed more than `days` ago; returns what was erased and
    how many residents were forgotten with them."""
    c = s.conversation.c
    cutoff = now - timedelta(days=days)
    rows = conn.execute(
        select(c.id, c.contact_id)
        .where(
            c.status == Status.CLOSED, c.updated_at < cutoff, c.reply_to != privacy.ERASED_ADDRESS
        )
        .order_by(c.updated_at)
        .limit(BATCH)
    ).all()
    erased = privacy.anonymise_cases(
        conn, [r.id for r in rows], now, privacy.EXPIRED, everyone=True
    )
    forgotten = 0
    for contact_id in {r.contact_id for r in rows}:
        kept = conn.execute(
            select(c.id)
            .where(c.contact_id == contact_id, c.reply_to != privacy.ERASED_ADDRESS)
            .limit(1)
        ).first()
        if kept is None:
            privacy.forget_contact(conn, contact_id, erased)
            forgotten += 1
    if rows:
        audit.write(
            conn,
            None,
            "retention",
            data={**erased.summary(), "contacts": forgotten, "closed_before": cutoff.isoformat()},
            at=now,
        )
    return erased, forgotten


class Retention:
    """The background task that applies [retention], every `interval` seconds."""

    def __init__(
        self, store: Store, settings: RetentionSettings, media_root: Path, interval: float = 3600.0
    ) -> None:
        self.store = store
        self.settings = settings
        self.media_root = media_root
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.settings.raw_payload_days or self.settings.closed_case_days:
            self._task = asyncio.create_task(self._run(), name="kanal-retention")

    async def stop(self) -> None:
        await tasks.stop(self._task)
        self._task = None

    async def sweep(self) -> Swept:
        """One full pass."""
        swept, now = Swept(), utcnow()
        if days := self.settings.raw_payload_days:
            swept.receipts = await self.store.write(lambda conn: drop_raw(conn, now, days))
        if days := self.settings.closed_case_days:
            while True:
                erased, forgotten = await self.store.write(
                    lambda conn: expire_cases(conn, now, days)
                )
                swept.cases += erased.cases
                swept.contacts += forgotten
                swept.files += await self._delete(erased.digests)
                if erased.cases < BATCH:
                    break
        if swept.receipts or swept.cases:
            log.info(
                "retention: %d receipts dropped, %d closed cases anonymised, "
                "%d residents forgotten",
                swept.receipts,
                swept.cases,
                swept.contacts,
            )
        return swept

    async def _delete(self, digests: set[str]) -> int:
        orphans = await self.store.read(lambda conn: privacy.orphans(conn, digests))
        return await privacy.delete_files(self.media_root, orphans)

    async def _run(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:
                log.exception("retention sweep failed; trying again later")
            await asyncio.sleep(self.interval)
