"""Residents' satisfaction (CSAT): a score of 1 to 5, and perhaps a comment, on a resolved case.

The rules live here. A resident rates their own case, resolved (and maybe closed since)
less than RATE_DAYS ago; rating it again within that time changes the score; a comment
alone joins a case already rated. Each change is a private system note in the thread (the
agents see it live, the resident never does) and an event row.

Asking: when a case becomes resolved, the Survey asks its resident once, through the case's
channel (Channel.ask_rating), after the replies queued before the resolution have gone out.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, update

from hub.channel import Accepted
from hub.directory import Directory
from hub.events import ConversationChanged, EventBus
from hub.models import Delivery, Direction, InboxRef, Kind, Rating, SenderType, Status, utcnow
from hub.store import schema as s
from hub.store.queries import (
    advance,
    audit,
    conversation_by_id,
    conversation_select,
    insert_message,
)
from hub.tracking import normalize
from hub.views import conversation_view, message_view

if TYPE_CHECKING:
    from hub.service import HubService

log = logging.getLogger(__name__)

RATE_DAYS = 7  # how long after its resolution a case can be rated (and the rating changed)
COMMENT_MAX = 1000
SCORES = range(1, 6)
RATED = (Status.RESOLVED, Status.CLOSED)
#: The answer when the resident has no case they may rate (nothing was stored).
NOT_RATEABLE = Accepted(message=None, conversation=None)


def rateable(conv: Any, now: datetime) -> bool:
    """Resolved (and maybe closed since) less than RATE_DAYS ago."""
    resolved = conv.resolved_at
    return (
        conv.status in RATED
        and resolved is not None
        and now - resolved <= timedelta(days=RATE_DAYS)
    )


def apply_rating(conn: Connection, directory: Directory, inbox: InboxRef, item: Rating) -> Accepted:
    """Store a resident's rating on their case; NOT_RATEABLE when the rules refuse it."""
    if item.external_id is not None and _seen(conn, inbox, item.external_id):
        return Accepted(message=None, conversation=None, duplicate=True)
    now = utcnow()
    conv = _case(conn, inbox, item)
    comment = _clean(item.comment)
    if conv is None or not rateable(conv, now) or not _valid(item.score, comment, conv):
        return NOT_RATEABLE
    score = item.score if item.score is not None else conv.csat
    kept = comment if comment is not None else conv.csat_comment
    if (score, kept) == (conv.csat, conv.csat_comment):
        view = conversation_view(conv, directory)
        return Accepted(None, view, duplicate=True, recipient=conv.reply_to)
    values = {"csat": score, "csat_comment": kept, "csat_at": now}
    conn.execute(update(s.conversation).where(s.conversation.c.id == conv.id).values(**values))
    note = _note(conn, conv, _describe(item.score, comment), now)
    audit(
        conn,
        "csat",
        {"score": score, "comment": comment is not None},
        conversation_id=conv.id,
        at=now,
    )
    if item.external_id is not None:
        conn.execute(
            insert(s.inbound_receipt).values(
                inbox_id=inbox.id,
                external_id=item.external_id,
                message_id=note["id"],
                created_at=now,
            )
        )
    fresh = conversation_by_id(conn, conv.id)
    return Accepted(
        message=message_view(note),
        conversation=conversation_view(fresh, directory),
        recipient=conv.reply_to,
    )


def _case(conn: Connection, inbox: InboxRef, item: Rating) -> Any:
    """The resident's case in this inbox: the one the tracking code names, else the latest."""
    c, who = s.conversation.c, s.contact_identity.c
    query = (
        conversation_select()
        .join(s.contact_identity, who.contact_id == c.contact_id)
        .where(
            who.channel == inbox.kind,
            who.external_id == item.sender.external_id,
            c.inbox_id == inbox.id,
        )
    )
    if item.case is not None:
        code = normalize(item.case)
        if code is None:
            return None
        query = query.where(c.tracking_code == code)
    return conn.execute(query.order_by(c.id.desc()).limit(1)).first()


def _clean(comment: str | None) -> str | None:
    text = (comment or "").strip()
    return text[:COMMENT_MAX] if text else None


