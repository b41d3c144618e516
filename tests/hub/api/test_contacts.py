"""A resident's cases across channels, and merging two records of one person."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from hub.ingest import accept_inbound
from hub.models import Inbound, Sender
from hub.store import schema as s
from tests.hub.api.test_desk import call


async def two_records(hub: Any) -> tuple[int, int, int, int]:
    """Siti wrote on the PUPR widget; an agent also recorded her call (another record)."""
    directory = hub.service.directory

    def job(conn: Connection) -> tuple[int, int, int, int]:
        web = accept_inbound(
            conn, directory, directory.inbox_by_key("web-pupr"),
            Inbound(Sender("w-siti", name="Siti"), text="Saluran mampet"),
        )  # fmt: skip
        call_in = accept_inbound(
            conn, directory, directory.inbox_by_key("web-diskominfo"),
            Inbound(Sender("w-siti-2", phone="+628111"), text="Sampah belum diangkut"),
        )  # fmt: skip
        return (
            web.conversation["contact"]["id"], web.conversation["id"],
            call_in.conversation["contact"]["id"], call_in.conversation["id"],
        )  # fmt: skip

    return await hub.store.write(job)


async def test_an_agent_sees_only_the_cases_of_their_opd(hub: Any) -> None:
    siti, pupr_case, other, _ = await two_records(hub)
    budi = await hub.token("budi@pupr.go.id", "pupr")
    status, body = await call(hub, budi, "GET", f"/api/v1/contacts/{siti}")
    assert status == 200 and [c["id"] for c in body["cases"]] == [pupr_case]
    assert body["contact"]["name"] == "Siti" and body["contact"]["channels"] == ["widget"]
    assert (await call(hub, budi, "GET", f"/api/v1/contacts/{other}"))[0] == 404


async def test_a_coordinator_merges_two_records_and_every_case_follows(hub: Any) -> None:
    siti, pupr_case, other, kominfo_case = await two_records(hub)
    admin = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    budi = await hub.token("budi@pupr.go.id", "pupr")
    forbidden = await call(hub, budi, "POST", f"/api/v1/contacts/{siti}/merge", {"into": other})
    assert forbidden[0] == 403  # a resident he sees, but merging is for coordinators
    hidden = await call(hub, budi, "POST", f"/api/v1/contacts/{other}/merge", {"into": siti})
    assert hidden[0] == 404  # one he does not see at all
    status, body = await call(hub, admin, "POST", f"/api/v1/contacts/{other}/merge", {"into": siti})
    assert status == 200 and body == {"contact_id": siti, "cases_moved": 1}
    merged = (await call(hub, admin, "GET", f"/api/v1/contacts/{siti}"))[1]
    assert {c["id"] for c in merged["cases"]} == {pupr_case, kominfo_case}
    assert merged["contact"]["phone"] == "+628111"  # learned from the other record
    audit = await hub.store.read(
        lambda c: c.execute(
            select(s.event.c.data).where(s.event.c.action == "contact_merge")
        ).scalar()
    )
    assert audit == {"from": other, "into": siti, "cases": 1}
    again = await call(hub, admin, "POST", f"/api/v1/contacts/{other}/merge", {"into": siti})
    assert again[0] == 404


async def test_a_merge_that_would_give_two_open_cases_in_one_inbox_is_refused(hub: Any) -> None:
    siti, _, other, kominfo_case = await two_records(hub)
    await hub.store.write(
        lambda c: c.execute(
            update(s.conversation)
            .where(s.conversation.c.id == kominfo_case)
            .values(inbox_id=hub.service.directory.inbox_by_key("web-pupr").id)
        )
    )
    admin = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    status, body = await call(hub, admin, "POST", f"/api/v1/contacts/{other}/merge", {"into": siti})
    assert status == 409 and "open case" in body["error"]["message"]
