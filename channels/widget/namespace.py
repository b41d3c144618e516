"""Socket.IO handlers of `/widget` (docs/protocol.md). Every event is checked against the
visitor the server issued the token to; only the server joins rooms."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import socketio

from hub.channel import ChannelHost, HubUnavailable, InboundRejected, RateLimited, end_sessions
from hub.models import Inbound, InboxRef, Rating, Sender

log = logging.getLogger(__name__)
WIDGET_NS = "/widget"
CONTACT_FIELDS = {"name": 200, "email": 254, "phone": 40}
COMMENT_MAX = 1000
PUBLIC_CASE = ("id", "tracking_code", "status", "last_seq", "csat")


def visitor_room(inbox_id: int, visitor_id: str) -> str:
    return f"visitor:{inbox_id}:{visitor_id}"


def error(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message}}


Handler = Callable[..., Awaitable[dict[str, Any]]]


def acked(handler: Handler) -> Handler:
    """Every event gets one ack object, whatever happens; the connection stays up."""

    async def wrapper(self: Any, sid: str, data: Any = None) -> dict[str, Any]:
        try:
            return await handler(self, sid, data)
        except InboundRejected as exc:
            return error(exc.code, str(exc))
        except RateLimited as exc:
            refused = error("rate_limited", str(exc))
            refused["error"]["retry_after"] = exc.retry_after
            return refused
        except HubUnavailable:
            return error("unavailable", "the service is busy; try again shortly")
        except Exception:
            log.exception("widget event %s failed", handler.__name__)
            return error("internal", "internal error")

    wrapper.__name__ = handler.__name__
    return wrapper


def _open(conversation: dict[str, Any] | None) -> bool:
    """The resident's next message joins this case (a closed one is never reopened)."""
    return conversation is not None and conversation.get("status") not in (None, "closed")


