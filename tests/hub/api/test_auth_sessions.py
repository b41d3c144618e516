"""Agents' sessions: a new id at every login, logout and password changes end sessions and
hang up their consoles, cookies that scripts and other sites cannot use."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from yarl import URL

from hub.app import create_app
from tests.conftest import PASSWORD, RunningHub, make_settings
from tests.hub.api.test_conversations import bearer
from tests.waiting import wait_for

EMAIL = "budi@pupr.go.id"


class Browser:
    """One browser: its own cookie jar, and the Origin header a browser sends."""

    def __init__(self, hub: Any) -> None:
        self.hub = hub
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True), headers={"Origin": hub.url}
        )

    @property
    def session(self) -> str | None:
        cookie = self.http.cookie_jar.filter_cookies(URL(self.hub.url)).get("kanal_session")
        return cookie.value if cookie is not None else None

    async def login(self, password: str = PASSWORD) -> aiohttp.ClientResponse:
        body = {"email": EMAIL, "password": password}
        async with self.http.post(f"{self.hub.url}/api/v1/auth/login", json=body) as r:
            await r.read()
            return r

    async def me(self) -> int:
        async with self.http.get(f"{self.hub.url}/api/v1/me") as r:
            return r.status

    async def post(self, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.http.post(f"{self.hub.url}/api/v1{path}", json=body) as r:
            return r.status, (await r.json() if r.status != 204 else None)

    async def console(self, sockets: Any) -> Any:
        """The console's socket, authenticated by this browser's cookie."""
        headers = {"Cookie": f"kanal_session={self.session}", "Origin": self.hub.url}
        client = await sockets(self.hub.url, "/agent", headers=headers)
        await wait_for(client, "hello")
        return client


@pytest.fixture
async def browsers(hub: Any) -> AsyncIterator[Any]:
    await hub.add_agent(EMAIL, "pupr")
    opened: list[Browser] = []

    def open_browser() -> Browser:
        opened.append(Browser(hub))
        return opened[-1]

    yield open_browser
    for browser in opened:
        await browser.http.close()


async def hung_up(client: Any, within: float = 5.0) -> bool:
    """Whether the hub closes this client's connection within `within` seconds."""
    try:
        await asyncio.wait_for(client.eio.wait(), within)
    except TimeoutError:
        return False
    return not client.connected


async def test_login_makes_a_new_session_id_and_never_takes_one_the_client_brings(
    hub: Any, browsers: Any
) -> None:
    """Session fixation: an id planted before login (by another site, a shared computer)
    is not the one the login sets, and is worth nothing."""
    browser = browsers()
    planted = "attacker-chosen-session-id"
    browser.http.cookie_jar.update_cookies({"kanal_session": planted})
    assert (await browser.login()).status == 200
    assert browser.session not in (None, planted)
    async with aiohttp.ClientSession(cookies={"kanal_session": planted}) as attacker:
        assert (await attacker.get(f"{hub.url}/api/v1/me")).status == 401
    # Logging in again gives yet another id, and the one before it ends.
    first = browser.session
    assert (await browser.login()).status == 200
    assert browser.session != first
    async with aiohttp.ClientSession(cookies={"kanal_session": first or ""}) as old:
        assert (await old.get(f"{hub.url}/api/v1/me")).status == 401


async def test_logout_ends_that_session_and_hangs_up_its_consoles_only(
    hub: Any, browsers: Any, sockets: Any
) -> None:
    office, home = browsers(), browsers()
    await office.login()
    await home.login()
    office_console, home_console = await office.console(sockets), await home.console(sockets)
    assert (await office.post("/auth/logout"))[0] == 204
    assert await hung_up(office_console)
    ended = await wait_for(office_console, "session_ended")
    assert ended == {"reason": "signed_out"}
    assert await office.me() == 401
    assert home_console.connected and await home.me() == 200


async def test_a_password_change_ends_every_session_and_console_but_keeps_the_asker_in(
    hub: Any, browsers: Any, sockets: Any
) -> None:
    office, home = browsers(), browsers()
    await office.login()
    await home.login()
    before = office.session
    consoles = [await office.console(sockets), await home.console(sockets)]
    new = "kata-sandi-baru-2025"
    status, body = await office.post(
        "/auth/password", {"current_password": PASSWORD, "new_password": new}
    )
    assert status == 200 and body["agent"]["email"] == EMAIL
    for console in consoles:
        assert await hung_up(console)
    assert await home.me() == 401  # every other session ended
    assert office.session != before and await office.me() == 200  # a fresh one for the asker
    assert (await browsers().login(PASSWORD)).status == 401
    assert (await browsers().login(new)).status == 200


