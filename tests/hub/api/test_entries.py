"""Offline entries: complaints from the call centre, walk-ins, letters and the media become
cases with tracking codes, in the recording agent's OPD, and follow the same lifecycle. A
resident the hub knows may be named, and answered on the channel where they are."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select, update

from hub.app import RELAY, create_app
from hub.models import iso
from hub.store import schema as s
from tests.channels.telegram.conftest import bot_inbox
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.channels.telegram.test_webhook import fixture, post
from tests.channels.whatsapp.conftest import raw
from tests.channels.whatsapp.hub import deliver, wa_inbox
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
async def bot_api() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi()
    await api.start()
    yield api
    await api.close()


@pytest.fixture
async def hub(tmp_path: Path, bot_api: FakeBotApi) -> AsyncIterator[RunningHub]:
    inboxes = OFFLINE + wa_inbox("http://127.0.0.1:9") + bot_inbox(api_base_url=bot_api.base_url)
    app = create_app(make_settings(tmp_path, inboxes))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    app[RELAY].idle = 0.02
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
        ({"client_id": "x" * 65}, 400, "bad_request"),
        ({"contact": "7"}, 400, "bad_request"),
        ({"inbox": "kota-bot"}, 400, "bad_request"),  # the bot writes to a chat, not a phone
    ],
)
async def test_entries_are_validated(
    hub: Any, change: dict[str, Any], status: int, code: str
) -> None:
    budi = await hub.token("budi@pupr.go.id", "pupr")
    answer = await call(hub, budi, "POST", "/api/v1/entries", {**CALL, **change})
    assert (answer[0], answer[1]["error"]["code"]) == (status, code)


async def count(hub: Any, table: Any) -> int:
    return await hub.store.read(
        lambda c: c.execute(select(func.count()).select_from(table)).scalar()
    )


async def resolve_all(hub: Any) -> None:
    done = update(s.conversation).values(status="resolved")
    await hub.store.write(lambda c: c.execute(done))


@pytest.mark.parametrize("inbox", ["offline", "kota-wa"])
async def test_a_resident_whose_case_is_open_is_sent_to_that_case(hub: Any, inbox: str) -> None:
    budi = await hub.token("budi@pupr.go.id", "pupr")
    first = {**CALL, "inbox": inbox, "category": None}
    conv = (await call(hub, budi, "POST", "/api/v1/entries", first))[1]["conversation"]
    again = await call(hub, budi, "POST", "/api/v1/entries", first)
    assert again[0] == 200 and again[1]["conversation"]["id"] == conv["id"]
    other = {**first, "source": "walk_in", "text": "Got depan pasar tersumbat", "client_id": "b"}
    status, body = await call(hub, budi, "POST", "/api/v1/entries", other)
    assert status == 409 and body["error"]["code"] == "conflict"
    assert body["error"]["tracking_code"] == conv["tracking_code"]
    assert conv["tracking_code"] in body["error"]["message"]
    assert body["error"]["conversation_id"] == conv["id"]
    assert (await count(hub, s.message), await count(hub, s.conversation)) == (1, 1)
    row = await hub.store.read(lambda c: c.execute(select(s.conversation)).one())
    assert (row.source, row.last_seq) == ("phone", 1)
    rina = await hub.token("rina@kota.go.id", "diskominfo")
    status, body = await call(hub, rina, "POST", "/api/v1/entries", {**other, "opd": None})
    assert status == 409 and "tracking_code" not in body["error"], "another OPD's case"


async def test_a_new_entry_starts_a_case_instead_of_reopening_a_resolved_one(hub: Any) -> None:
    budi = await hub.token("budi@pupr.go.id", "pupr")
    first = (await call(hub, budi, "POST", "/api/v1/entries", CALL))[1]["conversation"]
    await resolve_all(hub)
    status, body = await call(hub, budi, "POST", "/api/v1/entries", {**CALL, "client_id": "b"})
    assert status == 201 and body["conversation"]["id"] != first["id"]
    old = await call(hub, budi, "GET", f"/api/v1/conversations/{first['id']}")
    assert old[1]["status"] == "resolved" and old[1]["last_seq"] == 1


async def test_an_entry_without_a_phone_is_recorded_once(hub: Any) -> None:
    budi = await hub.token("budi@pupr.go.id", "pupr")
    walk_in = {**CALL, "source": "walk_in", "phone": None, "name": None}
    first = await call(hub, budi, "POST", "/api/v1/entries", walk_in)
    again = await call(hub, budi, "POST", "/api/v1/entries", walk_in)
    assert (first[0], again[0]) == (201, 200)
    assert again[1]["conversation"]["id"] == first[1]["conversation"]["id"]
    assert await count(hub, s.contact) == 1


async def telegram_resident(hub: Any) -> tuple[int, int]:
    """Siti wrote to the city bot; that case is resolved. Her contact and chat id."""
    assert (await post(hub, fixture("message__text"))).status == 200
    await resolve_all(hub)
    case = await hub.store.read(lambda c: c.execute(select(s.conversation)).one())
    return case.contact_id, json.loads(fixture("message__text"))["message"]["chat"]["id"]


async def test_a_named_telegram_resident_is_answered_in_their_chat(
    hub: Any, bot_api: FakeBotApi
) -> None:
    siti, chat = await telegram_resident(hub)
    admin = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    entry = {**CALL, "name": None, "contact": siti, "inbox": "kota-bot", "opd": "pupr"}
    status, body = await call(hub, admin, "POST", "/api/v1/entries", entry)
    assert status == 201
    conv = body["conversation"]
    assert conv["inbox"]["key"] == "kota-bot" and conv["opd"]["slug"] == "pupr"
    assert conv["contact"]["id"] == siti and conv["status"] == "open"
    contact = await hub.store.read(
        lambda c: c.execute(select(s.contact).where(s.contact.c.id == siti)).one()
    )
    assert contact.phone == "+6281244556677", "the phone is a detail of the same resident"
    assert await count(hub, s.contact) == 1
    budi = await hub.token("budi@pupr.go.id", "pupr")
    text = "Pak/Bu, laporan pohon tumbang sudah kami terima."
    reply = await call(
        hub, budi, "POST", f"/api/v1/conversations/{conv['id']}/messages", {"text": text}
    )
    assert reply[0] == 201
    for _ in range(200):
        sent = [m for m in bot_api.sent() if m.get("text") == text]
        if sent:
            break
        await asyncio.sleep(0.02)
    assert [str(m["chat_id"]) for m in sent] == [str(chat)]


async def test_a_named_whatsapp_resident_who_wrote_today_may_be_answered_freely(
    hub: Any,
) -> None:
    assert (await deliver(hub, raw("messages__text"))).status == 200
    await resolve_all(hub)
    wrote = await hub.store.read(lambda c: c.execute(select(s.conversation)).one())
    admin = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    entry = {**CALL, "phone": None, "contact": wrote.contact_id, "inbox": "kota-wa", "opd": "pupr"}
    status, body = await call(hub, admin, "POST", "/api/v1/entries", entry)
    assert status == 201 and body["conversation"]["reply_window_closes_at"] is not None
    assert body["conversation"]["last_inbound_at"] == iso(wrote.last_inbound_at)
    answered = select(s.conversation.c.reply_to).where(s.conversation.c.status == "open")
    assert await hub.store.read(lambda c: c.execute(answered).scalar()) == wrote.reply_to


async def test_a_named_resident_must_have_a_case_the_agent_sees(hub: Any) -> None:
    siti, _ = await telegram_resident(hub)  # her only case is the city's (Diskominfo)
    budi = await hub.token("budi@pupr.go.id", "pupr")
    for contact in (siti, 999):
        entry = {**CALL, "contact": contact, "inbox": "kota-bot"}
        status, body = await call(hub, budi, "POST", "/api/v1/entries", entry)
        assert (status, body["error"]["code"]) == (404, "not_found")
    assert await count(hub, s.conversation) == 1


async def test_a_named_resident_is_answered_only_where_they_have_an_identity(hub: Any) -> None:
    budi = await hub.token("budi@pupr.go.id", "pupr")
    conv = (await call(hub, budi, "POST", "/api/v1/entries", CALL))[1]["conversation"]
    await resolve_all(hub)
    named = {**CALL, "contact": conv["contact"]["id"], "client_id": "b"}
    status, body = await call(hub, budi, "POST", "/api/v1/entries", {**named, "inbox": "kota-bot"})
    assert (status, body["error"]["code"]) == (422, "no_identity")
    assert "Telegram" in body["error"]["message"]
    status, body = await call(hub, budi, "POST", "/api/v1/entries", {**named, "inbox": "kota-wa"})
    assert (status, body["error"]["code"]) == (422, "no_identity")
    status, body = await call(hub, budi, "POST", "/api/v1/entries", named)
    assert status == 201 and body["conversation"]["contact"]["id"] == conv["contact"]["id"]
    assert await count(hub, s.contact) == 1


async def test_a_resident_who_reported_in_confidence_is_not_named_by_an_opd(hub: Any) -> None:
    budi = await hub.token("budi@pupr.go.id", "pupr")
    conv = (await call(hub, budi, "POST", "/api/v1/entries", CALL))[1]["conversation"]
    flagged = await call(
        hub, budi, "PATCH", f"/api/v1/conversations/{conv['id']}", {"rahasia": True}
    )
    assert flagged[0] == 200
    await resolve_all(hub)
    named = {**CALL, "contact": conv["contact"]["id"], "client_id": "b"}
    status, body = await call(hub, budi, "POST", "/api/v1/entries", named)
    assert (status, body["error"]["code"]) == (403, "forbidden")
    admin = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    status, _ = await call(hub, admin, "POST", "/api/v1/entries", {**named, "opd": "pupr"})
    assert status == 201, "the coordinator sees who reported"
