"""The hub's operations: what channels (through ChannelHost) and agents (through the API
and the console socket) ask of it. Each runs one job in the store, then queues events
that a single dispatcher publishes in commit order, after the caller has its answer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, insert, select, update

from hub import cases, entries, ingest, resolve, templates
from hub.auth import Principal, VisitorTokens
from hub.channel import Accepted, Channel, HubUnavailable, InboundRejected, Thread
from hub.config import SlaSettings
from hub.desk import Desk
from hub.directory import (
    Directory,
    load_directory,
)
from hub.entries import Entry, Recorded
from hub.events import ConversationChanged, Event, EventBus, MessageCreated, Typing
from hub.limits import InboundLimits
from hub.media import MediaFile, MediaStore, MediaTooLarge
from hub.metrics import Metrics
from hub.models import (
    Inbound,
    InboxRef,
    MediaBytes,
    Rating,
    Reaction,
    Status,
    StatusUpdate,
    utcnow,
)
from hub.reads import PAGE_MAX, AgentReads
from hub.resolve import FollowUp
from hub.revocations import Revocations
from hub.sla import SlaKeeper
from hub.store import queries
from hub.store import schema as s
from hub.store.db import StorageUnavailable, Store
from hub.views import message_view, public_conversation_view

log = logging.getLogger(__name__)
ACK_TEXT = (
    "Terima kasih, laporan Anda sudah kami terima dengan kode lacak {tracking_code}. "
    "Simpan kode ini untuk menanyakan perkembangan laporan Anda, atau pantau di {tracking_url}"
)
T = TypeVar("T")


class HubService(AgentReads):
    public_url = ""  # how residents reach the hub (settings.server.public_url), for links
    rates: InboundLimits | None = None  # [limits] on what residents send (app: set)

    def __init__(
        self,
        store: Store,
        bus: EventBus,
        visitor_tokens: VisitorTokens,
        *,
        max_message_length: int,
        media: MediaStore,
        sla: SlaSettings | None = None,
    ) -> None:
        self.store = store
        self.media = media
        self.bus = bus
        self.max_message_length = max_message_length
        self.limits = ingest.Limits(max_length=max_message_length)
        self.directory = Directory()
        self.desk = Desk(self)
        self.sla = SlaKeeper(self, sla or SlaSettings())
        self.metrics = Metrics()
        self.channels: dict[str, Channel] = {}
        self.sio: Any = None
        self.on_outbound: Callable[[], None] = lambda: None  # wakes the outbox relay
        self._tokens = visitor_tokens
        self.revocations = Revocations(store)  # app: RedisRevocations with several processes
        self._events: asyncio.Queue[Event | None] = asyncio.Queue()
        self._dispatcher: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        self.directory = await self.store.read(load_directory)
        self.directory.reply_windows = {
            kind: channel.reply_window
            for kind, channel in self.channels.items()
            if channel.reply_window is not None
        }
        self.directory.sla_warn = self.sla.settings.warn_at_pct / 100
        await self.revocations.start()
        self._dispatcher = asyncio.create_task(self._dispatch(), name="kanal-events")

    async def stop(self) -> None:
        if self._dispatcher is not None:
            self._events.put_nowait(None)
            await self._dispatcher
            self._dispatcher = None

    async def drain(self) -> None:
        """Wait until every queued event has been published (tests, shutdown)."""
        await self._events.join()

    def emit(self, event: Event) -> None:
        self._events.put_nowait(event)

    async def _dispatch(self) -> None:
        while True:
            event = await self._events.get()
            try:
                if event is None:
                    return
                await self.bus.publish(event)
            finally:
                self._events.task_done()

    def channel_for(self, inbox: InboxRef) -> Channel | None:
        return self.channels.get(inbox.kind)

    def is_live(self, inbox_id: int) -> bool:
        inbox = self.directory.inboxes.get(inbox_id)
        channel = self.channel_for(inbox) if inbox else None
        return bool(channel and channel.live)

    # -- ChannelHost -------------------------------------------------------------------
    @property
    def socketio(self) -> Any:
        return self.sio

    def inbox(self, key: str) -> InboxRef | None:
        return self.directory.inbox_by_key(key)

    def inboxes_of(self, kind: str) -> list[InboxRef]:
        return [i for i in self.directory.inboxes.values() if i.kind == kind]

    async def load_state(self, inbox: InboxRef, name: str) -> str | None:
        c = s.channel_state.c
        query = select(c.value).where(c.inbox_id == inbox.id, c.name == name)
        value = await _for_channel(self.store.read(lambda conn: conn.execute(query).scalar()))
        return None if value is None else str(value)

    async def save_state(self, inbox: InboxRef, name: str, value: str) -> None:
        c = s.channel_state.c

        def job(conn: Connection) -> None:
            where = (c.inbox_id == inbox.id) & (c.name == name)
            if conn.execute(update(s.channel_state).where(where).values(value=value)).rowcount == 0:
                conn.execute(
                    insert(s.channel_state).values(inbox_id=inbox.id, name=name, value=value)
                )

        await _for_channel(self.store.write(job))

    @property
    def max_media_bytes(self) -> int:
        return self.media.max_bytes

    async def save_media(
        self, inbox: InboxRef, data: bytes, *, mime_type: str | None, file_name: str | None
    ) -> dict[str, Any]:
        try:
            return await _for_channel(
                self.media.save(data, mime_type=mime_type, file_name=file_name, inbox_id=inbox.id)
            )
        except MediaTooLarge as exc:
            raise InboundRejected("too_large", str(exc)) from exc

    async def check_rate(
        self, inbox: InboxRef, sender: str, *, visitor: bool = False, new_case: bool = False
    ) -> None:
        if self.rates is not None:
            await self.rates.check(inbox.kind, inbox.id, sender, visitor=visitor, new_case=new_case)

    async def seen(self, inbox: InboxRef, external_id: str) -> bool:
        r = s.inbound_receipt.c
        query = select(r.id).where(r.inbox_id == inbox.id, r.external_id == external_id)
        found = await _for_channel(self.store.read(lambda c: c.execute(query).first()))
        return found is not None

    async def read_media(self, media_id: str) -> MediaBytes | None:
        found = await _for_channel(self.media.read(media_id))
        if found is None:
            return None
        meta, data = found
        return MediaBytes(data, meta.mime_type, meta.file_name)

    async def accept(
        self,
        inbox: InboxRef,
        items: Sequence[Inbound | StatusUpdate | Reaction | Rating],
        origin: str | None = None,
        delivery: str | None = None,
    ) -> list[Accepted]:
        """Store a provider delivery atomically; events follow the commit."""
        started = time.perf_counter()
        # The widget is held to the hub's limit; a provider bounds its own texts (4096 on
        # Telegram and WhatsApp), and refusing its delivery would only make it retry.
        limits = self.limits if self.is_live(inbox.id) else ingest.PROVIDER_LIMITS
        for item in items:
            if isinstance(item, Inbound):
                ingest.validate(item, limits)
        job = ingest.IngestJob(self.directory, inbox, items, delivery)
        results = await _for_channel(self.store.write(job))
        self.metrics.accepted(inbox.kind, items, results, time.perf_counter() - started)
        for result in results:
            if result.duplicate or result.message is None or result.conversation is None:
                continue
            self.emit(
                MessageCreated(
                    result.message,
                    result.conversation,
                    result.recipient or "",
                    new_conversation=result.new_conversation,
                    origin=origin,
                )
            )
            if result.new_conversation:
                await self._acknowledge(inbox, result.conversation)
                if self.rates is not None and self.is_live(inbox.id):
                    await self.rates.case_opened(inbox.id, result.recipient or "")
        return results

    async def _acknowledge(self, inbox: InboxRef, conversation: dict[str, Any]) -> None:
        """Tell the resident their tracking code, on channels that do not show it themselves."""
        channel = self.channel_for(inbox)
        if channel is None or channel.live or inbox.options.get("ack") is False:
            return
        template = str(inbox.options.get("ack_text") or ACK_TEXT)
        code = conversation["tracking_code"]
        link = f"{self.public_url.rstrip('/')}/lacak?kode={code}"
        text = template.replace("{tracking_code}", code).replace("{tracking_url}", link)
        try:
            ack = await self.store.write(
                lambda c: cases.acknowledge(
                    c, self.directory, conversation["id"], text=text, live=False
                )
            )
        except StorageUnavailable:
            log.error("could not queue the acknowledgement of %s", conversation["tracking_code"])
            return
        self.emit(MessageCreated(ack.message, ack.conversation, ack.recipient))
        self.on_outbound()

    async def thread(
        self, inbox: InboxRef, external_id: str, after_seq: int, limit: int = PAGE_MAX
    ) -> Thread:
        limit = max(0, min(limit, PAGE_MAX))

        def job(conn: Connection) -> Thread:
            conv = queries.latest_conversation_of(conn, inbox.id, inbox.kind, external_id)
            if conv is None:
                return Thread(None, [], False)
            if limit == 0:
                return Thread(public_conversation_view(conv), [], False)
            rows = queries.message_page(conn, conv.id, after_seq, limit + 1, include_private=False)
            views = [self.media.with_links(message_view(r)) for r in rows[:limit]]
            return Thread(public_conversation_view(conv), views, len(rows) > limit)

        return await _for_channel(self.store.read(job))

    async def update_contact(
        self, inbox: InboxRef, external_id: str, fields: dict[str, str]
    ) -> dict[str, Any]:
        def job(conn: Connection) -> dict[str, Any]:
            row = queries.contact_by_identity(conn, inbox.kind, external_id)
            now = utcnow()
            known = {k: getattr(row, k) for k in ("name", "email", "phone")} if row else {}
            if row is None:
                contact_id = queries.new_id(
                    conn, insert(s.contact).values(created_at=now, **fields)
                )
                conn.execute(
                    insert(s.contact_identity).values(
                        contact_id=contact_id,
                        channel=inbox.kind,
                        external_id=external_id,
                        created_at=now,
                    )
                )
            elif fields:
                conn.execute(update(s.contact).where(s.contact.c.id == row.id).values(**fields))
            return {"name": None, "email": None, "phone": None, **known, **fields}

        return await _for_channel(self.store.write(job))

    async def typing(self, inbox: InboxRef, external_id: str, typing: bool) -> None:
        conv = await _for_channel(
            self.store.read(
                lambda c: queries.latest_conversation_of(c, inbox.id, inbox.kind, external_id)
            )
        )
        if conv is not None and conv.status in (Status.OPEN, Status.PENDING):
            self.emit(Typing(conv.id, inbox.id, external_id, "contact", typing))

    def issue_visitor_token(self, inbox: InboxRef) -> tuple[str, str]:
        return self._tokens.issue(inbox.id)

    def verify_visitor_token(self, inbox: InboxRef, token: str) -> str | None:
        return self._tokens.verify(inbox.id, token)

    async def visitor_revoked(self, inbox: InboxRef, visitor: str) -> bool:
        return await _for_channel(self.revocations.revoked(inbox.id, visitor))

    async def revoke_visitor(
        self,
        inbox: InboxRef,
        visitor: str,
        *,
        hang_up: bool = True,
        agent_id: int | None = None,
        reason: str = "",
    ) -> bool:
        """Refuse this visitor's token from now on and (with `hang_up`) hang up their
        connections, on every process. `agent_id` None: the resident ended the session."""
        added = await _for_channel(
            self.revocations.revoke(inbox.id, visitor, agent_id=agent_id, reason=reason)
        )
        channel = self.channels.get(inbox.kind)
        if hang_up and channel is not None:
            await channel.end_session(inbox, visitor, "ended" if agent_id is None else "revoked")
        return added

    async def revoke_case_visitor(self, principal: Principal, conv_id: int, reason: str) -> bool:
        """An officer cuts off the widget that wrote this case (a leaked link, a lost
        phone, abuse): the resident starts afresh, without the old thread."""
        row = await self.store.read(lambda c: cases.visible_conversation(c, principal, conv_id))
        inbox = self.directory.inboxes.get(row.inbox_id)
        if inbox is None or inbox.kind != "widget":
            raise cases.CaseError("not_widget", "only a website chat has a device to cut off")
        return await self.revoke_visitor(inbox, row.reply_to, agent_id=principal.id, reason=reason)

    # -- agents ------------------------------------------------------------------------
    async def reply(
        self,
        principal: Principal,
        conv_id: int,
        *,
        text: str,
        private: bool = False,
        client_id: str | None = None,
        media_ids: Sequence[str] = (),
        template: templates.TemplateChoice | None = None,
    ) -> cases.Reply:
        if template is None and not text.strip() and not media_ids:
            raise cases.CaseError("empty", "message is empty")
        if len(media_ids) > 1:
            raise cases.CaseError("too_many_files", "one photo or document per message")
        if len(text) > self.max_message_length:
            raise cases.CaseError(
                "too_long", f"message is longer than {self.max_message_length} characters"
            )
        directory = self.directory

        def job(conn: Connection) -> cases.Reply:
            conv = cases.visible_conversation(conn, principal, conv_id)
            inbox = directory.inboxes[conv.inbox_id]
            body, picked = text, None
            if template is not None:
                try:
                    body, picked = templates.pick(inbox, template)
                except templates.BadTemplate as exc:
                    raise cases.CaseError("bad_template", str(exc)) from None
            return cases.reply(
                conn,
                directory,
                principal,
                conv_id,
                text=body,
                private=private and picked is None,
                client_id=client_id,
                live=self.is_live(conv.inbox_id),
                media_ids=tuple(media_ids),
                window=directory.reply_windows.get(inbox.kind),
                template=picked,
            )

        result = await self.store.write(job)
        if not result.duplicate:
            self.emit(MessageCreated(result.message, result.conversation, result.recipient))
        if result.outbound:
            self.on_outbound()
        return result

    async def requeue(self, principal: Principal, conv_id: int, message_id: int) -> cases.Reply:
        """A dead-lettered reply goes back to the outbox."""
        directory = self.directory
        result = await self.store.write(
            lambda c: cases.requeue(c, directory, principal, conv_id, message_id)
        )
        self.emit(MessageCreated(result.message, result.conversation, result.recipient))
        self.on_outbound()
        return result

    async def upload(
        self,
        principal: Principal,
        conv_id: int,
        data: bytes,
        *,
        mime_type: str | None,
        file_name: str | None,
    ) -> dict[str, Any]:
        """An agent's photo or document, kept in the conversation until a reply carries it."""
        await self.store.read(lambda c: cases.visible_conversation(c, principal, conv_id))
        try:
            return await self.media.save(
                data, mime_type=mime_type, file_name=file_name, conversation_id=conv_id
            )
        except MediaTooLarge as exc:
            raise cases.CaseError("too_large", str(exc)) from exc

    async def media_file(self, principal: Principal, media_id: str) -> MediaFile:
        """A stored file, for whoever may see the conversation it belongs to."""
        found = await self.media.get(media_id)
        if found is None or found.conversation_id is None:
            raise cases.CaseError("not_found", "file not found")
        conv_id = found.conversation_id
        try:
            await self.store.read(lambda c: cases.visible_conversation(c, principal, conv_id))
        except cases.CaseError:
            raise cases.CaseError("not_found", "file not found") from None
        return found

    async def set_status(
        self,
        principal: Principal,
        conv_id: int,
        status: Status,
        follow_up: FollowUp | None = None,
    ) -> dict[str, Any]:
        """Move a case along; resolving it needs a follow-up for the resident."""
        directory = self.directory

        def job(conn: Connection) -> resolve.Resolved:
            if status != Status.RESOLVED:
                return resolve.Resolved(
                    cases.set_status(conn, directory, principal, conv_id, status)
                )
            conv = cases.visible_conversation(conn, principal, conv_id)
            inbox = directory.inboxes[conv.inbox_id]
            return resolve.resolve(
                conn,
                directory,
                principal,
                conv_id,
                follow_up or FollowUp(""),
                live=self.is_live(conv.inbox_id),
                window=directory.reply_windows.get(inbox.kind),
            )

        done = await self.store.write(job)
        for reply in done.replies:
            self.emit(MessageCreated(reply.message, reply.conversation, reply.recipient))
        if any(r.outbound for r in done.replies):
            self.on_outbound()
        change = done.change
        if change.changed:
            self.emit(ConversationChanged(change.conversation, "status", change.recipient))
        return change.conversation

    async def record_entry(self, principal: Principal, entry: Entry) -> Recorded:
        """An offline complaint (phone, walk-in, letter, media) becomes a case."""
        directory = self.directory
        done = await self.store.write(lambda c: entries.record(c, directory, principal, entry))
        if not done.duplicate:
            created = MessageCreated(
                done.message, done.conversation, done.recipient, new_conversation=True
            )
            self.emit(created)
        return done

    async def update_details(
        self, principal: Principal, conv_id: int, changes: dict[str, Any]
    ) -> dict[str, Any]:
        change = await self.store.write(
            lambda c: cases.update_details(c, self.directory, principal, conv_id, changes)
        )
        if change.changed:
            self.emit(ConversationChanged(change.conversation, "details", change.recipient))
        return change.conversation

    async def set_location(
        self, principal: Principal, conv_id: int, message_id: int
    ) -> dict[str, Any]:
        change = await self.store.write(
            lambda c: cases.set_location(c, self.directory, principal, conv_id, message_id)
        )
        if change.changed:
            self.emit(ConversationChanged(change.conversation, "location", change.recipient))
        return change.conversation

    async def mark_read(self, principal: Principal, conv_id: int) -> dict[str, Any]:
        change = await self.store.write(
            lambda c: cases.mark_read(c, self.directory, principal, conv_id)
        )
        if change.changed:
            self.emit(ConversationChanged(change.conversation, "read", change.recipient))
        return change.conversation

    async def agent_typing(
        self, principal: Principal, conv_id: int, typing: bool, sid: str | None = None
    ) -> None:
        row = await self.store.read(lambda c: cases.visible_conversation(c, principal, conv_id))
        self.emit(Typing(conv_id, row.inbox_id, row.reply_to, "agent", typing, principal.name, sid))


async def _for_channel(call: Awaitable[T]) -> T:
    """Channels hear a storage outage as HubUnavailable (a 503 / an `unavailable` ack)."""
    try:
        return await call
    except StorageUnavailable as exc:
        raise HubUnavailable(str(exc)) from exc
