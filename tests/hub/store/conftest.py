"""Storage tests run on SQLite and on PostgreSQL (the server on 127.0.0.1:5432, database
`test`). Every PostgreSQL test gets a schema of its own, dropped afterwards, so tests never
see each other's rows and can run twice. PostgreSQL unreachable: its tests are skipped,
or fail in CI (KANAL_REQUIRE_SERVICES=1)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import require_services

#: Override with KANAL_TEST_POSTGRES (an asyncpg URL without a search_path).
POSTGRES = os.environ.get(
    "KANAL_TEST_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def _dsn() -> str:
    return POSTGRES.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(_dsn(), timeout=3)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def _reachable() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        await _admin("SELECT 1")
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        return f"PostgreSQL at {POSTGRES} is not reachable: {exc}"
    return None


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """The URL of a fresh, empty schema in the test database."""
    problem = await _reachable()
    if problem is not None:
        if require_services():
            pytest.fail(problem)
        pytest.skip(problem)
    schema = f"kanal_t_{uuid.uuid4().hex[:12]}"
    await _admin(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        await _admin(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'kanal.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url
