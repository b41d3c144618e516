"""The /agent namespace and fan-out: widget -> agent -> widget, live, authorised, resumable."""

from __future__ import annotations

from typing import Any

import pytest
import socketio

from tests.waiting import events, wait_for

W, A = "/widget", "/agent"


async def resident(
    hub: Any, sockets: Any, inbox: str = "web-pupr", token: str | None = None
) -> Any:
    client = await sockets(hub.url, W, auth={"inbox": inbox, "token": token})
    client.session = await wait_for(client, "session")
    return client


async def agent(
    hub: Any, sockets: Any, email: str = "budi@pupr.go.id", opd: str = "pupr", role: str = "agent"
) -> Any:
    token = await hub.token(email, opd, role)
    client = await sockets(hub.url, A, auth={"token": token})
    client.hello = await wait_for(client, "hello")
    return client


async def test_widget_to_agent_to_widget(hub: Any, sockets: Any) -> None:
    officer = await agent(hub, sockets)
    assert officer.hello["agent"]["opd"]["slug"] == "pupr"
    warga = await resident(hub, sockets)
    sent = await warga.call(
        "send", {"client_id": "w1", "text": "Jalan berlubang di RT 03"}, namespace=W
    )
    live = await wait_for(officer, "message")
    assert live["message"]["text"] == "Jalan berlubang di RT 03"
    assert live["conversation"]["tracking_code"] == sent["conversation"]["tracking_code"]
    assert live["conversation"]["unread_count"] == 1
    conv_id = live["conversation"]["id"]

    joined = await officer.call("join", {"conversation_id": conv_id}, namespace=A)
    assert [m["seq"] for m in joined["messages"]] == [1]
    reply = await officer.call(
        "send",
        {"conversation_id": conv_id, "client_id": "a1", "text": "Segera kami cek, Bu."},
        namespace=A,
    )
    assert reply["ok"] and reply["message"]["seq"] == 2
    assert reply["message"]["sender_name"] == "Budi"
    seen = await wait_for(warga, "message", lambda m: m["seq"] == 2)
    assert seen["text"] == "Segera kami cek, Bu."
    assert seen["direction"] == "out"
    assert seen["delivery_status"] == "sent"


async def test_private_note_never_reaches_the_resident(hub: Any, sockets: Any) -> None:
    officer = await agent(hub, sockets)
    warga = await resident(hub, sockets)
    sent = await warga.call("send", {"client_id": "w1", "text": "Halo"}, namespace=W)
    conv_id = sent["conversation"]["id"]
    note = await officer.call(
        "send",
        {"conversation_id": conv_id, "client_id": "n1", "text": "cek ke lapangan", "private": True},
        namespace=A,
    )
    assert note["message"]["private"] is True and note["message"]["kind"] == "note"
    await officer.call(
        "send", {"conversation_id": conv_id, "client_id": "r1", "text": "Baik"}, namespace=A
    )
    await wait_for(warga, "message", lambda m: m["text"] == "Baik")
    assert all(m["text"] != "cek ke lapangan" for m in events(warga, "message"))
    synced = await warga.call("sync", {"after_seq": 0}, namespace=W)
    assert [m["text"] for m in synced["messages"]] == ["Halo", "Baik"]


async def test_agent_of_another_opd_sees_nothing(hub: Any, sockets: Any) -> None:
    outsider = await agent(hub, sockets, "ani@kominfo.go.id", "diskominfo")
    insider = await agent(hub, sockets)
    warga = await resident(hub, sockets, inbox="web-pupr")
    sent = await warga.call("send", {"client_id": "w1", "text": "khusus PUPR"}, namespace=W)
    await wait_for(insider, "message")
    conv_id = sent["conversation"]["id"]
    assert events(outsider, "message") == []
    for event, payload in [
        ("join", {"conversation_id": conv_id}),
        ("sync", {"conversation_id": conv_id, "after_seq": 0}),
        ("send", {"conversation_id": conv_id, "client_id": "x", "text": "hai"}),
        ("status", {"conversation_id": conv_id, "status": "resolved"}),
        ("read", {"conversation_id": conv_id}),
        ("typing", {"conversation_id": conv_id, "typing": True}),
    ]:
        ack = await outsider.call(event, payload, namespace=A)
        assert ack == {
            "ok": False,
            "error": {"code": "not_found", "message": "conversation not found"},
        }, event


