"""Widget visitor tokens that are no longer honoured.

A visitor token is signed, not stored (hub.auth.VisitorTokens), so revoking one means
refusing its visitor id: the widget that presents it is given a new visitor, with no
access to the old one's thread. The resident revokes their own from the widget ("end the
session on this device", for a shared computer or a kiosk at the Mal Pelayanan Publik); an
officer revokes a leaked or abused one from the case.

The database keeps every revocation. One process answers "is it revoked?" from memory (the
rows read at start, and its own since). Several processes ([redis] url) share a Redis set
that each start fills from the database, so a revocation made on one is refused on all at
once; while Redis is away the database answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from redis import asyncio as aioredis
from sqlalchemy import Connection, insert, select

from hub.models import utcnow
from hub.store import schema as s
from hub.store.db import Store

log = logging.getLogger(__name__)
Unavailable = (aioredis.RedisError, OSError, TimeoutError)


def _member(inbox_id: int, visitor: str) -> str:
    return f"{inbox_id}:{visitor}"


class Revocations:
    """One process: the database, and a set in memory in front of it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.known: set[str] = set()

    async def start(self) -> None:
        def load(conn: Connection) -> set[str]:
            r = s.visitor_revocation.c
            return {_member(i, v) for i, v in conn.execute(select(r.inbox_id, r.visitor_id))}

        self.known = await self.store.read(load)

    async def revoked(self, inbox_id: int, visitor: str) -> bool:
        return _member(inbox_id, visitor) in self.known

    async def revoke(
        self, inbox_id: int, visitor: str, *, agent_id: int | None = None, reason: str = ""
    ) -> bool:
        """Refuse this visitor's token from now on. False if it was refused already."""

        def job(conn: Connection) -> bool:
            r = s.visitor_revocation.c
            known = conn.execute(
                select(r.inbox_id).where(r.inbox_id == inbox_id, r.visitor_id == visitor)
            ).first()
            if known is not None:
                return False
            conn.execute(
                insert(s.visitor_revocation).values(
                    inbox_id=inbox_id,
                    visitor_id=visitor,
                    revoked_at=utcnow(),
                    agent_id=agent_id,
                    reason=reason[:200] or None,
                )
            )
            return True

        # Two processes revoking one visitor at once: the store tries the loser again,
        # which then finds the row.
        added = await self.store.write(job)
        self.known.add(_member(inbox_id, visitor))
        return added

    async def _in_database(self, inbox_id: int, visitor: str) -> bool:
        def job(conn: Connection) -> bool:
            r = s.visitor_revocation.c
            found = conn.execute(
                select(r.inbox_id).where(r.inbox_id == inbox_id, r.visitor_id == visitor)
            ).first()
            return found is not None

        return await self.store.read(job)


class RedisRevocations(Revocations):
    """Several processes: the database, and a Redis set that every process reads."""

    def __init__(
        self,
        store: Store,
        redis: aioredis.Redis,
        prefix: str,
        on_error: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(store)
        self.redis = redis
        self.key = f"{prefix}:revoked-visitors"
        self.on_error = on_error
        self.unshared: set[str] = set()  # revoked here while Redis was away

    async def start(self) -> None:
        """Put the database's revocations in Redis: a Redis that lost its data (restarted
        without persistence) is whole again when any process starts."""
        await super().start()
        if not self.known:
            return
        try:
            await self.redis.sadd(self.key, *self.known)
        except Unavailable as exc:
            self.on_error()
            log.warning("revocations to Redis failed (%s); the database answers", exc)

    async def revoked(self, inbox_id: int, visitor: str) -> bool:
        member = _member(inbox_id, visitor)
        if member in self.known:
            return True
        try:
            if self.unshared:
                await self.redis.sadd(self.key, *self.unshared)
                self.unshared.clear()
            if await self.redis.sismember(self.key, member):
                self.known.add(member)
                return True
            return False
        except Unavailable as exc:
            self.on_error()
            log.warning("revocation check in Redis failed (%s); asking the database", exc)
            return await self._in_database(inbox_id, visitor)

    async def revoke(
        self, inbox_id: int, visitor: str, *, agent_id: int | None = None, reason: str = ""
    ) -> bool:
        added = await super().revoke(inbox_id, visitor, agent_id=agent_id, reason=reason)
        member = _member(inbox_id, visitor)
        try:
            await self.redis.sadd(self.key, member)
        except Unavailable as exc:
            # In the database already: the other processes find it there while Redis is
            # away; this one puts it in Redis at its first check after Redis is back.
            self.unshared.add(member)
            self.on_error()
            log.warning("revocation to Redis failed (%s); the database has it", exc)
        return added
