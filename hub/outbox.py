"""Outbound delivery: claim a due reply, send it through its channel, record the outcome.

An agent's reply to a resident on a provider channel (Telegram, WhatsApp) is committed
together with an outbox row; the relay then delivers it, at least once and in order per
conversation: a conversation's next reply waits until the one before it is sent or dead.
Retryable failures back off exponentially with jitter (or as long as the provider's
retry_after says); permanent ones dead-letter the message, with the reason shown to the
agent. The guards: never send again what already has a provider id, never send a note.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, select, update

from hub import tasks, updates
from hub.channel import ChannelSendError
from hub.events import MessageCreated
from hub.models import Delivery, Kind, Outbound, advances, utcnow
from hub.service import HubService
from hub.store import schema as s
from hub.store.queries import conversation_with_contact, message_by_id
from hub.views import conversation_view, message_view

log = logging.getLogger(__name__)
STOP_GRACE_S = 5.0  # at shutdown, how long sends under way may take to finish


@dataclass(frozen=True)
class RetryPolicy:
    base: float = 2.0  # seconds before the first retry
    cap: float = 300.0  # the longest wait between two attempts
    # Then the message is dead: with the defaults, not before a provider has been down for
    # over half an hour (an outage of minutes is ridden out; see shortest_give_up).
    max_attempts: int = 20
    lease: float = 60.0  # a claimed row is retried if its sender vanished this long ago

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        """Exponential backoff with full jitter, never shorter than the provider asked."""
        ceiling = min(self.cap, self.base * 2 ** max(0, attempts - 1))
        wait = random.uniform(ceiling / 2, ceiling)
        return max(wait, retry_after or 0.0)

    def shortest_give_up(self) -> float:
        """The least time (jitter at its lowest) from the first attempt to the dead letter."""
        return sum(
            min(self.cap, self.base * 2 ** max(0, n - 1)) / 2 for n in range(1, self.max_attempts)
        )


@dataclass(frozen=True)
class Claim:
    outbox_id: int
    attempts: int
    inbox_id: int
    out: Outbound
    external_id: str | None
    private: bool
    created_at: datetime | None = None  # the message's, for kanal_delivery_seconds


def claim_due(conn: Connection, now: datetime, lease: float, limit: int) -> list[Claim]:
    """The oldest queued reply of each conversation, when due and not leased by a sender."""
    o = s.outbox.c
    head = (
        select(func.min(o.id))
        .where(o.state == "queued")
        .group_by(o.conversation_id)
        .scalar_subquery()
    )
    rows = conn.execute(
        select(
            o.id.label("outbox_id"),
            o.attempts,
            o.inbox_id,
            s.message,
            s.conversation.c.reply_to,
        )
        .join(s.message, s.message.c.id == o.message_id)
        .join(s.conversation, s.conversation.c.id == o.conversation_id)
        .where(
            o.id.in_(head),
            o.next_attempt_at <= now,
            (o.lease_until.is_(None)) | (o.lease_until < now),
        )
        .order_by(o.next_attempt_at, o.id)
        .limit(limit)
        # PostgreSQL: several relays (hub processes) claim at once; each skips the rows
        # another is claiming instead of waiting for them or taking them too. Only the
        # outbox rows are locked, never the cases that ingest is writing to. SQLite
        # renders nothing: its single writer already claims one batch at a time.
        .with_for_update(of=s.outbox, skip_locked=True)
    ).all()
    claims = []
    for row in rows:
        conn.execute(
            update(s.outbox)
            .where(o.id == row.outbox_id)
            .values(lease_until=now + timedelta(seconds=lease), attempts=o.attempts + 1)
        )
        out = Outbound(
            message_id=row.id,
            conversation_id=row.conversation_id,
            recipient=row.reply_to,
            text=row.text,
            kind=Kind(row.kind),
            attachments=tuple(row.attachments or ()),
        )
        claims.append(
            Claim(
                row.outbox_id,
                row.attempts + 1,
                row.inbox_id,
                out,
                row.external_id,
                row.private,
                row.created_at,
            )
        )
    return claims


def record(
    conn: Connection,
    claim: Claim,
    *,
    state: str,
    delivery: Delivery | None = None,
    provider_id: str | None = None,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> Any:
    """Write one attempt's outcome; returns the message row when its delivery status moved."""
    values: dict[str, Any] = {"state": state, "lease_until": None, "last_error": error}
    if retry_at is not None:
        values["next_attempt_at"] = retry_at
    conn.execute(update(s.outbox).where(s.outbox.c.id == claim.outbox_id).values(**values))
    if delivery is None:
        return None
    changes: dict[str, Any] = {"delivery_status": delivery, "error": error}
    if provider_id is not None:
        changes["external_id"] = provider_id
        early = updates.early_status(conn, claim.inbox_id, provider_id)
        if early is not None and advances(delivery, early.status):
            changes.update(delivery_status=early.status, error=early.error)
    conn.execute(
        update(s.message)
        .where(
            and_(s.message.c.id == claim.out.message_id, s.message.c.delivery_status != "failed")
        )
        .values(**changes)
    )
    return message_by_id(conn, claim.out.message_id)


