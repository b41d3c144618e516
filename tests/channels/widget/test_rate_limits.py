"""[limits] on the widget: a visitor token's messages, and an inbox's new cases (a new
visitor is free to make), refused with an ack `rate_limited` and `retry_after`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from hub.app import create_app
from hub.store import schema as s
from tests.conftest import RunningHub, make_settings
from tests.hub.test_realtime import W, resident

LIMITS = """
[limits]
visitor_messages_per_minute = 3
inbox_cases_per_minute = 2
"""


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    app = create_app(make_settings(tmp_path, LIMITS))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield RunningHub(server, app)
    finally:
        await server.close()


async def rows(hub: Any, table: Any) -> int:
    query = select(func.count()).select_from(table)
    return await hub.store.read(lambda c: c.execute(query).scalar_one())


async def send(client: Any, n: int) -> Any:
    return await client.call("send", {"client_id": f"c{n}", "text": f"Pesan {n}"}, namespace=W)


async def test_a_visitor_over_its_limit_gets_rate_limited_with_retry_after(
    hub: Any, sockets: Any
) -> None:
    warga = await resident(hub, sockets)
    acks = [await send(warga, n) for n in range(4)]
    assert [a["ok"] for a in acks] == [True, True, True, False]
    refused = acks[-1]
    assert refused["error"]["code"] == "rate_limited"
    assert "try again in" in refused["error"]["message"]
    assert 0 < refused["error"]["retry_after"] <= 60
    assert await rows(hub, s.message) == 3
    assert warga.connected  # refused, not dropped


async def test_new_cases_from_fresh_visitors_are_limited_per_inbox(hub: Any, sockets: Any) -> None:
    first, second, third = [await resident(hub, sockets) for _ in range(3)]
    assert (await send(first, 0))["ok"] and (await send(second, 0))["ok"]
    refused = await send(third, 0)
    assert refused["error"]["code"] == "rate_limited" and refused["error"]["retry_after"] > 0
    assert await rows(hub, s.conversation) == 2
    # Residents with a case go on writing; another inbox is not touched.
    assert (await send(first, 1))["ok"]
    elsewhere = await resident(hub, sockets, inbox="web-diskominfo")
    assert (await send(elsewhere, 0))["ok"]


async def test_a_visitors_tabs_racing_with_their_first_message_count_as_one_case(
    hub: Any, sockets: Any
) -> None:
    """Cases are counted when one is opened: two tabs of one visitor sending their first
    message at once make one case, and use one of the inbox's two a minute."""
    first = await resident(hub, sockets)
    second = await resident(hub, sockets, token=first.session["token"])
    acks = await asyncio.gather(
        first.call("send", {"client_id": "t1", "text": "Tab satu"}, namespace=W),
        second.call("send", {"client_id": "t2", "text": "Tab dua"}, namespace=W),
    )
    assert all(a["ok"] for a in acks)
    assert await rows(hub, s.conversation) == 1
    other = await resident(hub, sockets)  # the inbox's second case of the minute
    assert (await send(other, 1))["ok"]
    third = await resident(hub, sockets)
    refused = await send(third, 1)
    assert refused["error"]["code"] == "rate_limited"
