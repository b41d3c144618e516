"""Response-time facts against hand-computed timelines: nights, weekends, public holidays,
cuti bersama, Lebaran and a city day off; the report figures from those facts; deadlines
and the live alerts before and at a breach.

The test hub has no office hours set, so the default Pemda week applies: Monday to
Thursday 07:30-16:00 and Friday 07:30-16:30, WIB.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import insert, select, update

from hub import reports
from hub.app import create_app
from hub.events import SlaAlert
from hub.models import utcnow
from hub.reports import Query
from hub.store import schema as s
from tests.conftest import RunningHub, make_settings

WIB = ZoneInfo("Asia/Jakarta")
OFFICERS = itertools.count()
HOUR = 3600


def wib(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=WIB).astimezone(UTC)


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    # A city day off: Wednesday 25 June 2025.
    app = create_app(make_settings(tmp_path, "[sla]\ndays_off = [2025-06-25]\n"))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield RunningHub(server, app)
    finally:
        await server.close()


async def timeline(
    hub: RunningHub,
    opd: str,
    events: list[tuple[str, str]],
    *,
    status: str = "open",
    resolved: str | None = None,
    csat: int | None = None,
    category: str | None = None,
) -> int:
    """A case whose first event is its arrival: ("in", when) from the resident,
    ("out", when) an officer's reply, ("note", when) a private note, ("bot", when)."""
    directory = hub.service.directory
    opd_id = directory.opd_by_slug(opd).id
    inbox = next(i for i in directory.inboxes.values() if i.opd_id == opd_id)
    agent = await hub.add_agent(f"petugas{next(OFFICERS)}@{opd}.go.id", opd)

    def job(conn: Any) -> int:
        contact = conn.execute(insert(s.contact).values(created_at=utcnow())).inserted_primary_key[
            0
        ]
        start = wib(events[0][1])
        conv = conn.execute(
            insert(s.conversation).values(
                tracking_code=f"KNL-T{contact:05d}",
                inbox_id=inbox.id,
                contact_id=contact,
                reply_to=f"v{contact}",
                opd_id=opd_id,
                status=status,
                category=category,
                created_at=start,
                updated_at=start,
                last_message_at=wib(events[-1][1]),
                last_seq=len(events),
                resolved_at=wib(resolved) if resolved else None,
                csat=csat,
            )
        ).inserted_primary_key[0]
        for seq, (kind, when) in enumerate(events, start=1):
            officer = kind in ("out", "note")
            conn.execute(
                insert(s.message).values(
                    conversation_id=conv,
                    seq=seq,
                    direction="in" if kind == "in" else "out",
                    sender_type={"in": "contact", "bot": "bot"}.get(kind, "agent"),
                    sender_agent_id=agent if officer else None,
                    kind="note" if kind == "note" else "text",
                    private=kind == "note",
                    text=kind,
                    delivery_status="sent",
                    created_at=wib(when),
                )
            )
        return int(conv)

    return await hub.store.write(job)


async def facts(hub: RunningHub, conv_id: int) -> Any:
    await hub.service.sla.flush()
    query = select(s.case_sla).where(s.case_sla.c.conversation_id == conv_id)
    return await hub.store.read(lambda c: c.execute(query).one())


async def remake(hub: RunningHub, ids: list[int]) -> None:
    hub.service.sla.mark(ids)
    await hub.service.sla.flush()