async def test_admin_sees_every_opd(hub: Any, sockets: Any) -> None:
    admin = await agent(hub, sockets, "koordinator@kota.go.id", "diskominfo", "admin")
    warga = await resident(hub, sockets, inbox="web-pupr")
    await warga.call("send", {"client_id": "w1", "text": "untuk PUPR"}, namespace=W)
    live = await wait_for(admin, "message")
    assert live["conversation"]["opd"]["slug"] == "pupr"


async def test_agent_reconnect_catches_up_with_sync(hub: Any, sockets: Any) -> None:
    officer = await agent(hub, sockets)
    warga = await resident(hub, sockets)
    first = await warga.call("send", {"client_id": "w1", "text": "satu"}, namespace=W)
    conv_id = first["conversation"]["id"]
    await wait_for(officer, "message")
    await officer.disconnect()
    for n in range(2, 5):
        await warga.call("send", {"client_id": f"w{n}", "text": f"pesan {n}"}, namespace=W)
    again = await agent(hub, sockets)
    synced = await again.call("sync", {"conversation_id": conv_id, "after_seq": 1}, namespace=A)
    assert [m["seq"] for m in synced["messages"]] == [2, 3, 4]


async def test_widget_reconnect_catches_up_with_what_it_missed(hub: Any, sockets: Any) -> None:
    officer = await agent(hub, sockets)
    warga = await resident(hub, sockets)
    sent = await warga.call("send", {"client_id": "w1", "text": "halo"}, namespace=W)
    conv_id = sent["conversation"]["id"]
    token = warga.session["token"]
    await warga.disconnect()
    for n in range(3):
        await officer.call(
            "send",
            {"conversation_id": conv_id, "client_id": f"a{n}", "text": f"balasan {n}"},
            namespace=A,
        )
    back = await resident(hub, sockets, token=token)
    assert back.session["conversation"]["last_seq"] == 4
    synced = await back.call("sync", {"after_seq": 1}, namespace=W)
    assert [(m["seq"], m["text"]) for m in synced["messages"]] == [
        (2, "balasan 0"),
        (3, "balasan 1"),
        (4, "balasan 2"),
    ]
    assert synced["more"] is False


async def test_typing_flows_both_ways(hub: Any, sockets: Any) -> None:
    officer = await agent(hub, sockets)
    warga = await resident(hub, sockets)
    sent = await warga.call("send", {"client_id": "w1", "text": "halo"}, namespace=W)
    conv_id = sent["conversation"]["id"]
    await officer.call("join", {"conversation_id": conv_id}, namespace=A)
    await warga.call("typing", {"typing": True}, namespace=W)
    typing = await wait_for(officer, "typing")
    assert typing == {"conversation_id": conv_id, "typing": True, "who": "contact"}
    colleague = await agent(hub, sockets, "sri@pupr.go.id")
    await colleague.call("join", {"conversation_id": conv_id}, namespace=A)
    await officer.call("typing", {"conversation_id": conv_id, "typing": True}, namespace=A)
    assert await wait_for(warga, "typing") == {"typing": True}
    seen = await wait_for(colleague, "typing", lambda t: t["who"] == "agent")
    assert seen["name"] == "Budi"
    assert [t for t in events(officer, "typing") if t["who"] == "agent"] == []


