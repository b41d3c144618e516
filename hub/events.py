"""In-process event bus: listeners hear about what was committed, after the commit."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MessageCreated:
    """A message was stored. `message` and `conversation` are in their API shapes."""

    message: dict[str, Any]
    conversation: dict[str, Any]
    recipient: str
    new_conversation: bool = False


@dataclass(frozen=True)
class ConversationChanged:
    conversation: dict[str, Any]
    action: str
    recipient: str


@dataclass(frozen=True)
class Typing:
    conversation_id: int
    inbox_id: int
    recipient: str
    who: str  # "contact" | "agent"
    typing: bool
    name: str | None = None
    skip_sid: str | None = None  # the socket that is typing does not need to hear it


Event = MessageCreated | ConversationChanged | Typing
Listener = Callable[[Any], Awaitable[None]]


class EventBus:
    """Listeners run concurrently per event; one failing listener never hurts another."""

    def __init__(self) -> None:
        self._listeners: dict[type, list[Listener]] = defaultdict(list)

    def subscribe(self, event_type: type, listener: Listener) -> None:
        self._listeners[event_type].append(listener)

    async def publish(self, event: Event) -> None:
        listeners = self._listeners.get(type(event), ())
        if not listeners:
            return
        results = await asyncio.gather(*(fn(event) for fn in listeners), return_exceptions=True)
        for fn, result in zip(listeners, results, strict=True):
            if isinstance(result, Exception):
                log.error("listener %s failed on %s: %r", fn, type(event).__name__, result)
