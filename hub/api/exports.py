"""Exports: every case of a range as CSV or XLSX (hub/exports.py), and the data of the
monthly recap page (hub/recap.py, rendered by hub/web.py).

They follow the reports' rules (hub/api/reports.py): supervisors their OPD, admins every
OPD or one with ?opd=slug, agents 403. Every export writes an audit row "export" with
what was taken: {"format", "from", "to", "opd", "rows", "complete"}.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from hub import exports, recap
from hub.api.deps import allow, principal_of
from hub.api.errors import api_error
from hub.api.reports import report_query, visible_opds
from hub.audit import AUDIT
from hub.auth import Action
from hub.keys import SERVICE, SETTINGS
from hub.models import utcnow
from hub.recap import Month
from hub.reports import Query, ReportError

HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
READ_SIZE = 256 * 1024


@allow(Action.REPORTS)
async def cases_csv(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/exports/cases.csv?from=&to=&opd=: one row per case, streamed."""
    query = report_query(request, "opd")
    service, tz = request.app[SERVICE], zone(request)
    chunks = exports.chunks(service.store, query)
    first = await anext(chunks, None)  # a storage failure is still a 503, not a cut-off file
    response = web.StreamResponse(headers=_headers(request, query, "csv"))
    response.content_type, response.charset = "text/csv", "utf-8"
    written, complete = 0, False
    try:
        await response.prepare(request)
        await response.write(exports.csv_header())
        chunk = first
        while chunk is not None:
            data = await asyncio.to_thread(exports.csv_chunk, chunk, service.directory, tz)
            await response.write(data)
            written += len(chunk.facts)
            chunk = await anext(chunks, None)
        complete = True
    finally:
        await _audit(request, query, "csv", written, complete)
    await response.write_eof()  # after the audit: no whole file leaves without its row
    return response


@allow(Action.REPORTS)
async def cases_xlsx(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/exports/cases.xlsx?from=&to=&opd=: the same rows in one Excel sheet,
    built in a temporary file (in a thread), then streamed."""
    query = report_query(request, "opd")
    service, tz = request.app[SERVICE], zone(request)
    total = await service.store.read(lambda c: exports.count(c, query))
    if total > exports.XLSX_MAX_ROWS:
        raise api_error(
            413,
            "too_large",
            f"{total} cases: an Excel sheet holds at most {exports.XLSX_MAX_ROWS} rows; "
            "export CSV, or a shorter range",
            rows=total,
            limit=exports.XLSX_MAX_ROWS,
        )
    scratch = Path(await asyncio.to_thread(_scratch, request))
    written, complete = 0, False
    try:
        path = scratch / "kasus.xlsx"
        sheet = await asyncio.to_thread(exports.Sheet, path, service.directory, tz)
        async for chunk in exports.chunks(service.store, query):
            await asyncio.to_thread(sheet.write, chunk)
        await asyncio.to_thread(sheet.close)
        written = sheet.rows
        response = web.StreamResponse(headers=_headers(request, query, "xlsx"))
        response.content_type = XLSX_TYPE
        await response.prepare(request)
        with path.open("rb") as file:
            while data := await asyncio.to_thread(file.read, READ_SIZE):
                await response.write(data)
        complete = True
    finally:
        await asyncio.to_thread(shutil.rmtree, scratch, True)
        await _audit(request, query, "xlsx", written, complete)
    await response.write_eof()  # chunked, ended after the audit like the CSV
    return response


def _scratch(request: web.Request) -> str:
    """A private folder on the data disk (not /tmp, which may be memory) for one XLSX."""
    parent = Path(request.app[SETTINGS].server.data_dir) / "exports"
    parent.mkdir(parents=True, exist_ok=True)
    return tempfile.mkdtemp(prefix="kanal-", dir=parent)


def _headers(request: web.Request, query: Query, extension: str) -> dict[str, str]:
    name = exports.file_name(query, _opd_slug(request, query), extension)
    return {**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}


def _opd_slug(request: web.Request, query: Query) -> str | None:
    """The one OPD an export covers; None: every OPD."""
    if query.opd_ids is None or len(query.opd_ids) != 1:
        return None
    return request.app[SERVICE].directory.opd_view(query.opd_ids[0])["slug"]


async def _audit(request: web.Request, query: Query, kind: str, rows: int, complete: bool) -> None:
    details = {
        "format": kind,
        "from": query.start.isoformat(),
        "to": query.end.isoformat(),
        "opd": _opd_slug(request, query),
        "rows": rows,
        "complete": complete,
    }
    agent_id = principal_of(request).id
    await request.app[SERVICE].store.write(lambda c: exports.record(c, agent_id, details))
    request.app[AUDIT].note(agent_id, "export", data=details)


def zone(request: web.Request) -> ZoneInfo:
    """The city's time zone ([sla] timezone)."""
    sla = request.app[SERVICE].sla
    return sla.context.tz if sla.context is not None else ZoneInfo(sla.settings.timezone)


# -- the monthly recap -------------------------------------------------------------------
async def recap_page(request: web.Request) -> dict[str, Any]:
    """The recap page's data (?month=YYYY-MM, default the previous month; ?opd=slug), for
    a caller @allow(Action.REPORTS) let in; audited as an export of format "recap"."""
    service, tz, now = request.app[SERVICE], zone(request), utcnow()
    month = _month(request, now.astimezone(tz).date().replace(day=1) - timedelta(days=1))
    query = Query("opd", month.start, month.end, opd_ids=visible_opds(request))
    directory = service.directory
    if query.opd_ids is None:
        opds = sorted(directory.opds.values(), key=lambda o: o.name)
    else:
        opds = [directory.opds[i] for i in query.opd_ids if i in directory.opds]
    pages = await service.store.read(lambda c: recap.build(c, directory, month, opds, now, tz))
    await _audit(request, query, "recap", recap.cases(pages), True)
    seen = principal_of(request).visible_opds()
    choices = [
        o for o in directory.opds.values() if (o.active and seen is None) or o.id in (seen or [])
    ]
    return {
        "month": month,
        "previous": month.previous,
        "pages": pages,
        "opd": request.query.get("opd", ""),
        "choices": sorted((o.view() for o in choices), key=lambda o: o["name"]),
        "organization": directory.organization_name,
        "today": now.astimezone(tz).date(),
    }


def _month(request: web.Request, default: date) -> Month:
    raw = request.query.get("month")
    try:
        return Month.parse(raw) if raw else Month.of(default)
    except ReportError as exc:
        raise api_error(400, "bad_request", exc.message) from None
