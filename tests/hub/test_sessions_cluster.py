"""Sessions across hub processes on one Redis: a logout or a deactivation on process A
hangs up the console on process B within 5 s; failed logins are counted together."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.conftest import PASSWORD
from tests.hub import test_redis as cluster
from tests.hub.api.test_auth_sessions import hung_up
from tests.hub.api.test_conversations import bearer
from tests.waiting import wait_for

# The two-process fixtures of tests/hub/test_redis.py.
prefix, start, pair = cluster.prefix, cluster.start, cluster.pair

EMAIL = "budi@pupr.go.id"


async def log_in(hub: Any, password: str = PASSWORD, **headers: str) -> aiohttp.ClientResponse:
    async with aiohttp.ClientSession() as http:
        body = {"email": EMAIL, "password": password}
        r = await http.post(f"{hub.url}/api/v1/auth/login", json=body, headers=headers)
        await r.read()
        return r


async def console(hub: Any, sockets: Any, cookie: str) -> Any:
    headers = {"Cookie": f"kanal_session={cookie}", "Origin": hub.url}
    client = await sockets(hub.url, "/agent", headers=headers)
    await wait_for(client, "hello")
    return client


async def test_a_logout_on_a_hangs_up_that_sessions_console_on_b(pair: Any, sockets: Any) -> None:
    a, b = pair
    await a.add_agent(EMAIL, "pupr")
    cookie = (await log_in(a)).cookies["kanal_session"].value
    on_b = await console(b, sockets, cookie)
    async with aiohttp.ClientSession() as http:
        headers = {"Cookie": f"kanal_session={cookie}", "Origin": a.url}
        assert (await http.post(f"{a.url}/api/v1/auth/logout", headers=headers)).status == 204
    assert await hung_up(on_b, within=5.0)


async def test_a_deactivation_on_a_hangs_up_the_console_on_b_within_5_seconds(
    pair: Any, sockets: Any
) -> None:
    a, b = pair
    agent_id = await a.add_agent(EMAIL, "pupr")
    cookie = (await log_in(a)).cookies["kanal_session"].value
    on_b = await console(b, sockets, cookie)
    admin = await a.token("admin@kota.go.id", "diskominfo", "admin")
    async with aiohttp.ClientSession(headers=bearer(admin)) as http:
        url = f"{a.url}/api/v1/admin/agents/{agent_id}"
        assert (await http.patch(url, json={"active": False})).status == 200
    assert await hung_up(on_b, within=5.0)


async def test_failed_logins_are_counted_across_processes(start: Any, prefix: str) -> None:
    extra = "\n[limits]\nlogin_failures_per_account_and_address = 2\n"
    a, b = (
        await start(cluster.REDIS_URL, prefix, extra),
        await start(cluster.REDIS_URL, prefix, extra),
    )
    await a.add_agent(EMAIL, "pupr")
    assert (await log_in(a, "salah")).status == 401
    assert (await log_in(b, "salah")).status == 401
    assert (await log_in(a)).status == 429
    assert (await log_in(b)).status == 429