# -- durations ---------------------------------------------------------------------------
CASES = {
    # Friday afternoon to Monday morning: 1.5 h on Friday + 1 h on Monday.
    "weekend": ([("in", "2025-12-19 15:00"), ("out", "2025-12-22 08:30")], 9000, 235800),
    # Wednesday before Christmas (25th) and its cuti bersama (26th), then the weekend:
    # 2 h on Wednesday + 1.5 h on Monday 29th.
    "christmas": ([("in", "2025-12-24 14:00"), ("out", "2025-12-29 09:00")], 12600, 414000),
    # Lebaran 2025: nothing open from Friday 28 March (cuti bersama Nyepi) to Monday 7 April.
    "lebaran": ([("in", "2025-03-27 10:00"), ("out", "2025-04-08 08:00")], 23400, 1029600),
    # A night message answered before the office opens: no office time at all.
    "night": ([("in", "2025-11-04 20:00"), ("out", "2025-11-05 07:00")], 0, 39600),
    # Tuesday 15:00 to Thursday 08:00 across the city's day off on Wednesday 25 June.
    "day_off": ([("in", "2025-06-24 15:00"), ("out", "2025-06-26 08:00")], 5400, 147600),
}


@pytest.mark.parametrize("name", CASES)
async def test_first_response_in_office_time_and_on_the_clock(hub: RunningHub, name: str) -> None:
    events, office, wall = CASES[name]
    conv_id = await timeline(hub, "pupr", events)
    await remake(hub, [conv_id])
    fact = await facts(hub, conv_id)
    assert (fact.first_response_s, fact.first_response_wall_s) == (office, wall)
    assert fact.first_response_at == wib(events[1][1])
    assert fact.day == events[0][1][:10]


async def test_notes_and_bots_are_not_responses_and_every_wait_is_measured(
    hub: RunningHub,
) -> None:
    conv_id = await timeline(
        hub,
        "pupr",
        [
            ("in", "2025-12-19 15:00"),
            ("bot", "2025-12-19 15:00"),  # the acknowledgement with the tracking code
            ("note", "2025-12-19 16:00"),  # private: the resident never saw it
            ("out", "2025-12-22 08:30"),  # first response: 9000 s of office time
            ("in", "2025-12-22 10:00"),
            ("in", "2025-12-22 10:30"),  # still waiting since 10:00
            ("out", "2025-12-22 11:00"),  # 1 h
            ("out", "2025-12-22 11:05"),  # nobody was waiting
        ],
    )
    await remake(hub, [conv_id])
    fact = await facts(hub, conv_id)
    assert fact.first_response_s == 9000
    rows = await hub.store.read(
        lambda c: c.execute(
            select(s.sla_response.c.seq, s.sla_response.c.business_s, s.sla_response.c.wall_s)
            .where(s.sla_response.c.conversation_id == conv_id)
            .order_by(s.sla_response.c.seq)
        ).all()
    )
    assert [tuple(r) for r in rows] == [(1, 9000, 235800), (5, 3600, 3600)]


async def test_resolution_time_and_the_lapor_deadlines(hub: RunningHub) -> None:
    conv_id = await timeline(
        hub,
        "pupr",
        [("in", "2025-12-19 15:00"), ("out", "2025-12-22 08:30")],
        status="resolved",
        resolved="2025-12-23 10:00",
    )
    await remake(hub, [conv_id])
    fact = await facts(hub, conv_id)
    # Friday 1.5 h + Monday 8.5 h + Tuesday 2.5 h.
    assert (fact.resolution_s, fact.resolution_wall_s) == (12.5 * HOUR, 91 * HOUR)
    # 5 working days after Friday 19 December: 22, 23, 24, (25 and 26 off), 29, 30.
    assert fact.response_due_at == wib("2025-12-30 16:00")
    # 14 working days: ... 30, 31, 2 Jan, 5-9, 12, 13 (1 January is a holiday).
    assert fact.resolution_due_at == wib("2026-01-13 16:00")
    assert (fact.response_met, fact.resolution_met) == (True, True)
    conv = await hub.store.read(
        lambda c: c.execute(select(s.conversation).where(s.conversation.c.id == conv_id)).one()
    )
    assert (conv.response_due_at, conv.due_at) == (fact.response_due_at, fact.resolution_due_at)


