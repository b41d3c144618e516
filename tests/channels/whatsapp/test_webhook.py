"""Meta's webhooks into the hub: the verify handshake, the signature checked before
anything is parsed, every message type stored once, files fetched and kept."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from hub.app import create_app
from hub.config import ConfigError
from hub.store import schema as s
from tests.channels.whatsapp.conftest import load, raw
from tests.channels.whatsapp.fake_graph_api import FakeGraphApi
from tests.channels.whatsapp.hub import VERIFY_TOKEN, deliver, start_hub, wa_inbox
from tests.conftest import RunningHub, make_settings

MESSAGE_SHAPES = [
    "messages__text",
    "messages__image",
    "messages__document",
    "messages__audio",
    "messages__voice",
    "messages__video",
    "messages__sticker",
    "messages__location",
    "messages__contacts",
    "messages__interactive_button_reply",
    "messages__interactive_list_reply",
    "messages__button",
    "messages__context_reply",
    "messages__unsupported",
]


@pytest.fixture
async def hub(tmp_path: Path, graph_api: FakeGraphApi) -> AsyncIterator[RunningHub]:
    async for running in start_hub(tmp_path, wa_inbox(graph_api.base_url)):
        yield running


def value_of(data: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = data["entry"][0]["changes"][0]["value"]
    return found


def add_files(graph_api: FakeGraphApi, data: dict[str, Any]) -> dict[str, bytes]:
    """Every file the payload names, as WhatsApp would serve it; returns the bytes by id."""
    added = {}
    for message in value_of(data).get("messages", []):
        media = message.get(message["type"])
        if isinstance(media, dict) and "id" in media and "mime_type" in media:
            content = f"berkas {media['id']}".encode()
            graph_api.add_media(media["id"], content, media["mime_type"])
            added[media["id"]] = content
    return added


async def inbound(hub: Any) -> list[Any]:
    query = select(s.message).where(s.message.c.direction == "in").order_by(s.message.c.id)
    return await hub.store.read(lambda c: c.execute(query).all())


async def test_the_verify_handshake_echoes_the_challenge(hub: Any) -> None:
    url = f"{hub.url}/webhooks/whatsapp/kota-wa"
    good = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    async with aiohttp.ClientSession() as http:
        ok = await http.get(url, params=good)
        assert ok.status == 200 and await ok.text() == "1158201444"
        for bad in (
            {"hub.verify_token": "salah"},
            {"hub.mode": "unsubscribe"},
            {"hub.verify_token": ""},
        ):
            answer = await http.get(url, params={**good, **bad})
            assert answer.status == 403
        assert (await http.get(f"{hub.url}/webhooks/whatsapp/web-pupr", params=good)).status == 403


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "sha1=abc", "", "sha256=zz"])
async def test_a_missing_or_wrong_signature_is_401_and_stores_nothing(
    hub: Any, signature: str | None
) -> None:
    assert (await deliver(hub, raw("messages__text"), signature)).status == 401
    assert await inbound(hub) == []


async def test_a_body_changed_by_one_byte_after_signing_is_refused(hub: Any) -> None:
    from tests.channels.whatsapp.conftest import APP_SECRET, sign

    body = raw("messages__text")
    signature = sign(body, APP_SECRET)
    changed = body.replace(b"Sudirman", b"Sudirmam")
    assert (await deliver(hub, changed, signature)).status == 401
    assert await inbound(hub) == []


async def test_a_signature_over_escaped_characters_covers_the_raw_bytes(hub: Any) -> None:
    data = load("messages__text")
    value_of(data)["messages"][0]["text"]["body"] = "Banjir 50 cm — tolong 🙏"
    body = json.dumps(data, ensure_ascii=True).encode()  # as Meta sends it: \u2014 \ud83d\ude4f
    assert b"\\u2014" in body
    assert (await deliver(hub, body)).status == 200
    [message] = await inbound(hub)
    assert message.text == "Banjir 50 cm — tolong 🙏"


@pytest.mark.parametrize("name", MESSAGE_SHAPES)
async def test_every_message_type_is_stored_and_files_are_kept(
    hub: Any, graph_api: FakeGraphApi, name: str
) -> None:
    data = load(name)
    files = add_files(graph_api, data)
    assert (await deliver(hub, raw(name))).status == 200
    [message] = await inbound(hub)
    assert message.text or message.attachments
    for attachment in message.attachments or []:
        if "wa_media_id" in attachment:
            stored = await hub.service.media.read(attachment["media_id"])
            assert stored is not None and stored[1] == files[attachment["wa_media_id"]]
    contact = await hub.store.read(lambda c: c.execute(select(s.contact)).one())
    sender = value_of(data)["contacts"][0]
    assert contact.name == sender["profile"]["name"]
    assert contact.phone == "+" + sender["wa_id"]


async def test_the_same_wamid_delivered_five_times_at_once_is_one_message(
    hub: Any, graph_api: FakeGraphApi
) -> None:
    add_files(graph_api, load("messages__image"))
    answers = await asyncio.gather(*(deliver(hub, raw("messages__image")) for _ in range(5)))
    assert [a.status for a in answers] == [200] * 5
    assert len(await inbound(hub)) == 1
    assert len(graph_api.of("download")) == 1


async def test_a_batch_stores_every_message_in_one_delivery(
    hub: Any, graph_api: FakeGraphApi
) -> None:
    add_files(graph_api, load("messages__batch"))
    assert (await deliver(hub, raw("messages__batch"))).status == 200
    assert len(await inbound(hub)) == 4


async def test_another_numbers_delivery_is_ignored_with_200(hub: Any) -> None:
    assert (await deliver(hub, raw("other_phone_number"))).status == 200
    assert await inbound(hub) == []


async def test_a_file_whatsapp_will_not_give_is_noted_not_lost(hub: Any) -> None:
    assert (await deliver(hub, raw("messages__document"))).status == 200  # never added: 400
    [message] = await inbound(hub)
    assert message.attachments[0]["error"] == "unavailable"


async def test_whatsapp_failing_the_download_is_503_then_stored_once(
    hub: Any, graph_api: FakeGraphApi
) -> None:
    add_files(graph_api, load("messages__image"))
    graph_api.fail_next(500, 131000, "Something went wrong", method="media")
    assert (await deliver(hub, raw("messages__image"))).status == 503
    assert await inbound(hub) == []
    assert (await deliver(hub, raw("messages__image"))).status == 200
    [message] = await inbound(hub)
    assert "media_id" in message.attachments[0]


async def test_a_file_over_the_limit_is_noted_and_not_downloaded(
    tmp_path: Path, graph_api: FakeGraphApi
) -> None:
    data = load("messages__image")
    graph_api.add_media(value_of(data)["messages"][0]["image"]["id"], b"x" * 4096, "image/jpeg")
    inbox = wa_inbox(graph_api.base_url)
    async for hub in start_hub(tmp_path, inbox, KANAL_MEDIA__MAX_BYTES="2048"):
        assert (await deliver(hub, raw("messages__image"))).status == 200
        [message] = await inbound(hub)
        assert message.attachments[0]["error"] == "too_large"
        assert graph_api.of("download") == []


async def test_storage_down_is_503_so_meta_retries(hub: Any) -> None:
    await hub.store.stop()
    assert (await deliver(hub, raw("messages__text"))).status == 503
    await hub.store.start()
    assert (await deliver(hub, raw("messages__text"))).status == 200
    assert len(await inbound(hub)) == 1


async def test_a_body_over_3_mb_is_413(hub: Any) -> None:
    assert (await deliver(hub, b"{" + b" " * (3 * 1024 * 1024) + b"}")).status == 413


async def test_malformed_json_with_a_valid_signature_is_400(hub: Any) -> None:
    assert (await deliver(hub, b"{not json")).status == 400


def test_a_number_without_app_secret_refuses_to_start(tmp_path: Path) -> None:
    inbox = wa_inbox("https://graph.facebook.com").replace('app_secret = "', 'x_secret = "')
    with pytest.raises(ConfigError) as error:
        create_app(make_settings(tmp_path, inbox))
    assert "app_secret: required" in str(error.value)


async def count_messages(hub: Any) -> int:
    return await hub.store.read(
        lambda c: c.execute(select(func.count()).select_from(s.message)).scalar_one()
    )
