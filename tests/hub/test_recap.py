"""The monthly recap page: the month's figures beside the previous month's for hand-built
timelines, per category and kelurahan, the oldest open cases, one OPD per printed page; a
supervisor of another OPD is refused; it is audited; it names no resident."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import select, update

from hub.models import utcnow
from hub.recap import Month, duration, figure, number
from hub.store import schema as s
from tests.conftest import PASSWORD
from tests.hub.api.test_conversations import bearer
from tests.hub.test_sla import remake, timeline

RESIDENT = {"name": "Siti Rahmawati", "phone": "+6281234567890"}


async def seed(hub: Any) -> dict[str, Any]:
    """December 2025 at PUPR: one case answered after 2.5 h of office time, still open; one
    answered after 3.5 h and resolved after 4.5 h, rated 4. November: one answered before
    the office opened (0 s), still open. A Diskominfo case in December."""
    open_dec = await timeline(
        hub, "pupr", [("in", "2025-12-19 15:00"), ("out", "2025-12-22 08:30")], category="Jalan"
    )
    resolved = await timeline(
        hub,
        "pupr",
        [("in", "2025-12-24 14:00"), ("out", "2025-12-29 09:00")],
        status="resolved",
        resolved="2025-12-29 10:00",
        csat=4,
        category="Lampu jalan",
    )
    november = await timeline(
        hub, "pupr", [("in", "2025-11-04 20:00"), ("out", "2025-11-05 07:00")]
    )
    other = await timeline(hub, "diskominfo", [("in", "2025-12-02 09:00")])
    c = s.conversation.c

    def details(conn: Any) -> dict[int, str]:
        for conv_id, kelurahan in ((open_dec, "Batu Merah"), (resolved, "Passo")):
            conn.execute(update(s.conversation).where(c.id == conv_id).values(kelurahan=kelurahan))
        contact = conn.execute(select(c.contact_id).where(c.id == open_dec)).scalar()
        conn.execute(update(s.contact).where(s.contact.c.id == contact).values(**RESIDENT))
        return dict(conn.execute(select(c.id, c.tracking_code)).all())

    codes = await hub.store.write(details)
    await remake(hub, [open_dec, resolved, november, other])
    return {"codes": codes, "open": open_dec, "resolved": resolved, "november": november}


async def page(hub: Any, query: str, token: str | None) -> tuple[int, dict[str, str], str]:
    async with aiohttp.ClientSession() as http:
        r = await http.get(
            f"{hub.url}/console/recap?{query}", headers=bearer(token) if token else {}
        )
        return r.status, dict(r.headers), await r.text()


def cells(row_html: str) -> list[str]:
    found = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row_html, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in found]


def figures(text: str) -> dict[str, list[str]]:
    rows = re.findall(r'<tr data-figure="\d+">(.*?)</tr>', text, re.S)
    return {row[0]: row[1:] for row in map(cells, rows)}


def table(text: str, name: str) -> list[list[str]]:
    body = re.search(rf'<table class="{name}">.*?<tbody>(.*?)</tbody>', text, re.S)
    assert body is not None, f"no {name} table"
    return [cells(row) for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)]


async def test_the_recap_shows_the_months_figures_against_the_previous_month(hub: Any) -> None:
    seeded = await seed(hub)
    kabid = await hub.token("kabid@pupr.go.id", "pupr", "supervisor")
    status, headers, text = await page(hub, "month=2025-12&opd=pupr", kabid)
    assert status == 200
    assert "Rekap Bulanan Pengaduan — Desember 2025" in text
    assert "1 Desember 2025 – 31 Desember 2025" in text
    assert figures(text) == {
        # figure: December, November, change
        "Pengaduan masuk": ["2", "1", "+1"],
        "Sudah ditanggapi": ["2", "1", "+1"],
        # Nearest rank of 9000 and 12600 s: the median is 9000, the p90 12600.
        "Median tanggapan pertama": ["2 j 30 m", "0 m", "+2 j 30 m"],
        "Tanggapan pertama, persentil ke-90": ["3 j 30 m", "0 m", "+3 j 30 m"],
        # Wednesday 14:00-16:00 and Monday 07:30-10:00.
        "Median penyelesaian": ["4 j 30 m", "—", "—"],
        "Ditanggapi tepat waktu (SLA)": ["100,0%", "100,0%", "0,0 poin"],
        "Masih terbuka": ["1", "1", "0"],
        "Kepuasan warga (1–5)": ["4,00", "—", "—"],
    }
    assert table(text, "breakdown")[:2] == [
        ["Jalan", "1", "1", "2 j 30 m", "—", "100,0%", "1", "—"],
        ["Lampu jalan", "1", "1", "3 j 30 m", "4 j 30 m", "100,0%", "0", "4,00"],
    ]
    assert "Batu Merah" in text and "Passo" in text
    # Open right now, the oldest first: November's case, then December's.
    codes = seeded["codes"]
    oldest = table(text, "oldest")
    assert [row[1] for row in oldest] == [codes[seeded["november"]], codes[seeded["open"]]]
    assert oldest[0][2:6] == ["Tanpa kategori", "Tanpa kelurahan", "Terbuka", "4 November 2025"]
    assert "Mengetahui," in text and "Kepala Dinas PUPR" in text
    assert "@page { size: A4; margin: 15mm; }" in text
    nonce = re.search(r'<style nonce="([^"]+)">', text).group(1)
    assert f"style-src 'nonce-{nonce}'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"
    for secret in RESIDENT.values():
        assert secret not in text


async def test_an_admin_gets_one_page_per_opd(hub: Any) -> None:
    await seed(hub)
    admin = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    status, _, text = await page(hub, "month=2025-12", admin)
    assert status == 200
    assert re.findall(r'<section class="opd" data-opd="([^"]+)">', text) == ["diskominfo", "pupr"]
    assert ".opd + .opd { break-before: page;" in text
    assert "Kepala Dinas Komunikasi dan Informatika" in text


async def test_a_supervisor_sees_only_their_opd(hub: Any) -> None:
    await seed(hub)
    kabid = await hub.token("kabid@kominfo.go.id", "diskominfo", "supervisor")
    status, _, text = await page(hub, "month=2025-12", kabid)
    assert re.findall(r'<section class="opd" data-opd="([^"]+)">', text) == ["diskominfo"]
    status, _, text = await page(hub, "month=2025-12&opd=pupr", kabid)
    assert status == 404
    assert "Dinas PUPR" not in text


async def test_agents_and_strangers_are_refused_and_a_bad_month_is_400(hub: Any) -> None:
    budi = await hub.token("budi@pupr.go.id", "pupr", "agent")
    kabid = await hub.token("kabid@pupr.go.id", "pupr", "supervisor")
    assert (await page(hub, "month=2025-12", budi))[0] == 403
    assert (await page(hub, "month=2025-12", None))[0] == 401
    for bad in ("2025-13", "12-2025", "2025-1", "0000-05", "2025-00"):
        assert (await page(hub, f"month={bad}", kabid))[0] == 400


async def test_the_console_session_opens_the_recap_and_the_default_is_last_month(
    hub: Any,
) -> None:
    await hub.add_agent("kabid@pupr.go.id", "pupr", "supervisor")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        login = {"email": "kabid@pupr.go.id", "password": PASSWORD}
        assert (await http.post(f"{hub.url}/api/v1/auth/login", json=login)).status == 200
        r = await http.get(f"{hub.url}/console/recap")
        assert r.status == 200
        text = await r.text()
    today = utcnow().astimezone(ZoneInfo("Asia/Jakarta")).date()
    last = Month.of(today.replace(day=1) - timedelta(days=1))
    names = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus")
    names += ("September", "Oktober", "November", "Desember")
    assert f"Rekap Bulanan Pengaduan — {names[last.month - 1]} {last.year}" in text
    assert f'value="{last}"' in text
    assert "Tidak ada pengaduan pada bulan ini." in text


async def test_the_recap_is_audited_as_an_export(hub: Any) -> None:
    await seed(hub)
    kabid = await hub.token("kabid@pupr.go.id", "pupr", "supervisor")
    await page(hub, "month=2025-12", kabid)
    e = s.event.c
    rows = await hub.store.read(
        lambda c: c.execute(
            select(s.agent.c.email, e.data)
            .join(s.agent, s.agent.c.id == e.agent_id)
            .where(e.action == "export")
        ).all()
    )
    assert [tuple(r) for r in rows] == [
        (
            "kabid@pupr.go.id",
            {
                "format": "recap",
                "from": "2025-12-01",
                "to": "2025-12-31",
                "opd": "pupr",
                "rows": 2,
                "complete": True,
            },
        )
    ]


def test_durations_read_as_hours_and_minutes_of_office_time() -> None:
    assert duration(8040) == "2 j 14 m"
    assert duration(7200) == "2 j"
    assert duration(29) == "0 m"
    assert duration(None) == "—"
    assert duration(-3900, signed=True) == "−1 j 5 m"
    assert duration(20, signed=True) == "0 m"  # no sign on what reads as nothing


def test_numbers_read_the_indonesian_way() -> None:
    assert number(1234567) == "1.234.567"
    assert number(93.44, 1) == "93,4"
    assert figure(4.312, "score") == "4,31"
    assert figure(93.4, "percent") == "93,4%"
    assert figure(-1.2, "percent", signed=True) == "−1,2 poin"
    assert figure(3, "count", signed=True) == "+3"


def test_a_month_knows_its_days_and_the_month_before() -> None:
    assert (Month.parse("2024-02").start.day, Month.parse("2024-02").end.day) == (1, 29)
    assert str(Month.parse("2026-01").previous) == "2025-12"
    assert str(Month.parse("2025-12").following) == "2026-01"
