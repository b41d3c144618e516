"""The manual channel: a case recorded by an agent (POST /api/v1/entries).

Its replies are recorded, not delivered — the agent tells the resident by phone, in
person or by letter — so the channel is "live" to the hub: nothing is queued for a
provider, and there is no one to push to.
"""

from __future__ import annotations

from typing import Any, ClassVar

from hub.channel import Channel
from hub.models import InboxRef


class ManualChannel(Channel):
    kind: ClassVar[str] = "manual"
    live: ClassVar[bool] = True

    async def push(
        self,
        inbox: InboxRef,
        recipient: str,
        event: str,
        payload: dict[str, Any],
        skip: str | None = None,
    ) -> None:
        """Nobody is connected: the resident hears from the agent off-line."""
