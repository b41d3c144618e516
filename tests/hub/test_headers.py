"""Security headers: the console runs under a CSP without 'unsafe-inline' and is never
framed, the widget frame is framed only by its inbox's sites, HSTS only over TLS, and every
answer carries nosniff and a Referrer-Policy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from hub.app import create_app
from hub.config import ConfigError
from tests.conftest import RunningHub, make_settings

SITES = """
[[inboxes]]
key = "web-dishub"
kind = "widget"
opd = "pupr"
allowed_origins = ["https://dishub.kota.go.id", "https://*.kota.go.id"]
"""


@pytest.fixture
async def started(tmp_path: Path) -> AsyncIterator[Any]:
    servers: list[TestServer] = []

    async def start(extra: str = "", **env: str) -> RunningHub:
        server = TestServer(create_app(make_settings(tmp_path, extra, **env)), host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return RunningHub(server, server.app)

    yield start
    for server in servers:
        await server.close()


async def headers_of(hub: Any, path: str, **headers: str) -> Any:
    async with aiohttp.ClientSession() as http:
        r = await http.get(f"{hub.url}{path}", headers=headers)
        return r.status, r.headers


def directives(policy: str) -> dict[str, str]:
    return {d.strip().split(" ", 1)[0]: d.strip().partition(" ")[2] for d in policy.split(";")}


async def test_the_console_runs_no_inline_code_and_is_never_framed(hub: Any) -> None:
    status, headers = await headers_of(hub, "/console")
    assert status == 200
    policy = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    found = directives(policy)
    assert found["script-src"] == "'self'" and found["style-src"] == "'self'"
    assert found["object-src"] == "'none'" and found["base-uri"] == "'none'"
    assert found["frame-ancestors"] == "'none'"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers  # plain HTTP, no TLS in front


async def test_deep_console_links_and_the_demo_site_get_the_same_policy(hub: Any) -> None:
    for path in ("/console/c/12", "/"):
        status, headers = await headers_of(hub, path)
        assert status == 200, path
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert directives(headers["Content-Security-Policy"])["frame-ancestors"] == "'none'"


async def test_the_widget_frame_is_framed_only_by_the_hub_by_default(hub: Any) -> None:
    status, headers = await headers_of(hub, "/widget/frame?inbox=web-pupr")
    assert status == 200
    found = directives(headers["Content-Security-Policy"])
    assert found["frame-ancestors"] == "'self' http://127.0.0.1:8080"  # the public_url
    assert found["script-src"] == "'self'"
    assert "X-Frame-Options" not in headers  # it cannot list sites; the CSP does


async def test_the_widget_frame_is_framed_by_the_sites_its_inbox_lists(started: Any) -> None:
    hub = await started(SITES, KANAL_SERVER__PUBLIC_URL="https://kanal.kota.go.id")
    _, headers = await headers_of(hub, "/widget/frame?inbox=web-dishub")
    assert directives(headers["Content-Security-Policy"])["frame-ancestors"] == (
        "'self' https://kanal.kota.go.id https://dishub.kota.go.id https://*.kota.go.id"
    )
    _, other = await headers_of(hub, "/widget/frame?inbox=web-pupr")
    assert "dishub" not in other["Content-Security-Policy"]  # per inbox, not per hub


async def test_an_allowed_origin_with_a_path_refuses_to_start(tmp_path: Path) -> None:
    extra = SITES.replace('"https://*.kota.go.id"', '"https://pupr.kota.go.id/pengaduan"')
    with pytest.raises(ConfigError, match="allowed_origins"):
        create_app(make_settings(tmp_path, extra))


async def test_hsts_is_sent_when_the_public_url_is_https(started: Any) -> None:
    hub = await started(KANAL_SERVER__PUBLIC_URL="https://kanal.kota.go.id")
    _, headers = await headers_of(hub, "/console")
    assert headers["Strict-Transport-Security"] == "max-age=31536000"


async def test_hsts_believes_x_forwarded_proto_only_from_a_trusted_proxy(started: Any) -> None:
    untrusted = await started()
    _, headers = await headers_of(untrusted, "/console", **{"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in headers
    behind_nginx = await started(KANAL_SERVER__TRUSTED_PROXIES="127.0.0.1")
    _, headers = await headers_of(behind_nginx, "/console", **{"X-Forwarded-Proto": "https"})
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    _, plain = await headers_of(behind_nginx, "/console", **{"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in plain


async def test_api_answers_and_errors_carry_nosniff_and_a_referrer_policy(hub: Any) -> None:
    for path in ("/healthz", "/api/v1/conversations", "/no-such-page"):
        status, headers = await headers_of(hub, path)
        assert status in (200, 401, 404), path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path


async def test_the_tracking_page_keeps_its_own_stricter_headers(hub: Any) -> None:
    _, headers = await headers_of(hub, "/lacak?kode=KNL-22222Z")
    assert headers["Referrer-Policy"] == "no-referrer"  # the URL carries a tracking code
    assert "script-src" not in headers["Content-Security-Policy"]  # no script at all
    assert headers["X-Content-Type-Options"] == "nosniff"
