"""What every agent needs to pick from: the OPDs (to send a case to), the inboxes they may
record or answer in, and the agents of their OPD (to give a case to)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select

from hub.api.deps import allow, principal_of
from hub.auth import Action
from hub.entries import KINDS as ENTRY_KINDS
from hub.keys import SERVICE, STORE
from hub.store import schema as s


@allow(Action.CASE_READ)
async def list_opds(request: web.Request) -> web.Response:
    """Every OPD of the organisation: a case may be sent to any of them."""
    directory = request.app[SERVICE].directory
    items = [
        {**opd.view(), "coordinator": opd.coordinator}
        for opd in sorted(directory.opds.values(), key=lambda o: o.name)
        if opd.active
    ]
    return web.json_response({"items": items})


@allow(Action.CASE_READ)
async def list_inboxes(request: web.Request) -> web.Response:
    """The inboxes of the OPDs the agent sees, and every manual, WhatsApp and Telegram
    inbox (an offline entry may be recorded in them); no secrets."""
    principal = principal_of(request)
    directory = request.app[SERVICE].directory
    items = [
        {**directory.inbox_view(i.id), "opd": directory.opd_view(i.opd_id)}
        for i in sorted(directory.inboxes.values(), key=lambda i: i.name)
        if principal.can_see(i.opd_id) or i.kind in ENTRY_KINDS
    ]
    return web.json_response({"items": items})


@allow(Action.CASE_ASSIGN)
async def list_colleagues(request: web.Request) -> web.Response:
    """The active agents of the OPDs the caller sees, with their open-case load and whether
    they are online — whom a supervisor can give a case to."""
    principal = principal_of(request)
    a = s.agent.c
    query = select(a.id, a.name, a.role, a.opd_id, a.capacity).where(a.active.is_(True))
    opds = principal.visible_opds()
    if opds is not None:
        query = query.where(a.opd_id.in_(opds))
    rows = await request.app[STORE].read(lambda c: c.execute(query.order_by(a.name)).all())
    online = await request.app[SERVICE].desk.online()
    items: list[dict[str, Any]] = [
        {
            "id": r.id,
            "name": r.name,
            "role": r.role,
            "opd_id": r.opd_id,
            "capacity": r.capacity,
            "online": r.id in online,
        }
        for r in rows
    ]
    return web.json_response({"items": items})