class OutboxRelay:
    """The background task that drains the outbox."""

    def __init__(
        self,
        service: HubService,
        policy: RetryPolicy | None = None,
        *,
        idle: float = 1.0,
        batch: int = 50,
    ) -> None:
        self.service = service
        self.policy = policy or RetryPolicy()
        self.idle = idle
        self.batch = batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._sending: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        """A reply was queued: look now rather than at the next idle tick."""
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="kanal-outbox")

    async def stop(self) -> None:
        await tasks.stop(self._task)
        self._task = None
        if self._sending:
            # Sends under way finish and are recorded; one stuck past the grace period is
            # cancelled and its lease lets a later start send it again.
            await asyncio.wait(self._sending, timeout=STOP_GRACE_S)
            for task in self._sending:
                task.cancel()
            await asyncio.gather(*self._sending, return_exceptions=True)

    async def _run(self) -> None:
        """Keep up to `batch` sends going: claim more as they finish (a conversation's next
        reply is claimable once the one before it is recorded), rather than batch by batch,
        so a slow send (a pacer's wait, a slow provider) never holds up the others."""
        while True:
            self._wake.clear()  # before claiming: a send that ends meanwhile wakes the wait
            room = self.batch - len(self._sending)
            claimed = 0
            if room >= max(1, self.batch // 5) or not self._sending:
                try:
                    claimed = await self._claim(room)
                except Exception:
                    log.exception("outbox relay failed; retrying")
            if claimed:
                continue
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for may swallow a cancel
            # that comes as the event is set, and stop() would then wait for ever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.idle):
                    await self._wake.wait()

    async def _claim(self, limit: int) -> int:
        now = utcnow()
        claims = await self.service.store.write(
            lambda c: claim_due(c, now, self.policy.lease, limit)
        )
        for claim in claims:
            task = asyncio.create_task(self._deliver(claim))
            self._sending.add(task)
            task.add_done_callback(self._sent)
        return len(claims)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("delivering a reply failed", exc_info=task.exception())
        self._wake.set()  # room for more, and maybe the conversation's next reply

    async def drain_once(self) -> int:
        """Claim what is due and try each once; returns how many were attempted."""
        now = utcnow()
        claims = await self.service.store.write(
            lambda c: claim_due(c, now, self.policy.lease, self.batch)
        )
        await asyncio.gather(*(self._deliver(claim) for claim in claims))
        return len(claims)

    async def _deliver(self, claim: Claim) -> None:
        if claim.private or claim.external_id is not None:
            # A note never leaves the hub; a message with a provider id was sent already.
            await self._record(claim, state="done")
            return
        inbox = self.service.directory.inboxes.get(claim.inbox_id)
        channel = self.service.channel_for(inbox) if inbox is not None else None
        if inbox is None or channel is None:
            self.service.metrics.delivery_failed(inbox.kind if inbox else "unknown", "dead")
            await self._record(
                claim, state="dead", delivery=Delivery.FAILED, error="no channel for this inbox"
            )
            return
        try:
            provider_id = await channel.send(inbox, claim.out)
        except ChannelSendError as exc:
            await self._failed(claim, exc)
            return
        except Exception as exc:  # a bug or an unexpected network error: retry, loudly
            log.exception("sending message %s failed", claim.out.message_id)
            error = ChannelSendError(str(exc) or type(exc).__name__, retryable=True)
            await self._failed(claim, error)
            return
        self.service.metrics.delivered(inbox.kind, claim.created_at)
        await self._record(claim, state="done", delivery=Delivery.SENT, provider_id=provider_id)

    async def _failed(self, claim: Claim, exc: ChannelSendError) -> None:
        reason = str(exc)[:500]
        retry = exc.retryable and claim.attempts < self.policy.max_attempts
        inbox = self.service.directory.inboxes.get(claim.inbox_id)
        channel = inbox.kind if inbox is not None else "unknown"
        self.service.metrics.delivery_failed(channel, "retry" if retry else "dead")
        if retry:
            wait = self.policy.delay(claim.attempts, exc.retry_after)
            retry_at = utcnow() + timedelta(seconds=wait)
            log.info("message %s: %s; retry in %.1fs", claim.out.message_id, reason, wait)
            await self._record(claim, state="queued", error=reason, retry_at=retry_at)
            return
        log.warning("message %s dead-lettered: %s", claim.out.message_id, reason)
        await self._record(claim, state="dead", delivery=Delivery.FAILED, error=reason)

    async def _record(self, claim: Claim, **outcome: Any) -> None:
        directory = self.service.directory

        def job(conn: Connection) -> tuple[Any, Any]:
            row = record(conn, claim, **outcome)
            conv = conversation_with_contact(conn, claim.out.conversation_id) if row else None
            return row, conv

        row, conv = await self.service.store.write(job)
        if row is not None and conv is not None:
            self.service.emit(
                MessageCreated(message_view(row), conversation_view(conv, directory), conv.reply_to)
            )


def dead_letters(conn: Connection, organization_id: int, limit: int = 200) -> list[dict[str, Any]]:
    """The replies that could not be delivered, newest first: for the admin's list, each
    with what an agent needs to requeue it from its case."""
    o, m, c = s.outbox.c, s.message.c, s.conversation.c
    rows = conn.execute(
        select(
            o.conversation_id,
            o.message_id,
            o.attempts,
            o.last_error,
            o.inbox_id,
            m.seq,
            m.created_at,
            c.tracking_code,
            c.opd_id,
        )
        .join(s.message, m.id == o.message_id)
        .join(s.conversation, c.id == o.conversation_id)
        .join(s.opd, s.opd.c.id == c.opd_id)
        .where(o.state == "dead", s.opd.c.organization_id == organization_id)
        .order_by(o.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "conversation_id": r.conversation_id,
            "tracking_code": r.tracking_code,
            "message_id": r.message_id,
            "seq": r.seq,
            "inbox_id": r.inbox_id,
            "opd_id": r.opd_id,
            "attempts": r.attempts,
            "error": r.last_error,
            "created_at": r.created_at.isoformat(),
        }
        for r in rows
    ]