async def test_resolving_tells_the_resident_and_writing_again_reopens_the_case(
    hub: Any, sockets: Any
) -> None:
    officer = await agent(hub, sockets)
    warga = await resident(hub, sockets)
    sent = await warga.call("send", {"client_id": "w1", "text": "halo"}, namespace=W)
    conv_id = sent["conversation"]["id"]
    bare = await officer.call(
        "status", {"conversation_id": conv_id, "status": "resolved"}, namespace=A
    )
    assert bare["error"]["code"] == "needs_follow_up"
    done = await officer.call(
        "status",
        {"conversation_id": conv_id, "status": "resolved", "note": "Lubang sudah ditambal."},
        namespace=A,
    )
    assert done["conversation"]["status"] == "resolved"
    update = await wait_for(warga, "conversation", lambda c: c["status"] == "resolved")
    assert update["id"] == conv_id
    follow_up = await wait_for(warga, "message", lambda m: m["direction"] == "out")
    assert follow_up["text"] == "Lubang sudah ditambal."
    again = await warga.call("send", {"client_id": "w2", "text": "masih rusak"}, namespace=W)
    assert again["conversation"]["id"] == conv_id
    assert again["conversation"]["status"] == "open"


async def test_read_clears_the_unread_count(hub: Any, sockets: Any) -> None:
    officer = await agent(hub, sockets)
    warga = await resident(hub, sockets)
    for n in range(3):
        await warga.call("send", {"client_id": f"w{n}", "text": f"m{n}"}, namespace=W)
    live = await wait_for(officer, "message", lambda p: p["conversation"]["unread_count"] == 3)
    conv_id = live["conversation"]["id"]
    assert (await officer.call("read", {"conversation_id": conv_id, "seq": 3}, namespace=A))["ok"]
    # (the case may first be announced as assigned to the officer, still unread)
    await wait_for(officer, "conversation", lambda c: c["id"] == conv_id and c["unread_count"] == 0)


async def test_agent_without_credentials_is_refused(hub: Any) -> None:
    client = socketio.AsyncClient(reconnection=False)
    reasons: list[Any] = []
    client.on("connect_error", reasons.append, namespace=A)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(
            hub.url, namespaces=[A], auth={"token": "knl_wrong"}, transports=["websocket"]
        )
    assert reasons[0]["message"] == "unauthorized"


@pytest.mark.parametrize(
    ("event", "payload"),
    [
        ("join", {"conversation_id": "1"}),
        ("send", {"conversation_id": "CASE"}),
        ("send", {"conversation_id": True, "text": "x"}),
        ("status", {"conversation_id": "CASE", "status": "done"}),
        ("typing", None),
        ("sync", [1, 2]),
    ],
)
async def test_malformed_agent_events_get_an_error_ack(
    hub: Any, sockets: Any, event: str, payload: Any
) -> None:
    officer = await agent(hub, sockets)
    if isinstance(payload, dict) and payload.get("conversation_id") == "CASE":
        warga = await resident(hub, sockets)
        sent = await warga.call("send", {"client_id": "w1", "text": "Lampu mati"}, namespace=W)
        payload = {**payload, "conversation_id": sent["conversation"]["id"]}
    ack = await officer.call(event, payload, namespace=A)
    assert ack["ok"] is False and ack["error"]["code"] == "bad_request"
    assert officer.connected


async def test_agents_see_who_else_has_the_case_open(hub: Any, sockets: Any) -> None:
    budi = await agent(hub, sockets)
    ani = await agent(hub, sockets, "ani@pupr.go.id", "pupr")
    warga = await resident(hub, sockets)
    sent = await warga.call("send", {"client_id": "w1", "text": "Lampu mati"}, namespace=W)
    conv_id = sent["conversation"]["id"]
    await budi.call("join", {"conversation_id": conv_id}, namespace=A)
    await ani.call("join", {"conversation_id": conv_id}, namespace=A)
    both = await wait_for(budi, "viewers", lambda p: len(p["agents"]) == 2)
    assert sorted(a["name"] for a in both["agents"]) == ["Ani", "Budi"]
    await ani.call("leave", {"conversation_id": conv_id}, namespace=A)
    alone = await wait_for(budi, "viewers", lambda p: len(p["agents"]) == 1)
    assert alone["agents"][0]["name"] == "Budi"
