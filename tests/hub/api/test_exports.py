"""Case exports: the CSV's rows equal the SLA facts of hand-built timelines, each role sees
what its reports show, the XLSX is a real sheet, every export is audited, and nothing in
them names a resident or repeats what anyone wrote."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import select, update

from hub import exports
from hub.keys import SETTINGS
from hub.models import utcnow
from hub.store import schema as s
from tests.hub.api.test_conversations import bearer
from tests.hub.test_sla import remake, timeline

RANGE = "from=2025-01-01&to=2025-12-31"
RESIDENT = {"name": "Siti Rahmawati", "phone": "+6281234567890", "email": "siti@contoh.id"}
SECRET_TEXT = "Jalan berlubang tepat di depan rumah saya"
XLSX_NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


async def seed(hub: Any) -> dict[str, Any]:
    """A PUPR case answered three more times after its first response, then resolved; a
    PUPR case nobody answered; a Diskominfo case; a PUPR case from before the range."""
    answered = await timeline(
        hub,
        "pupr",
        [
            ("in", "2025-12-19 15:00"),
            ("note", "2025-12-19 16:00"),
            ("out", "2025-12-22 08:30"),  # first response: 9000 s of office time
            ("in", "2025-12-22 10:00"),
            ("out", "2025-12-22 11:00"),  # 3600 s
            ("in", "2025-12-22 13:00"),
            ("out", "2025-12-22 13:30"),  # 1800 s
            ("in", "2025-12-22 14:00"),
            ("out", "2025-12-22 16:00"),  # 7200 s: the office closes at 16:00
        ],
        status="resolved",
        resolved="2025-12-23 10:00",
        csat=5,
        category="Jalan rusak",
    )
    waiting = await timeline(hub, "pupr", [("in", "2025-10-01 09:00")])
    other = await timeline(
        hub, "diskominfo", [("in", "2025-10-02 09:00"), ("out", "2025-10-02 10:00")]
    )
    before = await timeline(hub, "pupr", [("in", "2024-06-03 09:00")])
    c = s.conversation.c

    def personal(conn: Any) -> dict[str, Any]:
        conn.execute(
            update(s.conversation)
            .where(c.id == answered)
            .values(kelurahan="Batu Merah", priority="high", rahasia=True)
        )
        contact = conn.execute(select(c.contact_id).where(c.id == answered)).scalar()
        conn.execute(update(s.contact).where(s.contact.c.id == contact).values(**RESIDENT))
        conn.execute(
            update(s.message)
            .where(s.message.c.conversation_id == answered, s.message.c.seq == 1)
            .values(text=SECRET_TEXT)
        )
        codes = dict(conn.execute(select(c.id, c.tracking_code)).all())
        responder = conn.execute(
            select(s.agent.c.name)
            .join(s.message, s.message.c.sender_agent_id == s.agent.c.id)
            .where(s.message.c.conversation_id == answered, s.message.c.seq == 3)
        ).scalar()
        return {"codes": codes, "responder": responder}

    found = await hub.store.write(personal)
    await remake(hub, [answered, waiting, other, before])
    return {"answered": answered, "waiting": waiting, "other": other, "before": before, **found}


async def get(hub: Any, path: str, token: str | None) -> tuple[int, dict[str, str], bytes]:
    headers = bearer(token) if token else {}
    async with aiohttp.ClientSession() as http:
        r = await http.get(f"{hub.url}{path}", headers=headers)
        return r.status, dict(r.headers), await r.read()


def csv_rows(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte order mark, for Excel"
    return list(csv.DictReader(io.StringIO(body[3:].decode("utf-8"))))


async def test_csv_rows_equal_the_facts(hub: Any) -> None:
    seeded = await seed(hub)
    admin = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    status, headers, body = await get(hub, f"/api/v1/exports/cases.csv?{RANGE}", admin)
    assert status == 200
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert headers["Content-Disposition"] == (
        'attachment; filename="kanal-kasus-2025-01-01_2025-12-31.csv"'
    )
    rows = csv_rows(body)
    assert list(rows[0]) == [col.name for col in exports.COLUMNS]
    codes = seeded["codes"]
    # In case id order; the case from 2024 is outside the range.
    assert [r["tracking_code"] for r in rows] == [
        codes[seeded[k]] for k in ("answered", "waiting", "other")
    ]
    assert rows[0] == {
        "tracking_code": codes[seeded["answered"]],
        "opd": "pupr",
        "opd_name": "Dinas PUPR",
        "channel": "widget",
        "category": "Jalan rusak",
        "kelurahan": "Batu Merah",
        "status": "resolved",
        "priority": "high",
        "created_at": "2025-12-19 15:00:00",  # WIB
        "first_response_at": "2025-12-22 08:30:00",
        # Friday 15:00-16:30 and Monday 07:30-08:30.
        "first_response_office_s": "9000",
        "first_response_office_h": "2.50",
        "first_response_wall_s": "235800",
        "first_response_wall_h": "65.50",
        "resolved_at": "2025-12-23 10:00:00",
        # Friday 1.5 h + Monday 8.5 h + Tuesday 2.5 h.
        "resolution_office_s": "45000",
        "resolution_office_h": "12.50",
        "resolution_wall_s": "327600",
        "resolution_wall_h": "91.00",
        "response_due_at": "2025-12-30 16:00:00",
        "resolution_due_at": "2026-01-13 16:00:00",
        "response_met": "1",
        "resolution_met": "1",
        "first_responder": seeded["responder"],
        "csat": "5",
        # 3600, 1800 and 7200 s: the median is 3600.
        "next_responses": "3",
        "next_response_median_office_s": "3600",
        "next_response_median_office_h": "1.00",
    }
    waiting = rows[1]
    assert (waiting["response_met"], waiting["resolution_met"]) == ("0", "0")  # long past due
    assert waiting["first_response_at"] == waiting["first_responder"] == ""
    assert (waiting["next_responses"], waiting["next_response_median_office_s"]) == ("0", "")
    assert rows[2]["opd"] == "diskominfo"


async def test_a_supervisor_exports_only_their_opd(hub: Any) -> None:
    seeded = await seed(hub)
    kabid = await hub.token("kabid@pupr.go.id", "pupr", "supervisor")
    for extension in ("csv", "xlsx"):
        status, headers, body = await get(hub, f"/api/v1/exports/cases.{extension}?{RANGE}", kabid)
        assert status == 200
        assert (
            f'filename="kanal-kasus-pupr-2025-01-01_2025-12-31.{extension}"'
            in (headers["Content-Disposition"])
        )
    status, _, body = await get(hub, f"/api/v1/exports/cases.csv?{RANGE}", kabid)
    codes = seeded["codes"]
    expected = [codes[seeded["answered"]], codes[seeded["waiting"]]]
    assert [r["tracking_code"] for r in csv_rows(body)] == expected
    for extension in ("csv", "xlsx"):
        path = f"/api/v1/exports/cases.{extension}?{RANGE}&opd=diskominfo"
        assert (await get(hub, path, kabid))[0] == 404


async def test_an_agent_may_not_export(hub: Any) -> None:
    budi = await hub.token("budi@pupr.go.id", "pupr", "agent")
    for extension in ("csv", "xlsx"):
        status, _, body = await get(hub, f"/api/v1/exports/cases.{extension}", budi)
        assert status == 403
        assert b'"forbidden"' in body
        assert (await get(hub, f"/api/v1/exports/cases.{extension}", None))[0] == 401


async def test_the_default_range_is_the_last_30_local_days(hub: Any) -> None:
    kabid = await hub.token("kabid@pupr.go.id", "pupr", "supervisor")
    status, headers, body = await get(hub, "/api/v1/exports/cases.csv", kabid)
    assert status == 200
    today = utcnow().astimezone(ZoneInfo("Asia/Jakarta")).date()
    name = f"kanal-kasus-pupr-{today - timedelta(days=29)}_{today}.csv"
    assert headers["Content-Disposition"] == f'attachment; filename="{name}"'
    assert csv_rows(body) == []


async def test_rows_come_in_chunks_each_once(hub: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    seeded = await seed(hub)
    monkeypatch.setattr(exports, "CHUNK", 1)
    admin = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    _, _, body = await get(hub, f"/api/v1/exports/cases.csv?{RANGE}", admin)
    ids = [seeded[k] for k in ("answered", "waiting", "other")]
    assert [r["tracking_code"] for r in csv_rows(body)] == [seeded["codes"][i] for i in ids]


def sheet_rows(body: bytes) -> list[Any]:
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        root = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    return root.findall("x:sheetData/x:row", XLSX_NS), root


def cell(row: Any, column: str) -> Any:
    return next((c for c in row.findall("x:c", XLSX_NS) if c.get("r").startswith(column)), None)


def excel_serial(moment: datetime) -> float:
    return (moment - datetime(1899, 12, 30)).total_seconds() / 86400


async def test_the_xlsx_is_one_sheet_with_a_frozen_header_and_real_dates(hub: Any) -> None:
    seeded = await seed(hub)
    admin = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    status, headers, body = await get(hub, f"/api/v1/exports/cases.xlsx?{RANGE}", admin)
    assert status == 200
    assert headers["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert headers["Transfer-Encoding"] == "chunked"  # it ends once the export is audited
    rows, root = sheet_rows(body)
    assert len(rows) == 1 + 3
    header = ["".join(c.itertext()) for c in rows[0].findall("x:c", XLSX_NS)]
    assert header == [col.name for col in exports.COLUMNS]
    pane = root.find("x:sheetViews/x:sheetView/x:pane", XLSX_NS)
    assert (pane.get("ySplit"), pane.get("state")) == ("1", "frozen")
    # created_at (column I) is a number with a date format: a real Excel datetime.
    created = cell(rows[1], "I")
    assert created.get("t") is None and created.get("s") is not None
    assert float(created.find("x:v", XLSX_NS).text) == pytest.approx(
        excel_serial(datetime(2025, 12, 19, 15, 0))
    )
    # first_response_office_s (K) and _h (L) are numbers.
    assert cell(rows[1], "K").find("x:v", XLSX_NS).text == "9000"
    assert float(cell(rows[1], "L").find("x:v", XLSX_NS).text) == 2.5
    code = "".join(cell(rows[1], "A").itertext())
    assert code == seeded["codes"][seeded["answered"]]
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        styles = book.read("xl/styles.xml").decode()
    assert 'formatCode="yyyy-mm-dd hh:mm:ss"' in styles and "<b/>" in styles
    scratch = Path(hub.app[SETTINGS].server.data_dir) / "exports"
    assert list(scratch.iterdir()) == [], "the temporary files are gone"


async def test_the_xlsx_refuses_more_rows_than_excel_holds(
    hub: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(hub)
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    admin = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    status, _, body = await get(hub, f"/api/v1/exports/cases.xlsx?{RANGE}", admin)
    assert status == 413
    assert b'"too_large"' in body and b"CSV" in body
    assert await audit_rows(hub) == []


async def audit_rows(hub: Any) -> list[tuple[int, Any]]:
    e = s.event.c
    query = select(e.agent_id, e.data).where(e.action == "export").order_by(e.id)
    return [tuple(r) for r in await hub.store.read(lambda c: c.execute(query).all())]


async def agent_id(hub: Any, email: str) -> int:
    query = select(s.agent.c.id).where(s.agent.c.email == email)
    return await hub.store.read(lambda c: c.execute(query).scalar_one())


async def test_every_export_is_audited(hub: Any) -> None:
    await seed(hub)
    kabid = await hub.token("kabid@pupr.go.id", "pupr", "supervisor")
    admin = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    await get(hub, f"/api/v1/exports/cases.csv?{RANGE}", kabid)
    await get(hub, "/api/v1/exports/cases.xlsx?from=2025-10-01&to=2025-10-31", admin)
    assert await audit_rows(hub) == [
        (
            await agent_id(hub, "kabid@pupr.go.id"),
            {
                "format": "csv",
                "from": "2025-01-01",
                "to": "2025-12-31",
                "opd": "pupr",
                "rows": 2,
                "complete": True,
            },
        ),
        (
            await agent_id(hub, "admin@kota.go.id"),
            {
                "format": "xlsx",
                "from": "2025-10-01",
                "to": "2025-10-31",
                "opd": None,
                "rows": 2,
                "complete": True,
            },
        ),
    ]


async def test_no_export_names_a_resident_or_repeats_a_message(hub: Any) -> None:
    await seed(hub)
    admin = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    _, _, text = await get(hub, f"/api/v1/exports/cases.csv?{RANGE}", admin)
    _, _, book = await get(hub, f"/api/v1/exports/cases.xlsx?{RANGE}", admin)
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        sheet = b"".join(archive.read(name) for name in archive.namelist())
    for body in (text, sheet):
        for secret in (*RESIDENT.values(), "81234567890", SECRET_TEXT):
            assert secret.encode() not in body
