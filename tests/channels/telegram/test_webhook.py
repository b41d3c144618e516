"""POST /webhooks/telegram/{key}: the secret first, 200 only after the commit, duplicates
stored once, bad input refused with nothing stored."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from hub.app import create_app
from hub.config import ConfigError
from hub.store import schema as s
from tests.channels.telegram.conftest import SECRET, TOKEN, bot_inbox
from tests.conftest import RunningHub, make_settings
from tests.waiting import wait_for

FIXTURES = Path(__file__).parent / "fixtures"
BOT = bot_inbox()


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    app = create_app(make_settings(tmp_path, BOT))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield RunningHub(server, app)
    finally:
        await server.close()


async def post(
    hub: Any, body: bytes, secret: str | None = SECRET, key: str = "kota-bot"
) -> aiohttp.ClientResponse:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    async with aiohttp.ClientSession() as http:
        response = await http.post(f"{hub.url}/webhooks/telegram/{key}", data=body, headers=headers)
        await response.read()
        return response


async def count(hub: Any, table: Any = None) -> int:
    """Rows of table; by default the resident's messages (not the acknowledgement)."""
    query = select(func.count()).select_from(table if table is not None else s.message)
    if table is None:
        query = query.where(s.message.c.direction == "in")
    return await hub.store.read(lambda c: c.execute(query).scalar_one())


async def test_a_text_message_is_stored_and_then_acknowledged(hub: Any) -> None:
    response = await post(hub, fixture("message__text"))
    assert response.status == 200
    row = await hub.store.read(
        lambda c: c.execute(select(s.message).where(s.message.c.direction == "in")).one()
    )
    sent = json.loads(fixture("message__text"))["message"]
    assert row.text == sent["text"]
    assert row.external_id == f"msg:{sent['chat']['id']}:{sent['message_id']}"
    conv = await hub.store.read(lambda c: c.execute(select(s.conversation)).one())
    assert conv.reply_to == str(sent["chat"]["id"])


async def test_a_redelivered_update_changes_nothing_and_still_gets_200(hub: Any) -> None:
    body = fixture("message__text")
    answers = await asyncio.gather(*(post(hub, body) for _ in range(5)))
    assert [a.status for a in answers] == [200] * 5
    assert await count(hub) == 1
    receipts = await hub.store.read(
        lambda c: c.execute(select(s.inbound_receipt.c.external_id)).scalars().all()
    )
    update = json.loads(body)
    chat, message_id = update["message"]["chat"]["id"], update["message"]["message_id"]
    assert sorted(receipts) == sorted([f"msg:{chat}:{message_id}", f"update:{update['update_id']}"])


@pytest.mark.parametrize("secret", [None, "wrong-secret", SECRET + "x", ""])
async def test_a_missing_or_wrong_secret_is_401_and_stores_nothing(
    hub: Any, secret: str | None
) -> None:
    response = await post(hub, fixture("message__text"), secret=secret)
    assert response.status == 401
    assert await count(hub) == 0
    assert await count(hub, s.contact) == 0


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"update_id": "x"}', b"\xff\xfe"])
async def test_malformed_updates_are_400(hub: Any, body: bytes) -> None:
    response = await post(hub, body)
    assert response.status == 400
    assert await count(hub) == 0


async def test_an_unknown_inbox_is_404(hub: Any) -> None:
    assert (await post(hub, fixture("message__text"), key="no-such-bot")).status == 404
    assert (await post(hub, fixture("message__text"), key="web-pupr")).status == 404


async def test_group_chats_are_ignored_with_200(hub: Any) -> None:
    response = await post(hub, fixture("message__group"))
    assert response.status == 200
    assert await count(hub) == 0


async def test_storage_down_is_503_so_telegram_retries(hub: Any) -> None:
    await hub.store.stop()
    try:
        response = await post(hub, fixture("message__text"))
        assert response.status == 503
    finally:
        await hub.store.start()
    assert (await post(hub, fixture("message__text"))).status == 200
    assert await count(hub) == 1


