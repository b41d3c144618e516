"""Several hub processes on one Redis ([redis] url): one sized connection pool per process,
and the Socket.IO manager that carries emits to the other processes' sockets.

An outage never stops a process from serving its own sockets: an emit reaches them first,
its publish may fail (logged, counted in kanal_redis_errors_total), and clients that missed
events resync from the database by their last seq when they reconnect.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import socketio
from redis import asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from hub.channel import SESSION_ENDED, hang_up_here
from hub.config import RedisSettings

log = logging.getLogger(__name__)
CONNECT_TIMEOUT_S = 2.0  # a Redis that does not answer must not hold up an emit for long
COMMAND_TIMEOUT_S = 2.0
HEALTH_CHECK_S = 15.0  # an idle subscription is pinged, so a dead link is noticed
BREAK_S = (0.5, 5.0)  # after a failed publish, skip publishing this long (doubling up to max)

#: What a Redis call raises when the server is away: refused, reset, timed out, no free slot.
Unavailable = (RedisError, OSError, asyncio.TimeoutError)


def connection_pool(settings: RedisSettings) -> aioredis.BlockingConnectionPool:
    """At most pool_size connections; a call waits pool_timeout_s for one, then fails.
    (redis-py's own pool opens up to 100 and then fails a call at once.)"""
    pool: aioredis.BlockingConnectionPool = aioredis.BlockingConnectionPool.from_url(
        settings.url,
        max_connections=settings.pool_size,
        timeout=settings.pool_timeout_s,
        socket_connect_timeout=CONNECT_TIMEOUT_S,
        socket_timeout=COMMAND_TIMEOUT_S,
        health_check_interval=HEALTH_CHECK_S,
        retry=Retry(NoBackoff(), 1),  # a pooled connection Redis dropped: once more, fresh
    )
    return pool


class RedisManager(socketio.AsyncRedisManager):
    """python-socketio's Redis manager on our pool, with four changes: an emit to one
    socket of this process stays off Redis; a failed publish is counted and given up for
    a moment (the local sockets already have the event); the subscriber's state is known;
    a SESSION_ENDED emit from another process hangs up the sockets it reached here
    (hub.channel.end_sessions)."""

    def __init__(
        self,
        pool: aioredis.BlockingConnectionPool,
        channel: str,
        on_error: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(channel=channel)
        self.pool = pool
        self.on_error = on_error
        self.redis = aioredis.Redis(connection_pool=pool)
        self.connected = True
        self.listening = False
        self._pause = BREAK_S[0]
        self._paused_until = 0.0

    @property
    def subscriber(self) -> str:
        return "listening" if self.listening else "down"

    def _redis_connect(self) -> None:
        """The pool reconnects by itself; the client over it is made once."""
        self.connected = True

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str | None = None,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        room, where = to or room, namespace or "/"
        if isinstance(room, str) and (
            self.is_connected(room, where) or self.is_pre_connected(room, where)
        ):
            kwargs["ignore_queue"] = True  # a socket id of ours (or one still connecting)
        await super().emit(
            event,
            data,
            namespace=namespace,
            room=room,
            skip_sid=skip_sid,
            callback=callback,
            **kwargs,
        )

    async def _handle_emit(self, message: Any) -> None:
        await super()._handle_emit(message)
        room = message.get("room")
        if message.get("event") == SESSION_ENDED and isinstance(room, str):
            await hang_up_here(self.server, message.get("namespace") or "/", room)

    async def _publish(self, data: Any) -> Any:
        if time.monotonic() < self._paused_until:
            return None
        try:
            published = await self.redis.publish(self.channel, self.json.dumps(data))
        except Unavailable as exc:
            self.on_error()
            log.warning("publish to Redis failed (%s); other processes miss this event", exc)
            self._paused_until = time.monotonic() + self._pause
            self._pause = min(self._pause * 2, BREAK_S[1])
            return None
        self._pause = BREAK_S[0]
        return published

    async def _listen(self) -> AsyncIterator[bytes]:
        """Messages of the channel, for ever: a lost subscription is made again, waiting
        1, 2, 4... up to 30 seconds between tries."""
        wait = 1.0
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self.listening, wait = True, 1.0
                self._paused_until = 0.0  # Redis is back: publish again at once
                while True:
                    message = await pubsub.get_message(timeout=HEALTH_CHECK_S)
                    if message is not None and message["type"] == "message":
                        yield message["data"]
            except Unavailable as exc:
                self.on_error()
                log.warning("Redis subscription lost (%s); again in %.0f s", exc, wait)
            finally:
                self.listening = False
                await _quietly(pubsub.aclose())
            await asyncio.sleep(wait)
            wait = min(wait * 2, 30.0)

    def start(self) -> None:
        """Subscribe now, not when the first socket connects (python-socketio's default),
        so /healthz tells the truth from the start."""
        server = self.server
        if server is not None and not server.manager_initialized:
            server.manager_initialized = True
            self.initialize()

    async def stop(self) -> None:
        task = getattr(self, "thread", None)
        if task is not None:
            task.cancel()
            await _quietly(task)

    async def ping(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except Unavailable:
            self.on_error()
            return False


async def _quietly(awaitable: Any) -> None:
    try:
        await awaitable
    except (asyncio.CancelledError, *Unavailable):
        pass
