"""Monthly rollups of the SLA facts: what keeps a report over a year as fast as one over a
week.

For each month of arrivals, OPD and grouping (opd, agent, channel, category, kelurahan,
day) a rollup row holds the counts and the durations of its cases. A report over
whole months merges rollup rows; the days of a range that do not fill a month, and months
whose facts changed since their rollup was built, are read from the facts themselves. The
durations are kept whole (not bucketed), so a percentile over merged months is the exact
nearest-rank value: a rollup is only a faster way to read the same facts.

A fact change bumps its month's version (mark); the SlaKeeper rebuilds changed months in
the background (build on a read connection, then store in one short write), and a month
is used only while its rollup was built from its current version.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, and_, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from hub.models import OPEN_STATUSES
from hub.store import schema as s

#: The groupings kept, and the fact column each groups by.
DIMS = {
    "opd": "opd_id",
    "agent": "agent_id",
    "channel": "channel",
    "category": "category",
    "kelurahan": "kelurahan",
    "day": "day",
}
INT_KEYS = ("opd", "agent")
DURATIONS = ("first_response_s", "first_response_wall_s", "resolution_s", "resolution_wall_s")
BLOBS = ("first_s", "first_wall_s", "resolution_s", "resolution_wall_s")


def pack(values: list[int]) -> bytes:
    """32-bit integers, little-endian (the same bytes on every machine)."""
    return np.asarray(values, dtype="<i4").tobytes()


def unpack(blob: bytes) -> NDArray[np.int32]:
    """The durations of a blob, without making a Python int of each."""
    return np.frombuffer(blob, dtype="<i4")


# -- months ------------------------------------------------------------------------------
def month_of(day: str) -> str:
    return day[:7]


def month_days(month: str) -> tuple[date, date]:
    first = date.fromisoformat(f"{month}-01")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def split(start: date, end: date) -> tuple[list[str], list[tuple[date, date]]]:
    """The whole months inside [start, end], and the day ranges left at its edges."""
    months: list[str] = []
    edges: list[tuple[date, date]] = []
    day = start
    while day <= end:
        month = day.isoformat()[:7]
        first, last = month_days(month)
        if day == first and last <= end:
            months.append(month)
        else:
            edges.append((day, min(last, end)))
        day = last + timedelta(days=1)
    return months, edges


def mark(conn: Connection, months: Iterable[str]) -> None:
    """These months' facts changed: their rollups are stale until rebuilt."""
    wanted = sorted(set(months))
    if not wanted:
        return
    upsert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = upsert(s.sla_month).values(
        [{"month": month, "version": 1, "built_version": 0} for month in wanted]
    )
    # One statement, safe against another process marking the same month meanwhile.
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["month"], set_={"version": s.sla_month.c.version + 1}
        )
    )


def stale(conn: Connection) -> list[tuple[str, int]]:
    """(month, version) of the months to rebuild, oldest first."""
    m = s.sla_month.c
    rows = conn.execute(
        select(m.month, m.version).where(m.version != m.built_version).order_by(m.month)
    )
    return [(r.month, r.version) for r in rows]


def clean(conn: Connection, months: list[str]) -> set[str]:
    """Those of the months whose rollups match their facts."""
    if not months:
        return set()
    m = s.sla_month.c
    rows = conn.execute(select(m.month).where(m.month.in_(months), m.version == m.built_version))
    return set(rows.scalars())


# -- building ----------------------------------------------------------------------------
@dataclass
class Counts:
    """What a rollup row and a report item count (COUNTS, in this order)."""

    cases: int = 0
    responded: int = 0
    open: int = 0
    decided: int = 0
    met: int = 0
    csat_sum: int = 0
    csat_n: int = 0

    def add_counts(self, counts: Sequence[Any]) -> None:
        """Add counts given in COUNTS order (a sum of no rows is None)."""
        cases, responded, open_, decided, met, csat_sum, csat_n = counts
        self.cases += cases
        self.responded += responded
        self.open += open_ or 0
        self.decided += decided
        self.met += met or 0
        self.csat_sum += csat_sum or 0
        self.csat_n += csat_n


