"""Hostile bodies on every state-changing route, webhook and socket event: invalid UTF-8,
NUL characters, huge and deeply nested JSON, wrong types. Each is refused with a 4xx (or an
error ack on a socket), never a 500, and the connection survives.

The routes are enumerated from the router, so a new POST/PUT/PATCH route is covered the day
it is added. Requests are an admin's (an API token), so authorisation does not stop them
before their body is read."""

from __future__ import annotations

import asyncio
import csv
import inspect
import io
import json
import re
import zipfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from hub import cases
from hub.app import create_app
from tests.channels.telegram.conftest import SECRET, bot_inbox
from tests.channels.whatsapp.conftest import APP_SECRET, sign
from tests.channels.whatsapp.hub import wa_inbox
from tests.conftest import RunningHub, make_settings

METHODS = ("POST", "PUT", "PATCH")
#: Too deep for any recursive parser, yet (the second) small enough to pass the size limit.
DEEP_LISTS = b"[" * 100_000 + b"]" * 100_000
DEEP_WITHIN_LIMIT = b'{"a":' * 6_000 + b"1" + b"}" * 6_000
WRONG = [[], {}, -1, 10**30, True, 1.5, "a\x00b", "x" * 5000]
#: A plausible body for any route: each field of every handler, of its usual type; the
#: hostile bodies change one field at a time, so that every check after the first is reached.
BASE: dict[str, Any] = {
    "text": "halo",
    "source": "walk_in",
    "status": "resolved",
    "note": "catatan",
    "opd": "pupr",
    "reason": "alasan",
    "email": "warga@contoh.id",
    "password": "bukan-sandi-123",
    "name": "Nama",
    "slug": "dinas-baru",
    "role": "agent",
    "opd_id": 2,
    "capacity": 3,
    "key": "kotak-baru",
    "kind": "widget",
    "options": {"allowed_origins": ["https://contoh.id"]},
    "active": True,
    "coordinator": False,
    "shortcut": "salam",
    "body": "Selamat pagi",
    "needs_after_photo": False,
    "days": [{"weekday": 0, "opens": "08:00", "closes": "16:00"}],
    "kecamatan": "Kota",
    "kelurahan": "Kauman",
    "csv": "kecamatan,kelurahan\nKota,Kauman\n",
    "into": 1,
    "private": False,
    "client_id": "c-1",
    "attachments": [],
    "template": {"name": "tindak_lanjut", "params": ["a"]},
    "message_id": 1,
    "agent_id": 2,
    "contact": 1,
    "inbox": "offline",
    "phone": "+6281234567890",
    "category": "Jalan",
    "priority": "high",
    "labels": ["a"],
    "rahasia": False,
    "anonim": False,
    "preset": "1x24",
    "response": {"amount": 5, "unit": "working_days"},
    "resolution": {"amount": 5, "unit": "working_days"},
    "latitude": -7.0,
    "longitude": 110.4,
    "after_media_id": None,
    "before_media_id": None,
}
MANUAL = """
[[inboxes]]
key = "offline"
kind = "manual"
opd = "diskominfo"
name = "Pengaduan luring"
"""
NESTED = ("days", "options", "template", "response", "resolution", "labels")


def raw_bodies() -> Iterator[tuple[str, bytes]]:
    yield "invalid_utf8", b'{"text": "\xff\xfe\xfd"}'
    yield "raw_nul", b'{"text": "a\x00b"}'
    yield "nul_outside", b'{"text": "a"}\x00'
    yield "nul_key", json.dumps({**BASE, "te\x00xt": "a"}).encode()
    yield "huge", b'{"text": "' + b"a" * (3 * 1024 * 1024) + b'"}'
    yield "deep_lists", DEEP_LISTS
    yield "deep_within_limit", DEEP_WITHIN_LIMIT
    yield "deep_field", b'{"text": ' + b"[" * 5_000 + b"]" * 5_000 + b"}"
    yield "empty", b""
    yield "nan", b'{"latitude": NaN, "longitude": Infinity, "opd_id": NaN}'
    yield "big_int_digits", b'{"opd_id": ' + b"9" * 5000 + b"}"
    for name, value in (("list", []), ("string", "x"), ("number", 1), ("null", None)):
        yield f"top_{name}", json.dumps(value).encode()
    for index, value in enumerate(WRONG):
        yield f"all_{index}", json.dumps(dict.fromkeys(BASE, value)).encode()


def read_by(handler: Any) -> list[str]:
    """The fields of BASE a handler may read: those its code names, directly or in a
    constant of its module (a tuple of field names), or the case details it passes on."""
    function = inspect.unwrap(handler)
    source = inspect.getsource(function)
    module = inspect.getmodule(function)
    for constant in re.findall(r"\b[A-Z][A-Z_]+\b", source):
        value = getattr(module, constant, None)
        if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            source += " ".join(f'"{v}"' for v in value)
    if "update_details" in source:
        source += " ".join(f'"{v}"' for v in cases.DETAILS)
    return [name for name in BASE if f'"{name}"' in source or f"{name}=" in source]


