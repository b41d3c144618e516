"""Disposisi and assignment: send a case to another OPD, accept or return it, take it,
give it to someone."""

from __future__ import annotations

from aiohttp import web

from hub.api.deps import allow, json_body, path_id, principal_of, text_field
from hub.api.errors import api_error
from hub.auth import Action
from hub.keys import SERVICE
from hub.views import seen_by


@allow(Action.CASE_TRANSFER, case="id")
async def transfer(request: web.Request) -> web.Response:
    data = await json_body(request)
    slug = text_field(data, "opd") or ""
    opd = request.app[SERVICE].directory.opd_by_slug(slug)
    if opd is None:
        raise api_error(422, "unknown_opd", f"no OPD {slug!r}")
    reason = text_field(data, "reason") or ""
    desk = request.app[SERVICE].desk
    conv = await desk.transfer(principal_of(request), path_id(request), opd.id, reason)
    return web.json_response({"conversation": seen_by(conv, principal_of(request))})


@allow(Action.CASE_TRANSFER, case="id")
async def accept(request: web.Request) -> web.Response:
    conv = await request.app[SERVICE].desk.accept(principal_of(request), path_id(request))
    return web.json_response({"conversation": seen_by(conv, principal_of(request))})


@allow(Action.CASE_TRANSFER, case="id")
async def give_back(request: web.Request) -> web.Response:
    data = await json_body(request)
    reason = text_field(data, "reason") or ""
    desk = request.app[SERVICE].desk
    conv = await desk.give_back(principal_of(request), path_id(request), reason)
    return web.json_response({"conversation": seen_by(conv, principal_of(request))})


@allow(Action.CASE_READ, case="id")
async def transfers(request: web.Request) -> web.Response:
    items = await request.app[SERVICE].desk.transfers(principal_of(request), path_id(request))
    return web.json_response({"items": items})


@allow(Action.CASE_TAKE, case="id")
async def take(request: web.Request) -> web.Response:
    conv = await request.app[SERVICE].desk.take(principal_of(request), path_id(request))
    return web.json_response({"conversation": seen_by(conv, principal_of(request))})


@allow(Action.CASE_ASSIGN, case="id")
async def assign(request: web.Request) -> web.Response:
    data = await json_body(request)
    agent_id = data.get("agent_id")
    if agent_id is not None and (not isinstance(agent_id, int) or isinstance(agent_id, bool)):
        raise api_error(400, "bad_request", "agent_id must be an integer or null")
    desk = request.app[SERVICE].desk
    conv = await desk.assign(principal_of(request), path_id(request), agent_id)
    return web.json_response({"conversation": seen_by(conv, principal_of(request))})
