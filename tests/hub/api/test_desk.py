"""Disposisi and assignment: a city-wide case waits in triage, goes to the right OPD, is
accepted or returned with a reason; agents take cases, supervisors assign them, and new
cases go to the least busy online agent."""

from __future__ import annotations

from typing import Any

import aiohttp
from sqlalchemy import select, update

from hub.store import schema as s
from tests.hub.api.test_conversations import bearer, seed_cases
from tests.hub.test_realtime import agent, resident
from tests.waiting import events, wait_for


async def call(hub: Any, token: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http:
        r = await http.request(method, f"{hub.url}{path}", json=body, headers=bearer(token))
        return r.status, await r.json()


async def test_a_city_wide_case_waits_in_triage_until_it_is_sent_on(hub: Any) -> None:
    [city] = await seed_cases(hub, "web-diskominfo", 1)
    await seed_cases(hub, "web-pupr", 1)  # an OPD's own case never waits in triage
    admin = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    status, page = await call(hub, admin, "GET", "/api/v1/conversations?triage=true")
    assert [c["id"] for c in page["items"]] == [city]
    status, _ = await call(
        hub, admin, "POST", f"/api/v1/conversations/{city}/transfer",
        {"opd": "pupr", "reason": "Jalan rusak: kewenangan Dinas PUPR"},
    )  # fmt: skip
    assert status == 200
    status, page = await call(hub, admin, "GET", "/api/v1/conversations?triage=true")
    assert page["items"] == []


async def test_disposisi_moves_the_case_and_the_receiver_accepts_it(hub: Any, sockets: Any) -> None:
    warga = await resident(hub, sockets, inbox="web-diskominfo")
    sent = await warga.call(
        "send", {"client_id": "w1", "text": "Jalan berlubang"}, namespace="/widget"
    )
    conv_id = sent["conversation"]["id"]
    kominfo = await hub.token("sari@kominfo.go.id", "diskominfo", "agent")
    pupr = await hub.token("budi@pupr.go.id", "pupr", "agent")
    watcher = await agent(hub, sockets, "rina@kominfo.go.id", "diskominfo")
    path = f"/api/v1/conversations/{conv_id}"
    assert (await call(hub, pupr, "GET", path))[0] == 404

    status, moved = await call(
        hub, kominfo, "POST", f"{path}/transfer", {"opd": "pupr", "reason": "Kewenangan PUPR"}
    )
    assert status == 200
    assert moved["conversation"]["opd"]["slug"] == "pupr"
    assert moved["conversation"]["pending_transfer_id"] is not None
    assert (await call(hub, kominfo, "GET", path))[0] == 404  # no longer theirs
    await wait_for(watcher, "conversation_removed", lambda p: p["conversation_id"] == conv_id)
    assert (await call(hub, pupr, "GET", path))[0] == 200

    status, accepted = await call(hub, pupr, "POST", f"{path}/transfer/accept")
    assert status == 200 and accepted["conversation"]["pending_transfer_id"] is None
    status, history = await call(hub, pupr, "GET", f"{path}/transfers")
    assert [(t["state"], t["reason"]) for t in history["items"]] == [
        ("accepted", "Kewenangan PUPR")
    ]
    status, messages = await call(hub, pupr, "GET", f"{path}/messages")
    notes = [m for m in messages["items"] if m["sender_type"] == "system"]
    assert [n["private"] for n in notes] == [True, True]
    assert "Kewenangan PUPR" in notes[0]["text"]
    assert [m["text"] for m in events(warga, "message")] == []  # routing is internal


async def test_the_receiver_can_return_a_case_with_a_reason(hub: Any) -> None:
    [conv_id] = await seed_cases(hub, "web-diskominfo", 1)
    kominfo = await hub.token("sari@kominfo.go.id", "diskominfo", "agent")
    pupr = await hub.token("budi@pupr.go.id", "pupr", "agent")
    path = f"/api/v1/conversations/{conv_id}"
    await call(hub, kominfo, "POST", f"{path}/transfer", {"opd": "pupr", "reason": "Jalan"})
    status, body = await call(hub, pupr, "POST", f"{path}/transfer/return", {"reason": ""})
    assert status == 422 and body["error"]["code"] == "empty"
    status, back = await call(
        hub, pupr, "POST", f"{path}/transfer/return", {"reason": "Jalan provinsi, bukan kota"}
    )
    assert status == 200 and back["conversation"]["opd"]["slug"] == "diskominfo"
    assert (await call(hub, pupr, "GET", path))[0] == 404
    status, history = await call(hub, kominfo, "GET", f"{path}/transfers")
    assert history["items"][0]["state"] == "returned"
    assert history["items"][0]["answer"] == "Jalan provinsi, bukan kota"


async def test_disposisi_rules(hub: Any) -> None:
    [conv_id] = await seed_cases(hub, "web-diskominfo", 1)
    kominfo = await hub.token("sari@kominfo.go.id", "diskominfo", "agent")
    path = f"/api/v1/conversations/{conv_id}"
    assert (await call(hub, kominfo, "POST", f"{path}/transfer", {"opd": "x", "reason": "r"}))[
        0
    ] == 422
    same = await call(
        hub, kominfo, "POST", f"{path}/transfer", {"opd": "diskominfo", "reason": "r"}
    )
    assert same[0] == 409
    assert (await call(hub, kominfo, "POST", f"{path}/transfer/accept"))[0] == 409
    await call(hub, kominfo, "POST", f"{path}/transfer", {"opd": "pupr", "reason": "r"})
    admin = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    again = await call(hub, admin, "POST", f"{path}/transfer", {"opd": "diskominfo", "reason": "r"})
    assert again[0] == 409  # waiting for PUPR's answer


async def test_agents_take_cases_and_supervisors_assign_them(hub: Any) -> None:
    [conv_id] = await seed_cases(hub, "web-pupr", 1)
    budi = await hub.token("budi@pupr.go.id", "pupr", "agent")
    ani = await hub.token("ani@pupr.go.id", "pupr", "agent")
    kabid = await hub.token("kabid@pupr.go.id", "pupr", "supervisor")
    await hub.token("sari@kominfo.go.id", "diskominfo", "agent")
    path = f"/api/v1/conversations/{conv_id}"
    status, queue = await call(hub, budi, "GET", "/api/v1/conversations?assignee=none")
    assert [c["id"] for c in queue["items"]] == [conv_id]
    status, taken = await call(hub, budi, "POST", f"{path}/take")
    assert status == 200 and taken["conversation"]["assignee"]["name"] == "Budi"
    assert (await call(hub, ani, "POST", f"{path}/take"))[0] == 409
    assert (await call(hub, ani, "POST", f"{path}/assign", {"agent_id": None}))[0] == 403
    ani_id = await hub.store.read(
        lambda c: c.execute(
            select(s.agent.c.id).where(s.agent.c.email == "ani@pupr.go.id")
        ).scalar()
    )
    status, given = await call(hub, kabid, "POST", f"{path}/assign", {"agent_id": ani_id})
    assert status == 200 and given["conversation"]["assignee"]["name"] == "Ani"
    status, mine = await call(hub, ani, "GET", "/api/v1/conversations?assignee=me")
    assert [c["id"] for c in mine["items"]] == [conv_id]
    sari_id = await hub.store.read(
        lambda c: c.execute(
            select(s.agent.c.id).where(s.agent.c.email == "sari@kominfo.go.id")
        ).scalar()
    )
    assert (await call(hub, kabid, "POST", f"{path}/assign", {"agent_id": sari_id}))[0] == 409


async def test_a_new_case_goes_to_the_least_busy_online_agent(hub: Any, sockets: Any) -> None:
    [busy_case] = await seed_cases(hub, "web-pupr", 1)
    busy = await agent(hub, sockets, "budi@pupr.go.id", "pupr")
    free = await agent(hub, sockets, "ani@pupr.go.id", "pupr")
    await hub.store.write(
        lambda c: c.execute(
            update(s.conversation)
            .where(s.conversation.c.id == busy_case)
            .values(assignee_id=busy.hello["agent"]["id"])
        )
    )
    warga = await resident(hub, sockets)
    sent = await warga.call(
        "send", {"client_id": "w1", "text": "Drainase mampet"}, namespace="/widget"
    )
    conv_id = sent["conversation"]["id"]
    assigned = await wait_for(
        free, "conversation", lambda c: c["id"] == conv_id and c["assignee"] is not None
    )
    assert assigned["assignee"]["id"] == free.hello["agent"]["id"]


async def test_nobody_gets_more_than_their_capacity(hub: Any, sockets: Any) -> None:
    full = await agent(hub, sockets, "budi@pupr.go.id", "pupr")
    await hub.store.write(lambda c: c.execute(update(s.agent).values(capacity=0)))
    warga = await resident(hub, sockets)
    sent = await warga.call("send", {"client_id": "w1", "text": "Lampu mati"}, namespace="/widget")
    conv = await hub.store.read(
        lambda c: c.execute(
            select(s.conversation.c.assignee_id).where(
                s.conversation.c.id == sent["conversation"]["id"]
            )
        ).scalar()
    )
    assert conv is None and full.connected


async def test_a_case_in_triage_is_not_assigned_automatically(hub: Any, sockets: Any) -> None:
    await agent(hub, sockets, "sari@kominfo.go.id", "diskominfo")
    warga = await resident(hub, sockets, inbox="web-diskominfo")
    sent = await warga.call("send", {"client_id": "w1", "text": "Banjir"}, namespace="/widget")
    row = await hub.store.read(
        lambda c: c.execute(
            select(s.conversation).where(s.conversation.c.id == sent["conversation"]["id"])
        ).one()
    )
    assert row.triage and row.assignee_id is None


async def test_a_case_waiting_for_acceptance_cannot_be_taken(hub: Any) -> None:
    [conv_id] = await seed_cases(hub, "web-diskominfo", 1)
    kominfo = await hub.token("sari@kominfo.go.id", "diskominfo", "agent")
    pupr = await hub.token("budi@pupr.go.id", "pupr", "agent")
    path = f"/api/v1/conversations/{conv_id}"
    await call(hub, kominfo, "POST", f"{path}/transfer", {"opd": "pupr", "reason": "Jalan"})
    status, body = await call(hub, pupr, "POST", f"{path}/take")
    assert status == 409 and "accept" in body["error"]["message"]
