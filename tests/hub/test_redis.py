"""Two hub processes on one Redis (127.0.0.1:6379, or KANAL_TEST_REDIS): what a socket on one
process sees of what happens on the other, and what each does while Redis is away.

Both apps run in this test process on the same SQLite file, each with its own Socket.IO
server, pool and listener: what two processes behind nginx are. Every test has a key
prefix (and so a pub/sub channel) of its own, deleted afterwards."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from redis import asyncio as aioredis
from redis.exceptions import RedisError

from hub.app import create_app
from hub.keys import REDIS
from hub.realtime import disconnect_agent
from tests.conftest import RunningHub, make_settings, require_services
from tests.hub.test_realtime import W, agent, resident
from tests.waiting import wait_for

REDIS_URL = os.environ.get("KANAL_TEST_REDIS", "redis://127.0.0.1:6379/0")
CLOSED = "redis://127.0.0.1:1/0"  # nothing listens there: Redis is "down"


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    client = aioredis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        problem = f"Redis at {REDIS_URL} is not reachable: {exc}"
        if require_services():
            pytest.fail(problem)
        pytest.skip(problem)
    name = f"kanal-test-{uuid.uuid4().hex[:12]}"
    try:
        yield name
    finally:
        keys = [key async for key in client.scan_iter(match=f"{name}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@pytest.fixture
async def start(tmp_path: Path, prefix: str) -> AsyncIterator[Callable[..., Any]]:
    """Start a hub process on the test's database: start(url, prefix, extra_toml). The
    processes stop before the test's keys are deleted."""
    servers: list[TestServer] = []
    default_prefix = prefix

    async def start_hub(url: str, prefix: str = default_prefix, extra: str = "") -> RunningHub:
        settings = make_settings(tmp_path, extra, KANAL_REDIS__URL=url, KANAL_REDIS__PREFIX=prefix)
        app = create_app(settings)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return RunningHub(server, app)

    yield start_hub
    for server in reversed(servers):
        await server.close()


@pytest.fixture
async def pair(start: Any, prefix: str) -> tuple[RunningHub, RunningHub]:
    """Hub processes A and B, both subscribed."""
    a, b = await start(REDIS_URL, prefix), await start(REDIS_URL, prefix)
    for hub in (a, b):
        await until(lambda hub=hub: hub.app[REDIS].listening)
    return a, b