class WidgetNamespace(socketio.AsyncNamespace):
    def __init__(self, host: ChannelHost) -> None:
        super().__init__(WIDGET_NS)
        self.host = host
        self._hanging_up: set[asyncio.Task[None]] = set()

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        auth = auth if isinstance(auth, dict) else {}
        key = auth.get("inbox")
        inbox = self.host.inbox(key) if isinstance(key, str) else None
        if inbox is None or inbox.kind != "widget":
            raise socketio.exceptions.ConnectionRefusedError(
                "unknown_inbox",
                {"code": "unknown_inbox", "message": f"no widget inbox with key {key!r}"},
            )
        token = auth.get("token")
        visitor = self.host.verify_visitor_token(inbox, token) if isinstance(token, str) else None
        if visitor is not None and await self.host.visitor_revoked(inbox, visitor):
            visitor = None  # a new visitor, who does not see the old one's thread
        if visitor is None:
            token, visitor = self.host.issue_visitor_token(inbox)
        thread = await self.host.thread(inbox, visitor, 0, limit=0)
        case = _open(thread.conversation)
        await self.save_session(sid, {"inbox": inbox, "visitor": visitor, "case": case})
        await self.enter_room(sid, visitor_room(inbox.id, visitor))
        session = {"token": token, "visitor_id": visitor, "conversation": thread.conversation}
        await self.emit("session", session, to=sid)

    async def _who(self, sid: str) -> tuple[InboxRef, str]:
        session = await self.get_session(sid)
        return session["inbox"], session["visitor"]

    @acked
    async def on_send(self, sid: str, data: Any = None) -> dict[str, Any]:
        if not isinstance(data, dict):
            return error("bad_request", "payload must be an object")
        client_id, text = data.get("client_id"), data.get("text")
        if not isinstance(client_id, str) or not 1 <= len(client_id) <= 64:
            return error("bad_request", "client_id must be a string of 1 to 64 characters")
        if not isinstance(text, str) or "\x00" in text:
            return error("bad_request", "text must be a string (without NUL characters)")
        session = await self.get_session(sid)
        inbox, visitor = session["inbox"], session["visitor"]
        # Whether this message may open a case, as of this socket's last word on it: then the
        # case limits are looked at too (the hub counts a case when it opens one).
        await self.host.check_rate(inbox, visitor, visitor=True, new_case=not session["case"])
        item = Inbound(sender=Sender(external_id=visitor), text=text, client_id=client_id)
        [accepted] = await self.host.accept(inbox, [item], origin=sid)
        conversation = accepted.conversation or {}
        session["case"] = _open(conversation)
        return {
            "ok": True,
            "message": accepted.message,
            "conversation": {
                k: conversation.get(k) for k in ("id", "tracking_code", "status", "last_seq")
            },
        }

    @acked
    async def on_sync(self, sid: str, data: Any = None) -> dict[str, Any]:
        after = data.get("after_seq") if isinstance(data, dict) else None
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            return error("bad_request", "after_seq must be a non-negative integer")
        inbox, visitor = await self._who(sid)
        thread = await self.host.thread(inbox, visitor, after)
        return {
            "ok": True,
            "conversation": thread.conversation,
            "messages": thread.messages,
            "more": thread.more,
        }

    @acked
    async def on_typing(self, sid: str, data: Any = None) -> dict[str, Any]:
        typing = data.get("typing") if isinstance(data, dict) else None
        if not isinstance(typing, bool):
            return error("bad_request", "typing must be true or false")
        inbox, visitor = await self._who(sid)
        await self.host.typing(inbox, visitor, typing)
        return {"ok": True}

    @acked
    async def on_identify(self, sid: str, data: Any = None) -> dict[str, Any]:
        if not isinstance(data, dict):
            return error("bad_request", "payload must be an object")
        fields: dict[str, str] = {}
        for name, limit in CONTACT_FIELDS.items():
            value = data.get(name)
            if value is None:
                continue
            if not isinstance(value, str) or len(value) > limit or "\x00" in value:
                return error(
                    "bad_request", f"{name} must be a string of at most {limit} characters"
                )
            if value.strip():
                fields[name] = value.strip()
        inbox, visitor = await self._who(sid)
        contact = await self.host.update_contact(inbox, visitor, fields)
        return {"ok": True, "contact": contact}

    @acked
    async def on_forget(self, sid: str, data: Any = None) -> dict[str, Any]:
        """The resident ends the session on this device (a shared computer, a kiosk): its
        token is refused from now on, here and on every process, and its connections
        (other tabs too) hang up after this ack. The case goes on for the officers."""
        inbox, visitor = await self._who(sid)
        await self.host.revoke_visitor(inbox, visitor, hang_up=False)
        # Hang up once the ack is on its way (it is queued when this handler returns).
        hang_up = end_sessions(
            self.host.socketio, WIDGET_NS, visitor_room(inbox.id, visitor), "ended"
        )
        task = asyncio.create_task(hang_up)
        self._hanging_up.add(task)
        task.add_done_callback(self._hanging_up.discard)
        return {"ok": True}

    @acked
    async def on_rate(self, sid: str, data: Any = None) -> dict[str, Any]:
        """The resident's rating (1-5, and a comment) of their resolved case."""
        if not isinstance(data, dict):
            return error("bad_request", "payload must be an object")
        score, comment, code = data.get("score"), data.get("comment"), data.get("tracking_code")
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            return error("bad_request", "score must be an integer from 1 to 5")
        if comment is not None and (
            not isinstance(comment, str) or len(comment) > COMMENT_MAX or "\x00" in comment
        ):
            return error("bad_request", f"comment must be text of at most {COMMENT_MAX} characters")
        if code is not None and (not isinstance(code, str) or "\x00" in code):
            return error("bad_request", "tracking_code must be a string")
        inbox, visitor = await self._who(sid)
        rating = Rating(Sender(external_id=visitor), score, comment, case=code)
        [accepted] = await self.host.accept(inbox, [rating], origin=sid)
        if accepted.conversation is None:
            return error("not_rateable", "this case cannot be rated: not resolved, or long ago")
        conversation = accepted.conversation
        return {"ok": True, "conversation": {k: conversation.get(k) for k in PUBLIC_CASE}}
