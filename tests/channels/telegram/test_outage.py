"""The Bot API down for a while (connection refused), a 429 storm, a blocked bot: replies
wait with backoff, then reach every chat once and in order; a dead letter is listed for
the admin and sent by a requeue — against a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from hub.app import RELAY, create_app
from hub.keys import AUTH
from hub.outbox import RetryPolicy
from hub.store import schema as s
from tests.channels.telegram.conftest import bot_inbox
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.channels.telegram.test_outbound import settled
from tests.channels.telegram.test_webhook import fixture, post
from tests.conftest import RunningHub, make_settings

CHATS = (7001, 7002, 7003)


@pytest.fixture
async def hub(tmp_path: Path, bot_api: FakeBotApi) -> AsyncIterator[RunningHub]:
    inbox = bot_inbox(api_base_url=bot_api.base_url, chat_gap_seconds=0.0)
    app = create_app(make_settings(tmp_path, inbox))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    app[RELAY].policy = RetryPolicy(base=0.05, cap=0.3, max_attempts=60)
    app[RELAY].idle = 0.02
    try:
        yield RunningHub(server, app)
    finally:
        await server.close()


def update_from(chat: int, n: int) -> bytes:
    data = json.loads(fixture("message__text"))
    data["update_id"] = chat * 100 + n
    data["message"]["message_id"] = chat * 100 + n
    data["message"]["chat"]["id"] = data["message"]["from"]["id"] = chat
    return json.dumps(data).encode()


async def cases(hub: Any, bot_api: FakeBotApi) -> tuple[dict[int, int], Any]:
    """One case per chat, their acknowledgements sent; the chat -> case map and an admin."""
    for chat in CHATS:
        assert (await post(hub, update_from(chat, 1))).status == 200
    acks = await hub.store.read(
        lambda c: (
            c.execute(select(s.message.c.id).where(s.message.c.sender_type == "bot"))
            .scalars()
            .all()
        )
    )
    for ack in acks:
        await settled(hub, ack)
    rows = await hub.store.read(lambda c: c.execute(select(s.conversation)).all())
    bot_api.calls.clear()
    token = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    return {int(r.reply_to): r.id for r in rows}, await hub.app[AUTH].from_api_token(token)


async def take_down(api: FakeBotApi) -> int:
    """The API goes away: its port refuses connections until `bring_back`."""
    assert api.server is not None
    port = api.server.port
    assert port is not None
    await api.server.close()
    return port


async def bring_back(api: FakeBotApi, port: int) -> None:
    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", api._handle)
    api.server = TestServer(app, host="127.0.0.1", port=port)
    await api.server.start_server()


async def outbox_attempts(hub: Any) -> list[int]:
    return await hub.store.read(
        lambda c: (
            c.execute(select(s.outbox.c.attempts).where(s.outbox.c.state == "queued"))
            .scalars()
            .all()
        )
    )


async def test_replies_written_while_the_api_is_down_arrive_once_in_order_when_it_returns(
    hub: Any, bot_api: FakeBotApi
) -> None:
    chats, agent = await cases(hub, bot_api)
    port = await take_down(bot_api)
    ids = []
    for n, chat in itertools.product(range(4), CHATS):
        reply = await hub.service.reply(agent, chats[chat], text=f"{chat}: balasan {n}")
        ids.append(reply.message["id"])

    # The outage lasts while each chat's first reply is tried (and refused) several times.
    deadline = asyncio.get_running_loop().time() + 10
    while not (tries := await outbox_attempts(hub)) or max(tries) < 4:
        assert asyncio.get_running_loop().time() < deadline, tries
        await asyncio.sleep(0.05)
    statuses = await hub.store.read(
        lambda c: (
            c.execute(select(s.message.c.delivery_status).where(s.message.c.id.in_(ids)))
            .scalars()
            .all()
        )
    )
    assert set(statuses) == {"pending"}, "nothing is lost or dead-lettered during an outage"

    await bring_back(bot_api, port)
    for message_id in ids:
        assert (await settled(hub, message_id, within=15)).delivery_status == "sent"
    per_chat: dict[int, list[str]] = defaultdict(list)
    for sent in bot_api.sent():
        per_chat[int(sent["chat_id"])].append(sent["text"])
    for chat in CHATS:
        assert per_chat[chat] == [f"{chat}: balasan {n}" for n in range(4)], "once, in order"


async def test_a_429_storm_is_honoured_no_send_before_retry_after(
    hub: Any, bot_api: FakeBotApi
) -> None:
    chats, agent = await cases(hub, bot_api)
    for _ in range(6):
        bot_api.fail_next(429, "Too Many Requests: retry after 1", retry_after=1)
    ids = [
        (await hub.service.reply(agent, chats[chat], text=f"{chat}: mohon ditunggu")).message["id"]
        for chat in CHATS
    ]
    for message_id in ids:
        assert (await settled(hub, message_id, within=15)).delivery_status == "sent"
    calls = [c for c in bot_api.calls if c.method == "sendMessage"]
    by_text: dict[str, list[float]] = defaultdict(list)
    for call in calls:
        by_text[call.params["text"]].append(call.at)
    assert sum(len(times) - 1 for times in by_text.values()) == 6, "every 429 was retried"
    for text, times in by_text.items():
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert all(gap >= 1.0 for gap in gaps), (text, gaps)
    assert [p["text"] for p in bot_api.sent()].count(f"{CHATS[0]}: mohon ditunggu") >= 1


async def test_a_blocked_bot_dead_letters_visibly_and_a_requeue_sends_it(
    hub: Any, bot_api: FakeBotApi
) -> None:
    chats, agent = await cases(hub, bot_api)
    bot_api.fail_next(403, "Forbidden: bot was blocked by the user")
    conv_id = chats[CHATS[0]]
    reply = await hub.service.reply(agent, conv_id, text="Petugas sudah di lokasi")
    message_id = reply.message["id"]
    dead = await settled(hub, message_id)
    assert dead.delivery_status == "failed" and dead.error.startswith("403: ")

    token = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.get(f"{hub.url}/api/v1/admin/dead-letters") as listed:
            assert listed.status == 200
            [item] = (await listed.json())["items"]
        assert (item["conversation_id"], item["message_id"]) == (conv_id, message_id)
        assert item["error"].startswith("403: ")
        url = f"{hub.url}/api/v1/conversations/{conv_id}/messages/{message_id}/retry"
        async with http.post(url) as requeued:
            assert requeued.status == 200
            assert (await requeued.json())["message"]["delivery_status"] == "pending"
        assert (await settled(hub, message_id)).delivery_status == "sent"
        async with http.get(f"{hub.url}/api/v1/admin/dead-letters") as listed:
            assert (await listed.json())["items"] == []
    assert [p["text"] for p in bot_api.sent()] == ["Petugas sudah di lokasi"] * 2
