"""Channels fetch residents' files through FileFetcher: the configured API host may be local
(a self-hosted Bot API server, the tests' fakes), but nothing else inside the hub's network
is reached — not by a URL, not by a redirect, not by a name that resolves there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from hub.channel import BodyTooLarge, FetchFailed, FileFetcher, UnsafeAddress, inside_network


@pytest.fixture
async def files_server() -> AsyncIterator[Any]:
    seen: list[str] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        seen.append(request.path_qs)
        if request.path == "/file":
            return web.Response(body=b"foto-jalan", content_type="image/jpeg")
        if request.path == "/auth":
            return web.Response(text=request.headers.get("Authorization", "-"))
        if request.path == "/big":
            return web.Response(body=b"x" * 100_000)
        if request.path == "/loop":
            raise web.HTTPFound("/loop")
        if request.path == "/to":
            raise web.HTTPFound(request.query["url"])
        return web.Response(status=404)

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    server.seen = seen  # type: ignore[attr-defined]
    yield server
    await server.close()


@pytest.fixture
async def fetcher() -> AsyncIterator[FileFetcher]:
    found = FileFetcher(lambda: {"127.0.0.1"})
    yield found
    await found.close()


def to(server: Any, url: str) -> str:
    return str(server.make_url("/to").with_query(url=url))


@pytest.mark.parametrize(
    ("address", "inside"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("172.16.0.9", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),  # cloud metadata
        ("100.64.0.1", True),  # carrier-grade NAT
        ("0.0.0.0", True),
        ("::1", True),
        ("fe80::1%eth0", True),
        ("fd00::1", True),
        ("::ffff:127.0.0.1", True),
        ("149.154.167.220", False),  # api.telegram.org
        ("157.240.7.20", False),  # Meta
        ("2a03:2880:f10c:83:face:b00c:0:25de", False),
    ],
)
def test_addresses_inside_the_network_are_told_apart(address: str, inside: bool) -> None:
    assert inside_network(address) is inside


async def test_the_configured_host_is_fetched_with_its_credentials(
    files_server: Any, fetcher: FileFetcher
) -> None:
    data, kind = await fetcher.get(str(files_server.make_url("/file")), 1024)
    assert data == b"foto-jalan" and kind == "image/jpeg"
    auth, _ = await fetcher.get(str(files_server.make_url("/auth")), 1024, {"Authorization": "B"})
    assert auth == b"B"


async def test_a_local_address_that_is_not_configured_is_refused_before_connecting(
    files_server: Any,
) -> None:
    stranger = FileFetcher(lambda: {"graph.facebook.com"})
    try:
        with pytest.raises(UnsafeAddress):
            await stranger.get(str(files_server.make_url("/file")), 1024)
    finally:
        await stranger.close()
    assert files_server.seen == []


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/admin",
        "http://192.168.0.1/",
        "http://[::1]:6379/",
        "http://[::ffff:127.0.0.2]/",
        "http://127.0.0.2:5432/",
        "file:///etc/passwd",
    ],
)
async def test_a_redirect_into_the_network_is_refused(
    files_server: Any, fetcher: FileFetcher, target: str
) -> None:
    with pytest.raises(UnsafeAddress):
        await fetcher.get(to(files_server, target), 1024)
    assert [path.split("?")[0] for path in files_server.seen] == ["/to"]


async def test_a_redirect_to_a_name_that_resolves_inside_the_network_is_refused(
    files_server: Any, fetcher: FileFetcher
) -> None:
    port = files_server.port
    with pytest.raises(UnsafeAddress, match="localhost"):
        await fetcher.get(to(files_server, f"http://localhost:{port}/file"), 1024)
    assert len(files_server.seen) == 1  # the redirect, never the file


async def test_credentials_never_follow_a_redirect_to_another_host(files_server: Any) -> None:
    both = FileFetcher(lambda: {"127.0.0.1", "localhost"})
    try:
        port = files_server.port
        same, _ = await both.get(to(files_server, "/auth"), 1024, {"Authorization": "B"})
        assert same == b"B"
        other = to(files_server, f"http://localhost:{port}/auth")
        moved, _ = await both.get(other, 1024, {"Authorization": "B"})
        assert moved == b"-"
    finally:
        await both.close()


async def test_endless_redirects_and_oversized_bodies_stop(
    files_server: Any, fetcher: FileFetcher
) -> None:
    with pytest.raises(FetchFailed, match="redirects"):
        await fetcher.get(str(files_server.make_url("/loop")), 1024)
    assert len(files_server.seen) == FileFetcher.MAX_REDIRECTS + 1
    with pytest.raises(BodyTooLarge):
        await fetcher.get(str(files_server.make_url("/big")), 50_000)
    with pytest.raises(FetchFailed) as failed:
        await fetcher.get(str(files_server.make_url("/gone")), 1024)
    assert failed.value.http_status == 404