# -- the report --------------------------------------------------------------------------
async def test_report_figures_equal_hand_computed_ones(hub: RunningHub) -> None:
    ids = [await timeline(hub, "pupr", events) for events, _, _ in CASES.values()]
    # Resolved the same morning: 2.5 h of office time, 14 h on the clock.
    await hub.store.write(
        lambda c: c.execute(
            update(s.conversation)
            .where(s.conversation.c.id == ids[3])
            .values(status="resolved", resolved_at=wib("2025-11-05 10:00"), csat=4)
        )
    )
    # Never answered; its 5 working days passed long ago.
    ids.append(await timeline(hub, "pupr", [("in", "2025-10-01 09:00")]))
    # Another OPD's case, outside the supervisor's sight.
    ids.append(await timeline(hub, "diskominfo", [("in", "2025-10-02 09:00")]))
    await remake(hub, ids)
    pupr = hub.service.directory.opd_by_slug("pupr").id

    def report(clock: str, opds: list[int] | None) -> list[dict[str, Any]]:
        query = Query(
            "opd", datetime(2025, 1, 1).date(), datetime(2025, 12, 31).date(), clock, opds
        )
        return hub.store.read(lambda c: reports.response_times(c, hub.service.directory, query))

    [item] = await report("business", [pupr])
    assert item == {
        "key": pupr,
        "label": "Dinas PUPR",
        "cases": 6,
        "responded": 5,
        # Sorted: 0, 5400, 9000, 12600, 23400: the 3rd is the median, the 5th the p90.
        "first_response_median_s": 9000,
        "first_response_p90_s": 23400,
        "resolution_median_s": 9000,
        "within_sla_pct": 83.3,  # 5 of 6 decided in time: the unanswered one is late
        "open": 5,
        "csat_avg": 4.0,
    }
    [wall] = await report("wall", [pupr])
    # Sorted: 39600, 147600, 235800, 414000, 1029600.
    assert (wall["first_response_median_s"], wall["first_response_p90_s"]) == (235800, 1029600)
    assert wall["resolution_median_s"] == 14 * HOUR
    everyone = await report("business", None)
    assert [i["label"] for i in everyone] == ["Dinas PUPR", "Dinas Komunikasi dan Informatika"]


# -- alerts ------------------------------------------------------------------------------
async def test_a_warning_then_a_breach_are_pushed_once_each(hub: RunningHub) -> None:
    heard: list[SlaAlert] = []

    async def listen(event: SlaAlert) -> None:
        heard.append(event)

    hub.service.bus.subscribe(SlaAlert, listen)
    admin = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    async with aiohttp.ClientSession() as http:
        answer = await http.put(
            f"{hub.url}/api/v1/admin/sla-policies",
            json={"opd": "pupr", "preset": "1x24"},
            headers={"Authorization": f"Bearer {admin}"},
        )
        assert answer.status == 200
    now = utcnow()
    arrived = (now - timedelta(hours=20)).astimezone(WIB).strftime("%Y-%m-%d %H:%M:%S")
    conv_id = await timeline(hub, "pupr", [("in", arrived)])
    await remake(hub, [conv_id])
    fact = await facts(hub, conv_id)
    assert fact.response_due_at == wib(arrived) + timedelta(hours=24)
    assert await hub.service.sla.check() == 2  # 20 of 24 hours used: past 80%
    assert await hub.service.sla.check() == 0  # once
    await hub.service.drain()
    assert [(a.kind, a.level) for a in heard] == [
        ("response", "warning"),
        ("resolution", "warning"),
    ]
    late = wib(arrived) - timedelta(hours=5)
    await hub.store.write(
        lambda c: c.execute(
            update(s.case_sla)
            .where(s.case_sla.c.conversation_id == conv_id)
            .values(created_at=late, response_due_at=late + timedelta(hours=24), next_alert_at=now)
        )
    )
    assert await hub.service.sla.check() == 1
    await hub.service.drain()
    assert (heard[-1].kind, heard[-1].level) == ("response", "breach")
    fact = await facts(hub, conv_id)
    assert fact.response_met is False
