"""CSAT in the hub: a resident rates their own resolved case (1-5, maybe a comment), may
change it for a week, is asked once; agents see the rating live, the resident never sees the
note. Exercised through the widget channel, the live one."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from hub.keys import AUTH
from hub.models import Rating, Sender, Status, utcnow
from hub.resolve import FollowUp
from hub.store import schema as s
from tests.hub.test_realtime import A, W, agent, resident
from tests.waiting import events, wait_for


async def resolved_case(hub: Any, sockets: Any) -> tuple[Any, Any, dict[str, Any]]:
    """A widget resident's case an officer has just resolved: (resident, officer, case)."""
    officer = await agent(hub, sockets)
    warga = await resident(hub, sockets)
    sent = await warga.call("send", {"client_id": "w1", "text": "Got mampet"}, namespace=W)
    case = sent["conversation"]
    principal = await hub.app[AUTH].from_api_token(await hub.token("kabid@pupr.go.id", "pupr"))
    await hub.service.set_status(principal, case["id"], Status.RESOLVED, FollowUp("Sudah beres"))
    done = await wait_for(warga, "conversation", lambda c: c["status"] == "resolved")
    assert done["csat"] is None
    return warga, officer, case


async def row(hub: Any, conv_id: int) -> Any:
    query = select(s.conversation).where(s.conversation.c.id == conv_id)
    return await hub.store.read(lambda c: c.execute(query).one())


async def notes(hub: Any, conv_id: int) -> list[str]:
    m = s.message.c
    query = select(m.text).where(m.conversation_id == conv_id, m.private.is_(True))
    return list(await hub.store.read(lambda c: c.execute(query).scalars().all()))


async def test_a_resident_rates_their_resolved_case_and_agents_see_it_live(
    hub: Any, sockets: Any
) -> None:
    warga, officer, case = await resolved_case(hub, sockets)
    rated = await warga.call(
        "rate",
        {"tracking_code": case["tracking_code"], "score": 4, "comment": "Cepat, terima kasih"},
        namespace=W,
    )
    assert rated["ok"] and rated["conversation"]["csat"] == 4
    stored = await row(hub, case["id"])
    assert (stored.csat, stored.csat_comment) == (4, "Cepat, terima kasih")
    assert stored.csat_at is not None
    live = await wait_for(officer, "message", lambda p: p["message"]["private"])
    assert live["message"]["text"] == "Penilaian warga: 4/5 — “Cepat, terima kasih”"
    assert live["message"]["sender_type"] == "system"
    assert (live["conversation"]["csat"], live["conversation"]["csat_comment"]) == (
        4,
        "Cepat, terima kasih",
    )
    principal = await hub.app[AUTH].from_api_token(await hub.token("sari@pupr.go.id", "pupr"))
    seen = await hub.service.conversation(principal, case["id"])
    assert seen["csat"] == 4 and seen["csat_at"] is not None
    assert all(not m["private"] for m in events(warga, "message")), "the note stays internal"
    synced = await warga.call("sync", {"after_seq": 0}, namespace=W)
    assert synced["conversation"]["csat"] == 4
    assert all("Penilaian" not in m["text"] for m in synced["messages"])


async def test_only_a_resolved_case_of_ones_own_can_be_rated(hub: Any, sockets: Any) -> None:
    warga = await resident(hub, sockets)
    sent = await warga.call("send", {"client_id": "w1", "text": "halo"}, namespace=W)
    refused = await warga.call("rate", {"score": 5}, namespace=W)
    assert refused["error"]["code"] == "not_rateable", "an open case"
    _, _, case = await resolved_case(hub, sockets)  # another resident's
    stranger = await warga.call(
        "rate", {"score": 1, "tracking_code": case["tracking_code"]}, namespace=W
    )
    assert stranger["error"]["code"] == "not_rateable", "someone else's case"
    assert (await row(hub, case["id"])).csat is None
    assert (await row(hub, sent["conversation"]["id"])).csat is None


