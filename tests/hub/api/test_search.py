"""Search finds cases by the words in their messages (or their tracking code), ranked,
one hit per case, never outside the agent's OPD."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from hub.ingest import accept_inbound
from hub.models import Inbound, Sender
from tests.hub.api.test_desk import call

REPORTS = [
    ("web-pupr", "w1", "Jalan berlubang di Jl. Sultan Hairun, dua motor jatuh"),
    ("web-pupr", "w2", "Lampu jalan mati di depan SD Negeri 2"),
    ("web-pupr", "w1", "Lubangnya makin besar setelah hujan"),
    ("web-diskominfo", "w3", "Jalan berlubang dekat kantor lurah Batu Merah"),
]


async def seed(hub: Any) -> dict[str, int]:
    directory = hub.service.directory

    def job(conn: Connection) -> dict[str, int]:
        found = {}
        for key, who, text in REPORTS:
            accepted = accept_inbound(
                conn, directory, directory.inbox_by_key(key), Inbound(Sender(who), text=text)
            )
            found[who] = accepted.conversation["id"]
        return found

    return await hub.store.write(job)


async def test_words_find_cases_within_the_agents_opd(hub: Any) -> None:
    cases = await seed(hub)
    budi = await hub.token("budi@pupr.go.id", "pupr")
    status, body = await call(hub, budi, "GET", "/api/v1/search?q=jalan%20berlub")
    assert status == 200
    assert [i["conversation"]["id"] for i in body["items"]] == [cases["w1"]]  # one hit per case
    assert "[berlubang]" in body["items"][0]["snippet"].lower()
    admin = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    everything = (await call(hub, admin, "GET", "/api/v1/search?q=berlubang"))[1]["items"]
    assert {i["conversation"]["id"] for i in everything} == {cases["w1"], cases["w3"]}
    lampu = (await call(hub, budi, "GET", "/api/v1/search?q=LAMPU"))[1]["items"]
    assert [i["conversation"]["id"] for i in lampu] == [cases["w2"]]


async def test_a_tracking_code_finds_its_case_and_odd_input_is_safe(hub: Any) -> None:
    cases = await seed(hub)
    budi = await hub.token("budi@pupr.go.id", "pupr")
    code = (await call(hub, budi, "GET", f"/api/v1/conversations/{cases['w2']}"))[1][
        "tracking_code"
    ]
    found = (await call(hub, budi, "GET", f"/api/v1/search?q={code.lower()}"))[1]["items"]
    assert [i["conversation"]["id"] for i in found] == [cases["w2"]]
    for odd in ['"', "AND OR NOT", "jalan*)(", "%22%20NEAR(", "***"]:
        status, body = await call(hub, budi, "GET", f"/api/v1/search?q={odd}")
        assert status == 200, (odd, body)
    assert (await call(hub, budi, "GET", "/api/v1/search?q="))[0] == 400


async def test_a_case_is_found_by_the_opd_it_was_sent_to_and_no_longer_by_the_sender(
    hub: Any,
) -> None:
    cases = await seed(hub)
    kominfo = await hub.token("sari@kominfo.go.id", "diskominfo")
    budi = await hub.token("budi@pupr.go.id", "pupr")
    found = (await call(hub, kominfo, "GET", "/api/v1/search?q=lurah"))[1]["items"]
    assert [i["conversation"]["id"] for i in found] == [cases["w3"]]
    await call(
        hub, kominfo, "POST", f"/api/v1/conversations/{cases['w3']}/transfer",
        {"opd": "pupr", "reason": "Jalan"},
    )  # fmt: skip
    assert (await call(hub, kominfo, "GET", "/api/v1/search?q=lurah"))[1]["items"] == []
    moved = (await call(hub, budi, "GET", "/api/v1/search?q=lurah&status=open"))[1]["items"]
    assert [i["conversation"]["id"] for i in moved] == [cases["w3"]]
