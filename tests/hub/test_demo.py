"""`kanal demo` gives the demo city its lists: categories, canned responses, hours, areas."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from aiohttp.test_utils import TestServer
from sqlalchemy import create_engine, select

from hub import catalog, demo, reports
from hub.app import create_app
from hub.config import load_settings
from hub.keys import SERVICE
from hub.reports import Query
from hub.store import schema as s
from hub.store.migrate import upgrade


def test_the_demo_city_is_ambon_shaped_and_seeding_twice_adds_nothing(tmp_path: Path) -> None:
    upgrade(f"sqlite+aiosqlite:///{tmp_path / 'kanal.db'}")
    engine = create_engine(f"sqlite:///{tmp_path / 'kanal.db'}")
    for _ in range(2):
        with engine.begin() as conn:
            demo.seed(conn)
    with engine.connect() as conn:
        org = conn.execute(select(s.organization.c.id)).scalar_one()
        areas = catalog.list_areas(conn, org)
        categories = catalog.list_categories(conn, org)
        canned = catalog.list_canned(conn, org, None)
        hours = catalog.hours(conn, org)
        coordinators = conn.execute(select(s.opd.c.slug).where(s.opd.c.coordinator)).all()
    engine.dispose()
    assert sorted({a["kecamatan"] for a in areas}) == [
        "Leitimur Selatan",
        "Nusaniwe",
        "Sirimau",
        "Teluk Ambon",
        "Teluk Ambon Baguala",
    ]
    assert len(areas) == sum(len(names) for names in demo.AREAS.values())
    assert {"Batu Merah", "Passo", "Latuhalat", "Hutumuri", "Poka"} <= {
        a["kelurahan"] for a in areas
    }
    assert len(categories) == 8 and "Adminduk/KTP" in {c["name"] for c in categories}
    assert sorted(c["shortcut"] for c in canned) == ["salam", "selesai", "terima"]
    assert [(h["weekday"], h["closes"]) for h in hours] == [
        (0, "16:00"),
        (1, "16:00"),
        (2, "16:00"),
        (3, "16:00"),
        (4, "16:30"),
    ]
    assert [c.slug for c in coordinators] == ["diskominfo"]


async def test_the_past_cases_give_the_dashboard_figures(tmp_path: Path) -> None:
    """Eight weeks of past cases: the SLA keeper computes their facts at start, and every
    OPD with officers has answered, resolved and rated cases to rank."""
    upgrade(f"sqlite+aiosqlite:///{tmp_path / 'kanal.db'}")
    engine = create_engine(f"sqlite:///{tmp_path / 'kanal.db'}")
    with engine.begin() as conn:
        demo.seed(conn)
    engine.dispose()
    settings = load_settings(
        env={
            "KANAL_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'kanal.db'}",
            "KANAL_SERVER__DATA_DIR": str(tmp_path / "data"),
        }
    )
    app = create_app(settings)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        service = app[SERVICE]
        await service.sla.catch_up()
        await service.sla.flush()
        today = date.today()
        query = Query("opd", today - timedelta(days=70), today)
        items = await service.store.read(
            lambda c: reports.response_times(c, service.directory, query)
        )
    finally:
        await server.close()
    ranked = {i["label"]: i for i in items}
    assert set(ranked) >= {"Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas Perhubungan"}
    for item in ranked.values():
        assert item["responded"] > 0 and item["first_response_median_s"] is not None
        assert item["resolution_median_s"] is not None and item["csat_avg"] is not None