async def test_a_rating_can_change_for_a_week_then_stays(hub: Any, sockets: Any) -> None:
    warga, _, case = await resolved_case(hub, sockets)
    assert (await warga.call("rate", {"score": 2}, namespace=W))["ok"]
    assert (await warga.call("rate", {"score": 2}, namespace=W))["ok"]
    changed = await warga.call("rate", {"score": 5, "comment": "Ternyata tuntas"}, namespace=W)
    assert changed["conversation"]["csat"] == 5
    assert await notes(hub, case["id"]) == [
        "Penilaian warga: 2/5",
        "Penilaian warga: 5/5 — “Ternyata tuntas”",
    ], "the same rating again adds nothing"
    week_ago = utcnow() - timedelta(days=7, minutes=1)
    await hub.store.write(
        lambda c: c.execute(
            update(s.conversation)
            .where(s.conversation.c.id == case["id"])
            .values(resolved_at=week_ago)
        )
    )
    late = await warga.call("rate", {"score": 1}, namespace=W)
    assert late["error"]["code"] == "not_rateable"
    assert (await row(hub, case["id"])).csat == 5


async def test_a_comment_alone_joins_a_rating_already_given(hub: Any, sockets: Any) -> None:
    warga, _, case = await resolved_case(hub, sockets)
    inbox = hub.service.directory.inbox_by_key("web-pupr")
    visitor = warga.session["visitor_id"]
    comment = Rating(Sender(visitor), None, "Petugasnya ramah", case=case["tracking_code"])
    [early] = await hub.service.accept(inbox, [comment])
    assert early.conversation is None, "nothing to comment on yet"
    await warga.call("rate", {"score": 4}, namespace=W)
    [later] = await hub.service.accept(inbox, [comment])
    assert (
        later.conversation is not None and later.conversation["csat_comment"] == "Petugasnya ramah"
    )
    stored = await row(hub, case["id"])
    assert (stored.csat, stored.csat_comment) == (4, "Petugasnya ramah")


async def test_a_provider_rating_is_stored_once_per_provider_id(hub: Any, sockets: Any) -> None:
    warga, _, case = await resolved_case(hub, sockets)
    inbox = hub.service.directory.inbox_by_key("web-pupr")
    tap = Rating(Sender(warga.session["visitor_id"]), 3, external_id="wamid.RATE1")
    [first] = await hub.service.accept(inbox, [tap])
    [again] = await hub.service.accept(inbox, [Rating(tap.sender, 1, external_id="wamid.RATE1")])
    assert first.message is not None and again.duplicate
    assert (await row(hub, case["id"])).csat == 3


async def test_bad_ratings_are_refused_with_bad_request(hub: Any, sockets: Any) -> None:
    warga, _, _ = await resolved_case(hub, sockets)
    for payload in ({"score": 0}, {"score": 6}, {"score": True}, {"score": "5"}, {}, []):
        answer = await warga.call("rate", payload, namespace=W)
        assert answer["error"]["code"] == "bad_request", payload
    long = await warga.call("rate", {"score": 3, "comment": "x" * 1001}, namespace=W)
    assert long["error"]["code"] == "bad_request"


async def asked(hub: Any, conv_id: int) -> list[Any]:
    e = s.event.c
    query = select(e.data).where(e.conversation_id == conv_id, e.action == "csat_asked")
    return list(await hub.store.read(lambda c: c.execute(query).scalars().all()))


async def test_the_resident_is_asked_once_per_case(hub: Any, sockets: Any) -> None:
    _, officer, case = await resolved_case(hub, sockets)
    for _ in range(100):
        if await asked(hub, case["id"]):
            break
        await asyncio.sleep(0.02)
    assert await asked(hub, case["id"]) == [{"channel": "widget", "asked": True}]
    reopen = await officer.call(
        "status", {"conversation_id": case["id"], "status": "open"}, namespace=A
    )
    assert reopen["ok"]
    again = await officer.call(
        "status",
        {"conversation_id": case["id"], "status": "resolved", "note": "Tuntas"},
        namespace=A,
    )
    assert again["ok"]
    await hub.service.drain()
    await asyncio.sleep(0.2)
    assert len(await asked(hub, case["id"])) == 1
