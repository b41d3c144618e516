"""Offline entries: complaints from the call centre, walk-ins, letters and the media become
cases with tracking codes, in the recording agent's OPD, and follow the same lifecycle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from hub.app import create_app
from hub.store import schema as s
from tests.channels.whatsapp.hub import wa_inbox
from tests.conftest import RunningHub, make_settings
from tests.hub.api.test_desk import call

OFFLINE = """
[[inboxes]]
key = "offline"
kind = "manual"
opd = "diskominfo"
name = "Pengaduan luring"
"""


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    app = create_app(make_settings(tmp_path, OFFLINE + wa_inbox("http://127.0.0.1:9")))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield RunningHub(server, app)
    finally:
        await server.close()


CALL = {
    "source": "phone",
    "text": "Pohon tumbang menutup Jl. Diponegoro depan SMP 4",
    "name": "Pak Yohanis",
    "phone": "0812-4455-6677",
    "client_id": "call-112-0001",
}


async def test_a_phone_complaint_becomes_a_case_of_the_recording_opd(hub: Any) -> None:
    budi = await hub.token("budi@pupr.go.id", "pupr")
    status, body = await call(hub, budi, "POST", "/api/v1/entries", CALL)
    assert status == 201
    conv = body["conversation"]
    assert conv["source"] == "phone" and conv["opd"]["slug"] == "pupr"
    assert conv["inbox"]["key"] == "offline" and conv["tracking_code"].startswith("KNL-")
    assert not conv["triage"]
    assert body["message"]["text"] == CALL["text"]
    contact = await hub.store.read(lambda c: c.execute(select(s.contact)).one())
    assert (contact.name, contact.phone) == ("Pak Yohanis", "+6281244556677")
    again = await call(hub, budi, "POST", "/api/v1/entries", CALL)
    assert again[0] == 200 and again[1]["conversation"]["id"] == conv["id"]


async def test_replies_to_an_offline_case_are_recorded_not_sent(hub: Any) -> None:
    budi = await hub.token("budi@pupr.go.id", "pupr")
    conv = (await call(hub, budi, "POST", "/api/v1/entries", CALL))[1]["conversation"]
    status, body = await call(
        hub, budi, "POST", f"/api/v1/conversations/{conv['id']}/messages",
        {"text": "Sudah kami telepon balik: tim meluncur."},
    )  # fmt: skip
    assert status == 201 and body["message"]["delivery_status"] == "sent"
    queued = await hub.store.read(
        lambda c: c.execute(select(func.count()).select_from(s.outbox)).scalar()
    )
    assert queued == 0


async def test_an_entry_can_be_answered_on_whatsapp_with_templates(hub: Any) -> None:
    budi = await hub.token("budi@pupr.go.id", "pupr")
    status, body = await call(
        hub, budi, "POST", "/api/v1/entries", {**CALL, "inbox": "kota-wa", "client_id": None}
    )
    assert status == 201
    conv = body["conversation"]
    assert conv["inbox"]["key"] == "kota-wa" and conv["reply_window_closes_at"] is None
    reply = await call(
        hub, budi, "POST", f"/api/v1/conversations/{conv['id']}/messages", {"text": "Halo"}
    )
    assert reply[0] == 409 and reply[1]["error"]["code"] == "window_closed"
    reply_to = await hub.store.read(lambda c: c.execute(select(s.conversation.c.reply_to)).scalar())
    assert reply_to == "6281244556677"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"source": "fax"}, 400, "bad_request"),
        ({"text": "  "}, 422, "empty"),
        ({"inbox": "kota-wa", "phone": None}, 400, "bad_request"),
        ({"inbox": "web-pupr"}, 422, "unknown_inbox"),
        ({"opd": "diskominfo"}, 422, "unknown_opd"),
        ({"phone": "12"}, 400, "bad_request"),
    ],
)
async def test_entries_are_validated(
    hub: Any, change: dict[str, Any], status: int, code: str
) -> None:
    budi = await hub.token("budi@pupr.go.id", "pupr")
    answer = await call(hub, budi, "POST", "/api/v1/entries", {**CALL, **change})
    assert (answer[0], answer[1]["error"]["code"]) == (status, code)
