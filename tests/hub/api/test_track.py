"""GET /api/v1/track/{code}: anyone with a tracking code sees the case's public progress —
never the resident's words or identity, a private note, internal routing or (unless the city
chooses) an officer's name — and nobody can try codes faster than the limit allows."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import Connection, insert, update

from hub.app import create_app
from hub.ingest import accept_inbound
from hub.keys import AUTH
from hub.models import Delivery, Direction, Inbound, Kind, Sender, SenderType, Status, utcnow
from hub.resolve import FollowUp
from hub.store import schema as s
from hub.store.queries import advance, insert_message
from tests.conftest import RunningHub, make_settings

RESIDENT = Sender("warga-lacak-1", name="Siti Rahayu", phone="+6281234567890")
COMPLAINT = "Lampu jalan mati di depan rumah saya, Jl. Melati 7"
REPLY = "Terima kasih, petugas kami menuju lokasi besok pagi."
DONE = "Lampu sudah diganti, terima kasih atas laporannya."
NOTE = "Catatan internal: pelapor sudah tiga kali menelepon"
REASON = "Bukan kewenangan PUPR, lampu jalan urusan Dishub"


@dataclass
class Case:
    id: int
    code: str


async def running(tmp_path: Path, extra: str = "", **env: str) -> AsyncIterator[RunningHub]:
    app = create_app(make_settings(tmp_path, extra, **env))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield RunningHub(server, app)
    finally:
        await server.close()


async def a_case(hub: Any, *, resolve: bool = True) -> Case:
    """A PUPR case: the resident writes twice, an officer replies and notes privately, the
    case is disposed to Diskominfo (a private note with the reason), then resolved."""
    directory = hub.service.directory
    inbox = directory.inbox_by_key("web-pupr")
    token = await hub.token("budi@pupr.go.id", "pupr")
    officer = await hub.app[AUTH].from_api_token(token)

    def write(conn: Connection) -> Case:
        first = accept_inbound(conn, directory, inbox, Inbound(RESIDENT, text=COMPLAINT))
        accept_inbound(conn, directory, inbox, Inbound(RESIDENT, text="Sudah dua minggu"))
        conv = first.conversation
        return Case(conv["id"], conv["tracking_code"])

    case = await hub.store.write(write)
    await hub.service.reply(officer, case.id, text=REPLY)
    await hub.service.reply(officer, case.id, text=NOTE, private=True)
    await hub.store.write(lambda c: dispose(c, directory, case.id, officer.id))
    if resolve:
        admin = await hub.app[AUTH].from_api_token(
            await hub.token("admin@kota.go.id", "diskominfo", "admin")
        )
        await hub.service.set_status(admin, case.id, Status.RESOLVED, FollowUp(DONE))
    return case


def dispose(conn: Connection, directory: Any, conv_id: int, agent_id: int) -> None:
    """A disposisi as routing records it: the transfer, the case moved, a private note."""
    pupr = directory.opd_by_slug("pupr").id
    kominfo = directory.opd_by_slug("diskominfo").id
    now = utcnow()
    conn.execute(
        insert(s.transfer).values(
            conversation_id=conv_id,
            from_opd_id=pupr,
            to_opd_id=kominfo,
            reason=REASON,
            by_agent_id=agent_id,
            state="accepted",
            created_at=now,
        )
    )
    conn.execute(
        update(s.conversation).where(s.conversation.c.id == conv_id).values(opd_id=kominfo)
    )
    row = advance(conn, conv_id, now, None, inbound=False)
    insert_message(
        conn,
        row,
        direction=Direction.OUT,
        sender_type=SenderType.SYSTEM,
        sender_agent_id=agent_id,
        kind=Kind.NOTE,
        private=True,
        text=f"Disposisi dari Dinas PUPR ke Dinas Komunikasi dan Informatika: {REASON}",
        delivery_status=Delivery.SENT,
        created_at=now,
    )


async def lookup(hub: Any, code: str, **headers: str) -> tuple[int, Any, Any]:
    async with aiohttp.ClientSession() as http:
        r = await http.get(f"{hub.url}/api/v1/track/{code}", headers=headers)
        return r.status, await r.json(), r.headers


async def test_a_resident_sees_status_current_opd_replies_and_times(hub: Any) -> None:
    case = await a_case(hub)
    typed = case.code.lower().replace("-", " ")  # as a resident might type it
    status, body, headers = await lookup(hub, typed)
    assert status == 200
    assert headers["Cache-Control"] == "no-store"
    assert body["tracking_code"] == case.code
    assert body["status"] == "resolved"
    assert body["status_text"] == {"id": "Selesai", "en": "Resolved"}
    assert body["opd"] == {"name": "Dinas Komunikasi dan Informatika"}
    kinds = [e["type"] for e in body["timeline"]]
    assert kinds == ["created", "resident", "reply", "reply", "status"]
    resident = body["timeline"][1]
    assert resident["count"] == 2 and set(resident) == {"type", "at", "count"}
    reply, follow_up = body["timeline"][2:4]
    assert reply["text"] == REPLY and reply["officer"] is None
    assert follow_up["text"] == DONE
    assert body["timeline"][4]["status"] == "resolved"
    assert body["resolved_at"] is not None and body["updated_at"] == body["timeline"][-1]["at"]


async def test_nothing_private_or_internal_is_ever_shown(hub: Any) -> None:
    case = await a_case(hub)
    _, body, _ = await lookup(hub, case.code)
    shown = json.dumps(body, ensure_ascii=False)
    for secret in (
        COMPLAINT,  # the resident's own words
        "Sudah dua minggu",
        "Siti",  # who they are
        "6281234567890",
        NOTE,  # a private note
        REASON,  # internal routing: why, and where the case was before
        "Disposisi",
        "Dinas PUPR",
        "Budi",  # the officer, by default
        "budi@pupr.go.id",
    ):
        assert secret not in shown, secret
    assert "contact" not in body and "assignee" not in body and "inbox" not in body


@pytest.fixture
async def named_hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    async for hub in running(tmp_path, "\n[tracking]\nshow_agent_names = true\n"):
        yield hub


async def test_officer_names_show_only_when_the_city_chooses(named_hub: Any) -> None:
    case = await a_case(named_hub)
    _, body, _ = await lookup(named_hub, case.code)
    replies = [e for e in body["timeline"] if e["type"] == "reply"]
    assert [r["officer"] for r in replies] == ["Budi", "Admin"]
    assert NOTE not in json.dumps(body)


async def test_an_open_case_without_a_reply_is_received(hub: Any) -> None:
    directory = hub.service.directory
    inbox = directory.inbox_by_key("web-pupr")
    accepted = await hub.store.write(
        lambda c: accept_inbound(c, directory, inbox, Inbound(RESIDENT, text="halo"))
    )
    _, body, _ = await lookup(hub, accepted.conversation["tracking_code"])
    assert body["status"] == "open"
    assert body["status_text"]["id"].startswith("Diterima")
    assert body["opd"]["name"] == "Dinas PUPR"


async def test_unknown_and_malformed_codes_are_404_with_the_error_shape(hub: Any) -> None:
    await a_case(hub)
    for code in ("KNL-22222Z", "not-a-code", "KNL-0OOOOO"):
        status, body, headers = await lookup(hub, code)
        assert status == 404, code
        assert body == {
            "error": {"code": "not_found", "message": "no case with this tracking code"}
        }
        assert headers["Cache-Control"] == "no-store"


@pytest.fixture
async def strict_hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    extra = "\n[tracking]\nper_minute = 3\nper_hour = 5\n"
    async for hub in running(tmp_path, extra, KANAL_SERVER__TRUSTED_PROXIES="127.0.0.1"):
        yield hub


async def test_lookups_past_the_limit_get_429_with_retry_after(strict_hub: Any) -> None:
    case = await a_case(strict_hub)
    answers = [await lookup(strict_hub, code) for code in (case.code, "KNL-22222Z", case.code)]
    assert [a[0] for a in answers] == [200, 404, 200]
    status, body, headers = await lookup(strict_hub, case.code)
    assert status == 429
    assert body["error"]["code"] == "rate_limited"
    assert 1 <= int(headers["Retry-After"]) <= 60


async def test_the_limit_is_per_client_behind_a_trusted_proxy(strict_hub: Any) -> None:
    case = await a_case(strict_hub)
    for _ in range(3):
        assert (await lookup(strict_hub, case.code, **{"X-Forwarded-For": "203.0.113.7"}))[0] == 200
    assert (await lookup(strict_hub, case.code, **{"X-Forwarded-For": "203.0.113.7"}))[0] == 429
    spoofed = {"X-Forwarded-For": "198.51.100.9, 203.0.113.7"}  # the proxy appends the real one
    assert (await lookup(strict_hub, case.code, **spoofed))[0] == 429
    assert (await lookup(strict_hub, case.code, **{"X-Forwarded-For": "203.0.113.8"}))[0] == 200


async def test_forwarded_addresses_from_an_untrusted_peer_are_ignored(hub: Any) -> None:
    case = await a_case(hub)
    statuses = [
        (await lookup(hub, case.code, **{"X-Forwarded-For": f"203.0.113.{n}"}))[0]
        for n in range(11)
    ]
    assert statuses == [200] * 10 + [429]
