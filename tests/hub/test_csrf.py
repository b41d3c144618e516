"""CSRF (hub/csrf.py): a change made with the session cookie must come from our own pages;
API tokens and webhooks are not cookie-authenticated and pass."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio
from aiohttp.test_utils import TestServer

from hub.app import create_app
from tests.conftest import PASSWORD, RunningHub, make_settings
from tests.hub.api.test_conversations import bearer

EMAIL = "budi@pupr.go.id"
PUBLIC = "https://kanal.kota.go.id"
EXTRA = "https://pengaduan.kota.go.id"


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    settings = make_settings(
        tmp_path,
        KANAL_SERVER__PUBLIC_URL=PUBLIC,
        KANAL_SERVER__ALLOWED_ORIGINS=EXTRA,
        KANAL_SERVER__COOKIE_SECURE="false",
    )
    app = create_app(settings)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield RunningHub(server, app)
    finally:
        await server.close()


@pytest.fixture
async def cookie(hub: Any) -> str:
    await hub.add_agent(EMAIL, "pupr")
    async with aiohttp.ClientSession() as http:
        body = {"email": EMAIL, "password": PASSWORD}
        r = await http.post(f"{hub.url}/api/v1/auth/login", json=body)
        assert r.status == 200
        return str(r.cookies["kanal_session"].value)


async def logout(hub: Any, cookie: str | None, **headers: str) -> tuple[int, Any]:
    if cookie is not None:
        headers["Cookie"] = f"kanal_session={cookie}"
    async with aiohttp.ClientSession() as http:
        r = await http.post(f"{hub.url}/api/v1/auth/logout", headers=headers)
        return r.status, (await r.json() if r.status != 204 else None)


async def me(hub: Any, cookie: str) -> int:
    async with aiohttp.ClientSession() as http:
        r = await http.get(f"{hub.url}/api/v1/me", headers={"Cookie": f"kanal_session={cookie}"})
        return r.status


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "https://opd.kota.go.id"},  # same site, another subdomain: SameSite lets it
        {"Origin": "null"},  # a sandboxed frame
        {"Referer": "https://evil.example/page"},
        {},  # neither: a browser always names a POST's origin
    ],
)
async def test_a_cookie_change_from_elsewhere_is_refused_and_does_nothing(
    hub: Any, cookie: str, headers: dict[str, str]
) -> None:
    status, body = await logout(hub, cookie, **headers)
    assert (status, body["error"]["code"]) == (403, "bad_origin")
    assert await me(hub, cookie) == 200  # the session did not end


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": PUBLIC},
        {"Origin": EXTRA},
        {"Referer": f"{PUBLIC}/console/"},
        {"Origin": "self"},  # the address the request was sent to (filled in below)
    ],
)
async def test_a_cookie_change_from_our_own_pages_goes_through(
    hub: Any, cookie: str, headers: dict[str, str]
) -> None:
    if headers.get("Origin") == "self":
        headers = {"Origin": hub.url}
    assert (await logout(hub, cookie, **headers))[0] == 204
    assert await me(hub, cookie) == 401


async def test_api_tokens_are_not_subject_to_the_origin_check(hub: Any) -> None:
    token = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    headers = {**bearer(token), "Origin": "https://evil.example"}
    async with aiohttp.ClientSession(headers=headers) as http:
        body = {"name": "Pengaduan Jalan"}
        r = await http.post(f"{hub.url}/api/v1/categories", json=body)
        assert r.status == 201, await r.text()


async def test_a_login_from_another_site_is_refused(hub: Any) -> None:
    """Login CSRF: another site must not sign a browser in as someone else."""
    await hub.add_agent(EMAIL, "pupr")
    async with aiohttp.ClientSession() as http:
        body = {"email": EMAIL, "password": PASSWORD}
        r = await http.post(
            f"{hub.url}/api/v1/auth/login", json=body, headers={"Origin": "https://evil.example"}
        )
        assert r.status == 403
        assert "kanal_session" not in r.cookies
        plain = await http.post(f"{hub.url}/api/v1/auth/login", json=body)  # curl, a script
        assert plain.status == 200


async def test_webhooks_are_exempt_even_with_a_cookie(hub: Any, cookie: str) -> None:
    headers = {"Cookie": f"kanal_session={cookie}", "Origin": "https://evil.example"}
    async with aiohttp.ClientSession() as http:
        r = await http.post(f"{hub.url}/webhooks/telegram/nope", data=b"{}", headers=headers)
        assert r.status == 404  # reached the channel (no such inbox), not refused as CSRF


async def test_a_console_socket_opened_by_another_page_is_refused(
    hub: Any, cookie: str, sockets: Any
) -> None:
    """Cross-site WebSocket hijacking: the handshake carries the cookie, so its origin counts."""
    with pytest.raises(socketio.exceptions.ConnectionError):
        await sockets(
            hub.url,
            "/agent",
            headers={"Cookie": f"kanal_session={cookie}", "Origin": "https://opd.kota.go.id"},
        )
    ours = await sockets(
        hub.url, "/agent", headers={"Cookie": f"kanal_session={cookie}", "Origin": PUBLIC}
    )
    assert ours.connected
