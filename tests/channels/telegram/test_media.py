"""Residents' photos and documents are fetched from Telegram and kept by the hub; agents'
photos and documents reach the chat; a redelivered update is stored (and fetched) once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from hub.app import RELAY, create_app
from hub.outbox import RetryPolicy
from hub.store import schema as s
from tests.channels.telegram.conftest import bot_inbox
from tests.channels.telegram.fake_bot_api import FakeBotApi, Upload
from tests.channels.telegram.test_outbound import case_and_agent, settled
from tests.channels.telegram.test_webhook import fixture, post
from tests.conftest import RunningHub, make_settings

PHOTO = json.loads(fixture("message__photo_with_caption"))
LARGEST = PHOTO["message"]["photo"][-1]["file_id"]
DOCUMENT = json.loads(fixture("message__document"))
JPEG = b"\xff\xd8\xff\xe0" + b"jalan-berlubang" * 500
LIMIT = 512 * 1024


@pytest.fixture
async def hub(tmp_path: Path, bot_api: FakeBotApi) -> AsyncIterator[RunningHub]:
    inbox = bot_inbox(
        api_base_url=bot_api.base_url, file_base_url=bot_api.file_base_url, chat_gap_seconds=0
    )
    settings = make_settings(tmp_path, inbox, KANAL_MEDIA__MAX_BYTES=str(LIMIT))
    app = create_app(settings)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    app[RELAY].policy = RetryPolicy(base=0.05, cap=0.2, max_attempts=5)
    app[RELAY].idle = 0.02
    try:
        yield RunningHub(server, app)
    finally:
        await server.close()


async def inbound(hub: Any) -> list[Any]:
    query = select(s.message).where(s.message.c.direction == "in").order_by(s.message.c.id)
    return await hub.store.read(lambda c: c.execute(query).all())


async def test_a_photo_is_fetched_once_and_kept_for_agents(hub: Any, bot_api: FakeBotApi) -> None:
    bot_api.add_file(LARGEST, JPEG, "photos/file_7.jpg")
    answers = await asyncio.gather(
        *(post(hub, fixture("message__photo_with_caption")) for _ in range(3))
    )
    assert [a.status for a in answers] == [200] * 3
    [message] = await inbound(hub)
    [attachment] = message.attachments
    assert message.kind == "image"
    assert message.text == PHOTO["message"]["caption"]
    assert attachment["kind"] == "photo" and attachment["mime_type"] == "image/jpeg"
    assert attachment["size"] == len(JPEG) and attachment["file_name"] == "file_7.jpg"
    assert bot_api.downloads == ["photos/file_7.jpg"]
    token = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    async with aiohttp.ClientSession() as http:
        got = await http.get(
            f"{hub.url}/api/v1/media/{attachment['media_id']}",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert got.status == 200
        assert await got.read() == JPEG


async def test_a_file_over_the_limit_is_stored_as_a_message_without_it(
    hub: Any, bot_api: FakeBotApi
) -> None:
    update = json.loads(fixture("message__document"))
    update["message"]["document"]["file_size"] = LIMIT + 1
    assert (await post(hub, json.dumps(update).encode())).status == 200
    [message] = await inbound(hub)
    [attachment] = message.attachments
    assert attachment["error"] == "too_large" and "media_id" not in attachment
    assert message.text == DOCUMENT["message"]["caption"]
    assert not [c for c in bot_api.calls if c.method == "getFile"]


async def test_a_file_telegram_refuses_is_stored_with_the_reason(
    hub: Any, bot_api: FakeBotApi
) -> None:
    assert (await post(hub, fixture("message__document"))).status == 200  # never added: 400
    [message] = await inbound(hub)
    assert message.attachments[0]["error"] == "unavailable"


async def test_telegram_failing_the_download_is_503_then_stored_once(
    hub: Any, bot_api: FakeBotApi
) -> None:
    bot_api.add_file(DOCUMENT["message"]["document"]["file_id"], b"%PDF-1.4", "documents/a.pdf")
    bot_api.fail_next(502, "Bad Gateway", method="getFile")
    assert (await post(hub, fixture("message__document"))).status == 503
    assert await inbound(hub) == []
    assert (await post(hub, fixture("message__document"))).status == 200
    [message] = await inbound(hub)
    attachment = message.attachments[0]
    assert attachment["file_name"] == "Surat_Pengaduan_RT05.pdf"
    assert attachment["mime_type"] == "application/pdf"


async def upload(hub: Any, conv_id: int, data: bytes, mime_type: str, name: str) -> str:
    token = await hub.token("admin2@kota.go.id", "diskominfo", "admin")
    async with aiohttp.ClientSession() as http:
        r = await http.post(
            f"{hub.url}/api/v1/conversations/{conv_id}/media",
            data=data,
            params={"name": name},
            headers={"Authorization": f"Bearer {token}", "Content-Type": mime_type},
        )
        assert r.status == 201, await r.text()
        return str((await r.json())["media"]["media_id"])


async def test_an_agents_photo_reaches_the_chat_with_its_caption(
    hub: Any, bot_api: FakeBotApi
) -> None:
    conv_id, agent = await case_and_agent(hub, bot_api)
    media_id = await upload(hub, conv_id, JPEG, "image/jpeg", "sesudah.jpg")
    reply = await hub.service.reply(agent, conv_id, text="Sudah diperbaiki", media_ids=[media_id])
    row = await settled(hub, reply.message["id"])
    assert row.delivery_status == "sent", row.error
    [sent] = bot_api.sent("sendPhoto")
    assert sent["caption"] == "Sudah diperbaiki"
    assert isinstance(sent["photo"], Upload) and sent["photo"].data == JPEG
    assert sent["photo"].filename == "sesudah.jpg"


async def test_an_agents_document_is_sent_as_a_document(hub: Any, bot_api: FakeBotApi) -> None:
    conv_id, agent = await case_and_agent(hub, bot_api)
    media_id = await upload(hub, conv_id, b"%PDF-1.4 tugas", "application/pdf", "surat.pdf")
    reply = await hub.service.reply(agent, conv_id, text="", media_ids=[media_id])
    assert (await settled(hub, reply.message["id"])).delivery_status == "sent"
    [sent] = bot_api.sent("sendDocument")
    assert sent["document"].data == b"%PDF-1.4 tugas"
    assert "caption" not in sent


async def test_a_caption_over_telegrams_limit_is_dead_lettered_with_why(
    hub: Any, bot_api: FakeBotApi
) -> None:
    conv_id, agent = await case_and_agent(hub, bot_api)
    media_id = await upload(hub, conv_id, JPEG, "image/jpeg", "foto.jpg")
    reply = await hub.service.reply(agent, conv_id, text="x" * 1025, media_ids=[media_id])
    row = await settled(hub, reply.message["id"])
    assert row.delivery_status == "failed"
    assert "1024" in row.error
    assert bot_api.sent("sendPhoto") == []


async def test_a_dead_letter_can_be_sent_again(hub: Any, bot_api: FakeBotApi) -> None:
    conv_id, agent = await case_and_agent(hub, bot_api)
    bot_api.fail_next(403, "Forbidden: bot was blocked by the user")
    reply = await hub.service.reply(agent, conv_id, text="Halo lagi")
    assert (await settled(hub, reply.message["id"])).delivery_status == "failed"
    token = await hub.token("admin3@kota.go.id", "diskominfo", "admin")
    url = f"{hub.url}/api/v1/conversations/{conv_id}/messages/{reply.message['id']}/retry"
    async with aiohttp.ClientSession() as http:
        again = await http.post(url, headers={"Authorization": f"Bearer {token}"})
        assert again.status == 200
        assert (await again.json())["message"]["delivery_status"] == "pending"
        row = await settled(hub, reply.message["id"])
        assert row.delivery_status == "sent" and row.error is None
        assert (await http.post(url, headers={"Authorization": f"Bearer {token}"})).status == 409
    assert [p["text"] for p in bot_api.sent()] == ["Halo lagi", "Halo lagi"]


async def test_a_redelivered_edit_changes_nothing(hub: Any, bot_api: FakeBotApi) -> None:
    original = json.loads(fixture("message__text"))
    edit = json.loads(fixture("edited_message__text"))
    edit["edited_message"]["chat"] = original["message"]["chat"]
    edit["edited_message"]["message_id"] = original["message"]["message_id"]
    assert (await post(hub, fixture("message__text"))).status == 200
    assert (await post(hub, json.dumps(edit).encode())).status == 200
    [first] = await inbound(hub)
    assert first.edited_at is not None
    assert (await post(hub, json.dumps(edit).encode())).status == 200
    [again] = await inbound(hub)
    assert again.edited_at == first.edited_at


async def test_a_redelivered_start_is_greeted_once(hub: Any, bot_api: FakeBotApi) -> None:
    for _ in range(3):
        assert (await post(hub, fixture("message__start"))).status == 200
    deadline = asyncio.get_running_loop().time() + 5
    while not bot_api.sent():
        assert asyncio.get_running_loop().time() < deadline, "no greeting sent"
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)
    assert len(bot_api.sent()) == 1
