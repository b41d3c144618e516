"""Rate limits: per client address against enumeration of public lookups (tracking codes),
and the counters behind hub/limits.py (what residents send, failed logins).

The limiter is a small interface: one hub process counts in memory; several processes
behind a load balancer count together in Redis ([redis] url), each falling back to its
own memory while Redis is away.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Protocol

from aiohttp import web
from redis import asyncio as aioredis

from hub.cluster import Unavailable

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class RateLimiter(Protocol):
    async def hit(self, key: str) -> float:
        """Count one request of `key`: 0 when it is allowed, else the seconds until one
        would be (a refused request is not counted)."""
        ...

    async def peek(self, key: str) -> float:
        """What `hit` would answer, without counting anything."""
        ...

    async def forget(self, key: str) -> None:
        """Drop what was counted for `key` (a login that succeeded)."""
        ...


class MemoryRateLimiter:
    """Sliding windows kept in this process: at most `count` hits per `seconds`, for every
    (count, seconds) limit at once."""

    def __init__(
        self, limits: Sequence[tuple[int, float]], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = sorted(limits, key=lambda limit: limit[1])
        self.clock = clock
        self._longest = max(seconds for _, seconds in self.limits)
        self._most = max(count for count, _ in self.limits)
        self._hits: dict[str, deque[float]] = {}
        self._since_sweep = 0

    async def hit(self, key: str) -> float:
        now = self.clock()
        hits = self._hits.setdefault(key, deque(maxlen=self._most))
        while hits and hits[0] <= now - self._longest:
            hits.popleft()
        wait = max((self._wait(hits, count, seconds, now) for count, seconds in self.limits))
        if wait <= 0:
            hits.append(now)
        self._sweep(now)
        return wait

    async def peek(self, key: str) -> float:
        hits = self._hits.get(key)
        if not hits:
            return 0.0
        now = self.clock()
        return max(self._wait(hits, count, seconds, now) for count, seconds in self.limits)

    async def forget(self, key: str) -> None:
        self._hits.pop(key, None)

    @staticmethod
    def _wait(hits: deque[float], count: int, seconds: float, now: float) -> float:
        recent = [at for at in hits if at > now - seconds]
        if len(recent) < count:
            return 0.0
        return recent[-count] + seconds - now  # when the oldest hit that counts expires

    def _sweep(self, now: float) -> None:
        """Forget clients whose last hit is older than the longest window (memory stays
        bounded by the clients of the last hour)."""
        self._since_sweep += 1
        if self._since_sweep < 1000:
            return
        self._since_sweep = 0
        idle = [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self._longest]
        for key in idle:
            del self._hits[key]


class RedisRateLimiter:
    """Fixed windows counted in Redis, shared by every hub process: at most `count` hits
    per window of `seconds` (aligned to the clock), for every limit at once. While Redis
    is away each process limits on its own (`fallback`)."""

    def __init__(
        self,
        redis: aioredis.Redis,
        prefix: str,
        limits: Sequence[tuple[int, float]],
        *,
        on_error: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis = redis
        self.prefix = f"{prefix}:rate:"
        self.limits = list(limits)
        self.on_error = on_error
        self.clock = clock
        self.fallback = MemoryRateLimiter(limits)

    async def hit(self, key: str) -> float:
        now = self.clock()
        windows = [(count, seconds, int(now // seconds)) for count, seconds in self.limits]
        keys = [f"{self.prefix}{key}:{seconds:g}:{n}" for _, seconds, n in windows]
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                for name, (_, seconds, _n) in zip(keys, windows, strict=True):
                    pipe.incr(name)
                    pipe.expire(name, math.ceil(seconds) + 1)
                counts = (await pipe.execute())[::2]
            waits = [
                (n + 1) * seconds - now
                for (count, seconds, n), hits in zip(windows, counts, strict=True)
                if hits > count
            ]
            if waits:  # refused: not counted
                async with self.redis.pipeline(transaction=True) as pipe:
                    for name in keys:
                        pipe.decr(name)
                    await pipe.execute()
        except Unavailable as exc:
            self.on_error()
            log.warning("rate limit in Redis failed (%s); counting in this process", exc)
            return await self.fallback.hit(key)
        return max(waits, default=0.0)

    def _keys(self, key: str, now: float) -> list[tuple[int, float, int, str]]:
        """(count, seconds, window number, Redis key) of every limit's current window."""
        windows = [(count, seconds, int(now // seconds)) for count, seconds in self.limits]
        return [(c, sec, n, f"{self.prefix}{key}:{sec:g}:{n}") for c, sec, n in windows]

    async def peek(self, key: str) -> float:
        now = self.clock()
        windows = self._keys(key, now)
        try:
            counts = await self.redis.mget([name for *_, name in windows])
        except Unavailable as exc:
            self.on_error()
            log.warning("rate limit in Redis failed (%s); counting in this process", exc)
            return await self.fallback.peek(key)
        waits = [
            (n + 1) * seconds - now
            for (count, seconds, n, _), hits in zip(windows, counts, strict=True)
            if int(hits or 0) >= count
        ]
        return max(waits, default=0.0)

    async def forget(self, key: str) -> None:
        await self.fallback.forget(key)
        try:
            await self.redis.delete(*[name for *_, name in self._keys(key, self.clock())])
        except Unavailable as exc:
            self.on_error()
            log.warning("rate limit in Redis failed (%s)", exc)


class Throttle:
    """A limiter keyed by the client's address: the peer's, or behind a trusted reverse
    proxy the address it forwarded."""

    def __init__(self, limiter: RateLimiter, trusted_proxies: Sequence[str] = ()) -> None:
        self.limiter = limiter
        self.trusted = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]

    async def check(self, request: web.Request, scope: str) -> int:
        """0 when the request may go on, else the whole seconds to wait (Retry-After)."""
        wait = await self.limiter.hit(f"{scope}:{self.client(request)}")
        return math.ceil(wait) if wait > 0 else 0

    def client(self, request: web.Request) -> str:
        """X-Forwarded-For is believed only from a trusted proxy, read from the right: the
        first address that is not one of our proxies is the client."""
        peer = request.remote or ""
        if not self._trusted(peer):
            return peer
        hops = [
            hop.strip()
            for header in request.headers.getall("X-Forwarded-For", [])
            for hop in header.split(",")
            if hop.strip()
        ]
        for hop in reversed(hops):
            if not self._trusted(hop):
                return hop
        return hops[0] if hops else peer

    def scheme(self, request: web.Request) -> str:
        """ "https" when the request came over TLS: to us, or (X-Forwarded-Proto, believed
        only from a trusted proxy) to the proxy in front of us."""
        forwarded = request.headers.get("X-Forwarded-Proto", "")
        if forwarded and self._trusted(request.remote or ""):
            return forwarded.split(",")[0].strip().lower()
        return request.scheme

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)
