"""[limits] on Telegram webhooks: a flooding chat is answered 200 and its excess dropped
(logged and counted), so that Telegram does not hold every other chat's updates behind
it; an inbox over its limit is answered 429 with Retry-After, so Telegram delivers again."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from hub.app import create_app
from tests.channels.telegram.conftest import bot_inbox
from tests.channels.telegram.test_webhook import count, fixture, post
from tests.conftest import RunningHub, make_settings

BASE = json.loads(fixture("message__text"))


def update(n: int, chat: int = 6231487520) -> bytes:
    data = copy.deepcopy(BASE)
    data["update_id"] += n
    data["message"]["message_id"] += n
    data["message"]["chat"]["id"] = data["message"]["from"]["id"] = chat
    data["message"]["text"] = f"Pesan ke-{n}"
    return json.dumps(data).encode()


async def start(tmp_path: Path, limits: str) -> AsyncIterator[RunningHub]:
    app = create_app(make_settings(tmp_path, bot_inbox() + "\n[limits]\n" + limits))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield RunningHub(server, app)
    finally:
        await server.close()


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    async for running in start(tmp_path, "sender_messages_per_minute = 2\n"):
        yield running


def refused(hub: Any, scope: str) -> float:
    value = hub.service.metrics.registry.get_sample_value(
        "kanal_rate_limited_total", {"channel": "telegram", "scope": scope}
    )
    return value or 0.0


async def test_a_flooding_chat_gets_200_and_its_excess_is_dropped_and_counted(
    hub: Any, caplog: Any
) -> None:
    answers = [(await post(hub, update(n))).status for n in range(4)]
    assert answers == [200, 200, 200, 200]
    assert await count(hub) == 2
    assert refused(hub, "sender") == 2
    assert "over its rate limit" in caplog.text
    # Another resident of the same bot is not held up.
    assert (await post(hub, update(10, chat=5550001))).status == 200
    assert await count(hub) == 3


async def test_an_inbox_over_its_limit_answers_429_and_the_retry_is_stored(
    tmp_path: Path,
) -> None:
    async for hub in start(tmp_path, "inbox_messages_per_minute = 2\n"):
        assert [(await post(hub, update(n, chat=5550000 + n))).status for n in range(2)] == [
            200,
            200,
        ]
        third = await post(hub, update(2, chat=5550002))
        assert third.status == 429
        assert 0 < int(third.headers["Retry-After"]) <= 60
        assert await count(hub) == 2  # nothing of it stored
        assert refused(hub, "inbox") == 1
        # Telegram's retry after the window: stored once.
        limiter = hub.service.rates.inbox.limiter
        limiter.clock = lambda: 10_000_000.0  # type: ignore[attr-defined]
        assert (await post(hub, update(2, chat=5550002))).status == 200
        assert await count(hub) == 3
