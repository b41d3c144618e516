"""Offline entries: a complaint an agent records from a phone call, a visit, a letter or the
media becomes a case with a tracking code (409 while the resident's case in that inbox is
open: the error names it)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.api.deps import allow, fields, json_body, principal_of, text_field
from hub.api.errors import api_error
from hub.auth import Action
from hub.entries import Entry
from hub.keys import SERVICE
from hub.models import Source
from hub.views import seen_by

FIELDS = ("inbox", "name", "phone", "email", "opd", "category", "kelurahan", "client_id")


@allow(Action.CASE_WRITE)
async def create_entry(request: web.Request) -> web.Response:
    data = await json_body(request)
    raw = text_field(data, "source") or ""
    if raw not in {str(s) for s in Source}:
        raise api_error(400, "bad_request", "source must be phone, walk_in, letter or media")
    found: dict[str, Any] = {name: text_field(data, name, required=False) for name in FIELDS}
    if found["client_id"] is not None and not 1 <= len(found["client_id"]) <= 64:
        raise api_error(400, "bad_request", "client_id must have 1 to 64 characters")
    contact = fields(data, contact="int?").get("contact")
    entry = Entry(
        source=Source(raw),
        text=text_field(data, "text") or "",
        inbox_key=found["inbox"],
        name=found["name"],
        phone=found["phone"],
        email=found["email"],
        opd_slug=found["opd"],
        category=found["category"],
        kelurahan=found["kelurahan"],
        client_id=found["client_id"],
        contact_id=contact,
    )
    principal = principal_of(request)
    done = await request.app[SERVICE].record_entry(principal, entry)
    body = {"conversation": seen_by(done.conversation, principal), "message": done.message}
    return web.json_response(body, status=200 if done.duplicate else 201)
