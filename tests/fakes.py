"""A collecting fake channel: what the hub asks it to send is recorded, and each send can
be scripted to fail, like a provider would."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import ClassVar

from hub.channel import Channel, ChannelHost, ChannelSendError
from hub.models import InboxRef, Outbound


class FakeChannel(Channel):
    kind: ClassVar[str] = "api"

    def __init__(self, host: ChannelHost) -> None:
        super().__init__(host)
        self.sent: list[tuple[str, Outbound]] = []
        self.attempts: list[int] = []
        self.script: deque[Exception | str] = deque()
        self.sent_event = asyncio.Event()

    def fail_next(self, *outcomes: Exception | str) -> None:
        """The next sends raise these exceptions (or return these provider ids), in order."""
        self.script.extend(outcomes)

    async def send(self, inbox: InboxRef, out: Outbound) -> str | None:
        self.attempts.append(out.message_id)
        outcome = self.script.popleft() if self.script else None
        if isinstance(outcome, Exception):
            raise outcome
        self.sent.append((inbox.key, out))
        self.sent_event.set()
        return outcome or f"prov-{out.message_id}"


def retryable(
    message: str = "503 from provider", retry_after: float | None = None
) -> ChannelSendError:
    return ChannelSendError(message, retryable=True, retry_after=retry_after)


def permanent(message: str = "403: bot was blocked by the user") -> ChannelSendError:
    return ChannelSendError(message, retryable=False)