def mutations(names: list[str]) -> Iterator[tuple[str, bytes]]:
    """BASE with one field (or one field inside a nested one) wrong."""
    for name in names:
        for index, value in enumerate(WRONG):
            yield f"{name}_{index}", json.dumps({**BASE, name: value}).encode()
    for name in set(NESTED) & set(names):
        inner = BASE[name]
        for index, value in enumerate(WRONG):
            if isinstance(inner, dict):
                changed: Any = {k: value for k in inner}
            elif name == "days":
                changed = [{k: value for k in inner[0]}, value]
            else:
                changed = [value]
            yield f"{name}_inner_{index}", json.dumps({**BASE, name: changed}).encode()


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    config = MANUAL + bot_inbox() + wa_inbox("http://127.0.0.1:9")
    app = create_app(make_settings(tmp_path, config))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield RunningHub(server, app)
    finally:
        await server.close()


async def _setup(hub: RunningHub, http: aiohttp.ClientSession) -> dict[str, str]:
    """An admin, a second agent and a case, so that the paths name things that exist."""
    token = await hub.token("admin@kota.id", "diskominfo", "admin")
    other = await hub.add_agent("agen@kota.id", "pupr")
    headers = {"Authorization": f"Bearer {token}"}
    entry = {"source": "walk_in", "text": "Jalan rusak", "name": "Warga"}
    async with http.post(f"{hub.url}/api/v1/entries", json=entry, headers=headers) as response:
        assert response.status == 201, await response.text()
        case = (await response.json())["conversation"]
    return {
        "token": token,
        "id": str(case["id"]),
        "contact_id": str(case["contact"]["id"]) if case.get("contact") else "1",
        "agent_id": str(other),
        "opd_id": "2",
        "inbox_id": "1",
        "key": "",
    }


def _routes(app: web.Application) -> list[tuple[str, str, list[str]]]:
    found = []
    for route in app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if route.method in METHODS and not path.startswith("/socket.io"):
            names = [] if path.startswith("/webhooks/") else read_by(route.handler)
            found.append((route.method, path, names))
    assert len(found) > 20, found
    return found


