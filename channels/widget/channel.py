"""The widget channel: mounts the /widget namespace and pushes replies to visitors' rooms."""

from __future__ import annotations

from typing import Any, ClassVar

from channels.widget.namespace import WIDGET_NS, WidgetNamespace, visitor_room
from hub.channel import Channel, end_sessions
from hub.models import InboxRef


class WidgetChannel(Channel):
    kind: ClassVar[str] = "widget"
    live: ClassVar[bool] = True

    async def start(self) -> None:
        self.host.socketio.register_namespace(WidgetNamespace(self.host))

    async def push(
        self,
        inbox: InboxRef,
        recipient: str,
        event: str,
        payload: dict[str, Any],
        skip: str | None = None,
    ) -> None:
        room = visitor_room(inbox.id, recipient)
        await self.host.socketio.emit(event, payload, to=room, namespace=WIDGET_NS, skip_sid=skip)

    async def end_session(self, inbox: InboxRef, recipient: str, reason: str) -> None:
        room = visitor_room(inbox.id, recipient)
        await end_sessions(self.host.socketio, WIDGET_NS, room, reason)

    async def ask_rating(
        self, inbox: InboxRef, recipient: str, conversation: dict[str, Any]
    ) -> bool:
        """The widget asks by itself: it shows its rating card once it hears the case is
        resolved (the `conversation` event), until the resident rates or dismisses it."""
        return True
