"""Categories, canned responses, business hours and areas: the coordinator keeps them,
every agent reads them (except the hours)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from hub.catalog import render_canned
from tests.hub.api.test_admin import Admin, opd_id
from tests.hub.api.test_conversations import bearer


@pytest.fixture
async def boss(hub: Any) -> AsyncIterator[Admin]:
    token = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    async with aiohttp.ClientSession() as http:
        yield Admin(hub, http, token)


@pytest.fixture
async def officer(hub: Any) -> AsyncIterator[Admin]:
    """An agent of PUPR, with the same client (they may read, not change)."""
    token = await hub.token("budi@pupr.go.id", "pupr")
    async with aiohttp.ClientSession() as http:
        yield Admin(hub, http, token)


async def test_categories_are_kept_by_the_admin_and_read_by_agents(
    hub: Any, boss: Admin, officer: Admin
) -> None:
    pupr = opd_id(hub, "pupr")
    body = {"name": "Jalan rusak", "opd_id": pupr, "needs_after_photo": True}
    category = (await boss.ok("POST", "/categories", body, 201))["category"]
    assert category | {"id": 0} == {
        "id": 0,
        "name": "Jalan rusak",
        "opd_id": pupr,
        "needs_after_photo": True,
        "active": True,
    }
    await boss.error("POST", "/categories", {"name": "Jalan  rusak"}, 409, "duplicate")
    await boss.error("POST", "/categories", {"name": ""}, 400, "bad_request")
    await boss.error("POST", "/categories", {"name": "X", "opd_id": 999}, 404, "not_found")
    other = (await boss.ok("POST", "/categories", {"name": "Sosial"}, 201))["category"]
    assert other["opd_id"] is None and other["needs_after_photo"] is False

    path = f"/categories/{category['id']}"
    changed = await boss.ok("PATCH", path, {"active": False, "needs_after_photo": False})
    assert changed["category"]["active"] is False
    await boss.error("PATCH", path, {"name": "Sosial"}, 409, "duplicate")
    listed = (await officer.ok("GET", "/categories"))["items"]
    assert [(c["name"], c["active"]) for c in listed] == [("Jalan rusak", False), ("Sosial", True)]
    await officer.error("POST", "/categories", {"name": "Lain"}, 403, "forbidden")


async def test_canned_responses_by_opd_with_known_variables(
    hub: Any, boss: Admin, officer: Admin
) -> None:
    pupr, kominfo = opd_id(hub, "pupr"), opd_id(hub, "diskominfo")
    salam = {"shortcut": "/Salam", "body": "Selamat pagi {nama}, dari {opd}."}
    created = (await boss.ok("POST", "/canned-responses", salam, 201))["canned_response"]
    assert created["shortcut"] == "salam" and created["opd_id"] is None
    await boss.error("POST", "/canned-responses", salam, 409, "duplicate")
    await boss.ok("POST", "/canned-responses", {**salam, "opd_id": pupr}, 201)  # its own /salam
    await boss.ok(
        "POST", "/canned-responses", {"shortcut": "kominfo", "body": "x", "opd_id": kominfo}, 201
    )
    message = await boss.error(
        "POST", "/canned-responses", {"shortcut": "x", "body": "Halo {name}"}, 400, "bad_request"
    )
    assert "{name}" in message and "{nama}" in message
    await boss.error(
        "POST", "/canned-responses", {"shortcut": "a b", "body": "x"}, 400, "bad_request"
    )

    seen = (await officer.ok("GET", "/canned-responses"))["items"]
    assert [(c["shortcut"], c["opd_id"]) for c in seen] == [("salam", None), ("salam", pupr)]
    assert len((await boss.ok("GET", "/canned-responses"))["items"]) == 3

    path = f"/canned-responses/{created['id']}"
    changed = await boss.ok("PATCH", path, {"body": "Halo {nama}, kode {kode}."})
    assert changed["canned_response"]["body"] == "Halo {nama}, kode {kode}."
    await boss.error("PATCH", path, {"opd_id": pupr}, 409, "duplicate")
    await officer.error("DELETE", path, None, 403, "forbidden")
    await boss.ok("DELETE", path, status=204)
    await boss.error("DELETE", path, None, 404, "not_found")


def test_a_canned_response_is_filled_in_for_the_case() -> None:
    body = "Halo {nama}, laporan {kode} di {opd}. {lain}"
    filled = render_canned(body, nama="Bu Sari", kode="KNL-7Q4M2P", opd="Dinas PUPR")
    assert filled == "Halo Bu Sari, laporan KNL-7Q4M2P di Dinas PUPR. {lain}"


async def test_business_hours_replace_the_week(boss: Admin, officer: Admin) -> None:
    week = [
        {"weekday": 0, "opens": "08:00", "closes": "16:00"},
        {"weekday": 4, "opens": "08:00", "closes": "16:30"},
    ]
    assert (await boss.ok("PUT", "/admin/business-hours", {"days": week}))["days"] == week
    assert (await boss.ok("GET", "/admin/business-hours"))["days"] == week
    for bad in (
        [{"weekday": 7, "opens": "08:00", "closes": "16:00"}],
        [{"weekday": 1, "opens": "8:00", "closes": "16:00"}],
        [{"weekday": 1, "opens": "16:00", "closes": "08:00"}],
        [week[0], week[0]],
        ["senin"],
    ):
        await boss.error("PUT", "/admin/business-hours", {"days": bad}, 400, "bad_request")
    assert (await boss.ok("GET", "/admin/business-hours"))["days"] == week
    await boss.ok("PUT", "/admin/business-hours", {"days": []})
    assert (await boss.ok("GET", "/admin/business-hours"))["days"] == []
    await officer.error("GET", "/admin/business-hours", None, 403, "forbidden")


async def test_areas_import_from_csv_skipping_what_is_listed(boss: Admin, officer: Admin) -> None:
    await boss.ok("POST", "/areas", {"kecamatan": "Sirimau", "kelurahan": "Batu Merah"}, 201)
    await boss.error(
        "POST", "/areas", {"kecamatan": "Sirimau", "kelurahan": "Batu Merah"}, 409, "duplicate"
    )
    csv = (
        "Kecamatan,Kelurahan\n"
        "Sirimau,Batu Merah\n"
        "Sirimau, Karang  Panjang\n"
        '"Teluk Ambon Baguala",Passo\n'
        "\n"
        "Nusaniwe,Benteng\n"
    )
    assert await boss.ok("POST", "/areas/import", {"csv": csv}) == {"added": 3, "skipped": 1}
    message = await boss.error(
        "POST", "/areas/import", {"csv": "Nusaniwe,Amahusu\nLatuhalat\n"}, 400, "bad_request"
    )
    assert "line 2" in message
    listed = (await officer.ok("GET", "/areas"))["items"]
    assert [(a["kecamatan"], a["kelurahan"]) for a in listed] == [
        ("Nusaniwe", "Benteng"),
        ("Sirimau", "Batu Merah"),
        ("Sirimau", "Karang Panjang"),
        ("Teluk Ambon Baguala", "Passo"),
    ]
    await officer.error("DELETE", f"/areas/{listed[0]['id']}", None, 403, "forbidden")
    await boss.ok("DELETE", f"/areas/{listed[0]['id']}", status=204)
    assert len((await officer.ok("GET", "/areas"))["items"]) == 3


async def test_the_lists_need_a_login(hub: Any) -> None:
    async with aiohttp.ClientSession() as http:
        for path in ("/categories", "/canned-responses", "/areas"):
            assert (await http.get(f"{hub.url}/api/v1{path}")).status == 401
            r = await http.get(f"{hub.url}/api/v1{path}", headers=bearer("knl_nope"))
            assert r.status == 401
