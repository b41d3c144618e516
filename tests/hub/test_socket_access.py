"""A visitor's token opens their own conversation and nothing else: not another visitor's,
not one of another inbox, whatever the event (send, sync, typing, identify, rate, forget)
and whatever the payload names. The server alone decides who a socket is."""

from __future__ import annotations

from typing import Any

import pytest
import socketio
from sqlalchemy import select

from hub.keys import AUTH
from hub.models import Status
from hub.resolve import FollowUp
from hub.store import schema as s
from tests.hub.test_realtime import A, W, agent, resident
from tests.waiting import events, wait_for


async def talking(hub: Any, sockets: Any, inbox: str = "web-pupr", text: str = "halo") -> Any:
    """A visitor of `inbox` with a case that says `text`."""
    warga = await resident(hub, sockets, inbox)
    sent = await warga.call("send", {"client_id": "c1", "text": text}, namespace=W)
    assert sent["ok"], sent
    warga.case = sent["conversation"]
    return warga


async def contact_of(hub: Any, conv_id: int) -> Any:
    c, k = s.conversation.c, s.contact.c
    return await hub.store.read(
        lambda conn: conn.execute(
            select(s.contact).join(s.conversation, c.contact_id == k.id).where(c.id == conv_id)
        ).one()
    )


async def test_a_token_of_another_inbox_is_a_new_visitor_who_sees_nothing(
    hub: Any, sockets: Any
) -> None:
    pupr = await talking(hub, sockets, "web-pupr", "rahasia warga PUPR")
    elsewhere = await resident(hub, sockets, "web-diskominfo", token=pupr.session["token"])
    assert elsewhere.session["visitor_id"] != pupr.session["visitor_id"]
    assert elsewhere.session["token"] != pupr.session["token"]
    assert elsewhere.session["conversation"] is None
    synced = await elsewhere.call("sync", {"after_seq": 0}, namespace=W)
    assert synced["conversation"] is None and synced["messages"] == []


async def test_a_forged_or_altered_token_is_a_new_visitor(hub: Any, sockets: Any) -> None:
    owner = await talking(hub, sockets, text="laporan pemilik token")
    token = owner.session["token"]
    for forged in (token[:-3] + "abc", token.split(".")[0], "v_" + owner.session["visitor_id"]):
        intruder = await resident(hub, sockets, token=forged)
        assert intruder.session["visitor_id"] != owner.session["visitor_id"]
        synced = await intruder.call("sync", {"after_seq": 0}, namespace=W)
        assert synced["conversation"] is None, forged


async def test_two_visitors_of_one_inbox_never_see_or_touch_each_other(
    hub: Any, sockets: Any
) -> None:
    officer = await agent(hub, sockets)
    ani = await talking(hub, sockets, text="Ani: lampu jalan mati")
    budi = await resident(hub, sockets)
    mine = ani.case["id"]

    # A payload naming Ani's case changes nothing: the server decides whose case it is.
    sent = await budi.call(
        "send",
        {"client_id": "c1", "text": "Budi menulis", "conversation_id": mine},
        namespace=W,
    )
    assert sent["ok"] and sent["conversation"]["id"] != mine
    synced = await budi.call("sync", {"after_seq": 0, "conversation_id": mine}, namespace=W)
    assert [m["text"] for m in synced["messages"]] == ["Budi menulis"]

    named = await budi.call("identify", {"name": "Budi", "phone": "0811", "id": 1}, namespace=W)
    assert named["ok"]
    assert (await contact_of(hub, mine)).name != "Budi"

    # Budi's typing is his own case's, whatever he names: the officer, who has only Ani's
    # case open, hears Ani type and nothing from Budi.
    await officer.call("join", {"conversation_id": mine}, namespace=A)
    await budi.call("typing", {"typing": True, "conversation_id": mine}, namespace=W)
    await ani.call("typing", {"typing": True}, namespace=W)
    await wait_for(officer, "typing", lambda t: t["who"] == "contact")
    assert [t["conversation_id"] for t in events(officer, "typing")] == [mine]

    # What an officer says to Ani reaches Ani only.
    await officer.call("typing", {"conversation_id": mine, "typing": True}, namespace=A)
    reply = {"conversation_id": mine, "client_id": "a1", "text": "Untuk Ani saja"}
    assert (await officer.call("send", reply, namespace=A))["ok"]
    await wait_for(ani, "message", lambda m: m["text"] == "Untuk Ani saja")
    await wait_for(ani, "typing")
    # Budi is a socket on the same node: had anything been sent to him, it came first.
    await budi.call("sync", {"after_seq": 0}, namespace=W)
    assert all(m["conversation_id"] != mine for m in events(budi, "message"))
    assert events(budi, "typing") == []
    assert "Ani" not in str(budi.received)


async def test_a_visitor_cannot_rate_another_visitors_case(hub: Any, sockets: Any) -> None:
    ani = await talking(hub, sockets, text="Ani melapor")
    budi = await talking(hub, sockets, text="Budi melapor")
    principal = await officer_principal(hub)
    for case in (ani.case, budi.case):
        await hub.service.set_status(principal, case["id"], Status.RESOLVED, FollowUp("Beres"))
    rated = await budi.call(
        "rate", {"score": 1, "tracking_code": ani.case["tracking_code"]}, namespace=W
    )
    assert rated["ok"] is False and rated["error"]["code"] == "not_rateable"
    assert (await hub.service.conversation(principal, ani.case["id"]))["csat"] is None


async def test_forget_ends_only_the_callers_own_session(hub: Any, sockets: Any) -> None:
    ani = await talking(hub, sockets, text="Ani di warnet")
    ani_other_tab = await resident(hub, sockets, token=ani.session["token"])
    budi = await talking(hub, sockets, text="Budi di rumah")
    assert (await ani.call("forget", {"visitor_id": budi.session["visitor_id"]}, namespace=W))["ok"]
    await wait_for(ani_other_tab, "session_ended")
    await wait_for(ani, "session_ended")
    assert budi.connected and events(budi, "session_ended") == []
    again = await resident(hub, sockets, token=budi.session["token"])
    assert again.session["visitor_id"] == budi.session["visitor_id"]
    assert again.session["conversation"]["id"] == budi.case["id"]
    # Ani's old token is refused: whoever sits at the computer next sees nothing.
    after = await resident(hub, sockets, token=ani.session["token"])
    assert after.session["visitor_id"] != ani.session["visitor_id"]
    assert after.session["conversation"] is None


async def test_a_visitor_token_opens_nothing_on_the_agent_side(hub: Any, sockets: Any) -> None:
    warga = await resident(hub, sockets)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await sockets(hub.url, A, auth={"token": warga.session["token"]})


async def officer_principal(hub: Any) -> Any:
    return await hub.app[AUTH].from_api_token(await hub.token("kabid@pupr.go.id", "pupr"))
