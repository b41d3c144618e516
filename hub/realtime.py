"""The Socket.IO server: the `/agent` namespace, and fan-out of committed events.

Only the server joins rooms. Rooms on /agent: `opd:<id>` (every agent of an OPD),
`admins` (coordinators, who see every OPD), `agent:<id>` (one agent's sockets),
`conv:<id>` (sockets viewing a thread, for typing). The resident side (/widget) is a
channel: channels/widget.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import Any

import orjson
import socketio

from hub.audit import AuditLog
from hub.auth import SESSION_COOKIE, Action, Auth, Denied, Principal, authorize, session_room
from hub.cases import CaseError
from hub.channel import end_sessions
from hub.events import ConversationChanged, EventBus, MessageCreated, SlaAlert, Typing
from hub.models import Status, iso
from hub.resolve import FollowUp
from hub.service import PAGE_MAX, HubService
from hub.store.db import StorageUnavailable
from hub.templates import BadTemplate, TemplateChoice
from hub.views import for_opd, hides_reporter, public_conversation_view, seen_by

log = logging.getLogger(__name__)
AGENT_NS = "/agent"


class _Json:
    """orjson behind the json-module interface python-socketio calls."""

    @staticmethod
    def dumps(obj: Any, **_: Any) -> str:
        return orjson.dumps(obj).decode()

    @staticmethod
    def loads(text: str | bytes, **_: Any) -> Any:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            return json.loads(text)  # what orjson refuses (lone surrogates) still parses


class TextPacket(socketio.packet.Packet):
    """Socket.IO packets that never carry binary attachments (files go over HTTP), so
    python-socketio need not walk every payload looking for bytes; encoded with orjson."""

    uses_binary_events = False
    json = _Json


def create_socket_server(
    cors_origins: list[str] | str | None = None, manager: socketio.AsyncManager | None = None
) -> socketio.AsyncServer:
    """`manager`: hub.cluster.RedisManager for several processes; none: this one only."""
    return socketio.AsyncServer(
        client_manager=manager,
        async_mode="aiohttp",
        serializer=TextPacket,
        cors_allowed_origins=cors_origins if cors_origins is not None else [],
        max_http_buffer_size=256 * 1024,
        ping_interval=20,
        ping_timeout=20,
    )


def agent_rooms(opd_id: int) -> list[str]:
    return [f"opd:{opd_id}", "admins"]


def agent_room(agent_id: int) -> str:
    """Every console socket of one agent."""
    return f"agent:{agent_id}"


async def disconnect_agent(sio: socketio.AsyncServer, agent_id: int) -> None:
    """Hang up every /agent socket of this agent now, on every process (deactivated, or
    moved to another role or OPD: a console that reconnects is authenticated again)."""
    await end_sessions(sio, AGENT_NS, agent_room(agent_id), "signed_out")


class BadRequest(Exception):
    pass


def ack_error(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message}}


Handler = Callable[..., Awaitable[dict[str, Any]]]


def guarded(action: Action, *, case: bool = False) -> Callable[[Handler], Handler]:
    """Every event is authorised (auth.authorize, against the OPD of the case it names when
    `case`) and answers one ack object; a bad payload never drops the connection."""

    def wrap(handler: Handler) -> Handler:
        async def wrapper(self: Any, sid: str, data: Any = None) -> dict[str, Any]:
            try:
                principal = await self._principal(sid)
                opd_id = None
                if case:
                    opd_id = await self.service.case_opd(field(data, "conversation_id", int))
                    if opd_id is None:
                        return ack_error("not_found", "conversation not found")
                authorize(principal, action, opd_id)
                return await handler(self, sid, data)
            except Denied as exc:
                found = exc.code == "not_found"
                return ack_error(exc.code, "conversation not found" if found else str(exc))
            except BadRequest as exc:
                return ack_error("bad_request", str(exc))
            except CaseError as exc:
                return ack_error(exc.code, str(exc))
            except BadTemplate as exc:
                return ack_error("bad_template", str(exc))
            except StorageUnavailable:
                return ack_error("unavailable", "storage is unavailable; try again shortly")
            except Exception:
                log.exception("socket event %s failed", handler.__name__)
                return ack_error("internal", "internal error")

        wrapper.__name__ = handler.__name__
        wrapper.permission = action  # type: ignore[attr-defined]
        wrapper.scope = "case" if case else None  # type: ignore[attr-defined]
        return wrapper

    return wrap


def field(data: Any, name: str, kind: type, *, required: bool = True, default: Any = None) -> Any:
    if not isinstance(data, dict):
        raise BadRequest("payload must be an object")
    value = data.get(name, default)
    if value is None and not required:
        return default
    if kind is int and isinstance(value, bool):
        raise BadRequest(f"{name} must be an integer")
    if not isinstance(value, kind):
        raise BadRequest(f"{name} must be {kind.__name__}")
    if isinstance(value, str) and "\x00" in value:  # PostgreSQL refuses NUL in text
        raise BadRequest(f"{name} must not contain NUL characters")
    if isinstance(value, int) and not -(2**63) < value < 2**63:  # a database integer's range
        raise BadRequest(f"{name} is out of range")
    return value


def client_id_of(data: Any) -> str | None:
    value = field(data, "client_id", str, required=False)
    if value is not None and not 1 <= len(value) <= 64:
        raise BadRequest("client_id must have 1 to 64 characters")
    return value


class AgentNamespace(socketio.AsyncNamespace):
    def __init__(self, service: HubService, auth: Auth) -> None:
        super().__init__(AGENT_NS)
        self.service = service
        self.auth = auth
        # Who has which case open (this process's sockets), for "Sari sedang melihat".
        self._viewing: dict[int, dict[str, dict[str, Any]]] = {}
        self.audit: AuditLog | None = None  # set by app.py: opening a case is in the access log

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        cookie = _cookie(environ.get("HTTP_COOKIE", ""))
        principal = await self.auth.authenticate(
            cookie, f"Bearer {token}" if isinstance(token, str) else None
        )
        if principal is None:
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        await self.save_session(sid, {"principal": principal})
        await self.enter_room(sid, agent_room(principal.id))
        if cookie and not isinstance(token, str):  # logout hangs up this session's sockets
            await self.enter_room(sid, session_room(cookie))
        self.service.desk.arrived(principal.id)
        if principal.sees_all_opds:
            await self.enter_room(sid, "admins")
        elif principal.opd_id is not None:
            await self.enter_room(sid, f"opd:{principal.opd_id}")
        opd = self.service.directory.opds.get(principal.opd_id or 0)
        hello = {
            "id": principal.id,
            "name": principal.name,
            "email": principal.email,
            "role": str(principal.role),
            "opd": opd.view() if opd else None,
        }
        await self.emit("hello", {"agent": hello}, to=sid)

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        session = await self.get_session(sid)
        principal = session.get("principal") if session else None
        if principal is not None:
            self.service.desk.left(principal.id)
        for conv_id in [c for c, viewers in self._viewing.items() if sid in viewers]:
            del self._viewing[conv_id][sid]
            await self._announce_viewers(conv_id)

    async def _announce_viewers(self, conv_id: int) -> None:
        """Everyone with the case open hears who has it open (one entry per agent)."""
        viewers = self._viewing.get(conv_id, {})
        agents = list({v["id"]: v for v in viewers.values()}.values())
        if not viewers:
            self._viewing.pop(conv_id, None)
        payload = {"conversation_id": conv_id, "agents": agents}
        await self.emit("viewers", payload, room=f"conv:{conv_id}")

    async def _principal(self, sid: str) -> Principal:
        session = await self.get_session(sid)
        principal: Principal = session["principal"]
        return principal

    @guarded(Action.CASE_READ, case=True)
    async def on_join(self, sid: str, data: Any) -> dict[str, Any]:
        conv_id = field(data, "conversation_id", int)
        after = field(data, "after_seq", int, required=False, default=0)
        principal = await self._principal(sid)
        conversation = await self.service.conversation(principal, conv_id)
        messages, more = await self.service.messages(principal, conv_id, after)
        if self.audit is not None:
            self.audit.note(principal.id, "view", conversation_id=conv_id)
        await self.enter_room(sid, f"conv:{conv_id}")
        viewers = self._viewing.setdefault(conv_id, {})
        viewers[sid] = {"id": principal.id, "name": principal.name}
        await self._announce_viewers(conv_id)
        return {"ok": True, "conversation": conversation, "messages": messages, "more": more}

    @guarded(Action.SELF)
    async def on_leave(self, sid: str, data: Any) -> dict[str, Any]:
        conv_id = field(data, "conversation_id", int)
        await self.leave_room(sid, f"conv:{conv_id}")
        if self._viewing.get(conv_id, {}).pop(sid, None) is not None:
            await self._announce_viewers(conv_id)
        return {"ok": True}

    @guarded(Action.CASE_READ, case=True)
    async def on_sync(self, sid: str, data: Any) -> dict[str, Any]:
        conv_id = field(data, "conversation_id", int)
        after = field(data, "after_seq", int)
        principal = await self._principal(sid)
        messages, more = await self.service.messages(principal, conv_id, after, PAGE_MAX)
        return {"ok": True, "messages": messages, "more": more}

    @guarded(Action.CASE_WRITE, case=True)
    async def on_send(self, sid: str, data: Any) -> dict[str, Any]:
        conv_id = field(data, "conversation_id", int)
        text = field(data, "text", str)
        private = field(data, "private", bool, required=False, default=False)
        media_id = field(data, "media_id", str, required=False, default=None)
        result = await self.service.reply(
            await self._principal(sid),
            conv_id,
            text=text,
            private=private,
            client_id=client_id_of(data),
            media_ids=[media_id] if media_id else [],
            template=TemplateChoice.read(data.get("template")),
        )
        return {"ok": True, "message": result.message}

    @guarded(Action.CASE_WRITE, case=True)
    async def on_typing(self, sid: str, data: Any) -> dict[str, Any]:
        conv_id = field(data, "conversation_id", int)
        typing = field(data, "typing", bool)
        await self.service.agent_typing(await self._principal(sid), conv_id, typing, sid)
        return {"ok": True}

    @guarded(Action.CASE_WRITE, case=True)
    async def on_read(self, sid: str, data: Any) -> dict[str, Any]:
        conv_id = field(data, "conversation_id", int)
        await self.service.mark_read(await self._principal(sid), conv_id)
        return {"ok": True}

    @guarded(Action.CASE_WRITE, case=True)
    async def on_status(self, sid: str, data: Any) -> dict[str, Any]:
        conv_id = field(data, "conversation_id", int)
        raw = field(data, "status", str)
        try:
            status = Status(raw)
        except ValueError:
            raise BadRequest("status must be open, pending, resolved or closed") from None
        follow_up = FollowUp(
            note=field(data, "note", str, required=False, default=""),
            after_media_id=field(data, "after_media_id", str, required=False),
            before_media_id=field(data, "before_media_id", str, required=False),
        )
        principal = await self._principal(sid)
        conversation = await self.service.set_status(principal, conv_id, status, follow_up)
        return {"ok": True, "conversation": seen_by(conversation, principal)}


def _cookie(header: str) -> str | None:
    if not header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:
        return None
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel is not None else None


class FanOut:
    """Listeners that show committed events to agents and, on live channels, to residents."""

    def __init__(self, sio: socketio.AsyncServer, service: HubService) -> None:
        self.sio = sio
        self.service = service

    def subscribe(self, bus: EventBus) -> None:
        bus.subscribe(MessageCreated, self.on_message)
        bus.subscribe(ConversationChanged, self.on_conversation)
        bus.subscribe(Typing, self.on_typing)
        bus.subscribe(SlaAlert, self.on_sla)

    async def on_message(self, event: MessageCreated) -> None:
        conv = event.conversation
        await self._to_agents(
            "message", conv, lambda c: {"message": event.message, "conversation": c}
        )
        if not event.message["private"]:
            if event.new_conversation:  # the case first, so a client files the message under it
                await self._push(
                    conv, event.recipient, "conversation", public_conversation_view(conv)
                )
            message = self.service.media.with_links(event.message)
            await self._push(conv, event.recipient, "message", message, event.origin)

    async def on_conversation(self, event: ConversationChanged) -> None:
        conv = event.conversation
        await self._to_agents("conversation", conv, lambda c: c)
        left = event.left_opd_id
        if left is not None and left != conv["opd"]["id"]:  # it moved away: drop it there
            gone = {"conversation_id": conv["id"]}
            await self.sio.emit("conversation_removed", gone, to=f"opd:{left}", namespace=AGENT_NS)
        if event.action == "status":
            await self._push(conv, event.recipient, "conversation", public_conversation_view(conv))

    async def _to_agents(
        self, name: str, conv: dict[str, Any], shape: Callable[[dict[str, Any]], Any]
    ) -> None:
        """To the case's OPD and the coordinators; the OPD without a hidden reporter."""
        rooms = agent_rooms(conv["opd"]["id"])
        if not hides_reporter(conv):
            await self.sio.emit(name, shape(conv), to=rooms, namespace=AGENT_NS)
            return
        await self.sio.emit(name, shape(conv), to="admins", namespace=AGENT_NS)
        hidden = [r for r in rooms if r != "admins"]
        await self.sio.emit(name, shape(for_opd(conv)), to=hidden, namespace=AGENT_NS)

    async def on_sla(self, event: SlaAlert) -> None:
        """A deadline near or passed: to the case's OPD (its officers and supervisors) and
        the coordinators, for a badge and a sound."""
        alert = {"kind": event.kind, "level": event.level, "due_at": iso(event.due_at)}
        await self._to_agents("sla", event.conversation, lambda c: {**alert, "conversation": c})

    async def on_typing(self, event: Typing) -> None:
        payload: dict[str, Any] = {
            "conversation_id": event.conversation_id,
            "typing": event.typing,
            "who": event.who,
        }
        if event.name:
            payload["name"] = event.name
        room = f"conv:{event.conversation_id}"
        await self.sio.emit("typing", payload, to=room, namespace=AGENT_NS, skip_sid=event.skip_sid)
        if event.who == "agent":
            await self._push_to(event.inbox_id, event.recipient, "typing", {"typing": event.typing})

    async def _push(
        self,
        conv: dict[str, Any],
        recipient: str,
        name: str,
        payload: dict[str, Any],
        skip: str | None = None,
    ) -> None:
        inbox = self.service.directory.inbox_by_key(conv["inbox"]["key"])
        if inbox is not None:
            await self._push_to(inbox.id, recipient, name, payload, skip)

    async def _push_to(
        self,
        inbox_id: int,
        recipient: str,
        name: str,
        payload: dict[str, Any],
        skip: str | None = None,
    ) -> None:
        inbox = self.service.directory.inboxes.get(inbox_id)
        channel = self.service.channel_for(inbox) if inbox is not None else None
        if inbox is not None and channel is not None and channel.live:
            await channel.push(inbox, recipient, name, payload, skip)


def name_sessions(sio: socketio.AsyncServer, node: str) -> None:
    """Session ids that start with this process's name ("a.<random>"), so that nginx sends
    every request of a session — long-polling, the WebSocket upgrade — to the process that
    holds it (deploy/nginx/kanal.conf), without cookies or client addresses."""
    if not node:
        return
    engine: Any = sio.eio
    random_id = engine.generate_id
    engine.generate_id = lambda: f"{node}.{random_id()}"
