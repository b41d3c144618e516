"""The /widget namespace against a real hub: sessions, send, sync, typing, errors."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import socketio
from sqlalchemy import func, select

from hub.store import schema as s
from tests.waiting import events, wait_for

NS = "/widget"


async def visitor(hub: Any, sockets: Any, inbox: str = "web-pupr", token: str | None = None) -> Any:
    client = await sockets(hub.url, NS, auth={"inbox": inbox, "token": token})
    client.session = await wait_for(client, "session")
    return client


async def count(hub: Any, table: Any) -> int:
    return await hub.store.read(
        lambda c: c.execute(select(func.count()).select_from(table)).scalar_one()
    )


async def test_new_visitor_gets_a_token_and_no_conversation(hub: Any, sockets: Any) -> None:
    client = await visitor(hub, sockets)
    assert client.session["token"]
    assert client.session["visitor_id"].startswith("v_")
    assert client.session["conversation"] is None


async def test_first_message_opens_a_case_with_a_tracking_code(hub: Any, sockets: Any) -> None:
    client = await visitor(hub, sockets)
    ack = await client.call("send", {"client_id": "c1", "text": "Lampu jalan mati"}, namespace=NS)
    assert ack["ok"] is True
    assert ack["message"]["seq"] == 1
    assert ack["message"]["direction"] == "in"
    assert ack["conversation"]["tracking_code"].startswith("KNL-")
    conversation = await wait_for(client, "conversation")
    assert conversation["tracking_code"] == ack["conversation"]["tracking_code"]


async def test_returning_visitor_resumes_the_open_conversation(hub: Any, sockets: Any) -> None:
    first = await visitor(hub, sockets)
    ack = await first.call("send", {"client_id": "c1", "text": "Halo"}, namespace=NS)
    await first.disconnect()
    again = await visitor(hub, sockets, token=first.session["token"])
    assert again.session["visitor_id"] == first.session["visitor_id"]
    assert again.session["conversation"]["id"] == ack["conversation"]["id"]
    synced = await again.call("sync", {"after_seq": 0}, namespace=NS)
    assert [m["text"] for m in synced["messages"]] == ["Halo"]


async def test_token_of_another_inbox_is_not_honoured(hub: Any, sockets: Any) -> None:
    first = await visitor(hub, sockets, inbox="web-pupr")
    await first.call("send", {"client_id": "c1", "text": "rahasia"}, namespace=NS)
    other = await visitor(hub, sockets, inbox="web-diskominfo", token=first.session["token"])
    assert other.session["visitor_id"] != first.session["visitor_id"]
    synced = await other.call("sync", {"after_seq": 0}, namespace=NS)
    assert synced["messages"] == []


async def test_forged_token_gets_a_new_visitor(hub: Any, sockets: Any) -> None:
    first = await visitor(hub, sockets)
    forged = first.session["token"][:-2] + ("AA" if first.session["token"][-2:] != "AA" else "BB")
    other = await visitor(hub, sockets, token=forged)
    assert other.session["visitor_id"] != first.session["visitor_id"]


async def test_unknown_inbox_is_refused_with_a_reason(hub: Any) -> None:
    client = socketio.AsyncClient(reconnection=False)
    reasons: list[Any] = []
    client.on("connect_error", reasons.append, namespace=NS)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(
            hub.url, namespaces=[NS], auth={"inbox": "no-such-inbox"}, transports=["websocket"]
        )
    assert reasons[0]["message"] == "unknown_inbox"
    assert reasons[0]["data"]["code"] == "unknown_inbox"
    assert "no-such-inbox" in reasons[0]["data"]["message"]


async def test_duplicate_client_id_is_stored_once(hub: Any, sockets: Any) -> None:
    client = await visitor(hub, sockets)
    payload = {"client_id": "same-id", "text": "Banjir di Jalan Mawar"}
    acks = await asyncio.gather(*(client.call("send", payload, namespace=NS) for _ in range(5)))
    assert {a["message"]["id"] for a in acks} == {acks[0]["message"]["id"]}
    assert await count(hub, s.message) == 1
    again = await client.call("send", payload, namespace=NS)
    assert again["message"]["id"] == acks[0]["message"]["id"]
    assert await count(hub, s.message) == 1


async def test_oversized_message_is_refused_and_nothing_stored(hub: Any, sockets: Any) -> None:
    client = await visitor(hub, sockets)
    ack = await client.call("send", {"client_id": "big", "text": "x" * 4001}, namespace=NS)
    assert ack["ok"] is False
    assert ack["error"]["code"] == "too_long"
    assert "4000" in ack["error"]["message"]
    assert await count(hub, s.message) == 0
    assert await count(hub, s.conversation) == 0
    exactly = await client.call("send", {"client_id": "ok", "text": "x" * 4000}, namespace=NS)
    assert exactly["ok"] is True


async def test_empty_message_is_refused(hub: Any, sockets: Any) -> None:
    client = await visitor(hub, sockets)
    ack = await client.call("send", {"client_id": "e", "text": "   "}, namespace=NS)
    assert ack["error"]["code"] == "empty"


@pytest.mark.parametrize(
    ("event", "payload"),
    [
        ("send", None),
        ("send", "just a string"),
        ("send", {"text": "no client id"}),
        ("send", {"client_id": "x" * 65, "text": "id too long"}),
        ("send", {"client_id": "c", "text": 42}),
        ("sync", {"after_seq": "zero"}),
        ("sync", {"after_seq": -1}),
        ("typing", {"typing": "yes"}),
        ("identify", {"name": ["list"]}),
    ],
)
async def test_malformed_events_get_an_error_ack_and_the_connection_stays(
    hub: Any, sockets: Any, event: str, payload: Any
) -> None:
    client = await visitor(hub, sockets)
    ack = await client.call(event, payload, namespace=NS)
    assert ack["ok"] is False
    assert ack["error"]["code"] == "bad_request"
    assert client.connected
    still = await client.call("send", {"client_id": "after", "text": "masih hidup"}, namespace=NS)
    assert still["ok"] is True


async def test_identify_updates_the_resident(hub: Any, sockets: Any) -> None:
    client = await visitor(hub, sockets)
    ack = await client.call("identify", {"name": "Ani", "phone": "0812"}, namespace=NS)
    assert ack["contact"]["name"] == "Ani"
    sent = await client.call("send", {"client_id": "c", "text": "halo"}, namespace=NS)
    assert sent["ok"]
    assert await count(hub, s.contact) == 1


async def test_a_second_tab_of_the_same_visitor_sees_the_message(hub: Any, sockets: Any) -> None:
    tab1 = await visitor(hub, sockets)
    tab2 = await visitor(hub, sockets, token=tab1.session["token"])
    await tab1.call("send", {"client_id": "c", "text": "dari tab satu"}, namespace=NS)
    seen = await wait_for(tab2, "message")
    assert seen["text"] == "dari tab satu"
    assert events(tab2, "conversation"), "the new case is announced before its message"
    assert events(tab1, "message") == [], "the sending tab has the message in its ack"


async def disconnected(client: Any, within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while client.connected:
        assert asyncio.get_running_loop().time() < deadline, "the socket was not hung up"
        await asyncio.sleep(0.02)


async def test_forget_ends_the_session_on_this_device(hub: Any, sockets: Any) -> None:
    """A shared computer: the resident ends the session; the next person who opens the
    widget there, with the same stored token, starts afresh and sees nothing of it."""
    client = await visitor(hub, sockets)
    other_tab = await visitor(hub, sockets, token=client.session["token"])
    sent = await client.call("send", {"client_id": "c1", "text": "KTP saya hilang"}, namespace=NS)
    assert sent["ok"]
    ack = await client.call("forget", {}, namespace=NS)
    assert ack == {"ok": True}
    ended = await wait_for(other_tab, "session_ended")
    assert ended == {"reason": "ended"}
    await disconnected(client)
    await disconnected(other_tab)

    again = await visitor(hub, sockets, token=client.session["token"])
    assert again.session["visitor_id"] != client.session["visitor_id"]
    assert again.session["conversation"] is None
    synced = await again.call("sync", {"after_seq": 0}, namespace=NS)
    assert synced["messages"] == []
    # The case goes on for the officers; the revocation is on record, once.
    assert await count(hub, s.conversation) == 1
    await client_forgets_again(hub, sockets)


async def client_forgets_again(hub: Any, sockets: Any) -> None:
    """A revocation survives a restart of the process: it is read from the database."""
    rows = await hub.store.read(lambda c: c.execute(select(s.visitor_revocation)).all())
    assert len(rows) == 1 and rows[0].agent_id is None
    await hub.service.revocations.start()  # what a new process does
    inbox = hub.service.directory.inbox_by_key("web-pupr")
    assert await hub.service.visitor_revoked(inbox, rows[0].visitor_id)
    assert not await hub.service.visitor_revoked(inbox, "v_someone_else")
