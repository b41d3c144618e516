"""Agent replies reach the Telegram chat through the outbox: once, in order, paced,
retried on 429/5xx (honouring retry_after), dead-lettered on 403/400 — against a fake
Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from hub.app import RELAY, create_app
from hub.keys import AUTH
from hub.outbox import RetryPolicy
from hub.store import schema as s
from tests.channels.telegram.conftest import bot_inbox
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.channels.telegram.test_webhook import fixture, post
from tests.conftest import RunningHub, make_settings

CHAT = json.loads(fixture("message__text"))["message"]["chat"]["id"]


@pytest.fixture
async def hub(tmp_path: Path, bot_api: FakeBotApi) -> AsyncIterator[RunningHub]:
    inbox = bot_inbox(api_base_url=bot_api.base_url, chat_gap_seconds=0.2)
    app = create_app(make_settings(tmp_path, inbox))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    app[RELAY].policy = RetryPolicy(base=0.05, cap=0.2, max_attempts=5)
    app[RELAY].idle = 0.02
    try:
        yield RunningHub(server, app)
    finally:
        await server.close()


async def case_and_agent(hub: Any, bot_api: FakeBotApi) -> tuple[int, Any]:
    """A resident's first message, once its acknowledgement has gone out."""
    assert (await post(hub, fixture("message__text"))).status == 200
    conv = await hub.store.read(lambda c: c.execute(select(s.conversation)).one())
    ack = await hub.store.read(
        lambda c: c.execute(select(s.message).where(s.message.c.sender_type == "bot")).one()
    )
    await settled(hub, ack.id)
    bot_api.calls.clear()
    token = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    return conv.id, await hub.app[AUTH].from_api_token(token)


async def test_a_new_case_is_acknowledged_with_its_tracking_code(
    hub: Any, bot_api: FakeBotApi
) -> None:
    assert (await post(hub, fixture("message__text"))).status == 200
    conv = await hub.store.read(lambda c: c.execute(select(s.conversation)).one())
    ack = await hub.store.read(
        lambda c: c.execute(select(s.message).where(s.message.c.sender_type == "bot")).one()
    )
    assert (await settled(hub, ack.id)).delivery_status == "sent"
    [sent] = bot_api.sent()
    assert sent["chat_id"] == CHAT
    assert conv.tracking_code in sent["text"] and "kode lacak" in sent["text"]
    assert (ack.seq, ack.direction) == (2, "out")
    again = await hub.store.read(lambda c: c.execute(select(s.conversation)).one())
    assert again.first_response_at is None, "an automatic reply is not the OPD's response"
    assert again.unread_count == 1
    await post(hub, fixture("message__photo_with_caption"))
    await asyncio.sleep(0.2)
    assert len(bot_api.sent()) == 1, "only a new case is acknowledged"


async def status_of(hub: Any, message_id: int) -> Any:
    return await hub.store.read(
        lambda c: c.execute(select(s.message).where(s.message.c.id == message_id)).one()
    )


async def settled(hub: Any, message_id: int, within: float = 10.0) -> Any:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        row = await status_of(hub, message_id)
        if row.delivery_status in ("sent", "failed"):
            return row
        assert asyncio.get_running_loop().time() < deadline, f"still {row.delivery_status}"
        await asyncio.sleep(0.02)


async def test_a_reply_reaches_the_chat_with_its_provider_id(hub: Any, bot_api: FakeBotApi) -> None:
    conv_id, agent = await case_and_agent(hub, bot_api)
    reply = await hub.service.reply(agent, conv_id, text="Laporan Anda kami terima.")
    row = await settled(hub, reply.message["id"])
    assert row.delivery_status == "sent"
    assert bot_api.sent() == [{"chat_id": CHAT, "text": "Laporan Anda kami terima."}]
    assert row.external_id.startswith(f"msg:{CHAT}:")


async def test_429_is_retried_after_retry_after(hub: Any, bot_api: FakeBotApi) -> None:
    conv_id, agent = await case_and_agent(hub, bot_api)
    bot_api.fail_next(429, "Too Many Requests: retry after 1", retry_after=1)
    reply = await hub.service.reply(agent, conv_id, text="Mohon ditunggu")
    row = await settled(hub, reply.message["id"])
    assert row.delivery_status == "sent"
    sends = [c for c in bot_api.calls if c.method == "sendMessage"]
    assert len(sends) == 2
    assert sends[1].at - sends[0].at >= 1.0


async def test_5xx_is_retried(hub: Any, bot_api: FakeBotApi) -> None:
    conv_id, agent = await case_and_agent(hub, bot_api)
    bot_api.fail_next(502, "Bad Gateway")
    reply = await hub.service.reply(agent, conv_id, text="Sedang diproses")
    assert (await settled(hub, reply.message["id"])).delivery_status == "sent"
    assert len(bot_api.sent()) == 2


@pytest.mark.parametrize(
    ("status", "description"),
    [(403, "Forbidden: bot was blocked by the user"), (400, "Bad Request: chat not found")],
)
async def test_permanent_errors_dead_letter_with_the_reason(
    hub: Any, bot_api: FakeBotApi, status: int, description: str
) -> None:
    conv_id, agent = await case_and_agent(hub, bot_api)
    bot_api.fail_next(status, description)
    reply = await hub.service.reply(agent, conv_id, text="Halo")
    row = await settled(hub, reply.message["id"])
    assert row.delivery_status == "failed"
    assert row.error.startswith(f"{status}: ")
    assert row.error.lower().endswith(description.split(": ", 1)[1])
    await asyncio.sleep(0.3)
    assert len(bot_api.sent()) == 1


async def test_replies_to_one_chat_are_paced_and_in_order(hub: Any, bot_api: FakeBotApi) -> None:
    conv_id, agent = await case_and_agent(hub, bot_api)
    ids = [
        (await hub.service.reply(agent, conv_id, text=f"balasan {n}")).message["id"]
        for n in range(3)
    ]
    for message_id in ids:
        await settled(hub, message_id)
    sends = [c for c in bot_api.calls if c.method == "sendMessage"]
    assert [c.params["text"] for c in sends] == ["balasan 0", "balasan 1", "balasan 2"]
    gaps = [b.at - a.at for a, b in itertools.pairwise(sends)]
    assert all(gap >= 0.19 for gap in gaps), gaps


async def test_start_is_answered_with_the_greeting_and_opens_no_case(
    hub: Any, bot_api: FakeBotApi
) -> None:
    start = json.loads(fixture("message__start"))
    assert (await post(hub, fixture("message__start"))).status == 200
    deadline = asyncio.get_running_loop().time() + 5
    while not bot_api.sent():
        assert asyncio.get_running_loop().time() < deadline, "no greeting sent"
        await asyncio.sleep(0.02)
    [greeting] = bot_api.sent()
    assert greeting["chat_id"] == start["message"]["chat"]["id"]
    assert "kode lacak" in greeting["text"]
    conversations = await hub.store.read(lambda c: c.execute(select(s.conversation)).all())
    assert conversations == []
