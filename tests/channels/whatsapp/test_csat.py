"""CSAT on WhatsApp, against the fake Graph API: a resolved case's resident gets a list of five
ratings (reply buttons hold only three) inside the 24-hour window and nothing outside it;
the row they pick is stored once and acknowledged."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from hub.app import SURVEY
from hub.keys import AUTH
from hub.models import Status, utcnow
from hub.resolve import FollowUp
from hub.store import schema as s
from tests.channels.whatsapp.conftest import load, raw
from tests.channels.whatsapp.fake_graph_api import FakeGraphApi
from tests.channels.whatsapp.hub import deliver, start_hub, wa_inbox
from tests.conftest import RunningHub

RESIDENT = "6281234567890"
DONE = "Pohon tumbang sudah dipotong dan diangkut tadi siang."


@pytest.fixture
async def hub(tmp_path: Path, graph_api: FakeGraphApi) -> AsyncIterator[RunningHub]:
    inbox = wa_inbox(graph_api.base_url, recipient_gap_seconds=0.0)
    async for running in start_hub(tmp_path, inbox):
        running.app[SURVEY].poll = 0.05
        yield running


async def until(check: Any, within: float = 5.0) -> Any:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        found = check()
        if inspect.isawaitable(found):
            found = await found
        if found:
            return found
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def lists(graph_api: FakeGraphApi) -> list[dict[str, Any]]:
    return [b for b in graph_api.sent() if b.get("type") == "interactive"]


def texts(graph_api: FakeGraphApi) -> list[str]:
    return [b["text"]["body"] for b in graph_api.sent() if b.get("type") == "text"]


async def resolve(hub: Any, *, idle_hours: float = 0) -> Any:
    """The resident's case, resolved with a follow-up; `idle_hours` since they last wrote."""
    assert (await deliver(hub, raw("messages__text"))).status == 200
    conv = await hub.store.read(lambda c: c.execute(select(s.conversation)).one())
    if idle_hours:
        then = utcnow() - timedelta(hours=idle_hours)
        await hub.store.write(
            lambda c: c.execute(
                update(s.conversation)
                .where(s.conversation.c.id == conv.id)
                .values(last_inbound_at=then)
            )
        )
    admin = await hub.app[AUTH].from_api_token(
        await hub.token("admin@kota.go.id", "diskominfo", "admin")
    )
    await hub.service.set_status(admin, conv.id, Status.RESOLVED, FollowUp(DONE))
    return conv


def pick(code: str, score: int, wamid: str = "wamid.RATING-1") -> bytes:
    data = load("messages__interactive_rating")
    message = data["entry"][0]["changes"][0]["value"]["messages"][0]
    message["id"] = wamid
    message["interactive"]["list_reply"] = {"id": f"csat:{code}:{score}", "title": f"{score}"}
    return json.dumps(data).encode()


async def stored(hub: Any, conv_id: int) -> Any:
    query = select(s.conversation).where(s.conversation.c.id == conv_id)
    return await hub.store.read(lambda c: c.execute(query).one())


async def asked(hub: Any, conv_id: int) -> list[Any]:
    e = s.event.c
    query = select(e.data).where(e.conversation_id == conv_id, e.action == "csat_asked")
    return list(await hub.store.read(lambda c: c.execute(query).scalars().all()))


async def test_inside_the_window_the_resident_gets_a_list_of_five_after_the_follow_up(
    hub: Any, graph_api: FakeGraphApi
) -> None:
    conv = await resolve(hub)
    [question] = await until(lambda: lists(graph_api))
    assert question["to"] == RESIDENT
    assert texts(graph_api)[-1] == DONE, "the agent's follow-up comes first"
    body = question["interactive"]
    assert body["type"] == "list" and conv.tracking_code in body["body"]["text"]
    [section] = body["action"]["sections"]
    assert [row["id"] for row in section["rows"]] == [
        f"csat:{conv.tracking_code}:{n}" for n in (5, 4, 3, 2, 1)
    ]
    assert all(len(row["title"]) <= 24 for row in section["rows"])
    assert await until(lambda: asked(hub, conv.id)) == [{"channel": "whatsapp", "asked": True}]


async def test_outside_the_window_nobody_is_asked(hub: Any, graph_api: FakeGraphApi) -> None:
    conv = await resolve(hub, idle_hours=25)
    assert await until(lambda: asked(hub, conv.id)) == [{"channel": "whatsapp", "asked": False}]
    assert lists(graph_api) == []


async def test_a_picked_row_is_stored_once_and_acknowledged(
    hub: Any, graph_api: FakeGraphApi
) -> None:
    conv = await resolve(hub)
    await until(lambda: lists(graph_api))
    assert (await deliver(hub, pick(conv.tracking_code, 4))).status == 200
    assert (await stored(hub, conv.id)).csat == 4
    thanks = f"Terima kasih! Penilaian Anda untuk laporan {conv.tracking_code}: 4 dari 5."
    await until(lambda: thanks in texts(graph_api))
    assert (await deliver(hub, pick(conv.tracking_code, 4))).status == 200  # Meta again
    assert (await deliver(hub, pick(conv.tracking_code, 1))).status == 200  # same wamid
    await asyncio.sleep(0.2)
    assert texts(graph_api).count(thanks) == 1
    row = await stored(hub, conv.id)
    assert row.csat == 4 and row.status == Status.RESOLVED, "a rating never reopens the case"


async def test_a_pick_for_a_case_not_resolved_is_declined(
    hub: Any, graph_api: FakeGraphApi
) -> None:
    assert (await deliver(hub, raw("messages__text"))).status == 200
    conv = await hub.store.read(lambda c: c.execute(select(s.conversation)).one())
    assert (await deliver(hub, pick(conv.tracking_code, 5))).status == 200
    await until(lambda: "Maaf, laporan ini sudah tidak dapat dinilai." in texts(graph_api))
    assert (await stored(hub, conv.id)).csat is None
