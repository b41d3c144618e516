"""UU PDP through the admin API: the access log of who opened, downloaded or exported a
case; a resident's data exported and erased on request (both audited)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import aiohttp
import pytest
from sqlalchemy import Connection, select

from hub.ingest import accept_inbound
from hub.models import Inbound, Kind, Sender
from hub.privacy import TOMBSTONE
from hub.store import schema as s
from tests.hub.api.test_admin import Admin
from tests.hub.api.test_conversations import bearer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
async def boss(hub: Any) -> AsyncIterator[Admin]:
    token = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    async with aiohttp.ClientSession() as http:
        yield Admin(hub, http, token)


async def resident_case(hub: Any) -> tuple[int, int, str]:
    """Siti's case with a photo; (case id, contact id, media id)."""
    photo = await hub.service.media.save(PNG, mime_type="image/png", file_name="jalan.png")
    directory = hub.service.directory
    inbox = directory.inbox_by_key("web-pupr")
    sender = Sender("visitor-siti", name="Siti Rahayu", phone="081234565678", email="siti@x.id")

    def job(conn: Connection) -> Any:
        first = Inbound(sender, text="Jalan berlubang di depan rumah saya, NIK 3171012345670001")
        accepted = accept_inbound(conn, directory, inbox, first)
        accept_inbound(
            conn, directory, inbox, Inbound(sender, kind=Kind.IMAGE, attachments=(photo,))
        )
        return accepted.conversation

    conv = await hub.store.write(job)
    return conv["id"], conv["contact"]["id"], photo["media_id"]


async def test_opening_a_case_downloading_and_exporting_are_in_the_access_log(
    hub: Any, boss: Admin
) -> None:
    conv_id, _, media_id = await resident_case(hub)
    token = await hub.token("budi@pupr.go.id", "pupr")
    agent_id = await hub.store.read(
        lambda c: c.execute(
            select(s.agent.c.id).where(s.agent.c.email == "budi@pupr.go.id")
        ).scalar_one()
    )
    async with aiohttp.ClientSession(headers=bearer(token)) as http:
        for path in (f"conversations/{conv_id}", f"conversations/{conv_id}/messages") * 2:
            async with http.get(f"{hub.url}/api/v1/{path}") as r:
                assert r.status == 200
        async with http.get(f"{hub.url}/api/v1/media/{media_id}") as r:
            assert r.status == 200
    today = date.today().isoformat()
    async with boss.http.get(
        f"{hub.url}/api/v1/exports/cases.csv?from={today}&to={today}", headers=boss.headers
    ) as r:
        assert r.status == 200
        await r.read()

    seen = await boss.ok("GET", f"/admin/audit?conversation={conv_id}")
    actions = sorted((e["action"], e["agent"]["name"]) for e in seen["items"])
    # Opening the same case twice within a minute is one record per kind of read.
    assert actions == [("download", "Budi"), ("read", "Budi"), ("view", "Budi")]
    by_agent = await boss.ok("GET", f"/admin/audit?agent={agent_id}")
    assert {e["conversation_id"] for e in by_agent["items"]} == {conv_id}
    everything = await boss.ok("GET", "/admin/audit?since=2000-01-01")
    [export] = [e for e in everything["items"] if e["action"] == "export"]
    assert (export["data"]["format"], export["data"]["to"]) == ("csv", today)
    assert (await boss.ok("GET", "/admin/audit?since=2999-01-01"))["items"] == []
    await boss.error("GET", "/admin/audit?agent=x", None, 400, "bad_request")


async def test_only_an_admin_reads_the_access_log_or_a_residents_data(hub: Any) -> None:
    _, contact_id, _ = await resident_case(hub)
    token = await hub.token("kabid@pupr.go.id", "pupr", "supervisor")
    async with aiohttp.ClientSession(headers=bearer(token)) as http:
        for method, path in [
            ("GET", "admin/audit"),
            ("GET", "admin/dead-letters"),
            ("GET", f"admin/contacts/{contact_id}/export"),
            ("DELETE", f"admin/contacts/{contact_id}"),
        ]:
            async with http.request(method, f"{hub.url}/api/v1/{path}") as r:
                assert r.status == 403, path
    row = await hub.store.read(
        lambda c: c.execute(select(s.contact).where(s.contact.c.id == contact_id)).one()
    )
    assert row.name == "Siti Rahayu"