def _url(hub: RunningHub, path: str, ids: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match[1]
        if path.startswith("/webhooks/telegram"):
            return "kota-bot"
        if path.startswith("/webhooks/whatsapp"):
            return "kota-wa"
        return ids.get(name, "1")

    return hub.url + re.sub(r"\{(\w+)\}", fill, path)


def _headers(path: str, body: bytes, token: str) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    if path.startswith("/webhooks/telegram"):
        headers["X-Telegram-Bot-Api-Secret-Token"] = SECRET
    if path.startswith("/webhooks/whatsapp"):
        headers["X-Hub-Signature-256"] = sign(body, APP_SECRET)
    return headers


async def test_no_hostile_body_gets_a_server_error(hub: RunningHub) -> None:
    failures: list[str] = []
    unauthorized: list[str] = []
    async with aiohttp.ClientSession() as http:
        ids = await _setup(hub, http)
        routes = _routes(hub.app)
        # Logging out, or resetting a password, must not end the admin's own access midway.
        routes.sort(key=lambda r: "/auth/" in r[1])
        for method, path, names in routes:
            url = _url(hub, path, ids)
            bodies = [*raw_bodies(), *mutations(names)]
            for label, body in bodies:
                headers = _headers(path, body, ids["token"])
                async with http.request(method, url, data=body, headers=headers) as response:
                    text = await response.text()
                    if response.status >= 500:
                        failures.append(
                            f"{method} {path} [{label}] -> {response.status} {text[:120]}"
                        )
                    if response.status == 401 and "/auth/" not in path:
                        unauthorized.append(f"{method} {path} [{label}]")
    assert not failures, "\n".join(failures[:40]) + f"\n({len(failures)} in all)"
    assert not unauthorized, unauthorized[:10]


async def test_hostile_path_numbers_are_not_found(hub: RunningHub) -> None:
    """A number too large for the database, in any id of a path: 404, not 500."""
    failures = []
    async with aiohttp.ClientSession() as http:
        ids = await _setup(hub, http)
        huge = {name: str(10**30) for name in ids if name not in ("token", "key")}
        for route in hub.app.router.routes():
            path = route.resource.canonical if route.resource else ""
            if "{" not in path or path.startswith(("/webhooks", "/socket.io")):
                continue
            if route.method == "HEAD":
                continue
            url = _url(hub, path, {**huge, "code": "KNL-" + "9" * 40})
            headers = _headers(path, b"{}", ids["token"])
            async with http.request(route.method, url, data=b"{}", headers=headers) as response:
                if response.status >= 500:
                    failures.append(f"{route.method} {path} -> {response.status}")
    assert not failures, failures


#: Every event of each namespace, with the fields it reads (forget ends the session: alone).
WIDGET_EVENTS = {
    "send": {"client_id": "c-1", "text": "halo"},
    "sync": {"after_seq": 0},
    "typing": {"typing": True},
    "identify": {"name": "Warga", "email": "w@contoh.id", "phone": "+62812"},
    "rate": {"score": 5, "comment": "baik", "tracking_code": "KNL-AAAAAA"},
}
AGENT_EVENTS = {
    "join": {"after_seq": 0},
    "leave": {},
    "sync": {"after_seq": 0},
    "send": {"text": "halo", "private": True, "client_id": "a-1", "media_id": None},
    "typing": {"typing": True},
    "read": {},
    "status": {"status": "pending", "note": "n"},
}
SOCKET_WRONG = [*WRONG, None, [[[{}]]], {"a": {"b": {"c": [1]}}}]


def socket_payloads(base: dict[str, Any]) -> Iterator[Any]:
    yield from SOCKET_WRONG
    for name in base:
        for value in SOCKET_WRONG:
            yield {**base, name: value}


async def _call_all(client: Any, ns: str, events: dict[str, dict[str, Any]]) -> list[str]:
    bad = []
    for event, base in events.items():
        for payload in socket_payloads(base):
            ack = await client.call(event, payload, namespace=ns, timeout=10)
            if not isinstance(ack, dict) or "ok" not in ack:
                bad.append(f"{ns} {event} {payload!r:.80}: no ack object: {ack!r:.80}")
            elif not ack["ok"] and ack["error"]["code"] in ("internal", "unavailable"):
                bad.append(f"{ns} {event} {payload!r:.80}: {ack['error']['code']}")
    return bad


async def test_no_hostile_socket_payload_breaks_an_event(hub: RunningHub, sockets: Any) -> None:
    token = await hub.token("admin@kota.id", "diskominfo", "admin")
    widget = await sockets(hub.url, "/widget", auth={"inbox": "web-pupr"})
    first = await widget.call(
        "send", {"client_id": "c-0", "text": "Jalan rusak"}, namespace="/widget"
    )
    conv_id = first["conversation"]["id"]
    agent = await sockets(hub.url, "/agent", auth={"token": token})
    agent_events = {k: {"conversation_id": conv_id, **v} for k, v in AGENT_EVENTS.items()}
    bad = await _call_all(widget, "/widget", WIDGET_EVENTS)
    bad += await _call_all(agent, "/agent", agent_events)
    assert not bad, "\n".join(bad[:30]) + f"\n({len(bad)} in all)"
    assert widget.connected and agent.connected
    ack = await widget.call("sync", {"after_seq": 0}, namespace="/widget")
    assert ack["ok"] is True


async def test_deeply_nested_socket_packet_keeps_the_connection(
    hub: RunningHub, sockets: Any
) -> None:
    """A packet too deep to decode is dropped; the socket goes on answering."""
    widget = await sockets(hub.url, "/widget", auth={"inbox": "web-pupr"})
    deep = "[" * 100_000 + "]" * 100_000
    await widget.eio.send('42/widget,["send",' + deep + "]")
    await widget.eio.send('42/widget,["send",{"text":' + "[" * 5000 + "]" * 5000 + "}]")
    ack = await widget.call("sync", {"after_seq": 0}, namespace="/widget", timeout=10)
    assert ack["ok"] is True
    assert widget.connected


FORMULAS = ['=HYPERLINK("http://x.invalid","klik")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


async def test_exports_neutralise_formulas(hub: RunningHub) -> None:
    """A text cell a resident or agent typed never becomes a spreadsheet formula."""
    async with aiohttp.ClientSession() as http:
        ids = await _setup(hub, http)
        headers = {"Authorization": f"Bearer {ids['token']}"}
        for n, formula in enumerate(FORMULAS):
            entry = {"source": "phone", "text": "x", "kelurahan": formula, "category": formula,
                     "name": formula, "client_id": f"f-{n}"}  # fmt: skip
            async with http.post(f"{hub.url}/api/v1/entries", json=entry, headers=headers) as r:
                assert r.status == 201, await r.text()
        deadline = asyncio.get_running_loop().time() + 10
        table: list[dict[str, str]] = []
        while len(table) < len(FORMULAS) + 1:  # the SLA facts follow the commit
            assert asyncio.get_running_loop().time() < deadline, table
            await asyncio.sleep(0.05)
            async with http.get(f"{hub.url}/api/v1/exports/cases.csv", headers=headers) as r:
                assert r.status == 200
                table = list(csv.DictReader(io.StringIO((await r.read()).decode("utf-8-sig"))))
        async with http.get(f"{hub.url}/api/v1/exports/cases.xlsx", headers=headers) as r:
            assert r.status == 200
            book = await r.read()
    exported = sorted(row["kelurahan"] for row in table if row["kelurahan"])
    stored = sorted("'" + f.strip() for f in FORMULAS)  # names are kept stripped
    assert exported == stored
    assert sorted(row["category"] for row in table if row["category"]) == stored
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    assert "HYPERLINK" in sheet  # kept, as text