async def until(condition: Callable[[], Any], within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await _value(condition()):
        assert asyncio.get_running_loop().time() < deadline, "condition never held"
        await asyncio.sleep(0.02)


async def _value(value: Any) -> Any:
    return await value if asyncio.iscoroutine(value) else value


async def healthz(hub: RunningHub) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as http, http.get(f"{hub.url}/healthz") as response:
        return response.status, await response.json()


async def test_an_agent_on_b_gets_the_message_a_resident_sent_to_a(pair: Any, sockets: Any) -> None:
    a, b = pair
    officer = await agent(b, sockets)
    warga = await resident(a, sockets)
    sent = await warga.call(
        "send", {"client_id": "w1", "text": "Banjir di Jl. Melati"}, namespace=W
    )
    live = await wait_for(officer, "message")
    assert live["message"]["text"] == "Banjir di Jl. Melati"
    assert live["conversation"]["id"] == sent["conversation"]["id"]


async def test_an_agent_on_b_is_online_for_auto_assignment_on_a(pair: Any, sockets: Any) -> None:
    a, b = pair
    officer = await agent(b, sockets)
    officer_id = officer.hello["agent"]["id"]
    await until(lambda: _has(a.service.desk.online(), officer_id))
    warga = await resident(a, sockets)
    sent = await warga.call("send", {"client_id": "w1", "text": "Lampu jalan mati"}, namespace=W)
    assigned = await wait_for(
        officer,
        "conversation",
        lambda c: c["id"] == sent["conversation"]["id"] and c["assignee"] is not None,
    )
    assert assigned["assignee"]["id"] == officer_id
    await officer.disconnect()
    await until(lambda: _lacks(a.service.desk.online(), officer_id))


async def _has(online: Any, agent_id: int) -> bool:
    return agent_id in await online


async def _lacks(online: Any, agent_id: int) -> bool:
    return agent_id not in await online


async def test_tracking_lookups_are_counted_across_processes(start: Any, prefix: str) -> None:
    strict = "\n[tracking]\nper_minute = 3\nper_hour = 5\n"
    a, b = await start(REDIS_URL, prefix, strict), await start(REDIS_URL, prefix, strict)
    statuses = []
    async with aiohttp.ClientSession() as http:
        for hub in (a, b, a, b):
            async with http.get(f"{hub.url}/api/v1/track/KNL-22222Z") as response:
                statuses.append(response.status)
                retry_after = response.headers.get("Retry-After")
    assert statuses == [404, 404, 404, 429]
    assert retry_after is not None and 1 <= int(retry_after) <= 60


async def test_an_emit_to_one_local_socket_stays_off_redis(pair: Any, sockets: Any) -> None:
    a, _ = pair
    manager = a.app[REDIS]
    published: list[dict[str, Any]] = []
    publish = manager._publish

    async def spy(data: dict[str, Any]) -> Any:
        published.append(data)
        return await publish(data)

    manager._publish = spy
    officer = await agent(a, sockets)  # "hello" goes to its socket id
    assert officer.hello["agent"]["opd"]["slug"] == "pupr"
    warga = await resident(a, sockets)  # "session" too
    assert warga.session["visitor_id"]
    assert [m for m in published if m.get("method") == "emit"] == []
    await warga.call("send", {"client_id": "w1", "text": "halo"}, namespace=W)
    await wait_for(officer, "message")
    assert "message" in {m.get("event") for m in published}  # rooms still go through Redis


async def test_healthz_shows_the_redis_link_and_the_subscriber(pair: Any) -> None:
    a, _ = pair
    status, body = await healthz(a)
    assert status == 200
    assert body == {
        "status": "ok",
        "storage": "ok",
        "redis": {"ok": True, "subscriber": "listening"},
    }


async def test_without_redis_a_process_still_serves_its_own_sockets(
    start: Any, sockets: Any
) -> None:
    down = await start(CLOSED)
    officer = await agent(down, sockets)
    warga = await resident(down, sockets)
    await warga.call("send", {"client_id": "w1", "text": "Sampah menumpuk"}, namespace=W)
    live = await wait_for(officer, "message")
    assert live["message"]["text"] == "Sampah menumpuk"
    reply = await officer.call(
        "send",
        {"conversation_id": live["conversation"]["id"], "client_id": "a1", "text": "Kami cek"},
        namespace="/agent",
    )
    assert reply["ok"]
    await wait_for(warga, "message", lambda m: m["text"] == "Kami cek")
    metrics = down.service.metrics
    assert metrics.redis_errors._value.get() > 0
    status, body = await healthz(down)
    assert status == 200
    assert body["status"] == "degraded"
    assert body["redis"] == {"ok": False, "subscriber": "down"}


class Cable:
    """A TCP relay to Redis that can be unplugged and plugged in again on the same port:
    an outage of the link, without touching the Redis server others use."""

    def __init__(self, target: str) -> None:
        parsed = urlparse(target)
        self.target = (parsed.hostname or "127.0.0.1", parsed.port or 6379)
        self.port = 0
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def plug(self) -> None:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def unplug(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.writers):
            writer.close()
        await self.server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except OSError:
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.writers -= {writer, up_writer}


async def test_cross_process_delivery_resumes_when_redis_returns_and_sync_fills_the_gap(
    start: Any, prefix: str, sockets: Any
) -> None:
    cable = Cable(REDIS_URL)
    await cable.plug()
    a, b = await start(REDIS_URL, prefix), await start(cable.url, prefix)
    for hub in (a, b):
        await until(lambda hub=hub: hub.app[REDIS].listening)
    officer = await agent(b, sockets)
    warga = await resident(a, sockets)
    first = await warga.call("send", {"client_id": "w1", "text": "satu"}, namespace=W)
    await wait_for(officer, "message", lambda m: m["message"]["text"] == "satu")
    conv_id = first["conversation"]["id"]

    await cable.unplug()
    await until(lambda: not b.app[REDIS].listening)
    assert (await healthz(b))[1]["redis"] == {"ok": False, "subscriber": "down"}
    await warga.call("send", {"client_id": "w2", "text": "dua"}, namespace=W)
    reply = await officer.call(  # B's own sockets are still served
        "send", {"conversation_id": conv_id, "client_id": "a1", "text": "ya"}, namespace="/agent"
    )
    assert reply["ok"]
    assert b.service.metrics.redis_errors._value.get() > 0

    await cable.plug()
    await until(lambda: b.app[REDIS].listening, within=10)
    await warga.call("send", {"client_id": "w3", "text": "tiga"}, namespace=W)
    await wait_for(officer, "message", lambda m: m["message"]["text"] == "tiga")
    texts = [m["message"]["text"] for name, m in officer.received if name == "message"]
    assert "dua" not in texts  # missed live while the link was down...
    synced = await officer.call(
        "sync", {"conversation_id": conv_id, "after_seq": 0}, namespace="/agent"
    )
    assert [m["text"] for m in synced["messages"]] == ["satu", "dua", "ya", "tiga"]  # ...not lost


async def test_a_resident_who_ends_the_session_on_a_is_hung_up_and_refused_on_b(
    pair: Any, sockets: Any
) -> None:
    a, b = pair
    warga = await resident(a, sockets)
    sent = await warga.call("send", {"client_id": "w1", "text": "Pohon tumbang"}, namespace=W)
    assert sent["ok"]
    token = warga.session["token"]
    on_b = await resident(b, sockets, token=token)  # another tab, through the other node
    assert on_b.session["visitor_id"] == warga.session["visitor_id"]
    assert (await warga.call("forget", {}, namespace=W))["ok"]
    assert await wait_for(on_b, "session_ended") == {"reason": "ended"}
    await until(lambda: not on_b.connected)
    again = await resident(b, sockets, token=token)
    assert again.session["visitor_id"] != warga.session["visitor_id"]
    assert again.session["conversation"] is None


async def test_an_officer_signed_out_on_a_is_hung_up_on_b(pair: Any, sockets: Any) -> None:
    a, b = pair
    officer = await agent(b, sockets)

    await disconnect_agent(a.service.sio, officer.hello["agent"]["id"])
    assert await wait_for(officer, "session_ended") == {"reason": "signed_out"}
    await until(lambda: not officer.connected)


async def test_revocations_outlive_redis_and_its_outages(start: Any, prefix: str) -> None:
    """Made while Redis is away: refused all the same (the database answers), and put in
    Redis once it is back. A Redis that lost its data gets them again at any start."""
    down = await start(CLOSED)
    inbox = down.service.directory.inbox_by_key("web-pupr")
    assert await down.service.revoke_visitor(inbox, "v_lost_phone", agent_id=None)
    up = await start(REDIS_URL, prefix)
    assert await up.service.visitor_revoked(inbox, "v_lost_phone")  # filled at start
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        await client.delete(f"{prefix}:revoked-visitors")  # Redis lost its data
        assert await up.service.visitor_revoked(inbox, "v_lost_phone")  # known here
        other = await start(REDIS_URL, prefix)  # a process that never saw it
        assert await other.service.visitor_revoked(inbox, "v_lost_phone")
        assert await client.sismember(f"{prefix}:revoked-visitors", f"{inbox.id}:v_lost_phone")
        assert not await other.service.visitor_revoked(inbox, "v_someone_else")
    finally:
        await client.aclose()