async def test_a_residents_data_is_exported_as_json_and_the_export_audited(
    hub: Any, boss: Admin
) -> None:
    conv_id, contact_id, media_id = await resident_case(hub)
    data = await boss.ok("GET", f"/admin/contacts/{contact_id}/export")
    assert data["contact"]["name"] == "Siti Rahayu"
    assert data["contact"]["phone"] == "081234565678"
    assert [i["external_id"] for i in data["identities"]] == ["visitor-siti"]
    [case] = data["cases"]
    assert case["id"] == conv_id
    assert case["messages"][0]["text"].startswith("Jalan berlubang")
    assert [f["id"] for f in case["media"]] == [media_id]
    log = await boss.ok("GET", "/admin/audit")
    assert [(e["action"], e["contact_id"]) for e in log["items"]] == [
        ("contact_export", contact_id)
    ]
    assert (await boss.call("GET", "/admin/contacts/999999/export"))[0] == 404


async def test_erasure_removes_the_resident_but_keeps_the_anonymised_case(
    hub: Any, boss: Admin
) -> None:
    conv_id, contact_id, media_id = await resident_case(hub)
    found = await hub.service.media.get(media_id)
    assert found is not None and found.path.exists()

    answer = await boss.ok("DELETE", f"/admin/contacts/{contact_id}")
    assert answer["erased"] == {"cases": 1, "messages": 2, "files": 1, "identities": 1}

    contact = await hub.store.read(
        lambda c: c.execute(select(s.contact).where(s.contact.c.id == contact_id)).one()
    )
    assert (contact.name, contact.phone, contact.email) == (None, None, None)
    identities = await hub.store.read(lambda c: c.execute(select(s.contact_identity)).all())
    assert identities == []
    case = await hub.store.read(
        lambda c: c.execute(select(s.conversation).where(s.conversation.c.id == conv_id)).one()
    )
    assert (case.status, case.reply_to, case.opd_id) == ("closed", "", case.opd_id)
    texts = await hub.store.read(
        lambda c: c.execute(
            select(s.message.c.text, s.message.c.attachments).where(
                s.message.c.conversation_id == conv_id, s.message.c.sender_type == "contact"
            )
        ).all()
    )
    assert [(t.text, t.attachments) for t in texts] == [(TOMBSTONE, None)] * 2
    assert await hub.service.media.get(media_id) is None
    assert not found.path.exists()
    # Nothing of it is found by search either.
    token = await hub.token("budi@pupr.go.id", "pupr")
    async with (
        aiohttp.ClientSession(headers=bearer(token)) as http,
        http.get(f"{hub.url}/api/v1/search?q=berlubang") as r,
    ):
        assert (await r.json())["items"] == []
    [event] = (await boss.ok("GET", "/admin/audit"))["items"]
    assert (event["action"], event["contact_id"], event["data"]["messages"]) == (
        "contact_erase",
        contact_id,
        2,
    )


async def test_opening_a_case_in_the_console_socket_is_in_the_access_log(
    hub: Any, boss: Admin, sockets: Any
) -> None:
    conv_id, _, _ = await resident_case(hub)
    token = await hub.token("budi@pupr.go.id", "pupr")
    console = await sockets(hub.url, "/agent", auth={"token": token})
    joined = await console.call("join", {"conversation_id": conv_id}, namespace="/agent")
    assert joined["ok"] is True
    [event] = (await boss.ok("GET", f"/admin/audit?conversation={conv_id}"))["items"]
    assert (event["action"], event["agent"]["name"]) == ("view", "Budi")
