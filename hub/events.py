"""In-process event bus: listeners hear about what was committed, after the commit."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MessageCreated:
    """A message was stored. `message` and `conversation` are in their API shapes."""

    message: dict[str, Any]
    conversation: dict[str, Any]
    recipient: str
    new_conversation: bool = False
    origin: str | None = None  # the connection it came from; live channels skip it


@dataclass(frozen=True)
class ConversationChanged:
    conversation: dict[str, Any]
    action: str
    recipient: str
    left_opd_id: int | None = None  # the OPD that no longer sees the case (disposisi)


@dataclass(frozen=True)
class Typing:
    conversation_id: int
    inbox_id: int
    recipient: str
    who: str  # "contact" | "agent"
    typing: bool
    name: str | None = None
    skip_sid: str | None = None  # the socket that is typing does not need to hear it


@dataclass(frozen=True)
class SlaAlert:
    """A deadline of a case is near (warning) or passed (breach): hub/sla.py."""

    conversation: dict[str, Any]
    kind: str  # response | resolution
    level: str  # warning | breach
    due_at: datetime


Event = MessageCreated | ConversationChanged | Typing | SlaAlert
Listener = Callable[[Any], Awaitable[None]]


class EventBus:
    """Listeners run in subscription order; one failing listener never hurts another.

    They run one after the other rather than in a task each: listeners are quick
    (emits, counters), and a task per listener per message would cost more than the work.
    """

    def __init__(self) -> None:
        self._listeners: dict[type, list[Listener]] = defaultdict(list)

    def subscribe(self, event_type: type, listener: Listener) -> None:
        self._listeners[event_type].append(listener)

    async def publish(self, event: Event) -> None:
        for listener in self._listeners.get(type(event), ()):
            try:
                await listener(event)
            except Exception:
                log.exception("listener %s failed on %s", listener, type(event).__name__)
