"""The outbox relay: replies on provider channels are sent once, in order, retried with
backoff, dead-lettered visibly — proved against a collecting fake channel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select, update

from hub.app import RELAY, create_app
from hub.events import MessageCreated
from hub.ingest import IngestJob
from hub.keys import AUTH
from hub.models import Delivery, Inbound, Sender, StatusUpdate
from hub.outbox import RetryPolicy
from hub.store import schema as s
from tests.conftest import RunningHub, make_settings
from tests.fakes import FakeChannel, permanent, retryable
from tests.waiting import wait_for

API_INBOX = """
[[inboxes]]
key = "kota-api"
kind = "api"
opd = "pupr"
"""


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    app = create_app(make_settings(tmp_path, API_INBOX))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    running = RunningHub(server, app)
    running.fake = FakeChannel(running.service)  # type: ignore[attr-defined]
    running.service.channels["api"] = running.fake  # type: ignore[attr-defined]
    app[RELAY].policy = RetryPolicy(base=0.01, cap=0.05, max_attempts=4)
    app[RELAY].idle = 0.02
    try:
        yield running
    finally:
        await server.close()


async def open_case(hub: Any) -> int:
    directory = hub.service.directory
    inbox = directory.inbox_by_key("kota-api")
    item = Inbound(Sender("chat-77", name="Warga"), text="Sampah menumpuk", external_id="u1")
    [accepted] = await hub.store.write(IngestJob(directory, inbox, [item]))
    return int(accepted.conversation["id"])


async def reply(
    hub: Any, agent: Any, conv_id: int, text: str, private: bool = False
) -> dict[str, Any]:
    return (await hub.service.reply(agent, conv_id, text=text, private=private)).message


async def _principal(hub: Any) -> Any:
    token = await hub.token("budi@pupr.go.id", "pupr")
    return await hub.app[AUTH].from_api_token(token)


async def message_row(hub: Any, message_id: int) -> Any:
    return await hub.store.read(
        lambda c: c.execute(select(s.message).where(s.message.c.id == message_id)).one()
    )


async def until(predicate: Any, within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


async def test_a_reply_is_sent_once_and_its_provider_id_kept(hub: Any, sockets: Any) -> None:
    agent = await _principal(hub)
    console = await sockets(
        hub.url, "/agent", auth={"token": await hub.token("sri@pupr.go.id", "pupr")}
    )
    conv_id = await open_case(hub)
    sent = await reply(hub, agent, conv_id, "Petugas kebersihan segera datang")
    assert sent["delivery_status"] == "pending"
    await until(lambda: _status(hub, sent["id"], "sent"))
    row = await message_row(hub, sent["id"])
    assert row.external_id == f"prov-{sent['id']}"
    assert [(key, out.recipient, out.text) for key, out in hub.fake.sent] == [
        ("kota-api", "chat-77", "Petugas kebersihan segera datang")
    ]
    update_seen = await wait_for(
        console,
        "message",
        lambda p: p["message"]["id"] == sent["id"] and p["message"]["delivery_status"] == "sent",
    )
    assert update_seen["message"]["seq"] == sent["seq"]
    await asyncio.sleep(0.1)
    assert len(hub.fake.attempts) == 1


async def _status(hub: Any, message_id: int, status: str) -> bool:
    return (await message_row(hub, message_id)).delivery_status == status


async def test_retryable_failures_are_retried_until_sent(hub: Any) -> None:
    agent = await _principal(hub)
    conv_id = await open_case(hub)
    hub.fake.fail_next(retryable(), retryable("timeout"))
    sent = await reply(hub, agent, conv_id, "Sedang kami proses")
    await until(lambda: _status(hub, sent["id"], "sent"))
    assert hub.fake.attempts == [sent["id"]] * 3
    outbox = await hub.store.read(lambda c: c.execute(select(s.outbox)).one())
    assert (outbox.state, outbox.attempts) == ("done", 3)


async def test_a_permanent_failure_is_dead_lettered_with_its_reason(hub: Any) -> None:
    agent = await _principal(hub)
    conv_id = await open_case(hub)
    hub.fake.fail_next(permanent())
    sent = await reply(hub, agent, conv_id, "Halo")
    await until(lambda: _status(hub, sent["id"], "failed"))
    row = await message_row(hub, sent["id"])
    assert row.error == "403: bot was blocked by the user"
    outbox = await hub.store.read(lambda c: c.execute(select(s.outbox)).one())
    assert outbox.state == "dead"
    await asyncio.sleep(0.1)
    assert hub.fake.attempts == [sent["id"]]


async def test_too_many_retries_end_in_the_dead_letter(hub: Any) -> None:
    agent = await _principal(hub)
    conv_id = await open_case(hub)
    hub.fake.fail_next(*(retryable() for _ in range(10)))
    sent = await reply(hub, agent, conv_id, "Halo")
    await until(lambda: _status(hub, sent["id"], "failed"))
    assert len(hub.fake.attempts) == 4


async def test_replies_reach_the_chat_in_order_even_when_the_first_is_retried(hub: Any) -> None:
    agent = await _principal(hub)
    conv_id = await open_case(hub)
    hub.fake.fail_next(retryable(), retryable())
    ids = [(await reply(hub, agent, conv_id, f"balasan {n}"))["id"] for n in range(1, 4)]
    await until(lambda: _status(hub, ids[-1], "sent"))
    assert [out.text for _, out in hub.fake.sent] == ["balasan 1", "balasan 2", "balasan 3"]
    assert hub.fake.attempts[:3] == [ids[0]] * 3


async def test_a_note_is_never_sent(hub: Any) -> None:
    agent = await _principal(hub)
    conv_id = await open_case(hub)
    await reply(hub, agent, conv_id, "catatan internal", private=True)
    after = await reply(hub, agent, conv_id, "balasan")
    await until(lambda: _status(hub, after["id"], "sent"))
    assert [out.text for _, out in hub.fake.sent] == ["balasan"]


async def test_a_message_that_has_a_provider_id_is_never_sent_again(hub: Any) -> None:
    """A crash after the provider accepted the send but before the row was closed."""
    hub.app[RELAY].idle = 60
    await hub.app[RELAY].stop()
    agent = await _principal(hub)
    conv_id = await open_case(hub)
    sent = await reply(hub, agent, conv_id, "sekali saja")
    await hub.store.write(
        lambda c: c.execute(
            update(s.message).where(s.message.c.id == sent["id"]).values(external_id="prov-early")
        )
    )
    assert await hub.app[RELAY].drain_once() == 1
    assert hub.fake.attempts == []
    outbox = await hub.store.read(lambda c: c.execute(select(s.outbox)).one())
    assert outbox.state == "done"


def test_backoff_grows_is_capped_and_honours_retry_after() -> None:
    policy = RetryPolicy(base=2, cap=60)
    assert 1 <= policy.delay(1) <= 2
    assert 8 <= policy.delay(4) <= 16
    assert 30 <= policy.delay(20) <= 60
    assert policy.delay(1, retry_after=17) >= 17


async def test_a_receipt_that_comes_before_its_send_is_recorded_is_kept_for_it(hub: Any) -> None:
    conv_id = await open_case(hub)
    agent = await _principal(hub)
    inbox = hub.service.directory.inbox_by_key("kota-api")
    # The provider reports "read" for a message the relay has not recorded as sent yet.
    await hub.service.accept(inbox, [StatusUpdate("prov-early", Delivery.READ)])
    hub.fake.fail_next("prov-early")
    sent = await reply(hub, agent, conv_id, "Sudah kami catat")

    async def read() -> bool:
        return (await message_row(hub, sent["id"])).delivery_status == "read"

    await until(read)
    left = await hub.store.read(lambda c: c.execute(select(s.early_status)).all())
    assert left == []


async def test_the_status_update_of_a_reply_still_names_its_agent(hub: Any) -> None:
    seen: list[dict[str, Any]] = []

    async def listen(event: MessageCreated) -> None:
        seen.append(event.message)

    hub.service.bus.subscribe(MessageCreated, listen)
    conv_id = await open_case(hub)
    sent = await reply(hub, await _principal(hub), conv_id, "Segera kami tangani")

    async def delivered() -> bool:
        return any(m["id"] == sent["id"] and m["delivery_status"] == "sent" for m in seen)

    await until(delivered)
    names = {m["sender_name"] for m in seen if m["id"] == sent["id"]}
    assert names == {sent["sender_name"]} and sent["sender_name"]


async def test_a_send_that_waits_long_holds_up_no_other_chat(hub: Any) -> None:
    """The relay keeps sends going as they finish, not batch by batch: while one chat's
    send waits (a pacer, a slow provider), replies to other chats go out."""
    agent = await _principal(hub)
    directory = hub.service.directory
    inbox = directory.inbox_by_key("kota-api")
    released = asyncio.Event()
    original = hub.fake.send

    async def send(inbox_ref: Any, out: Any) -> str | None:
        if out.recipient == "slow-chat":
            await released.wait()
        return await original(inbox_ref, out)

    hub.fake.send = send
    conv_ids = []
    for n, chat in enumerate(["slow-chat", "chat-a", "chat-b"]):
        item = Inbound(Sender(chat, name="Warga"), text="Lampu mati", external_id=f"u{n}")
        [accepted] = await hub.store.write(IngestJob(directory, inbox, [item]))
        conv_ids.append(int(accepted.conversation["id"]))
    slow = await reply(hub, agent, conv_ids[0], "Sebentar")
    await asyncio.sleep(0.1)  # the slow chat's send is under way
    later = [await reply(hub, agent, c, f"Balasan {i}") for i in range(3) for c in conv_ids[1:]]
    for message in later:
        await until(lambda m=message: _status(hub, m["id"], "sent"))
    assert (await message_row(hub, slow["id"])).delivery_status == "pending"
    released.set()
    await until(lambda: _status(hub, slow["id"], "sent"))
