"""Which agents have a console open: in this process, or, with Redis, in any process.

With Redis every process keeps one hash of its own (agent id -> open sockets) that expires
unless the process refreshes it, and a sorted set of the processes with the time their
hash runs out: a process that dies drops out of presence within NODE_TTL_S by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable

from redis import asyncio as aioredis

from hub import tasks
from hub.cluster import Unavailable

log = logging.getLogger(__name__)
HEARTBEAT_S = 10.0
NODE_TTL_S = 30.0


class Presence:
    """This process's consoles: all there is when the hub runs as one process."""

    def __init__(self) -> None:
        self.here: Counter[int] = Counter()  # agent id -> open console sockets

    def arrived(self, agent_id: int) -> None:
        self.here[agent_id] += 1
        self._changed()

    def left(self, agent_id: int) -> None:
        self.here[agent_id] -= 1
        if self.here[agent_id] <= 0:
            del self.here[agent_id]
        self._changed()

    async def online(self) -> set[int]:
        return set(self.here)

    def _changed(self) -> None:
        pass

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass


class RedisPresence(Presence):
    """Every process's consoles. Without Redis, this process's consoles still count."""

    def __init__(
        self, redis: aioredis.Redis, prefix: str, on_error: Callable[[], None] = lambda: None
    ) -> None:
        super().__init__()
        self.redis = redis
        self.on_error = on_error
        self.nodes_key = f"{prefix}:presence:nodes"
        self.prefix = f"{prefix}:presence:node:"
        self.node_key = self.prefix + uuid.uuid4().hex
        self._dirty = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def online(self) -> set[int]:
        try:
            now = time.time()
            await self.redis.zremrangebyscore(self.nodes_key, "-inf", now)
            nodes = await self.redis.zrange(self.nodes_key, 0, -1)
            async with self.redis.pipeline(transaction=False) as pipe:
                for node in nodes:
                    pipe.hkeys(self.prefix + _text(node))
                agents = await pipe.execute()
        except Unavailable as exc:
            self.on_error()
            log.warning("presence from Redis failed (%s); counting this process only", exc)
            return set(self.here)
        return {int(a) for keys in agents for a in keys} | set(self.here)

    def _changed(self) -> None:
        self._dirty.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._beat(), name="kanal-presence")

    async def stop(self) -> None:
        await tasks.stop(self._task)
        self._task = None
        try:
            await self.redis.zrem(self.nodes_key, self._node)
            await self.redis.delete(self.node_key)
        except Unavailable:
            pass  # the entries expire on their own

    @property
    def _node(self) -> str:
        return self.node_key.removeprefix(self.prefix)

    async def _beat(self) -> None:
        """Write this process's consoles when they change, and every HEARTBEAT_S anyway
        (which also puts them back after an outage)."""
        while True:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for may swallow a cancel
            # that comes as the event is set (a console leaving at shutdown), and stop()
            # would then wait for ever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(HEARTBEAT_S):
                    await self._dirty.wait()
            self._dirty.clear()
            try:
                await self._write()
            except Unavailable as exc:
                self.on_error()
                log.warning("presence to Redis failed (%s); again in %.0f s", exc, HEARTBEAT_S)

    async def _write(self) -> None:
        expires = time.time() + NODE_TTL_S
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self.node_key)
            if self.here:
                pipe.hset(self.node_key, mapping={str(a): n for a, n in self.here.items()})
                pipe.expire(self.node_key, int(NODE_TTL_S))
            pipe.zadd(self.nodes_key, {self._node: expires})
            await pipe.execute()


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
