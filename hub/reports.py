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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, Integer, Text, and_, func, select, text

from hub import rollups
from hub.directory import Directory
from hub.models import OPEN_STATUSES, iso
from hub.rollups import Counts
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
#: Durations of some cases: a list from the facts, or an array from a rollup.
Run = Sequence[int] | NDArray[Any]


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


def percentile(runs: Sequence[Run], p: float) -> int | None:
    """Nearest-rank percentile (p in 0..1) of the values of several runs: the smallest value
    with at least p of all values at or below it (numpy selects it without a full sort)."""
    values = np.concatenate([np.asarray(run, dtype=np.int64) for run in runs]) if runs else None
    if values is None or not len(values):
        return None
    k = max(0, math.ceil(p * len(values)) - 1)
    return int(np.partition(values, k)[k])


@dataclass
class Figures(Counts):
    """A report item as it is added up: counts, and runs of the first-response and
    resolution durations (of the report's clock)."""

    first: list[Run] = field(default_factory=list)
    resolution: list[Run] = field(default_factory=list)

    def item(self) -> dict[str, Any]:
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
    """The report: one item per group, the busiest first (periods in time order).

    Whole months whose rollups are current come from the rollups; the rest of the range
    from the facts (hub/rollups.py): the same numbers either way."""
    groups: dict[Any, Figures] = {}
    months, edges = rollups.split(query.start, query.end)
    ready = rollups.clean(conn, months)
    raw = edges + [rollups.month_days(m) for m in months if m not in ready]
    period = _PERIOD.get(query.group)
    dim = "day" if period else query.group
    for key, row in rollups.rows(conn, sorted(ready), dim, query.opd_ids, query.clock):
        found = _group(groups, period(key) if period else key)
        found.add_counts(row[2:9])
        found.first.append(rollups.unpack(row[9]))
        found.resolution.append(rollups.unpack(row[10]))
    if raw:
        _add_facts(conn, query, raw, groups)
    labels = _labels(conn, directory, query.group, groups)
    items = [
        {"key": key, "label": labels.get(key, str(key)), **g.item()} for key, g in groups.items()
    ]
    if query.group in PERIODS:
        return sorted(items, key=lambda i: i["key"])
    return sorted(items, key=lambda i: (-i["cases"], str(i["label"])))


def _group(groups: dict[Any, Figures], key: Any) -> Figures:
    found = groups.get(key)
    if found is None:
        found = groups[key] = Figures()
    return found


def _add_facts(
    conn: Connection, query: Query, ranges: list[tuple[date, date]], groups: dict[Any, Figures]
) -> None:
    """Add the facts of these days, added up by the database in one pass: counts, and the
    durations as text lists that numpy reads back."""
    f = s.case_sla.c
    key = f.day if query.group in PERIODS else getattr(f, rollups.DIMS[query.group])
    where = rollups.day_ranges(ranges)
    if query.opd_ids is not None:
        where = and_(where, f.opd_id.in_(query.opd_ids))
    wall = query.clock == "wall"
    first = f.first_response_wall_s if wall else f.first_response_s
    resolution = f.resolution_wall_s if wall else f.resolution_s
    totals = select(
        key,
        func.count(),
        func.count(f.first_response_s),
        func.sum(f.status.in_(OPEN_STATUSES).cast(Integer)),
        func.count(f.response_met),
        func.sum(f.response_met.cast(Integer)),
        func.sum(f.csat),
        func.count(f.csat),
        _listed(conn, first),
        _listed(conn, resolution),
    ).where(where)
    period = _PERIOD.get(query.group)
    for row in conn.execute(totals.group_by(key)):
        found = _group(groups, period(row[0]) if period else row[0])
        found.add_counts(row[1:8])
        found.first.append(_numbers(row[8]))
        found.resolution.append(_numbers(row[9]))


def _listed(conn: Connection, column: Any) -> Any:
    """A group's values as one text, "12,345,6" (nulls left out)."""
    if conn.dialect.name == "postgresql":
        return func.string_agg(column.cast(Text), ",")
    return func.group_concat(column)


def _numbers(listed: str | None) -> NDArray[np.int64]:
    """ "12,345,6" (SQLite's group_concat) as an array."""
    if not listed:
        return np.empty(0, dtype=np.int64)
    return np.fromstring(listed, dtype=np.int64, sep=",")


def cases_of(query: Query) -> Any:
    """The facts of the query's cases: arrived in its days, in its OPDs."""
    f = s.case_sla.c
    where = and_(f.day >= query.start.isoformat(), f.day <= query.end.isoformat())
    if query.opd_ids is not None:
        where = and_(where, f.opd_id.in_(query.opd_ids))
    return where


def _week(day: str) -> str:
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


_PERIOD: dict[str, Callable[[str], str]] = {
    "day": lambda d: d,
    "week": _week,
    "month": lambda d: d[:7],
}


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


#: Open cases, written as the partial index ix_conversation_open_backlog says it (SQLite
#: uses a partial index only for a WHERE with the very same literals).
OPEN_CASE = text("conversation.status IN ('open', 'pending')")


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
    ).where(OPEN_CASE)
    # Without statistics SQLite prefers the list's index for one OPD, and then reads every
    # open case's row (10x slower on 40 000 open cases): name the covering one.
    query = query.with_hint(s.conversation, "INDEXED BY ix_conversation_open_backlog", "sqlite")
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