def test_a_bot_without_token_or_secret_refuses_to_start(tmp_path: Path) -> None:
    broken = BOT.replace(f'token = "{TOKEN}"\n', "").replace(
        'webhook_secret = "rahasia_kota-123"', 'webhook_secret = "no spaces allowed"'
    )
    with pytest.raises(ConfigError) as refused:
        create_app(make_settings(tmp_path, broken))
    assert refused.value.problems == [
        "inboxes[2] (kota-bot): token: expected the bot token from BotFather, like 123456:ABC-DEF…",
        "inboxes[2] (kota-bot): webhook_secret: expected 1-256 characters of A-Z a-z 0-9 _ -",
    ]


def edit_of(original: str, text: str) -> bytes:
    """An edited_message update for the message of fixture `original`."""
    data = json.loads(fixture(original))
    message = {**data["message"], "text": text, "edit_date": data["message"]["date"] + 60}
    return json.dumps({"update_id": data["update_id"] + 1, "edited_message": message}).encode()


async def test_an_edit_changes_the_same_message_and_marks_it_edited(hub: Any, sockets: Any) -> None:
    token = await hub.token("koordinator@kota.go.id", "diskominfo", "admin")
    console = await sockets(hub.url, "/agent", auth={"token": token})
    assert (await post(hub, fixture("message__text"))).status == 200
    assert (
        await post(hub, edit_of("message__text", "Lampu jalan di RT 04, bukan RT 03"))
    ).status == 200
    rows = await hub.store.read(
        lambda c: c.execute(select(s.message).where(s.message.c.direction == "in")).all()
    )
    assert len(rows) == 1
    assert rows[0].text == "Lampu jalan di RT 04, bukan RT 03"
    assert rows[0].edited_at is not None and rows[0].seq == 1
    seen = await wait_for(console, "message", lambda p: p["message"]["edited_at"] is not None)
    assert seen["message"]["seq"] == 1 and seen["message"]["text"].endswith("bukan RT 03")
    again = await post(hub, edit_of("message__text", "Lampu jalan di RT 04, bukan RT 03"))
    assert again.status == 200
    assert await count(hub) == 1


async def test_an_edit_of_a_message_never_seen_is_stored_as_it_is_now(hub: Any) -> None:
    assert (await post(hub, edit_of("message__text", "versi terbaru"))).status == 200
    row = await hub.store.read(
        lambda c: c.execute(select(s.message).where(s.message.c.direction == "in")).one()
    )
    assert row.text == "versi terbaru"


async def test_a_text_as_long_as_telegram_allows_is_stored_whole(hub: Any) -> None:
    update = json.loads(fixture("message__text"))
    update["message"]["text"] = "panjang " * 512  # 4096 characters: Telegram's maximum
    assert (await post(hub, json.dumps(update).encode())).status == 200
    text = await hub.store.read(
        lambda c: c.execute(select(s.message.c.text).where(s.message.c.direction == "in")).scalar()
    )
    assert text == update["message"]["text"]


async def test_the_first_place_shared_becomes_the_case_location_and_an_agent_can_pick_another(
    hub: Any,
) -> None:
    first = json.loads(fixture("message__location"))
    venue = json.loads(fixture("message__venue"))
    venue["message"]["chat"] = first["message"]["chat"]
    venue["message"]["from"] = first["message"]["from"]
    assert (await post(hub, json.dumps(first).encode())).status == 200
    assert (await post(hub, json.dumps(venue).encode())).status == 200
    conv = await hub.store.read(lambda c: c.execute(select(s.conversation)).one())
    where = first["message"]["location"]
    assert conv.location["latitude"] == where["latitude"]
    messages = await hub.store.read(
        lambda c: (
            c.execute(
                select(s.message.c.id).where(s.message.c.direction == "in").order_by(s.message.c.id)
            )
            .scalars()
            .all()
        )
    )
    token = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    async with aiohttp.ClientSession() as http:
        url = f"{hub.url}/api/v1/conversations/{conv.id}/location"
        picked = await http.post(
            url, json={"message_id": messages[-1]}, headers={"Authorization": f"Bearer {token}"}
        )
        assert picked.status == 200
        location = (await picked.json())["conversation"]["location"]
        assert location["title"] == venue["message"]["venue"]["title"]
        assert location["message_id"] == messages[-1]
        not_a_place = await http.post(
            url, json={"message_id": 999999}, headers={"Authorization": f"Bearer {token}"}
        )
        assert not_a_place.status == 404
