"""Response-time reports, read from the SLA facts (hub/sla.py), never from the history.

One population: the cases that arrived between two local dates (inclusive) in the OPDs the
caller may see. Grouped by OPD, agent (who answered first), channel, category, kelurahan,
or a period (day, ISO week, month) for trends. Per group:
- cases, responded (cases with a first response), open (still open or pending);
- first_response_median_s / _p90_s over the responded cases, resolution_median_s over the
  resolved ones: seconds of office time, or on the clock with clock="wall". Percentiles are
  nearest-rank: the smallest value with at least p% of the values at or below it (a
  median of 1, 2, 3, 4 is 2), so every figure is one case's real duration;
- within_sla_pct: of the cases whose first-response deadline is decided (answered, or
  passed unanswered), the share answered in time; None when none is decided;
- csat_avg: the mean rating (1-5) of the rated cases.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Integer, and_, func, select

from hub.directory import Directory
from hub.models import OPEN_STATUSES, iso
from hub.store import schema as s

GROUPS = ("opd", "agent", "channel", "category", "kelurahan")
PERIODS = ("day", "week", "month")
CLOCKS = ("business", "wall")
CHANNEL_LABELS = {
    "widget": "Widget situs",
    "telegram": "Telegram",
    "whatsapp": "WhatsApp",
    "manual": "Luring (telepon, surat, datang langsung)",
}
NONE_LABELS = {
    "agent": "Belum dijawab",
    "category": "Tanpa kategori",
    "kelurahan": "Tanpa kelurahan",
}
MAX_DAYS = 3 * 366


class ReportError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Query:
    group: str
    start: date
    end: date  # inclusive
    clock: str = "business"
    opd_ids: list[int] | None = None  # None: every OPD

    def __post_init__(self) -> None:
        if self.group not in GROUPS + PERIODS:
            raise ReportError(f"group must be one of {', '.join(GROUPS + PERIODS)}")
        if self.clock not in CLOCKS:
            raise ReportError("clock must be business or wall")
        if self.end < self.start:
            raise ReportError("from must not be after to")
        if (self.end - self.start).days > MAX_DAYS:
            raise ReportError("a report spans at most three years")


def percentile(values: list[int], p: float) -> int | None:
    """Nearest-rank percentile of sorted values (p in 0..1)."""
    if not values:
        return None
    return values[max(0, math.ceil(p * len(values)) - 1)]


@dataclass
class _Tally:
    cases: int = 0
    responded: int = 0
    open: int = 0
    decided: int = 0
    met: int = 0
    csat_sum: int = 0
    csat_n: int = 0
    first: list[int] = field(default_factory=list)
    resolution: list[int] = field(default_factory=list)

    def add(self, first: Any, resolution: Any, met: Any, status: str, csat: Any) -> None:
        self.cases += 1
        if first is not None:
            self.responded += 1
            self.first.append(first)
        if resolution is not None:
            self.resolution.append(resolution)
        if met is not None:
            self.decided += 1
            self.met += bool(met)
        if status in OPEN_STATUSES:
            self.open += 1
        if csat is not None:
            self.csat_sum += csat
            self.csat_n += 1

    def figures(self) -> dict[str, Any]:
        self.first.sort()
        self.resolution.sort()
        return {
            "cases": self.cases,
            "responded": self.responded,
            "first_response_median_s": percentile(self.first, 0.5),
            "first_response_p90_s": percentile(self.first, 0.9),
            "resolution_median_s": percentile(self.resolution, 0.5),
            "within_sla_pct": round(100 * self.met / self.decided, 1) if self.decided else None,
            "open": self.open,
            "csat_avg": round(self.csat_sum / self.csat_n, 2) if self.csat_n else None,
        }


def response_times(conn: Connection, directory: Directory, query: Query) -> list[dict[str, Any]]:
    """The report: one item per group, the busiest first (periods in time order)."""
    tallies: dict[Any, _Tally] = {}
    for key, first, resolution, met, status, csat in _facts(conn, query):
        tally = tallies.get(key)
        if tally is None:
            tally = tallies[key] = _Tally()
        tally.add(first, resolution, met, status, csat)
    labels = _labels(conn, directory, query.group, tallies)
    items = [
        {"key": key, "label": labels.get(key, str(key)), **tally.figures()}
        for key, tally in tallies.items()
    ]
    if query.group in PERIODS:
        return sorted(items, key=lambda i: i["key"])
    return sorted(items, key=lambda i: (-i["cases"], str(i["label"])))


def _facts(conn: Connection, query: Query) -> Iterator[tuple[Any, ...]]:
    f = s.case_sla.c
    wall = query.clock == "wall"
    key = f.day if query.group in PERIODS else getattr(f, _COLUMN[query.group])
    columns = [
        key,
        f.first_response_wall_s if wall else f.first_response_s,
        f.resolution_wall_s if wall else f.resolution_s,
        f.response_met,
        f.status,
        f.csat,
    ]
    select_ = select(*columns).where(_range(query))
    rows: Iterable[tuple[Any, ...]] = conn.execute(select_)
    if query.group in PERIODS:
        period = _PERIOD[query.group]
        return ((period(row[0]), *row[1:]) for row in rows)
    return iter(rows)


_COLUMN = {
    "opd": "opd_id",
    "agent": "agent_id",
    "channel": "channel",
    "category": "category",
    "kelurahan": "kelurahan",
}


def _week(day: str) -> str:
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


_PERIOD = {"day": lambda d: d, "week": _week, "month": lambda d: d[:7]}


def _range(query: Query) -> Any:
    f = s.case_sla.c
    where = and_(f.day >= query.start.isoformat(), f.day <= query.end.isoformat())
    if query.opd_ids is not None:
        where = and_(where, f.opd_id.in_(query.opd_ids))
    return where


def _labels(
    conn: Connection, directory: Directory, group: str, keys: Iterable[Any]
) -> dict[Any, str]:
    wanted = list(keys)
    if group == "opd":
        return {k: directory.opd_view(k)["name"] or str(k) for k in wanted}
    if group == "agent":
        ids = [k for k in wanted if k is not None]
        names = dict(
            conn.execute(select(s.agent.c.id, s.agent.c.name).where(s.agent.c.id.in_(ids))).all()
        )
        return {k: names.get(k, str(k)) if k is not None else NONE_LABELS["agent"] for k in wanted}
    if group == "channel":
        return {k: CHANNEL_LABELS.get(k, k) for k in wanted}
    if group in NONE_LABELS:
        return {k: k if k is not None else NONE_LABELS[group] for k in wanted}
    return {k: k for k in wanted}


# -- now ---------------------------------------------------------------------------------
def backlog(
    conn: Connection, directory: Directory, opd_ids: list[int] | None, now: datetime
) -> list[dict[str, Any]]:
    """Per OPD, right now: open cases, unassigned ones, the oldest's arrival, and how many
    are past a deadline (unanswered past the response deadline, or past the follow-up's)."""
    c = s.conversation.c
    late = ((c.first_response_at.is_(None)) & (c.response_due_at < now)) | (c.due_at < now)
    query = select(
        c.opd_id,
        func.count(),
        func.sum(c.assignee_id.is_(None).cast(Integer)),
        func.min(c.created_at),
        func.sum(late.cast(Integer)),
    ).where(c.status.in_(OPEN_STATUSES))
    if opd_ids is not None:
        query = query.where(c.opd_id.in_(opd_ids))
    rows = conn.execute(query.group_by(c.opd_id)).all()
    return [
        {
            "opd": directory.opd_view(opd_id),
            "open": count,
            "unassigned": int(unassigned or 0),
            "oldest_open_at": iso(oldest),
            "breaching": int(breaching or 0),
        }
        for opd_id, count, unassigned, oldest, breaching in rows
    ]
