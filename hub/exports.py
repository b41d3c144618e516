"""Case exports for spreadsheets: one row per case, read from the SLA facts (hub/sla.py),
written as CSV (streamed in chunks) or XLSX (XlsxWriter in constant-memory mode).

The population is the report's (hub/reports.py): the cases that arrived between two
local dates in the OPDs the caller may see. Rows come in chunks by keyset on the case id,
so an export of a million cases never holds more than one chunk.

No personal data: never a resident's name, number or e-mail, never what anyone wrote —
rahasia and anonim cases stay protected in a file that leaves the hub. Times are the
city's local time; durations are seconds (exact) and hours with two decimals (to read).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import xlsxwriter
from sqlalchemy import Connection, func, select

from hub import reports
from hub.directory import Directory
from hub.reports import Query
from hub.store import schema as s
from hub.store.db import Store
from hub.store.queries import audit

#: Cases per read. A read's rows are processed on the event loop (SQLAlchemy's async
#: bridge), so chunks stay small enough not to stall the consoles' sockets.
CHUNK = 2000
#: Excel's 1,048,576 rows, less the header.
XLSX_MAX_ROWS = 1_048_575
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
#: A text cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text | int | hours | time | flag (1 met, 0 missed, empty undecided)
    width: int = 12  # in the XLSX


COLUMNS = (
    Column("tracking_code", "text", 13),
    Column("opd", "text"),
    Column("opd_name", "text", 30),
    Column("channel", "text", 10),
    Column("category", "text", 20),
    Column("kelurahan", "text", 20),
    Column("status", "text", 9),
    Column("priority", "text", 9),
    Column("created_at", "time", 19),
    Column("first_response_at", "time", 19),
    Column("first_response_office_s", "int"),
    Column("first_response_office_h", "hours"),
    Column("first_response_wall_s", "int"),
    Column("first_response_wall_h", "hours"),
    Column("resolved_at", "time", 19),
    Column("resolution_office_s", "int"),
    Column("resolution_office_h", "hours"),
    Column("resolution_wall_s", "int"),
    Column("resolution_wall_h", "hours"),
    Column("response_due_at", "time", 19),
    Column("resolution_due_at", "time", 19),
    Column("response_met", "flag"),
    Column("resolution_met", "flag"),
    Column("first_responder", "text", 20),
    Column("csat", "int", 6),
    Column("next_responses", "int"),
    Column("next_response_median_office_s", "int"),
    Column("next_response_median_office_h", "hours"),
)


# -- rows --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Chunk:
    """Up to CHUNK cases' facts as read, and the office seconds of their next responses.
    Turning them into rows is CPU work, done in a thread (`rows`), not in the read."""

    facts: list[Any]
    nexts: dict[int, list[int]]

    @property
    def last_id(self) -> int:  # the keyset: the next chunk starts after this case
        return int(self.facts[-1].conversation_id)


def count(conn: Connection, query: Query) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(s.case_sla).where(reports.cases_of(query))
        ).scalar_one()
    )


def span(conn: Connection, query: Query) -> tuple[int, int] | None:
    """The first and last case of the export: the chunks walk the case ids between them
    only, not the whole history (cases arrive roughly in id order)."""
    f = s.case_sla.c
    found = conn.execute(
        select(func.min(f.conversation_id), func.max(f.conversation_id)).where(
            reports.cases_of(query)
        )
    ).one()
    return None if found[0] is None else (found[0], found[1])


def fetch(conn: Connection, query: Query, after: int, until: int, limit: int = CHUNK) -> Chunk:
    """The next cases, in id order, after case `after` up to case `until`."""
    f, c, a = s.case_sla.c, s.conversation.c, s.agent.c
    found = conn.execute(
        select(
            f.conversation_id,
            c.tracking_code,
            f.opd_id,
            f.channel,
            f.category,
            f.kelurahan,
            f.status,
            c.priority,
            f.created_at,
            f.first_response_at,
            f.first_response_s,
            f.first_response_wall_s,
            f.resolved_at,
            f.resolution_s,
            f.resolution_wall_s,
            f.response_due_at,
            f.resolution_due_at,
            f.response_met,
            f.resolution_met,
            a.name,
            f.csat,
        )
        .select_from(
            s.case_sla.join(s.conversation, c.id == f.conversation_id).outerjoin(
                s.agent, a.id == f.agent_id
            )
        )
        .where(reports.cases_of(query), f.conversation_id > after, f.conversation_id <= until)
        .order_by(f.conversation_id)
        .limit(limit)
    ).all()
    if not found:
        return Chunk([], {})
    return Chunk(list(found), _next_responses(conn, query, after, found[-1].conversation_id))


def _next_responses(conn: Connection, query: Query, after: int, last: int) -> dict[int, list[int]]:
    """Office seconds of every answer after the first response, per case, sorted."""
    f, r = s.case_sla.c, s.sla_response.c
    rows = conn.execute(
        select(r.conversation_id, r.business_s)
        .select_from(s.sla_response.join(s.case_sla, f.conversation_id == r.conversation_id))
        .where(
            reports.cases_of(query),
            f.conversation_id > after,
            f.conversation_id <= last,
            r.answered_at > f.first_response_at,
        )
    )
    found: dict[int, list[int]] = {}
    for conv_id, seconds in rows:
        found.setdefault(conv_id, []).append(seconds)
    for values in found.values():
        values.sort()
    return found


def rows(chunk: Chunk, directory: Directory, tz: ZoneInfo) -> list[Row]:
    return [_row(r, directory, tz, chunk.nexts.get(r.conversation_id, [])) for r in chunk.facts]


def _row(r: Any, directory: Directory, tz: ZoneInfo, nexts: list[int]) -> Row:
    opd = directory.opd_view(r.opd_id)
    median = reports.percentile([nexts], 0.5)
    return (
        r.tracking_code,
        opd["slug"],
        opd["name"],
        r.channel,
        r.category,
        r.kelurahan,
        r.status,
        r.priority,
        _local(r.created_at, tz),
        _local(r.first_response_at, tz),
        r.first_response_s,
        _hours(r.first_response_s),
        r.first_response_wall_s,
        _hours(r.first_response_wall_s),
        _local(r.resolved_at, tz),
        r.resolution_s,
        _hours(r.resolution_s),
        r.resolution_wall_s,
        _hours(r.resolution_wall_s),
        _local(r.response_due_at, tz),
        _local(r.resolution_due_at, tz),
        _flag(r.response_met),
        _flag(r.resolution_met),
        r.name,
        r.csat,
        len(nexts),
        median,
        _hours(median),
    )


def _local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    """The city's wall time, without a zone (what a spreadsheet cell holds)."""
    return moment.astimezone(tz).replace(tzinfo=None) if moment is not None else None


