"""PostgreSQL and Redis for the scenarios that need them (`cluster`, `persistence`).

The server on 127.0.0.1:5432, database `test`, trust auth (as the tests use it:
tests/hub/store/conftest.py); Redis on 127.0.0.1:6379. Every run gets a fresh schema
(`kanal_bench_<random>`) and Redis key prefix, removed afterwards, so runs never see each
other's rows and never touch the tests' schemas.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from bench.common import proc_cpu_seconds

#: Override with KANAL_BENCH_POSTGRES (an asyncpg URL without a search_path).
POSTGRES = os.environ.get(
    "KANAL_BENCH_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS = os.environ.get("KANAL_BENCH_REDIS", "redis://127.0.0.1:6379")


def dsn() -> str:
    """POSTGRES for asyncpg itself (libpq form)."""
    return POSTGRES.replace("postgresql+asyncpg://", "postgresql://", 1)


def schema_url(schema: str) -> str:
    """The hub's database URL for one schema (libpq options -> asyncpg server_settings)."""
    return f"{POSTGRES}?options=-csearch_path%3D{schema}"


async def _admin(statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn(), timeout=5)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def admin(statement: str) -> None:
    asyncio.run(_admin(statement))


@contextlib.contextmanager
def fresh_schema(tag: str = "") -> Iterator[str]:
    """An empty schema, dropped (with everything in it) on the way out."""
    schema = f"kanal_bench_{tag}{uuid.uuid4().hex[:10]}"
    admin(f"CREATE SCHEMA {schema}")
    try:
        yield schema
    finally:
        admin(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def fresh_prefix(tag: str = "") -> str:
    return f"kanal-bench-{tag}{uuid.uuid4().hex[:10]}"


def drop_prefix(prefix: str) -> int:
    """Delete the Redis keys under prefix (the Socket.IO channel leaves none)."""
    import redis

    client = redis.Redis.from_url(REDIS, socket_connect_timeout=2)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
        return len(keys)
    finally:
        client.close()


def services_problem(need_redis: bool = True) -> str | None:
    """None when PostgreSQL (and Redis) answer, else what is missing."""
    try:
        admin("SELECT 1")
    except Exception as exc:  # any failure means "not usable"
        return f"PostgreSQL at {POSTGRES} is not reachable: {exc}"
    if need_redis:
        import redis

        try:
            redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
        except Exception as exc:
            return f"Redis at {REDIS} is not reachable: {exc}"
    return None


def service_cpu() -> dict[str, float]:
    """CPU seconds so far of the PostgreSQL processes (server and backends) and of Redis.

    Processes are found by name in /proc; a backend that exits between two readings takes
    its CPU with it, so deltas are lower bounds (the hubs keep their pools open).
    """
    totals = {"postgres": 0.0, "redis": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        name = "postgres" if comm == "postgres" else "redis" if comm == "redis-server" else ""
        if name:
            value = proc_cpu_seconds(int(entry.name))
            if value == value:
                totals[name] += value
    return totals