def _valid(score: int | None, comment: str | None, conv: Any) -> bool:
    if score is None:  # a comment alone belongs to a rating already given
        return comment is not None and conv.csat is not None
    return isinstance(score, int) and not isinstance(score, bool) and score in SCORES


def _describe(score: int | None, comment: str | None) -> str:
    said = f" — “{comment}”" if comment else ""
    if score is None:
        return f"Komentar warga atas penilaiannya{said}"
    return f"Penilaian warga: {score}/5{said}"


def _note(conn: Connection, conv: Any, text: str, now: datetime) -> dict[str, Any]:
    """A private system note: the agents see the rating in the thread, the resident never."""
    row = advance(conn, conv.id, now, conv.last_message_preview, inbound=False)
    return insert_message(
        conn,
        row,
        direction=Direction.OUT,  # like every system note: not the resident's own words
        sender_type=SenderType.SYSTEM,
        kind=Kind.NOTE,
        private=True,
        text=text,
        delivery_status=Delivery.SENT,
        created_at=now,
    )


def _seen(conn: Connection, inbox: InboxRef, external_id: str) -> bool:
    r = s.inbound_receipt.c
    query = select(r.id).where(r.inbox_id == inbox.id, r.external_id == external_id)
    return conn.execute(query).first() is not None


# -- asking ----------------------------------------------------------------------------------
class Survey:
    """Asks the resident of a newly resolved case how satisfied they are, once per case.

    The asking runs in a task of its own: a provider call must not hold up the event
    dispatcher, and the question waits for the replies queued before it (the agent's last
    answer comes first)."""

    def __init__(self, service: HubService, *, settle: float = 30.0, poll: float = 0.5) -> None:
        self.service = service
        self.settle = settle  # the longest wait for the queued replies
        self.poll = poll
        self._asking: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def subscribe(self, bus: EventBus) -> None:
        bus.subscribe(ConversationChanged, self._on_change)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _on_change(self, event: ConversationChanged) -> None:
        conv = event.conversation
        if event.action != "status" or conv["status"] != Status.RESOLVED:
            return
        if conv["id"] in self._asking:
            return
        self._asking.add(conv["id"])
        task = asyncio.create_task(self._ask(conv, event.recipient))
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._done(done, conv["id"]))

    def _done(self, task: asyncio.Task[None], conv_id: int) -> None:
        self._tasks.discard(task)
        self._asking.discard(conv_id)

    async def _ask(self, conv: dict[str, Any], recipient: str) -> None:
        service = self.service
        inbox = service.directory.inbox_by_key(conv["inbox"]["key"])
        channel = service.channel_for(inbox) if inbox is not None else None
        if inbox is None or channel is None:
            return
        try:
            if not channel.live:
                await self._after_queued_replies(conv["id"])
            if not await service.store.read(lambda c: _unasked(c, conv["id"])):
                return
            asked = await channel.ask_rating(inbox, recipient, conv)
            await service.store.write(lambda c: _record(c, conv["id"], inbox.kind, asked))
        except asyncio.CancelledError:
            raise
        except Exception:  # a rating is a nicety: the case is resolved either way
            log.exception("could not ask for a rating of %s", conv["tracking_code"])

    async def _after_queued_replies(self, conv_id: int) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settle
        while await self.service.store.read(lambda c: _queued(c, conv_id)):
            if loop.time() >= deadline:
                return
            await asyncio.sleep(self.poll)


def _queued(conn: Connection, conv_id: int) -> bool:
    o = s.outbox.c
    query = select(o.id).where(o.conversation_id == conv_id, o.state == "queued").limit(1)
    return conn.execute(query).first() is not None


def _unasked(conn: Connection, conv_id: int) -> bool:
    """Still resolved, not rated, and never asked."""
    c, e = s.conversation.c, s.event.c
    row = conn.execute(select(c.status, c.csat).where(c.id == conv_id)).first()
    if row is None or row.status != Status.RESOLVED or row.csat is not None:
        return False
    asked = select(e.id).where(e.conversation_id == conv_id, e.action == "csat_asked").limit(1)
    return conn.execute(asked).first() is None


def _record(conn: Connection, conv_id: int, channel: str, asked: bool) -> None:
    audit(
        conn,
        "csat_asked",
        {"channel": channel, "asked": asked},
        conversation_id=conv_id,
    )
