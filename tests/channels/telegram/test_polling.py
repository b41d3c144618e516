"""Polling mode: getUpdates feeds the same ingest path; the offset survives a restart, so
updates are neither lost nor stored twice."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from hub.app import create_app
from hub.store import schema as s
from tests.channels.telegram.conftest import bot_inbox
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.channels.telegram.test_webhook import fixture
from tests.conftest import RunningHub, make_settings


async def running(tmp_path: Path, bot_api: FakeBotApi) -> RunningHub:
    inbox = bot_inbox(mode="polling", poll_timeout=1, api_base_url=bot_api.base_url, ack=False)
    app = create_app(make_settings(tmp_path, inbox))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return RunningHub(server, app)


def update(n: int, name: str = "message__text") -> dict[str, Any]:
    data = json.loads(fixture(name))
    data["update_id"] = 5000 + n
    data["message"]["message_id"] = 700 + n
    data["message"]["text"] = f"laporan {n}"
    return data


async def inbound(hub: RunningHub) -> list[str]:
    query = select(s.message.c.text).where(s.message.c.direction == "in").order_by(s.message.c.id)
    return await hub.store.read(lambda c: [r.text for r in c.execute(query)])


async def until_stored(hub: RunningHub, count: int) -> list[str]:
    deadline = asyncio.get_running_loop().time() + 10
    while len(texts := await inbound(hub)) < count:
        assert asyncio.get_running_loop().time() < deadline, texts
        await asyncio.sleep(0.02)
    return texts


async def test_polled_updates_are_stored_and_the_offset_kept(
    tmp_path: Path, bot_api: FakeBotApi
) -> None:
    bot_api.updates += [update(1), update(2)]
    hub = await running(tmp_path, bot_api)
    try:
        assert await until_stored(hub, 2) == ["laporan 1", "laporan 2"]
        await offset_saved(hub, "5003")
    finally:
        await hub.server.close()
    assert any(c.method == "deleteWebhook" for c in bot_api.calls)


async def offset_saved(hub: RunningHub, expected: str) -> None:
    query = select(s.channel_state.c.value).where(s.channel_state.c.name == "offset")
    deadline = asyncio.get_running_loop().time() + 5
    while await hub.store.read(lambda c: c.execute(query).scalar()) != expected:
        assert asyncio.get_running_loop().time() < deadline, "offset not saved"
        await asyncio.sleep(0.02)


async def test_a_restart_neither_loses_nor_repeats_updates(
    tmp_path: Path, bot_api: FakeBotApi
) -> None:
    bot_api.updates += [update(1), update(2)]
    first = await running(tmp_path, bot_api)
    await until_stored(first, 2)
    await offset_saved(first, "5003")
    await first.server.close()

    bot_api.updates.append(update(3))
    bot_api.calls.clear()
    second = await running(tmp_path, bot_api)
    try:
        assert await until_stored(second, 3) == ["laporan 1", "laporan 2", "laporan 3"]
        polls = [c.params.get("offset") for c in bot_api.calls if c.method == "getUpdates"]
        assert polls[0] == 5003, "the saved offset is where polling resumes"
    finally:
        await second.server.close()


async def test_a_crash_before_the_offset_was_saved_repeats_nothing(
    tmp_path: Path, bot_api: FakeBotApi
) -> None:
    bot_api.updates += [update(1), update(2)]
    first = await running(tmp_path, bot_api)
    await until_stored(first, 2)
    await offset_saved(first, "5003")
    await first.server.close()
    # As if the hub died after committing the messages but before saving the offset.
    with sqlite3.connect(tmp_path / "kanal.db") as db:
        db.execute("DELETE FROM channel_state")
    bot_api.calls.clear()
    again = await running(tmp_path, bot_api)
    try:
        await offset_saved(again, "5003")  # both updates fetched again and gone through ingest
        polls = [c.params.get("offset") for c in bot_api.calls if c.method == "getUpdates"]
        assert polls[0] in (None, 0)
        count = select(func.count()).select_from(s.message).where(s.message.c.direction == "in")
        assert await again.store.read(lambda c: c.execute(count).scalar_one()) == 2
    finally:
        await again.server.close()