async def test_a_password_change_needs_the_current_password_and_a_usable_new_one(
    hub: Any, browsers: Any
) -> None:
    browser = browsers()
    await browser.login()
    wrong = {"current_password": "bukan-ini-sandinya", "new_password": "kata-sandi-baru-2025"}
    status, body = await browser.post("/auth/password", wrong)
    assert (status, body["error"]["code"]) == (403, "wrong_password")
    for new in ("pendek", PASSWORD, "x" * 257):
        status, body = await browser.post(
            "/auth/password", {"current_password": PASSWORD, "new_password": new}
        )
        assert (status, body["error"]["code"]) == (400, "bad_password"), new
    assert await browser.me() == 200  # nothing changed
    async with aiohttp.ClientSession() as anonymous:
        body = {"current_password": PASSWORD, "new_password": "kata-sandi-baru-2025"}
        r = await anonymous.post(f"{hub.url}/api/v1/auth/password", json=body)
        assert r.status == 401


async def test_an_admin_password_reset_hangs_up_the_agents_consoles(
    hub: Any, browsers: Any, sockets: Any
) -> None:
    browser = browsers()
    await browser.login()
    console = await browser.console(sockets)
    admin = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    agent_id = (await console_agent(hub, admin))["id"]
    async with aiohttp.ClientSession(headers=bearer(admin)) as http:
        r = await http.post(f"{hub.url}/api/v1/admin/agents/{agent_id}/password")
        assert r.status == 200
    assert await hung_up(console)
    assert await browser.me() == 401


async def console_agent(hub: Any, admin_token: str) -> Any:
    async with aiohttp.ClientSession(headers=bearer(admin_token)) as http:
        agents = await (await http.get(f"{hub.url}/api/v1/admin/agents")).json()
    return next(a for a in agents["items"] if a["email"] == EMAIL)


async def test_a_deactivated_agent_is_hung_up_within_5_seconds_and_stays_out(
    hub: Any, browsers: Any, sockets: Any
) -> None:
    browser = browsers()
    await browser.login()
    console = await browser.console(sockets)
    admin = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    agent_id = (await console_agent(hub, admin))["id"]
    started = asyncio.get_running_loop().time()
    async with aiohttp.ClientSession(headers=bearer(admin)) as http:
        r = await http.patch(f"{hub.url}/api/v1/admin/agents/{agent_id}", json={"active": False})
        assert r.status == 200
    assert await hung_up(console, within=5.0)
    assert asyncio.get_running_loop().time() - started < 5.0
    assert await browser.me() == 401
    assert (await browsers().login()).status == 401


def cookie_of(response: aiohttp.ClientResponse) -> Any:
    return response.cookies["kanal_session"]


async def test_the_session_cookie_is_httponly_and_samesite_and_not_secure_over_http(
    hub: Any, browsers: Any
) -> None:
    cookie = cookie_of(await browsers().login())
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert not cookie["secure"]  # http://127.0.0.1 in the tests: a Secure cookie never returns


async def start(tmp_path: Path, extra: str = "", **env: str) -> RunningHub:
    app = create_app(make_settings(tmp_path, extra, **env))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return RunningHub(server, app)


@pytest.mark.parametrize(
    ("env", "forwarded", "secure"),
    [
        ({"KANAL_SERVER__PUBLIC_URL": "https://kanal.kota.go.id"}, None, True),
        ({"KANAL_SERVER__TRUSTED_PROXIES": "127.0.0.1"}, "https", True),
        ({"KANAL_SERVER__TRUSTED_PROXIES": "127.0.0.1"}, "http", False),
        ({}, "https", False),  # X-Forwarded-Proto from a client nobody trusts: ignored
    ],
)
async def test_the_cookie_is_secure_behind_tls(
    tmp_path: Path, env: dict[str, str], forwarded: str | None, secure: bool
) -> None:
    hub = await start(tmp_path, **env)
    try:
        await hub.add_agent(EMAIL, "pupr")
        headers = {"X-Forwarded-Proto": forwarded} if forwarded else {}
        async with aiohttp.ClientSession(headers=headers) as http:
            body = {"email": EMAIL, "password": PASSWORD}
            r = await http.post(f"{hub.url}/api/v1/auth/login", json=body)
            assert r.status == 200
            assert bool(cookie_of(r)["secure"]) is secure
            assert cookie_of(r)["httponly"]
    finally:
        await hub.server.close()
