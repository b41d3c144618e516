"""The limiters: sliding windows in memory, fixed windows in Redis; every limit at once,
refusals not counted, peeks counting nothing."""

from __future__ import annotations

from redis import asyncio as aioredis

from hub.throttle import MemoryRateLimiter, RedisRateLimiter
from tests.hub import test_redis as cluster

prefix = cluster.prefix  # a Redis key prefix of the test's own (skips without Redis)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_minute_limit_refuses_until_the_oldest_hit_leaves_the_window() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter([(3, 60.0)], clock)
    for _ in range(3):
        assert await limiter.hit("a") == 0
        clock.now += 10
    assert await limiter.hit("a") == 30.0  # the first hit (at 1000) leaves at 1060
    assert await limiter.hit("b") == 0, "another client has its own count"
    clock.now = 1060.0
    assert await limiter.hit("a") == 0


async def test_the_hour_limit_holds_when_the_minute_one_allows() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter([(2, 60.0), (3, 3600.0)], clock)
    for _ in range(3):
        assert await limiter.hit("a") == 0
        clock.now += 61
    wait = await limiter.hit("a")
    assert wait == 1000.0 + 3600.0 - clock.now


async def test_refused_hits_do_not_extend_the_wait() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter([(1, 60.0)], clock)
    assert await limiter.hit("a") == 0
    for _ in range(5):
        clock.now += 10
        await limiter.hit("a")
    clock.now = 1060.0
    assert await limiter.hit("a") == 0


async def test_idle_clients_are_forgotten() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter([(5, 60.0)], clock)
    for n in range(999):
        await limiter.hit(f"client-{n}")
    clock.now += 61
    await limiter.hit("late")
    assert set(limiter._hits) == {"late"}


async def test_peek_answers_like_hit_without_counting_and_forget_clears() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter([(2, 60.0)], clock)
    assert await limiter.peek("a") == 0
    await limiter.hit("a")
    assert await limiter.peek("a") == 0
    await limiter.hit("a")
    for _ in range(3):
        assert await limiter.peek("a") == 60.0  # asking does not count
    await limiter.forget("a")
    assert await limiter.peek("a") == 0 and await limiter.hit("a") == 0


async def test_the_redis_limiter_peeks_and_forgets_for_every_process(prefix: str) -> None:
    """Two processes' limiters on one Redis: a count on one is seen by the other's peek."""
    clock = Clock()
    redis = aioredis.Redis.from_url(cluster.REDIS_URL)
    try:
        a, b = (RedisRateLimiter(redis, prefix, [(2, 60.0)], clock=clock) for _ in range(2))
        assert await a.hit("login") == 0 and await a.hit("login") == 0
        assert await b.peek("login") > 0
        assert await b.peek("login") == await a.peek("login")  # peeking counted nothing
        await b.forget("login")
        assert await a.peek("login") == 0
    finally:
        await redis.aclose()
