"""A case's details (priority, labels, category, kelurahan) and the rahasia/anonim flags,
which hide the reporter from OPD agents — only coordinators see who reported."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from hub.store import schema as s
from tests.hub.api.test_conversations import seed_cases
from tests.hub.api.test_desk import call
from tests.hub.test_realtime import agent
from tests.waiting import wait_for


async def test_details_are_validated_and_kept(hub: Any) -> None:
    [conv_id] = await seed_cases(hub, "web-pupr", 1)
    budi = await hub.token("budi@pupr.go.id", "pupr")
    path = f"/api/v1/conversations/{conv_id}"
    status, body = await call(
        hub, budi, "PATCH", path,
        {"priority": "urgent", "labels": ["banjir", "RT 05", "banjir"], "kelurahan": "Batu Merah"},
    )  # fmt: skip
    assert status == 200
    conv = body["conversation"]
    assert (conv["priority"], conv["labels"], conv["kelurahan"]) == (
        "urgent",
        ["RT 05", "banjir"],
        "Batu Merah",
    )
    assert (await call(hub, budi, "PATCH", path, {"priority": "kritis"}))[0] == 400
    assert (await call(hub, budi, "PATCH", path, {"status": "closed"}))[0] == 400
    org = hub.service.directory.organization_id
    await hub.store.write(
        lambda c: c.execute(insert(s.category).values(organization_id=org, name="Jalan rusak"))
    )
    status, body = await call(hub, budi, "PATCH", path, {"category": "Lampu"})
    assert status == 422 and body["error"]["code"] == "unknown_category"
    assert (await call(hub, budi, "PATCH", path, {"category": "Jalan rusak"}))[0] == 200


async def test_a_rahasia_case_hides_the_reporter_from_the_opd_but_not_coordinators(
    hub: Any, sockets: Any
) -> None:
    [conv_id] = await seed_cases(hub, "web-pupr", 1)
    budi = await hub.token("budi@pupr.go.id", "pupr")
    admin = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    watcher = await agent(hub, sockets, "ani@pupr.go.id", "pupr")
    coordinator = await agent(hub, sockets, "kadis@kota.go.id", "diskominfo", "admin")
    path = f"/api/v1/conversations/{conv_id}"
    status, body = await call(hub, budi, "PATCH", path, {"rahasia": True})
    assert status == 200 and body["conversation"]["contact"]["name"] == "Pelapor dirahasiakan"
    live = await wait_for(watcher, "conversation", lambda c: c["id"] == conv_id and c["rahasia"])
    assert live["contact"] == {"id": None, "name": "Pelapor dirahasiakan"}
    seen = await wait_for(
        coordinator, "conversation", lambda c: c["id"] == conv_id and c["rahasia"]
    )
    assert seen["contact"]["name"] == "Warga 0"
    listed = (await call(hub, budi, "GET", "/api/v1/conversations"))[1]["items"]
    assert listed[0]["contact"]["name"] == "Pelapor dirahasiakan"
    assert (await call(hub, admin, "GET", path))[1]["contact"]["name"] == "Warga 0"
    status, body = await call(hub, budi, "PATCH", path, {"rahasia": False})
    assert status == 403
    assert (await call(hub, admin, "PATCH", path, {"rahasia": False}))[0] == 200


async def test_the_status_ack_on_the_socket_hides_the_reporter_too(hub: Any, sockets: Any) -> None:
    [conv_id] = await seed_cases(hub, "web-pupr", 1)
    budi = await hub.token("budi@pupr.go.id", "pupr")
    await call(hub, budi, "PATCH", f"/api/v1/conversations/{conv_id}", {"rahasia": True})
    ani = await agent(hub, sockets, "ani@pupr.go.id", "pupr")
    ack = await ani.call(
        "status", {"conversation_id": conv_id, "status": "pending"}, namespace="/agent"
    )
    assert ack["ok"] and ack["conversation"]["contact"]["name"] == "Pelapor dirahasiakan"
