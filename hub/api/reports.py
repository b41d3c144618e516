"""Response-time reports (hub/reports.py) and SLA policies (hub/deadlines.py).

Reports follow the caller's role: a supervisor sees their OPD, an admin every OPD (or one
with ?opd=slug); an OPD they may not see is "not found", like one that does not exist.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aiohttp import web

from hub import deadlines, reports
from hub.api.deps import allow, json_body, path_int, principal_of
from hub.api.errors import api_error
from hub.auth import Action, Denied, authorize
from hub.deadlines import PolicyError
from hub.keys import SERVICE
from hub.models import iso, utcnow
from hub.reports import Query, ReportError

DEFAULT_DAYS = 30


@allow(Action.REPORTS)
async def response_times(request: web.Request) -> web.Response:
    """GET /api/v1/reports/response-times?group=opd&from=YYYY-MM-DD&to=YYYY-MM-DD[&clock=wall]
    [&opd=slug]: one item per group (docs/api.md, "Reports")."""
    query = report_query(request, request.query.get("group", "opd"))
    service = request.app[SERVICE]
    items = await service.store.read(lambda c: reports.response_times(c, service.directory, query))
    return web.json_response(
        {
            "from": query.start.isoformat(),
            "to": query.end.isoformat(),
            "clock": query.clock,
            "group": query.group,
            "items": items,
        }
    )


@allow(Action.REPORTS)
async def backlog(request: web.Request) -> web.Response:
    """GET /api/v1/reports/backlog[?opd=slug]: per OPD, right now, the open cases, the
    unassigned ones, the oldest, and those past a deadline (the wallboard)."""
    service, now = request.app[SERVICE], utcnow()
    opd_ids = visible_opds(request)
    items = await service.store.read(lambda c: reports.backlog(c, service.directory, opd_ids, now))
    return web.json_response({"at": iso(now), "items": items})


def report_query(request: web.Request, group: str) -> Query:
    """The range (default: the last 30 days, today included, in the city's time zone), the
    clock and the OPDs of a report request."""
    service = request.app[SERVICE]
    context = service.sla.context
    today = utcnow().astimezone(context.tz).date() if context else date.today()
    end = _day(request, "to") or today
    start = _day(request, "from") or end - timedelta(days=DEFAULT_DAYS - 1)
    try:
        return Query(
            group,
            start,
            end,
            clock=request.query.get("clock", "business"),
            opd_ids=visible_opds(request),
        )
    except ReportError as exc:
        raise api_error(400, "bad_request", exc.message) from None


def visible_opds(request: web.Request) -> list[int] | None:
    """?opd=slug if the caller may see it; else every OPD they see (None: all)."""
    principal = principal_of(request)
    slug = request.query.get("opd")
    if not slug:
        return principal.visible_opds()
    opd = request.app[SERVICE].directory.opd_by_slug(slug)
    try:
        authorize(principal, Action.REPORTS, opd.id if opd else -1)
    except Denied:
        raise api_error(404, "not_found", f"no OPD {slug!r}") from None
    assert opd is not None
    return [opd.id]


def _day(request: web.Request, name: str) -> date | None:
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise api_error(400, "bad_request", f"{name} must be a date like 2026-11-01") from None


# -- SLA policies ------------------------------------------------------------------------
@allow(Action.ADMIN)
async def list_policies(request: web.Request) -> web.Response:
    return web.json_response(await _policies(request))


async def _policies(request: web.Request) -> dict[str, Any]:
    service = request.app[SERVICE]
    directory = service.directory
    slugs = {o.id: o.slug for o in directory.opds.values()}
    items = await service.store.read(
        lambda c: deadlines.listed(c, directory.organization_id, slugs)
    )
    return {
        "items": items,
        "presets": deadlines.presets_view(),
        "default": service.sla.settings.policy,
    }


@allow(Action.ADMIN)
async def put_policy(request: web.Request) -> web.Response:
    """The policy of an OPD (and maybe one category): {"opd": "pupr", "category": "Jalan",
    "preset": "1x24"} or with "response"/"resolution": {"amount": 5, "unit": "working_days"}.
    Without opd and category: the organisation's own default."""
    data: dict[str, Any] = await json_body(request)
    service = request.app[SERVICE]
    directory = service.directory
    opd_id = None
    if data.get("opd") is not None:
        opd = directory.opd_by_slug(str(data["opd"]))
        if opd is None:
            raise api_error(422, "unknown_opd", f"no OPD {data['opd']!r}")
        opd_id = opd.id
    category = data.get("category")
    if category is not None and (not isinstance(category, str) or not category.strip()):
        raise api_error(400, "bad_request", "category must be a category's name")
    org = directory.organization_id
    try:
        await service.store.write(lambda c: deadlines.save(c, org, opd_id, category, data))
    except PolicyError as exc:
        raise api_error(400, exc.code, exc.message) from None
    await service.sla.reload_open()
    return web.json_response(await _policies(request))


@allow(Action.ADMIN)
async def delete_policy(request: web.Request) -> web.Response:
    policy_id = path_int(request, "policy_id", "SLA policy")
    service = request.app[SERVICE]
    org = service.directory.organization_id
    try:
        await service.store.write(lambda c: deadlines.remove(c, org, policy_id))
    except PolicyError as exc:
        raise api_error(404, exc.code, exc.message) from None
    await service.sla.reload_open()
    return web.Response(status=204)
