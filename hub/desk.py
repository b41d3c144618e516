"""The OPD desk: disposisi and assignment as agents (and the hub itself) ask for them.

Each operation runs one routing job in the store, then publishes what changed: the case
to the OPD that has it now, a "removed" to the OPD it left, the private note to the
thread. New cases, and cases an OPD accepts, go to its least busy online agent.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from hub import routing
from hub.auth import Principal
from hub.cases import Change
from hub.events import ConversationChanged, EventBus, MessageCreated
from hub.presence import Presence

if TYPE_CHECKING:
    from hub.service import HubService

log = logging.getLogger(__name__)


class Desk:
    def __init__(self, service: HubService, *, auto_assign: bool = True) -> None:
        self.service = service
        self.auto_assign = auto_assign
        self.presence = Presence()  # app.py puts a RedisPresence here for several processes

    def subscribe(self, bus: EventBus) -> None:
        bus.subscribe(MessageCreated, self._on_message)

    # -- presence ---------------------------------------------------------------------------
    def arrived(self, agent_id: int) -> None:
        self.presence.arrived(agent_id)

    def left(self, agent_id: int) -> None:
        self.presence.left(agent_id)

    async def online(self) -> set[int]:
        """The agents with a console open, in any hub process."""
        return await self.presence.online()

    # -- disposisi ---------------------------------------------------------------------------
    async def transfer(
        self, principal: Principal, conv_id: int, to_opd_id: int, reason: str
    ) -> dict[str, Any]:
        directory = self.service.directory
        routed = await self.service.store.write(
            lambda c: routing.transfer(c, directory, principal, conv_id, to_opd_id, reason)
        )
        self._publish(routed, "transfer")
        return routed.conversation

    async def accept(self, principal: Principal, conv_id: int) -> dict[str, Any]:
        directory = self.service.directory
        routed = await self.service.store.write(
            lambda c: routing.accept(c, directory, principal, conv_id)
        )
        self._publish(routed, "transfer_accepted")
        offered = await self.offer(conv_id)
        return offered or routed.conversation

    async def give_back(self, principal: Principal, conv_id: int, reason: str) -> dict[str, Any]:
        directory = self.service.directory
        routed = await self.service.store.write(
            lambda c: routing.give_back(c, directory, principal, conv_id, reason)
        )
        self._publish(routed, "transfer_returned")
        return routed.conversation

    async def transfers(self, principal: Principal, conv_id: int) -> list[dict[str, Any]]:
        return await self.service.store.read(lambda c: routing.transfers(c, principal, conv_id))

    # -- assignment --------------------------------------------------------------------------
    async def assign(
        self, principal: Principal, conv_id: int, agent_id: int | None
    ) -> dict[str, Any]:
        directory = self.service.directory
        change = await self.service.store.write(
            lambda c: routing.assign(c, directory, principal, conv_id, agent_id)
        )
        return self._changed(change)

    async def take(self, principal: Principal, conv_id: int) -> dict[str, Any]:
        directory = self.service.directory
        change = await self.service.store.write(
            lambda c: routing.take(c, directory, principal, conv_id)
        )
        return self._changed(change)

    async def offer(self, conv_id: int) -> dict[str, Any] | None:
        """Automatic assignment of a case nobody has, if someone of its OPD is online;
        the case as it is then, when it was given to someone."""
        if not self.auto_assign:
            return None
        online = await self.online()
        if not online:
            return None
        directory = self.service.directory
        change = await self.service.store.write(
            lambda c: routing.auto_assign(c, directory, conv_id, online)
        )
        return self._changed(change) if change is not None else None

    async def _on_message(self, event: MessageCreated) -> None:
        if event.new_conversation:
            try:
                await self.offer(event.conversation["id"])
            except Exception:  # assignment is a convenience: the case waits in the queue
                log.exception("automatic assignment of %s failed", event.conversation["id"])

    # -- publishing --------------------------------------------------------------------------
    def _changed(self, change: Change) -> dict[str, Any]:
        if change.changed:
            self.service.emit(ConversationChanged(change.conversation, "assign", change.recipient))
        return change.conversation

    def _publish(self, routed: routing.Routed, action: str) -> None:
        conv = routed.conversation
        self.service.emit(MessageCreated(routed.note, conv, routed.recipient))
        self.service.emit(
            ConversationChanged(conv, action, routed.recipient, left_opd_id=routed.left_opd_id)
        )