def _hours(seconds: int | None) -> float | None:
    return round(seconds / 3600, 2) if seconds is not None else None


def _flag(met: bool | None) -> int | None:
    return None if met is None else int(met)


async def chunks(store: Store, query: Query) -> AsyncIterator[Chunk]:
    """Every case of the export, one chunk (one short read) at a time."""
    bounds = await store.read(partial(span, query=query))
    if bounds is None:
        return
    after, until = bounds[0] - 1, bounds[1]
    while True:
        size = CHUNK
        found = await store.read(partial(fetch, query=query, after=after, until=until, limit=size))
        if found.facts:
            yield found
        if len(found.facts) < size:
            return
        after = found.last_id


def record(conn: Connection, agent_id: int, details: dict[str, Any]) -> None:
    """The audit row of an export: who took which cases out of the hub."""
    audit(conn, "export", details, agent_id=agent_id)


def file_name(query: Query, opd_slug: str | None, extension: str) -> str:
    """kanal-kasus[-opd]-2026-11-01_2026-11-30.csv"""
    scope = f"-{opd_slug}" if opd_slug else ""
    return f"kanal-kasus{scope}-{query.start}_{query.end}.{extension}"


# -- CSV ---------------------------------------------------------------------------------
#: UTF-8 with a byte order mark, so that Excel reads Indonesian text as UTF-8.
CSV_BOM = "\ufeff"


def csv_header() -> bytes:
    return (CSV_BOM + _csv([[col.name for col in COLUMNS]])).encode()


def csv_chunk(chunk: Chunk, directory: Directory, tz: ZoneInfo) -> bytes:
    """The chunk's CSV lines (CPU work: call it from a thread)."""
    cells = (
        [_csv_cell(v, col.kind) for v, col in zip(row, COLUMNS, strict=True)]
        for row in rows(chunk, directory, tz)
    )
    return _csv(cells).encode()


def _csv(rows: Iterable[list[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def _csv_cell(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == "time":
        return value.strftime(TIME_FORMAT)
    if kind == "hours":
        return f"{value:.2f}"
    if kind == "text" and value.startswith(FORMULA_START):
        return "'" + value
    return value


# -- XLSX --------------------------------------------------------------------------------
class Sheet:
    """An XLSX file written row by row (XlsxWriter's constant memory: each row goes to
    disk once written). Blocking: call it from a thread."""

    def __init__(self, path: Path, directory: Directory, tz: ZoneInfo) -> None:
        self.directory, self.tz = directory, tz
        self.workbook = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "tmpdir": str(path.parent)}
        )
        self.sheet = self.workbook.add_worksheet("Kasus")
        self.formats = {
            "time": self.workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
            "hours": self.workbook.add_format({"num_format": "0.00"}),
        }
        bold = self.workbook.add_format({"bold": True})
        for n, col in enumerate(COLUMNS):
            self.sheet.set_column(n, n, col.width)
            self.sheet.write_string(0, n, col.name, bold)
        self.sheet.freeze_panes(1, 0)
        self.rows = 0

    def write(self, chunk: Chunk) -> None:
        sheet, formats = self.sheet, self.formats
        for row in rows(chunk, self.directory, self.tz):
            self.rows += 1
            for n, (value, col) in enumerate(zip(row, COLUMNS, strict=True)):
                if value is None:
                    continue
                if col.kind == "text":
                    sheet.write_string(self.rows, n, value)  # never a formula
                elif col.kind == "time":
                    sheet.write_datetime(self.rows, n, value, formats["time"])
                else:
                    sheet.write_number(self.rows, n, value, formats.get(col.kind))

    def close(self) -> None:
        self.sheet.autofilter(0, 0, self.rows, len(COLUMNS) - 1)
        self.workbook.close()
