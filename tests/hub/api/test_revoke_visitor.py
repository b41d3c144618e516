"""POST /api/v1/conversations/{id}/revoke-visitor: an officer cuts off a website chat."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hub.store import schema as s
from tests.channels.widget.test_namespace import NS, disconnected, visitor
from tests.hub.api.test_desk import call
from tests.waiting import wait_for


async def test_an_officer_cuts_off_the_chat_of_a_case(hub: Any, sockets: Any) -> None:
    warga = await visitor(hub, sockets)
    sent = await warga.call("send", {"client_id": "c1", "text": "Tolong"}, namespace=NS)
    conv_id = sent["conversation"]["id"]
    budi = await hub.token("budi@pupr.go.id", "pupr")
    path = f"/api/v1/conversations/{conv_id}/revoke-visitor"
    status, body = await call(hub, budi, "POST", path, {"reason": "tautan bocor"})
    assert (status, body) == (200, {"revoked": True})
    assert await wait_for(warga, "session_ended") == {"reason": "revoked"}
    await disconnected(warga)
    again = await visitor(hub, sockets, token=warga.session["token"])
    assert again.session["visitor_id"] != warga.session["visitor_id"]
    assert again.session["conversation"] is None

    status, body = await call(hub, budi, "POST", path, {})
    assert (status, body) == (200, {"revoked": False})  # once is enough
    [row] = await hub.store.read(lambda c: c.execute(select(s.visitor_revocation)).all())
    assert row.reason == "tautan bocor" and row.agent_id is not None


async def test_another_opd_cannot_cut_off_a_case_it_does_not_see(hub: Any, sockets: Any) -> None:
    warga = await visitor(hub, sockets)
    sent = await warga.call("send", {"client_id": "c1", "text": "Tolong"}, namespace=NS)
    conv_id = sent["conversation"]["id"]
    other = await hub.token("ani@kominfo.go.id", "diskominfo")
    status, body = await call(
        hub, other, "POST", f"/api/v1/conversations/{conv_id}/revoke-visitor", {}
    )
    assert status == 404 and body["error"]["code"] == "not_found"
    assert warga.connected
    assert await hub.store.read(lambda c: c.execute(select(s.visitor_revocation)).all()) == []


async def test_a_reason_over_200_characters_is_refused(hub: Any, sockets: Any) -> None:
    warga = await visitor(hub, sockets)
    sent = await warga.call("send", {"client_id": "c1", "text": "Tolong"}, namespace=NS)
    budi = await hub.token("budi@pupr.go.id", "pupr")
    path = f"/api/v1/conversations/{sent['conversation']['id']}/revoke-visitor"
    status, body = await call(hub, budi, "POST", path, {"reason": "x" * 201})
    assert status == 400 and body["error"]["code"] == "bad_request"
    assert warga.connected
