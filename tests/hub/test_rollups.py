"""Monthly rollups are only a faster way to read the facts: a report from rollups equals
the report from the facts, for every grouping and range, percentiles included."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update

from hub import reports, rollups
from hub.reports import GROUPS, PERIODS, Query
from hub.store import schema as s
from tests.conftest import RunningHub


def test_a_range_splits_into_whole_months_and_edge_days() -> None:
    months, edges = rollups.split(date(2025, 1, 15), date(2025, 4, 30))
    assert months == ["2025-02", "2025-03", "2025-04"]
    assert edges == [(date(2025, 1, 15), date(2025, 1, 31))]
    months, edges = rollups.split(date(2024, 2, 1), date(2024, 2, 28))  # a leap year
    assert (months, edges) == ([], [(date(2024, 2, 1), date(2024, 2, 28))])
    assert rollups.split(date(2024, 2, 1), date(2024, 2, 29)) == (["2024-02"], [])


def test_durations_pack_and_unpack_the_same() -> None:
    assert list(rollups.unpack(rollups.pack([30, 5, 2**31 - 1, 0]))) == [30, 5, 2**31 - 1, 0]


async def random_facts(hub: RunningHub, count: int) -> None:
    """Facts of `count` cases over March-May 2025 (only facts: rollups read nothing else)."""
    rnd = random.Random(7)
    directory = hub.service.directory
    opds = [o.id for o in directory.opds.values()]
    inbox = next(iter(directory.inboxes.values()))
    agents = [await hub.add_agent(f"p{n}@pupr.go.id", "pupr") for n in range(3)]

    def job(conn: Any) -> None:
        contact = conn.execute(insert(s.contact).values(created_at=datetime.now(UTC)))
        contact_id = contact.inserted_primary_key[0]
        for n in range(count):
            arrived = datetime(2025, 3, 1, tzinfo=UTC) + timedelta(minutes=rnd.randint(0, 131_000))
            opd = rnd.choice(opds)
            conv = conn.execute(
                insert(s.conversation).values(
                    tracking_code=f"KNL-R{n:05d}",
                    inbox_id=inbox.id,
                    contact_id=contact_id,
                    reply_to="x",
                    opd_id=opd,
                    status="closed",
                    created_at=arrived,
                    updated_at=arrived,
                    last_message_at=arrived,
                )
            ).inserted_primary_key[0]
            answered = rnd.random() < 0.9
            resolved = answered and rnd.random() < 0.7
            first = rnd.randint(0, 400_000) if answered else None
            resolution = rnd.randint(first or 0, 900_000) if resolved else None
            conn.execute(
                insert(s.case_sla).values(
                    conversation_id=conv, opd_id=opd,
                    agent_id=rnd.choice(agents) if answered else None,
                    channel=rnd.choice(["widget", "telegram", "whatsapp"]),
                    category=rnd.choice(["Sampah", "Jalan rusak", None]),
                    kelurahan=rnd.choice(["Passo", "Poka", None]),
                    status=rnd.choice(["open", "pending", "resolved", "closed"]),
                    created_at=arrived, day=arrived.date().isoformat(),
                    first_response_s=first, first_response_wall_s=first and first * 3,
                    resolution_s=resolution,
                    resolution_wall_s=resolution and resolution * 2,
                    response_met=None if not answered else rnd.random() < 0.8,
                    csat=rnd.choice([None, None, 3, 4, 5]), seq=1, updated_at=arrived,
                )
            )  # fmt: skip
        rollups.mark(conn, ["2025-03", "2025-04", "2025-05"])

    await hub.store.write(job)


RANGES = [
    (date(2025, 3, 1), date(2025, 5, 31)),  # three whole months
    (date(2025, 3, 10), date(2025, 5, 2)),  # edges and one whole month
    (date(2025, 4, 1), date(2025, 4, 30)),
]


@pytest.mark.parametrize("group", GROUPS + PERIODS)
async def test_rollups_give_the_figures_the_facts_give(hub: RunningHub, group: str) -> None:
    await random_facts(hub, 600)
    pupr = hub.service.directory.opd_by_slug("pupr").id

    async def report(start: date, end: date, clock: str, opds: list[int] | None) -> Any:
        query = Query(group, start, end, clock, opds)
        return await hub.store.read(
            lambda c: reports.response_times(c, hub.service.directory, query)
        )

    cases = [
        (a, b, clock, opds)
        for a, b in RANGES
        for clock in ("business", "wall")
        for opds in (None, [pupr])
    ]
    from_facts = [await report(*case) for case in cases]
    assert await hub.store.read(lambda c: rollups.clean(c, ["2025-03"])) == set()
    assert await hub.service.sla.roll() == 3
    assert await hub.store.read(lambda c: rollups.clean(c, ["2025-03", "2025-04"])) == {
        "2025-03",
        "2025-04",
    }
    from_rollups = [await report(*case) for case in cases]
    assert from_rollups == from_facts
    assert sum(i["cases"] for i in from_facts[0]) == 600


async def test_a_changed_month_is_read_from_the_facts_until_rebuilt(hub: RunningHub) -> None:
    await random_facts(hub, 50)
    await hub.service.sla.roll()
    query = Query("opd", date(2025, 3, 1), date(2025, 5, 31))

    def total(conn: Any) -> int:
        return sum(i["cases"] for i in reports.response_times(conn, hub.service.directory, query))

    assert await hub.store.read(total) == 50

    def move(conn: Any) -> None:  # a case's facts change: it arrived in June after all
        one = conn.execute(select(s.case_sla.c.conversation_id).limit(1)).scalar()
        conn.execute(
            update(s.case_sla).where(s.case_sla.c.conversation_id == one).values(day="2025-06-01")
        )
        rollups.mark(conn, ["2025-03", "2025-04", "2025-05", "2025-06"])

    await hub.store.write(move)
    assert await hub.store.read(total) == 49  # stale rollups are not used
    await hub.service.sla.roll()
    assert await hub.store.read(total) == 49
    await hub.store.write(lambda c: c.execute(delete(s.sla_rollup)))
    assert await hub.store.read(total) == 0  # (proof that the rollups were read)
