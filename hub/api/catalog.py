"""Categories, canned responses, business hours and areas: every agent reads them (except
the hours), only the coordinator (admin) changes them."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub import catalog
from hub.admin import AdminError
from hub.api.deps import allow, fields, json_body, path_int, principal_of, required
from hub.auth import Action
from hub.keys import SERVICE


def _org(request: web.Request) -> int:
    return principal_of(request).organization_id


async def _write(request: web.Request, job: Any) -> Any:
    return await request.app[SERVICE].store.write(job)


async def _read(request: web.Request, job: Any) -> Any:
    return await request.app[SERVICE].store.read(job)


def _items(items: list[dict[str, Any]]) -> web.Response:
    return web.json_response({"items": items})


# -- categories --------------------------------------------------------------------------
@allow(Action.CASE_READ)
async def list_categories(request: web.Request) -> web.Response:
    org = _org(request)
    return _items(await _read(request, lambda c: catalog.list_categories(c, org)))


@allow(Action.ADMIN)
async def create_category(request: web.Request) -> web.Response:
    data = fields(await json_body(request), name="str", opd_id="int?", needs_after_photo="bool")
    required(data, "name")
    org = _org(request)
    category = await _write(
        request,
        lambda c: catalog.create_category(
            c, org, data["name"], data.get("opd_id"), data.get("needs_after_photo", False)
        ),
    )
    return web.json_response({"category": category}, status=201)


@allow(Action.ADMIN)
async def update_category(request: web.Request) -> web.Response:
    changes = fields(
        await json_body(request),
        name="str",
        opd_id="int?",
        needs_after_photo="bool",
        active="bool",
    )
    category_id = path_int(request, "category_id", "category")
    org = _org(request)
    category = await _write(
        request, lambda c: catalog.update_category(c, org, category_id, changes)
    )
    return web.json_response({"category": category})


# -- canned responses --------------------------------------------------------------------
@allow(Action.CASE_READ)
async def list_canned(request: web.Request) -> web.Response:
    """An agent gets those for every OPD and for their own; an admin gets all."""
    principal = principal_of(request)
    visible = principal.visible_opds()
    return _items(
        await _read(request, lambda c: catalog.list_canned(c, principal.organization_id, visible))
    )


@allow(Action.ADMIN)
async def create_canned(request: web.Request) -> web.Response:
    data = fields(await json_body(request), shortcut="str", body="str", opd_id="int?")
    required(data, "shortcut", "body")
    org = _org(request)
    canned = await _write(
        request,
        lambda c: catalog.create_canned(c, org, data["shortcut"], data["body"], data.get("opd_id")),
    )
    return web.json_response({"canned_response": canned}, status=201)


@allow(Action.ADMIN)
async def update_canned(request: web.Request) -> web.Response:
    changes = fields(await json_body(request), shortcut="str", body="str", opd_id="int?")
    canned_id = path_int(request, "canned_id", "canned response")
    org = _org(request)
    canned = await _write(request, lambda c: catalog.update_canned(c, org, canned_id, changes))
    return web.json_response({"canned_response": canned})


@allow(Action.ADMIN)
async def delete_canned(request: web.Request) -> web.Response:
    canned_id = path_int(request, "canned_id", "canned response")
    org = _org(request)
    await _write(request, lambda c: catalog.delete_canned(c, org, canned_id))
    return web.Response(status=204)


# -- business hours ----------------------------------------------------------------------
@allow(Action.ADMIN)
async def get_hours(request: web.Request) -> web.Response:
    """The organisation's week, or with ?opd=slug that OPD's own week (empty: it works
    the organisation's)."""
    org, opd = _org(request), _hours_opd(request)
    days = await _read(request, lambda c: catalog.hours(c, org, opd))
    return web.json_response({"days": days})


@allow(Action.ADMIN)
async def put_hours(request: web.Request) -> web.Response:
    """The whole week: every weekday listed is open from `opens` to `closes`."""
    data = fields(await json_body(request), days="list")
    required(data, "days")
    days = data["days"]
    if not all(isinstance(d, dict) for d in days):
        raise AdminError("bad_request", "days must be a list of objects")
    org, opd = _org(request), _hours_opd(request)
    saved = await _write(request, lambda c: catalog.set_hours(c, org, days, opd))
    await request.app[SERVICE].sla.reload_open()
    return web.json_response({"days": saved})


def _hours_opd(request: web.Request) -> int | None:
    slug = request.query.get("opd")
    if not slug:
        return None
    opd = request.app[SERVICE].directory.opd_by_slug(slug)
    if opd is None:
        raise AdminError("unknown_opd", f"no OPD {slug!r}")
    return opd.id


# -- areas -------------------------------------------------------------------------------
@allow(Action.CASE_READ)
async def list_areas(request: web.Request) -> web.Response:
    org = _org(request)
    return _items(await _read(request, lambda c: catalog.list_areas(c, org)))


@allow(Action.ADMIN)
async def create_area(request: web.Request) -> web.Response:
    data = fields(await json_body(request), kecamatan="str", kelurahan="str")
    required(data, "kecamatan", "kelurahan")
    org = _org(request)
    area = await _write(
        request, lambda c: catalog.add_area(c, org, data["kecamatan"], data["kelurahan"])
    )
    return web.json_response({"area": area}, status=201)


@allow(Action.ADMIN)
async def import_areas(request: web.Request) -> web.Response:
    """CSV text, one `kecamatan,kelurahan` a line: {added, skipped}."""
    data = fields(await json_body(request), csv="str")
    required(data, "csv")
    org = _org(request)
    return web.json_response(
        await _write(request, lambda c: catalog.import_areas(c, org, data["csv"]))
    )


@allow(Action.ADMIN)
async def delete_area(request: web.Request) -> web.Response:
    area_id = path_int(request, "area_id", "area")
    org = _org(request)
    await _write(request, lambda c: catalog.delete_area(c, org, area_id))
    return web.Response(status=204)