@dataclass
class Tally(Counts):
    """Counts and durations (both clocks) of the cases of one rollup row, as it is built."""

    durations: tuple[list[int], list[int], list[int], list[int]] = field(
        default_factory=lambda: ([], [], [], [])
    )

    def add_case(
        self, first: Any, first_wall: Any, resolution: Any, resolution_wall: Any, met: Any,
        status: str, csat: Any,
    ) -> None:  # fmt: skip
        self.cases += 1
        if first is not None:
            self.responded += 1
            self.durations[0].append(first)
            self.durations[1].append(first_wall)
        if resolution is not None:
            self.durations[2].append(resolution)
            self.durations[3].append(resolution_wall)
        if met is not None:
            self.decided += 1
            self.met += bool(met)
        if status in OPEN_STATUSES:
            self.open += 1
        if csat is not None:
            self.csat_sum += csat
            self.csat_n += 1


_FACT_COLUMNS = [
    *(getattr(s.case_sla.c, column) for column in DIMS.values()),
    *(getattr(s.case_sla.c, d) for d in DURATIONS),
    s.case_sla.c.response_met,
    s.case_sla.c.status,
    s.case_sla.c.csat,
]


def build(conn: Connection, month: str) -> list[dict[str, Any]]:
    """The rollup rows of one month, from its facts (a read: no lock held)."""
    first, last = month_days(month)
    f = s.case_sla.c
    query = select(*_FACT_COLUMNS).where(f.day >= first.isoformat(), f.day <= last.isoformat())
    groups: dict[tuple[int | None, str, Any], Tally] = {}
    dims = list(DIMS)
    for row in conn.execute(query):
        opd_id, case = row[0], row[len(dims) :]
        for dim, key in zip(dims, row[: len(dims)], strict=True):
            # Each OPD's rows, and (but for the OPD grouping itself) every OPD's at once.
            for scope in (opd_id, None) if dim != "opd" else (opd_id,):
                tally = groups.get((scope, dim, key))
                if tally is None:
                    tally = groups[(scope, dim, key)] = Tally()
                tally.add_case(*case)
    return [
        {
            "month": month,
            "opd_id": opd_id,
            "dim": dim,
            "key": None if key is None else str(key),
            "cases": g.cases,
            "responded": g.responded,
            "open": g.open,
            "decided": g.decided,
            "met": g.met,
            "csat_sum": g.csat_sum,
            "csat_n": g.csat_n,
            **{blob: pack(values) for blob, values in zip(BLOBS, g.durations, strict=True)},
        }
        for (opd_id, dim, key), g in groups.items()
    ]


def store(conn: Connection, month: str, version: int, rows: list[dict[str, Any]]) -> None:
    """Replace the month's rollups with rows built from `version` of its facts (if the
    facts changed since, the month stays stale and is built again)."""
    conn.execute(delete(s.sla_rollup).where(s.sla_rollup.c.month == month))
    if rows:
        conn.execute(insert(s.sla_rollup), rows)
    conn.execute(
        update(s.sla_month).where(s.sla_month.c.month == month).values(built_version=version)
    )


def rebuild_all(conn: Connection) -> int:
    """Build every stale month in this transaction (tools and benchmarks); how many."""
    months = stale(conn)
    for month, version in months:
        store(conn, month, version, build(conn, month))
    return len(months)


# -- reading -----------------------------------------------------------------------------
COUNTS = ("cases", "responded", "open", "decided", "met", "csat_sum", "csat_n")


def rows(
    conn: Connection, months: list[str], dim: str, opd_ids: list[int] | None, clock: str
) -> Iterator[tuple[Any, Any]]:
    """(key, row) of the rollup rows of these months for one grouping: their counts and
    the durations of one clock (first, resolution). The key is typed like the facts' (an
    agent's id is an int). Without OPDs: the rows of every OPD at once."""
    if not months:
        return
    r = s.sla_rollup.c
    where = and_(r.month.in_(months), r.dim == dim)
    if opd_ids is not None:
        where = and_(where, r.opd_id.in_(opd_ids))
    elif dim != "opd":
        where = and_(where, r.opd_id.is_(None))
    blobs = (
        (r.first_wall_s, r.resolution_wall_s) if clock == "wall" else (r.first_s, r.resolution_s)
    )
    query = select(r.month, r.key, *(getattr(r, c) for c in COUNTS), *blobs).where(where)
    typed = dim in INT_KEYS
    for row in conn.execute(query):
        yield (int(row.key) if typed and row.key is not None else row.key), row


def day_ranges(ranges: list[tuple[date, date]]) -> Any:
    """A WHERE on case_sla.day for several [first, last] ranges."""
    f = s.case_sla.c
    return or_(*(and_(f.day >= a.isoformat(), f.day <= b.isoformat()) for a, b in ranges))
